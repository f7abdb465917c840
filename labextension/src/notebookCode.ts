import { ISessionContextDialogs } from '@jupyterlab/apputils';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

import { IRunOutcome, withTimeLimit } from './timeLimit';

/** The code as a cell holds it: without trailing blank lines. What is checked and shown is this. */
export function cellSource(code: string): string {
  return code.replace(/\n+$/, '');
}

/** Put `code` in a new code cell below the notebook's active cell (it becomes active). */
export function insertCodeBelow(panel: NotebookPanel, code: string): void {
  const notebook = panel.content;
  if (!notebook.model) {
    throw new Error(`${panel.context.path} is not loaded yet`);
  }
  if (notebook.model.readOnly) {
    throw new Error(`${panel.context.path} is read-only`);
  }
  NotebookActions.insertBelow(notebook);
  if (notebook.activeCell?.model.type !== 'code') {
    NotebookActions.changeCellType(notebook, 'code');
  }
  const cell = notebook.activeCell;
  if (!cell) {
    throw new Error(`cannot add a cell to ${panel.context.path}`);
  }
  cell.model.sharedModel.setSource(cellSource(code));
  void notebook.scrollToItem(notebook.activeCellIndex);
}

/**
 * Insert `code` (as `cellSource` gives it: the code the user approved) below the
 * active cell and run it in the notebook's kernel, stopped after `limitS` seconds.
 */
export async function runCodeBelow(
  panel: NotebookPanel,
  code: string,
  limitS: number,
  dialogs?: ISessionContextDialogs | null
): Promise<IRunOutcome> {
  insertCodeBelow(panel, code);
  if (panel.content.activeCell?.model.sharedModel.getSource() !== code) {
    throw new Error('the new cell does not hold the code that was checked; nothing was run');
  }
  await panel.sessionContext.ready;
  if (panel.sessionContext.hasNoKernel && !dialogs) {
    throw new Error(`${panel.context.path} has no kernel: select one, then press Run again`);
  }
  const run = NotebookActions.run(panel.content, panel.sessionContext, dialogs ?? undefined);
  return withTimeLimit(run, panel.sessionContext, limitS);
}
