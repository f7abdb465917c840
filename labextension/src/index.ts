import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, ISessionContextDialogs } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { AnswerSanitizer } from './answerSanitizer';
import { ApiClient } from './api';
import { ChatModel } from './chatModel';
import { notebookCodeActions } from './codeActions';
import { addCommands } from './commands';
import { notebookBridge } from './notebookBridge';
import { bindPreferences } from './preferences';
import { RunSettings } from './runSettings';
import { ChatSidebar, SIDEBAR_ID } from './sidebar';

/**
 * The MolSys-AI chat sidebar: questions about the MolSysSuite documentation and
 * the open notebook, answered by the `molsys_ai_jupyter.serverext` server extension.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'molsys-ai-jupyterlab:plugin',
  description: 'MolSys-AI chat sidebar: ask the MolSysSuite documentation, insert and run the code it suggests.',
  autoStart: true,
  requires: [INotebookTracker, IRenderMimeRegistry],
  optional: [ICommandPalette, ILayoutRestorer, ISessionContextDialogs, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    rendermime: IRenderMimeRegistry,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    dialogs: ISessionContextDialogs | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const client = new ApiClient(app.serviceManager.serverSettings);
    const bridge = notebookBridge(tracker, app.serviceManager.contents);
    const runSettings = new RunSettings();
    const model = new ChatModel(client, bridge, runSettings);
    // answers are rendered by JupyterLab's Markdown renderer with a stricter sanitizer: no
    // remote image, form, button or script from an answer reaches the page
    const answers = rendermime.clone({ sanitizer: new AnswerSanitizer(rendermime.sanitizer) });
    const actions = notebookCodeActions(tracker, client, bridge, runSettings, dialogs);
    const sidebar = new ChatSidebar(model, answers, actions);
    app.shell.add(sidebar, 'right', { rank: 900 });
    restorer?.add(sidebar, SIDEBAR_ID);

    // the chat follows the current notebook, renamed ones included
    const followed = new WeakSet<NotebookPanel>();
    const follow = (): void => {
      const panel = tracker.currentWidget;
      if (panel && !followed.has(panel)) {
        followed.add(panel);
        panel.context.pathChanged.connect(() => {
          if (tracker.currentWidget === panel) {
            model.followNotebook();
          }
        });
      }
      model.followNotebook();
    };
    tracker.currentChanged.connect(follow);
    follow();
    void model.refreshStatus();

    addCommands(app, sidebar, tracker, palette);

    // the toggles are kept in the user's settings (JupyterLab's Settings Editor shows them)
    settingRegistry
      ?.load(plugin.id)
      .then(settings => bindPreferences(model, settings, runSettings))
      .catch(reason => console.warn('MolSys-AI: the sidebar settings could not be loaded; toggles are not kept', reason));
  }
};

export default plugin;
