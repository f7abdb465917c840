import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { ApiError, isAbort } from './errors';
import { AgentDesign } from './runSettings';
import {
  IChatRequest,
  IHistoryReply,
  IPolicyVerdict,
  IStatus,
  ISuggestion
} from './types';

/** Where the server extension answers, under the server's base URL. */
export const NAMESPACE = 'molsys-ai';

/**
 * The REST client of the MolSys-AI server extension. Requests go through
 * `ServerConnection.makeRequest`, so Jupyter's token and XSRF rules apply.
 */
export class ApiClient {
  constructor(
    readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  url(path: string, query?: Record<string, string>): string {
    const base = URLExt.join(this.settings.baseUrl, NAMESPACE, path);
    return query ? base + URLExt.objectToQueryString(query) : base;
  }

  /** The response of `path` (any status); a readable error when the server is unreachable. */
  async request(path: string, init: RequestInit = {}, query?: Record<string, string>): Promise<Response> {
    try {
      return await ServerConnection.makeRequest(this.url(path, query), init, this.settings);
    } catch (error) {
      if (isAbort(error, init.signal ?? undefined)) {
        throw error;
      }
      throw new ApiError({
        message: `cannot reach the Jupyter server (${NAMESPACE}/${path})`,
        hint: 'is Jupyter still running? Reload the page once it is'
      });
    }
  }

  /** The JSON reply of `path`, or an `ApiError` with the server's message and hint. */
  async json<T>(path: string, init: RequestInit = {}, query?: Record<string, string>): Promise<T> {
    const response = await this.request(path, init, query);
    if (!response.ok) {
      throw await ApiError.fromResponse(response, `${NAMESPACE}/${path}`);
    }
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError({
        message: `${NAMESPACE}/${path} did not answer JSON`,
        hint: 'see the Jupyter server log for details'
      });
    }
  }

  status(): Promise<IStatus> {
    return this.json<IStatus>('status');
  }

  history(notebook: string): Promise<IHistoryReply> {
    return this.json<IHistoryReply>('history', {}, { notebook });
  }

  clearHistory(notebook: string): Promise<IHistoryReply> {
    return this.json<IHistoryReply>('history', { method: 'DELETE' }, { notebook });
  }

  suggest(
    task: string,
    notebook?: string,
    variables?: string[],
    signal?: AbortSignal,
    design?: AgentDesign
  ): Promise<ISuggestion> {
    return this.json<ISuggestion>('agent/suggest', {
      method: 'POST',
      body: JSON.stringify({ task, notebook, variables, design }),
      signal
    });
  }

  /** `POST policy`: whether `code` needs the user's consent before it runs in the notebook's kernel. */
  policy(code: string, notebook?: string, variables?: string[]): Promise<IPolicyVerdict> {
    return this.json<IPolicyVerdict>('policy', {
      method: 'POST',
      body: JSON.stringify({ code, notebook, variables })
    });
  }

  /** `POST chat`: the response whose body is the answer's event stream (checked OK). */
  async chat(body: IChatRequest, signal?: AbortSignal): Promise<Response> {
    const response = await this.request('chat', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { Accept: 'text/event-stream' },
      signal
    });
    if (!response.ok) {
      throw await ApiError.fromResponse(response, `${NAMESPACE}/chat`);
    }
    return response;
  }
}
