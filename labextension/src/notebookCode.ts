import { ISessionContextDialogs } from '@jupyterlab/apputils';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

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
  cell.model.sharedModel.setSource(code.replace(/\n+$/, ''));
  void notebook.scrollToItem(notebook.activeCellIndex);
}

/**
 * Insert `code` below the active cell and run it in the notebook's kernel.
 * Resolves to whether it ran without error.
 */
export async function runCodeBelow(
  panel: NotebookPanel,
  code: string,
  dialogs?: ISessionContextDialogs | null
): Promise<boolean> {
  insertCodeBelow(panel, code);
  await panel.sessionContext.ready;
  if (panel.sessionContext.hasNoKernel && !dialogs) {
    throw new Error(`${panel.context.path} has no kernel: select one, then press Run again`);
  }
  return NotebookActions.run(panel.content, panel.sessionContext, dialogs ?? undefined);
}
