import { Clipboard, ISessionContextDialogs, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { ApiClient } from './api';
import { INotebookBridge } from './chatModel';
import { askConsent } from './consent';
import { toErrorInfo } from './errors';
import { cellSource, insertCodeBelow, runCodeBelow } from './notebookCode';
import { RunSettings } from './runSettings';

/** What the buttons of a code block in an answer do. */
export interface ICodeActions {
  copy(code: string): void;
  /** A new code cell below the active cell of the current notebook. */
  insert(code: string): void;
  /**
   * Check the code with the execution policy (asking for consent when it needs it),
   * insert it below, run it in the notebook's kernel within the time limit. Resolves
   * to a line for the panel ("stopped after 120 s: …", "not run: …"), or null.
   */
  run(code: string): Promise<string | null>;
}

/** Code actions on the current notebook of `tracker`; failures become notifications. */
export function notebookCodeActions(
  tracker: INotebookTracker,
  client: ApiClient,
  bridge: INotebookBridge,
  settings: RunSettings,
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
    async run(code: string): Promise<string | null> {
      try {
        const panel = target();
        const source = cellSource(code); // what is checked, shown and run: the same text
        const verdict = await client.policy(source, bridge.path() ?? undefined, await bridge.variables());
        if (verdict.needs_consent && !(await askConsent(source, verdict.findings))) {
          return 'not run: you did not consent';
        }
        const outcome = await runCodeBelow(panel, source, settings.runTimeLimitSeconds, dialogs);
        if (outcome.stopped) {
          return outcome.stopped;
        }
        if (!outcome.ok) {
          Notification.warning(`MolSys-AI: the code ran with an error in ${panel.context.path}`, {
            autoClose: 5000
          });
        }
        return null;
      } catch (error) {
        report('cannot run the code', error);
        return null;
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
