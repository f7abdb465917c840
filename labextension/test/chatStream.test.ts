import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { ApiClient } from '../src/api';
import { IChatHandlers, streamChat } from '../src/chatStream';
import { ApiError } from '../src/errors';
import { IAnswer, IChatRequest, IErrorInfo } from '../src/types';

// chatStream.ts imports ApiClient (and so @jupyterlab/services) for its type only:
// these tests give streamChat a stand-in client whose `chat` returns a Response.

function serverEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A streamed response whose body is `text` as UTF-8, cut at the given byte offsets. */
function streamed(text: string, cuts: number[] = []): { response: Response; cancelled: () => boolean } {
  const bytes = new TextEncoder().encode(text);
  const bounds = [0, ...cuts, bytes.length];
  let cancelled = false;
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      // a chunk when the reader wants one: the stream stays open until its last chunk is taken
      if (next + 1 < bounds.length) {
        controller.enqueue(bytes.slice(bounds[next], bounds[next + 1]));
        next++;
      } else {
        controller.close();
      }
    },
    cancel() {
      cancelled = true;
    }
  });
  return { response: new Response(body), cancelled: () => cancelled };
}

function clientFor(response: Response): { client: ApiClient; requests: IChatRequest[] } {
  const requests: IChatRequest[] = [];
  const client = {
    chat: async (request: IChatRequest) => {
      requests.push(request);
      return response;
    }
  } as unknown as ApiClient;
  return { client, requests };
}

interface IRecorded {
  handlers: IChatHandlers;
  calls: Array<['token', string] | ['answer', IAnswer] | ['error', IErrorInfo]>;
}

function recorder(): IRecorded {
  const calls: IRecorded['calls'] = [];
  return {
    calls,
    handlers: {
      onToken: text => calls.push(['token', text]),
      onAnswer: answer => calls.push(['answer', answer]),
      onError: error => calls.push(['error', error])
    }
  };
}

const ANSWER: IAnswer = { question: 'q', text: 'Hello [1]', sources: [{ number: 1, title: 't', url: 'https://x.org' }] };
const REQUEST: IChatRequest = { message: 'How do I load a PDB file?' };

describe('streamChat', () => {
  test('passes tokens, then the answer, and resolves at `done`', async () => {
    const text =
      ': stream open\n\n' +
      serverEvent('token', { text: 'Hel' }) +
      serverEvent('token', { text: 'lo' }) +
      serverEvent('answer', ANSWER) +
      serverEvent('done', {});
    const { response } = streamed(text);
    const { client, requests } = clientFor(response);
    const { handlers, calls } = recorder();
    await streamChat(client, REQUEST, handlers);
    assert.deepEqual(requests, [REQUEST]);
    assert.deepEqual(calls, [
      ['token', 'Hel'],
      ['token', 'lo'],
      ['answer', ANSWER]
    ]);
  });

  test('decodes UTF-8 characters split between chunks', async () => {
    const text = serverEvent('token', { text: 'Å é 🧬' }) + serverEvent('answer', ANSWER);
    const bytes = new TextEncoder().encode(text).length;
    const cuts = Array.from({ length: bytes - 1 }, (_, i) => i + 1); // one byte at a time
    const { handlers, calls } = recorder();
    await streamChat(clientFor(streamed(text, cuts).response).client, REQUEST, handlers);
    assert.deepEqual(calls, [
      ['token', 'Å é 🧬'],
      ['answer', ANSWER]
    ]);
  });

  test('takes a token given as plain text, and ignores unknown events', async () => {
    const text =
      'event: token\ndata: not json\n\n' +
      serverEvent('progress', { step: 1 }) +
      serverEvent('token', { other: 1 }) +
      serverEvent('answer', ANSWER);
    const { handlers, calls } = recorder();
    await streamChat(clientFor(streamed(text).response).client, REQUEST, handlers);
    assert.deepEqual(calls, [
      ['token', 'not json'],
      ['token', ''],
      ['answer', ANSWER]
    ]);
  });

  test("passes the server's error event and resolves", async () => {
    const text =
      serverEvent('error', { message: 'the model failed', hint: 'see the log', kind: 'backend' }) +
      serverEvent('done', {});
    const { handlers, calls } = recorder();
    await streamChat(clientFor(streamed(text).response).client, REQUEST, handlers);
    assert.deepEqual(calls, [['error', { message: 'the model failed', hint: 'see the log', kind: 'backend' }]]);
  });

  test('reads a last answer that ends without its blank line', async () => {
    const text = serverEvent('token', { text: 'x' }) + `event: answer\ndata: ${JSON.stringify(ANSWER)}`;
    const { handlers, calls } = recorder();
    await streamChat(clientFor(streamed(text, [5, 30]).response).client, REQUEST, handlers);
    assert.deepEqual(calls, [
      ['token', 'x'],
      ['answer', ANSWER]
    ]);
  });

  test('stops reading at `done`', async () => {
    const head = serverEvent('answer', ANSWER) + serverEvent('done', {});
    const text = head + serverEvent('token', { text: 'late' });
    const { response, cancelled } = streamed(text, [10, new TextEncoder().encode(head).length]);
    const { handlers, calls } = recorder();
    await streamChat(clientFor(response).client, REQUEST, handlers);
    assert.deepEqual(calls, [['answer', ANSWER]]);
    assert.equal(cancelled(), true, 'the rest of the stream is cancelled');
  });

  test('rejects when the stream ends before an answer or an error', async () => {
    for (const text of ['', serverEvent('token', { text: 'partial' }), serverEvent('done', {})]) {
      const { handlers } = recorder();
      await assert.rejects(
        streamChat(clientFor(streamed(text).response).client, REQUEST, handlers),
        (error: unknown) =>
          error instanceof ApiError && error.message === 'the answer stream ended before the answer',
        JSON.stringify(text)
      );
    }
  });

  test('rejects a response without a readable body', async () => {
    const { handlers } = recorder();
    await assert.rejects(
      streamChat(clientFor(new Response(null)).client, REQUEST, handlers),
      (error: unknown) => error instanceof ApiError && /cannot read a streamed answer/.test(error.message)
    );
  });

  test("rejects with the client's error when the request fails", async () => {
    const failing = {
      chat: async () => {
        throw new ApiError({ message: 'chat failed with HTTP 500' }, 500);
      }
    } as unknown as ApiClient;
    const { handlers, calls } = recorder();
    await assert.rejects(streamChat(failing, REQUEST, handlers), { message: 'chat failed with HTTP 500' });
    assert.deepEqual(calls, []);
  });
});
