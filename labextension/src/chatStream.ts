import { ApiClient } from './api';
import { ApiError, toErrorInfo } from './errors';
import { SseParser } from './sse';
import { IAnswer, IChatRequest, IErrorInfo } from './types';

export interface IChatHandlers {
  /** A piece of the answer, as the model writes it. */
  onToken(text: string): void;
  /** The final, verified answer (it replaces the streamed text). */
  onAnswer(answer: IAnswer): void;
  /** The server's `error` event. */
  onError(error: IErrorInfo): void;
}

/**
 * Ask a question and read the answer's event stream (`token` … `answer` or
 * `error`, then `done`) with a `ReadableStream` reader. Resolves when the stream
 * ends; rejects on a failed request, an abort, or a stream that ends without an
 * answer or an error.
 */
export async function streamChat(
  client: ApiClient,
  request: IChatRequest,
  handlers: IChatHandlers,
  signal?: AbortSignal
): Promise<void> {
  const response = await client.chat(request, signal);
  if (!response.body) {
    throw new ApiError({
      message: 'this browser cannot read a streamed answer',
      hint: 'use a current Firefox, Chrome, Edge or Safari'
    });
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let settled = false; // an answer or an error came

  const dispatch = (event: string, raw: string): boolean => {
    const data = parseData(raw);
    switch (event) {
      case 'token':
        handlers.onToken(tokenText(data));
        return false;
      case 'answer':
        settled = true;
        handlers.onAnswer(data as IAnswer);
        return false;
      case 'error':
        settled = true;
        handlers.onError(toErrorInfo(data ?? { message: raw }));
        return false;
      case 'done':
        return true;
      default:
        return false; // an event this panel does not know yet
    }
  };

  try {
    for (;;) {
      const { value, done } = await reader.read();
      const events = done
        ? [...parser.push(decoder.decode()), ...parser.flush()]
        : parser.push(decoder.decode(value, { stream: true }));
      for (const { event, data } of events) {
        if (dispatch(event, data)) {
          return finish(settled);
        }
      }
      if (done) {
        return finish(settled);
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

function finish(settled: boolean): void {
  if (!settled) {
    throw new ApiError({
      message: 'the answer stream ended before the answer',
      hint: 'the Jupyter server may have stopped or restarted; see its log'
    });
  }
}

function parseData(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // plain text data
  }
}

function tokenText(data: unknown): string {
  if (typeof data === 'string') {
    return data;
  }
  if (data && typeof data === 'object' && 'text' in data) {
    return String((data as { text: unknown }).text ?? '');
  }
  return '';
}
