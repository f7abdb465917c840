import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';

import { molsysIcon } from './icon';
import { failingCell, head, tail } from './notebookContext';
import { ChatSidebar } from './sidebar';

export const CommandIDs = {
  open: 'molsys-ai:open',
  fix: 'molsys-ai:fix-cell'
} as const;

const CATEGORY = 'MolSys-AI';

/** "Open the chat" and "Fix with MolSys-AI", in the palette and the cell's context menu. */
export function addCommands(
  app: JupyterFrontEnd,
  sidebar: ChatSidebar,
  tracker: INotebookTracker,
  palette: ICommandPalette | null
): void {
  const show = (): void => {
    app.shell.activateById(sidebar.id);
    sidebar.focusInput();
  };

  app.commands.addCommand(CommandIDs.open, {
    label: 'Open the MolSys-AI chat',
    caption: 'Ask the MolSysSuite documentation; insert or run the code it suggests',
    icon: molsysIcon,
    execute: show
  });

  app.commands.addCommand(CommandIDs.fix, {
    label: 'Fix with MolSys-AI',
    caption: "Ask MolSys-AI why the cell's error happens and how to fix it",
    icon: molsysIcon,
    isEnabled: () => tracker.currentWidget !== null,
    execute: () => {
      const found = failingCell(tracker.currentWidget);
      if (!found) {
        Notification.warning('MolSys-AI: no cell of this notebook shows an error to fix', { autoClose: 5000 });
        return;
      }
      show();
      if (sidebar.model.current.busy) {
        Notification.warning('MolSys-AI is still answering: press Stop or wait, then try again', {
          autoClose: 5000
        });
        return;
      }
      sidebar.model.fix(head(found.cell.model.sharedModel.getSource()), tail(found.error));
    }
  });

  app.contextMenu.addItem({ command: CommandIDs.fix, selector: '.jp-Notebook .jp-CodeCell', rank: 20 });
  palette?.addItem({ command: CommandIDs.open, category: CATEGORY });
  palette?.addItem({ command: CommandIDs.fix, category: CATEGORY });
}
