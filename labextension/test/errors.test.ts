import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError, isAbort, toErrorInfo } from '../src/errors';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function htmlResponse(status: number): Response {
  return new Response('<html><body><h1>404 : Not Found</h1></body></html>', {
    status,
    headers: { 'Content-Type': 'text/html' }
  });
}

describe('ApiError', () => {
  test('is an Error carrying the hint, kind and status', () => {
    const error = new ApiError({ message: 'no model', hint: 'load one', kind: 'backend' }, 503);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ApiError');
    assert.equal(error.message, 'no model');
    assert.equal(error.hint, 'load one');
    assert.equal(error.kind, 'backend');
    assert.equal(error.status, 503);
  });
});

describe('ApiError.fromResponse', () => {
  test("keeps the server's own message, hint and kind", async () => {
    const error = await ApiError.fromResponse(
      jsonResponse(422, { message: 'the question is empty', hint: 'type a question', kind: 'bad_request' }),
      'chat'
    );
    assert.equal(error.message, 'the question is empty');
    assert.equal(error.hint, 'type a question');
    assert.equal(error.kind, 'bad_request');
    assert.equal(error.status, 422);
    const kindOnly = await ApiError.fromResponse(jsonResponse(400, { message: 'bad', kind: 'x' }), 'chat');
    assert.deepEqual([kindOnly.message, kindOnly.hint, kindOnly.kind], ['bad', undefined, 'x']);
  });

  test('explains a 404 (an HTML page, not JSON) as the server extension not running', async () => {
    const error = await ApiError.fromResponse(htmlResponse(404), 'GET status');
    assert.equal(error.message, 'the MolSys-AI server extension is not running (GET status answered 404)');
    assert.match(error.hint ?? '', /jupyter server extension enable molsys_ai_jupyter\.serverext/);
    assert.equal(error.status, 404);
    assert.equal(error.kind, undefined);
  });

  test('explains 401 and 403 as an expired login, with the message as detail', async () => {
    const plain = await ApiError.fromResponse(htmlResponse(403), 'chat');
    assert.equal(plain.message, 'Jupyter refused the request (403)');
    assert.match(plain.hint ?? '', /reload the page/);
    const detailed = await ApiError.fromResponse(jsonResponse(401, { message: 'XSRF cookie missing' }), 'chat');
    assert.equal(detailed.message, 'Jupyter refused the request (401: XSRF cookie missing)');
    assert.equal(detailed.status, 401);
  });

  test('names the request and status otherwise, pointing at the server log for 5xx', async () => {
    const server = await ApiError.fromResponse(jsonResponse(500, { message: 'boom' }), 'chat');
    assert.equal(server.message, 'chat failed with HTTP 500: boom');
    assert.equal(server.hint, 'see the Jupyter server log for details');
    const client = await ApiError.fromResponse(new Response(null, { status: 400 }), 'POST policy');
    assert.equal(client.message, 'POST policy failed with HTTP 400');
    assert.equal(client.hint, undefined);
  });

  test('ignores fields of the wrong type in the body', async () => {
    for (const body of [{ message: 42, hint: 'h' }, { message: '', hint: 'h' }, ['message'], 'text', null]) {
      const error = await ApiError.fromResponse(jsonResponse(502, body), 'chat');
      assert.equal(error.message, 'chat failed with HTTP 502', JSON.stringify(body));
      assert.equal(error.hint, 'see the Jupyter server log for details');
    }
    const badHint = await ApiError.fromResponse(jsonResponse(500, { message: 'm', hint: 1, kind: 2 }), 'chat');
    assert.equal(badHint.message, 'chat failed with HTTP 500: m');
  });
});

describe('toErrorInfo', () => {
  test('keeps the hint and kind of an ApiError', () => {
    assert.deepEqual(toErrorInfo(new ApiError({ message: 'm', hint: 'h', kind: 'k' })), {
      message: 'm',
      hint: 'h',
      kind: 'k'
    });
  });

  test("takes an Error's message, or its name when the message is empty", () => {
    assert.deepEqual(toErrorInfo(new TypeError('Failed to fetch')), { message: 'Failed to fetch' });
    assert.deepEqual(toErrorInfo(new RangeError()), { message: 'RangeError' });
  });

  test("reads a server `error` event's data", () => {
    assert.deepEqual(toErrorInfo({ message: 'model crashed', hint: 'restart', kind: 'backend' }), {
      message: 'model crashed',
      hint: 'restart',
      kind: 'backend'
    });
    assert.deepEqual(toErrorInfo({ message: 7, hint: ['x'], kind: null }), {
      message: '7',
      hint: undefined,
      kind: undefined
    });
  });

  test('turns anything else into text', () => {
    assert.deepEqual(toErrorInfo('plain text'), { message: 'plain text' });
    assert.deepEqual(toErrorInfo(undefined), { message: 'undefined' });
    assert.deepEqual(toErrorInfo(null), { message: 'null' });
    assert.deepEqual(toErrorInfo({ hint: 'no message' }), { message: '[object Object]' });
  });
});

describe('isAbort', () => {
  test('is true once the signal is aborted, whatever the error', () => {
    const controller = new AbortController();
    assert.equal(isAbort(new Error('network'), controller.signal), false);
    controller.abort();
    assert.equal(isAbort(new Error('network'), controller.signal), true);
  });

  test('is true for an AbortError DOMException only', () => {
    assert.equal(isAbort(new DOMException('The user aborted a request.', 'AbortError')), true);
    assert.equal(isAbort(new DOMException('timed out', 'TimeoutError')), false);
    const lookalike = new Error('aborted');
    lookalike.name = 'AbortError';
    assert.equal(isAbort(lookalike), false);
    assert.equal(isAbort({ name: 'AbortError' }), false);
    assert.equal(isAbort(undefined), false);
  });
});
