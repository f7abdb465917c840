import { Cell, ICodeCellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';

import { ContextPart, INotebookContext } from './types';

/** The most of each part sent (the server accepts 20,000 characters). */
export const MAX_CONTEXT_CHARS = 12000;

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The source of the notebook's active cell. */
export function activeCellSource(panel: NotebookPanel | null): string {
  return panel?.content.activeCell?.model.sharedModel.getSource() ?? '';
}

/** The text selected in the active cell's editor ('' when nothing is selected). */
export function selectedText(panel: NotebookPanel | null): string {
  const editor = panel?.content.activeCell?.editor;
  if (!editor) {
    return '';
  }
  const selection = editor.getSelection();
  const start = editor.getOffsetAt(selection.start);
  const end = editor.getOffsetAt(selection.end);
  if (start === end) {
    return '';
  }
  const source = editor.model.sharedModel.getSource();
  return source.slice(Math.min(start, end), Math.max(start, end));
}

/** The error output of a code cell, as plain text ('' when it has none). */
export function cellError(cell: Cell | null | undefined): string {
  if (!cell || cell.model.type !== 'code') {
    return '';
  }
  const outputs = (cell.model as ICodeCellModel).outputs;
  for (let i = outputs.length - 1; i >= 0; i--) {
    const output = outputs.get(i).toJSON() as Record<string, unknown>;
    if (output.output_type === 'error') {
      return formatError(output);
    }
  }
  return '';
}

/** A cell that shows an error, and that error as text. */
export interface IFailingCell {
  cell: Cell;
  error: string;
}

/**
 * The cell with the notebook's last error: the active cell when it shows one,
 * else the cell run most recently among those showing an error.
 */
export function failingCell(panel: NotebookPanel | null): IFailingCell | null {
  if (!panel) {
    return null;
  }
  const active = panel.content.activeCell;
  const own = cellError(active);
  if (active && own) {
    return { cell: active, error: own };
  }
  let best: IFailingCell | null = null;
  let bestCount = -1;
  for (const cell of panel.content.widgets) {
    const error = cellError(cell);
    if (error) {
      const count = (cell.model as ICodeCellModel).executionCount ?? 0;
      if (count >= bestCount) {
        best = { cell, error };
        bestCount = count;
      }
    }
  }
  return best;
}

/** The notebook's last error output as text ('' when no cell shows one). */
export function lastError(panel: NotebookPanel | null): string {
  return failingCell(panel)?.error ?? '';
}

/** The parts of the notebook the user chose to send, or undefined when all are empty. */
export function gatherContext(
  panel: NotebookPanel | null,
  parts: Record<ContextPart, boolean>
): INotebookContext | undefined {
  const context: INotebookContext = {
    cell: parts.cell ? head(activeCellSource(panel)) : '',
    selection: parts.selection ? head(selectedText(panel)) : '',
    error: parts.error ? tail(lastError(panel)) : ''
  };
  return context.cell || context.selection || context.error ? context : undefined;
}

/** The parts of `context` that hold text. */
export function attachedParts(context: INotebookContext | undefined): ContextPart[] {
  if (!context) {
    return [];
  }
  return (['cell', 'selection', 'error'] as ContextPart[]).filter(part => context[part]);
}

function formatError(output: Record<string, unknown>): string {
  const traceback = Array.isArray(output.traceback) ? output.traceback.join('\n') : '';
  const summary = `${output.ename ?? 'Error'}: ${output.evalue ?? ''}`.trim();
  const text = traceback ? `${traceback}\n${summary}` : summary;
  return text.replace(ANSI, '').trim();
}

/** The start of `text`, at most `MAX_CONTEXT_CHARS` long. */
export function head(text: string): string {
  return text.length > MAX_CONTEXT_CHARS ? text.slice(0, MAX_CONTEXT_CHARS) : text;
}

/** The end of `text` (a traceback's end says the most), at most `MAX_CONTEXT_CHARS` long. */
export function tail(text: string): string {
  return text.length > MAX_CONTEXT_CHARS ? text.slice(text.length - MAX_CONTEXT_CHARS) : text;
}
