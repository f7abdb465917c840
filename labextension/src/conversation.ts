import { ISignal, Signal } from '@lumino/signaling';

import { ApiClient } from './api';
import { streamChat } from './chatStream';
import { answerMarkdown } from './citations';
import { isAbort, toErrorInfo } from './errors';
import { attachedParts } from './notebookContext';
import { RunSettings } from './runSettings';
import { IChatMessage, IErrorInfo, IHistoryTurn, INotebookContext } from './types';

let counter = 0;
function newId(): string {
  counter += 1;
  return `molsys-ai-${Date.now().toString(36)}-${counter}`;
}

/**
 * The chat of one notebook (or of no notebook): its messages, the history kept by
 * the server, and the request in flight. Messages are replaced, never mutated, so
 * a view can compare them by identity.
 */
export class Conversation {
  constructor(
    readonly notebook: string | null,
    private readonly client: ApiClient,
    private readonly runSettings: RunSettings
  ) {}

  messages: ReadonlyArray<IChatMessage> = [];
  busy = false;
  loading = false;
  /** A failure outside the messages (loading or clearing the history), shown above them. */
  notice: IErrorInfo | null = null;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Load the notebook's saved chat (once; again after `reload`). */
  async load(): Promise<void> {
    if (!this.notebook || this.loaded || this.loading) {
      return;
    }
    this.loading = true;
    this.notice = null;
    this.emit();
    try {
      const reply = await this.client.history(this.notebook);
      const saved = reply.turns.flatMap(turnMessages);
      this.messages = [...saved, ...this.messages];
      this.loaded = true;
    } catch (error) {
      const { message, hint } = toErrorInfo(error);
      this.notice = { message: `cannot load this notebook's chat history: ${message}`, hint };
    } finally {
      this.loading = false;
      this.emit();
    }
  }

  /** Ask a question; the answer streams into a new message. */
  async ask(message: string, context?: INotebookContext): Promise<void> {
    if (this.busy) {
      return;
    }
    this.push({ id: newId(), role: 'user', text: message, attached: attachedParts(context) });
    const answer = this.push({
      id: newId(),
      role: 'assistant',
      text: '',
      streaming: true,
      request: { text: message, context, task: false }
    });
    const controller = this.start();
    try {
      await streamChat(
        this.client,
        { message, notebook: this.notebook ?? undefined, context },
        {
          onToken: text => this.update(answer.id, m => ({ ...m, text: m.text + text })),
          onAnswer: result =>
            this.update(answer.id, m => ({
              ...m,
              text: answerMarkdown(result.text, result.markdown, result.sources),
              sources: result.sources,
              streaming: false,
              note: result.history_error
                ? `not saved in the notebook's history: ${result.history_error}`
                : undefined
            })),
          onError: error => this.update(answer.id, m => ({ ...m, streaming: false, error }))
        },
        controller.signal
      );
    } catch (error) {
      this.fail(answer.id, error, controller.signal);
    } finally {
      this.finish(controller);
    }
  }

  /** "Do it": ask the agent for code that does `task` (shown, not run). */
  async suggest(task: string, variables?: () => Promise<string[]>): Promise<void> {
    if (this.busy) {
      return;
    }
    this.push({ id: newId(), role: 'user', text: task, task: true });
    const reply = this.push({
      id: newId(),
      role: 'assistant',
      text: '',
      streaming: true,
      task: true,
      request: { text: task, task: true, variables }
    });
    const controller = this.start();
    try {
      const names = variables ? await variables() : undefined;
      const suggestion = await this.client.suggest(
        task,
        this.notebook ?? undefined,
        names,
        controller.signal,
        this.runSettings.agentDesign
      );
      this.update(reply.id, m => ({ ...m, streaming: false, suggestion }));
    } catch (error) {
      this.fail(reply.id, error, controller.signal);
    } finally {
      this.finish(controller);
    }
  }

  /** Send a failed question (or task) again, in place of the failed exchange. */
  async retry(answerId: string): Promise<void> {
    const at = this.messages.findIndex(m => m.id === answerId);
    const request = at >= 0 ? this.messages[at].request : undefined;
    if (this.busy || !request) {
      return;
    }
    const first = at > 0 && this.messages[at - 1].role === 'user' ? at - 1 : at;
    this.messages = [...this.messages.slice(0, first), ...this.messages.slice(at + 1)];
    if (request.task) {
      await this.suggest(request.text, request.variables);
    } else {
      await this.ask(request.text, request.context);
    }
  }

  /** Stop the request in flight (the server stops generating). */
  stop(): void {
    this.controller?.abort();
  }

  /** Forget the chat, here and in the server's history of the notebook. */
  async clear(): Promise<void> {
    this.stop();
    try {
      if (this.notebook) {
        await this.client.clearHistory(this.notebook);
      }
      this.messages = [];
      this.notice = null;
    } catch (error) {
      const { message, hint } = toErrorInfo(error);
      this.notice = { message: `cannot clear the chat history: ${message}`, hint };
    }
    this.emit();
  }

  /** Hide the notice. */
  dismissNotice(): void {
    this.notice = null;
    this.emit();
  }

  /** Load the history again (after a failure). */
  reload(): Promise<void> {
    this.loaded = false;
    this.messages = this.messages.filter(m => m.streaming);
    return this.load();
  }

  private start(): AbortController {
    this.busy = true;
    this.controller = new AbortController();
    this.emit();
    return this.controller;
  }

  private finish(controller: AbortController): void {
    if (this.controller === controller) {
      this.controller = null;
    }
    this.busy = false;
    this.emit();
  }

  private fail(id: string, error: unknown, signal: AbortSignal): void {
    if (isAbort(error, signal)) {
      this.update(id, m => ({ ...m, streaming: false, note: 'stopped' }));
    } else {
      this.update(id, m => ({ ...m, streaming: false, error: toErrorInfo(error) }));
    }
  }

  private push(message: IChatMessage): IChatMessage {
    this.messages = [...this.messages, message];
    this.emit();
    return message;
  }

  private update(id: string, change: (message: IChatMessage) => IChatMessage): void {
    this.messages = this.messages.map(m => (m.id === id ? change(m) : m));
    this.emit();
  }

  private emit(): void {
    this._changed.emit(undefined);
  }

  private loaded = false;
  private controller: AbortController | null = null;
  private _changed = new Signal<this, void>(this);
}

/** A saved turn as the two messages it was. */
function turnMessages(turn: IHistoryTurn, index: number): IChatMessage[] {
  if (turn.suggestion) {
    return [
      { id: `history-${index}-q`, role: 'user', text: turn.task ?? turn.suggestion.task, task: true },
      { id: `history-${index}-a`, role: 'assistant', text: '', task: true, suggestion: turn.suggestion }
    ];
  }
  return [
    { id: `history-${index}-q`, role: 'user', text: turn.question ?? '' },
    {
      id: `history-${index}-a`,
      role: 'assistant',
      text: answerMarkdown(turn.answer ?? '', turn.markdown, turn.sources),
      sources: turn.sources
    }
  ];
}
