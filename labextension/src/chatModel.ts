import { ISignal, Signal } from '@lumino/signaling';

import { ApiClient } from './api';
import { Conversation } from './conversation';
import { toErrorInfo } from './errors';
import { RunSettings } from './runSettings';
import { ContextPart, IErrorInfo, INotebookContext, IStatus } from './types';

/** What the chat needs to know of the notebook in front of the user. */
export interface INotebookBridge {
  /** The current notebook's path under the server root, or null when none is open. */
  path(): string | null;
  /** The chosen parts of the current notebook (undefined when all are empty). */
  context(parts: Record<ContextPart, boolean>): INotebookContext | undefined;
  /** The names of the user's variables in the notebook's kernel (empty when unknown). */
  variables(): Promise<string[]>;
}

/**
 * The state of the sidebar: one conversation per notebook (the current one is
 * shown), the context toggles, the "do it" mode and the server's status.
 */
export class ChatModel {
  constructor(
    readonly client: ApiClient,
    private readonly bridge: INotebookBridge,
    private readonly runSettings: RunSettings
  ) {
    this.current = this.conversationFor(null);
  }

  current: Conversation;
  status: IStatus | null = null;
  statusError: IErrorInfo | null = null;
  /** Which parts of the notebook go with a question. */
  parts: Record<ContextPart, boolean> = { cell: false, selection: true, error: false };
  /** Send messages to the agent (code for a task) rather than to the chat. */
  doIt = false;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** A toggle the user changed in the panel (saved in the settings). */
  get preferenceChanged(): ISignal<this, IPreferenceChange> {
    return this._preferenceChanged;
  }

  /** Show the chat of the current notebook (loading its history the first time). */
  followNotebook(): void {
    const conversation = this.conversationFor(this.bridge.path());
    if (conversation !== this.current) {
      this.current = conversation;
      this.emit();
    }
    void conversation.load();
  }

  /** Send what the user typed: a question, or a task in "do it" mode. */
  send(text: string): void {
    const message = text.trim();
    if (!message || this.current.busy) {
      return;
    }
    this.followNotebook();
    if (this.doIt) {
      void this.current.suggest(message, () => this.bridge.variables());
    } else {
      void this.current.ask(message, this.bridge.context(this.parts));
    }
  }

  /** Ask why a cell fails and how to fix it. */
  fix(cell: string, error: string): void {
    this.followNotebook();
    // the question names the error: the server looks up the documentation by the question
    const question = `This cell fails with ${errorSummary(error)}. Why, and how do I fix it?`;
    void this.current.ask(question, { cell, selection: '', error });
  }

  setPart(part: ContextPart, on: boolean): void {
    this.parts = { ...this.parts, [part]: on };
    this.emit();
    this._preferenceChanged.emit({ part, on });
  }

  setDoIt(on: boolean): void {
    this.doIt = on;
    this.emit();
    this._preferenceChanged.emit({ part: null, on });
  }

  /** The toggles as saved in the settings (no change is reported back). */
  applyPreferences(parts: Record<ContextPart, boolean>, doIt: boolean): void {
    this.parts = { ...parts };
    this.doIt = doIt;
    this.emit();
  }

  /** Ask the server which backend and model answer. */
  async refreshStatus(): Promise<void> {
    try {
      this.status = await this.client.status();
      this.statusError = null;
    } catch (error) {
      this.statusError = toErrorInfo(error);
    }
    this.emit();
  }

  private conversationFor(path: string | null): Conversation {
    const key = path ?? '';
    let conversation = this.conversations.get(key);
    if (!conversation) {
      conversation = new Conversation(path, this.client, this.runSettings);
      conversation.changed.connect(this.onConversationChanged, this);
      this.conversations.set(key, conversation);
    }
    return conversation;
  }

  private onConversationChanged(sender: Conversation): void {
    if (sender === this.current) {
      this.emit();
    }
    if (!sender.busy && this.wasBusy.has(sender)) {
      this.wasBusy.delete(sender);
      void this.refreshStatus(); // the model is loaded now: its name may be known
    } else if (sender.busy) {
      this.wasBusy.add(sender);
    }
  }

  private emit(): void {
    this._changed.emit(undefined);
  }

  private conversations = new Map<string, Conversation>();
  private wasBusy = new Set<Conversation>();
  private _changed = new Signal<this, void>(this);
  private _preferenceChanged = new Signal<this, IPreferenceChange>(this);
}

/** One toggle the user changed: a context part, or (part null) the "do it" mode. */
export interface IPreferenceChange {
  part: ContextPart | null;
  on: boolean;
}

/** The last line of an error's text (its `Name: message`), short; a stand-in when there is none. */
function errorSummary(error: string): string {
  const lines = error.split('\n').map(line => line.trim()).filter(line => line.length > 0);
  const last = lines.length ? lines[lines.length - 1].replace(/[.\s]+$/, '') : '';
  if (!last) {
    return 'the error below';
  }
  return last.length > 300 ? `${last.slice(0, 300)}…` : last;
}
