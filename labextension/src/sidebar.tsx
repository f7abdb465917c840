import { ReactWidget } from '@jupyterlab/ui-components';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';

import { ChatModel } from './chatModel';
import { ICodeActions } from './codeActions';
import { ChatView } from './components/ChatView';
import { molsysIcon } from './icon';

export const SIDEBAR_ID = 'molsys-ai-sidebar';

/** The "MolSys-AI" panel of the right sidebar. */
export class ChatSidebar extends ReactWidget {
  constructor(
    readonly model: ChatModel,
    private readonly rendermime: IRenderMimeRegistry,
    private readonly actions: ICodeActions
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('jp-MolsysAI');
    this.title.icon = molsysIcon;
    this.title.caption = 'MolSys-AI';
    model.changed.connect(() => this.update(), this);
  }

  render(): JSX.Element {
    return <ChatView model={this.model} rendermime={this.rendermime} actions={this.actions} />;
  }

  /** Put the cursor in the message box. */
  focusInput(): void {
    this.node.querySelector<HTMLTextAreaElement>('.jp-MolsysAI-textarea')?.focus();
  }
}
