import { INotebookTracker } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';

import { INotebookBridge } from './chatModel';
import { gatherContext } from './notebookContext';

/** The chat's view of the current notebook of `tracker`. */
export function notebookBridge(tracker: INotebookTracker, contents: Contents.IManager): INotebookBridge {
  return {
    path: () => {
      const panel = tracker.currentWidget;
      return panel ? contents.localPath(panel.context.path) : null; // without a drive prefix
    },
    context: parts => gatherContext(tracker.currentWidget, parts)
  };
}
