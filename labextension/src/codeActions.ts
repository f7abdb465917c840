import { Clipboard, ISessionContextDialogs, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { toErrorInfo } from './errors';
import { insertCodeBelow, runCodeBelow } from './notebookCode';

/** What the buttons of a code block in an answer do. */
export interface ICodeActions {
  copy(code: string): void;
  /** A new code cell below the active cell of the current notebook. */
  insert(code: string): void;
  /** Insert below, then run it in the notebook's kernel. */
  run(code: string): Promise<void>;
}

/** Code actions on the current notebook of `tracker`; failures become notifications. */
export function notebookCodeActions(
  tracker: INotebookTracker,
  dialogs?: ISessionContextDialogs | null
): ICodeActions {
  const target = (): NotebookPanel => {
    const panel = tracker.currentWidget;
    if (!panel) {
      throw new Error('open a notebook first: the code goes below its active cell');
    }
    return panel;
  };
  return {
    copy(code: string): void {
      Clipboard.copyToSystem(code);
    },
    insert(code: string): void {
      try {
        insertCodeBelow(target(), code);
      } catch (error) {
        report('cannot insert the code', error);
      }
    },
    async run(code: string): Promise<void> {
      try {
        const panel = target();
        const ok = await runCodeBelow(panel, code, dialogs);
        if (!ok) {
          Notification.warning(`MolSys-AI: the code ran with an error in ${panel.context.path}`, {
            autoClose: 5000
          });
        }
      } catch (error) {
        report('cannot run the code', error);
      }
    }
  };
}

function report(what: string, error: unknown): void {
  const { message, hint } = toErrorInfo(error);
  Notification.error(`MolSys-AI: ${what}: ${message}${hint ? ` (${hint})` : ''}`, {
    autoClose: 8000
  });
}
