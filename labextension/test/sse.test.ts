import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ISseEvent, SseParser } from '../src/sse';

/** An event as the server writes it (molsys_ai_jupyter/serving/sse.py `event`): its data one line of JSON. */
function serverEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment as the server writes it (serving/sse.py `comment`): opens the stream, keeps it alive. */
function serverComment(text: string): string {
  return `: ${text}\n\n`;
}

/** Every event of `chunks` pushed in order, then flushed. */
function parseAll(chunks: string[]): ISseEvent[] {
  const parser = new SseParser();
  const events = chunks.flatMap(chunk => parser.push(chunk));
  return [...events, ...parser.flush()];
}

/** `text` cut into pieces of `size` characters. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) {
    out.push(text.slice(i, i + size));
  }
  return out;
}

const STREAM =
  serverComment('stream open') +
  serverEvent('token', { text: 'a\nb' }) +
  serverComment('keep-alive') +
  serverEvent('token', { text: 'é ✓ 🧬' }) +
  serverEvent('answer', { text: 'done', sources: [] }) +
  serverEvent('done', {});

const EXPECTED: ISseEvent[] = [
  { event: 'token', data: '{"text":"a\\nb"}' },
  { event: 'token', data: '{"text":"é ✓ 🧬"}' },
  { event: 'answer', data: '{"text":"done","sources":[]}' },
  { event: 'done', data: '{}' }
];

describe('SseParser', () => {
  test('reads a stream as the server writes it (comments skipped, JSON data kept as text)', () => {
    assert.deepEqual(parseAll([STREAM]), EXPECTED);
    assert.deepEqual(
      EXPECTED.map(e => JSON.parse(e.data)),
      [{ text: 'a\nb' }, { text: 'é ✓ 🧬' }, { text: 'done', sources: [] }, {}]
    );
  });

  test('gives the same events however the stream is cut into chunks', () => {
    for (const size of [1, 2, 3, 5, 7, 16, 64]) {
      assert.deepEqual(parseAll(pieces(STREAM, size)), EXPECTED, `chunks of ${size}`);
    }
  });

  test('returns an event only once its blank line has arrived', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('event: token\ndata: {"text":'), []);
    assert.deepEqual(parser.push('"x"}\n'), []);
    assert.deepEqual(parser.push('\n'), [{ event: 'token', data: '{"text":"x"}' }]);
    assert.deepEqual(parser.push(''), []);
    assert.deepEqual(parser.flush(), []);
  });

  test('accepts \\r\\n line ends, also when \\r and \\n come in different chunks', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    assert.deepEqual(parseAll([crlf]), EXPECTED);
    for (const size of [1, 2, 3, 4]) {
      assert.deepEqual(parseAll(pieces(crlf, size)), EXPECTED, `chunks of ${size}`);
    }
    const parser = new SseParser();
    assert.deepEqual(parser.push('data: x\r\n\r'), []);
    assert.deepEqual(parser.push('\ndata: y\r'), [{ event: 'message', data: 'x' }]);
    assert.deepEqual(parser.push('\n\r\n'), [{ event: 'message', data: 'y' }]);
  });

  test('skips comments, comment-only blocks and extra blank lines', () => {
    assert.deepEqual(parseAll([': keep-alive\n\n\n\n:another\n\n']), []);
    assert.deepEqual(parseAll([':x\nevent: token\n: in the middle\ndata: 1\n\n']), [{ event: 'token', data: '1' }]);
  });

  test('joins several data lines with newlines', () => {
    assert.deepEqual(parseAll(['event: token\ndata: one\ndata:\ndata: three\n\n']), [
      { event: 'token', data: 'one\n\nthree' }
    ]);
  });

  test('gives the last event on flush when the stream ends without its blank line', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push(serverEvent('token', 'a') + 'event: done\ndata: {}'), [
      { event: 'token', data: '"a"' }
    ]);
    assert.deepEqual(parser.flush(), [{ event: 'done', data: '{}' }]);
    assert.deepEqual(parser.flush(), [], 'flush empties the buffer');
    assert.deepEqual(parseAll(['data: last\n']), [{ event: 'message', data: 'last' }]);
    assert.deepEqual(parseAll(['data: last\r\n']), [{ event: 'message', data: 'last' }]);
  });

  test('names an event "message" when it has no event field', () => {
    assert.deepEqual(parseAll(['data: hi\n\n']), [{ event: 'message', data: 'hi' }]);
  });

  test('strips one space after the colon, no more; a line without a colon is a field with no value', () => {
    assert.deepEqual(parseAll(['data:x\n\n', 'data:  two\n\n', 'event:token\ndata\n\n']), [
      { event: 'message', data: 'x' },
      { event: 'message', data: ' two' },
      { event: 'token', data: '' }
    ]);
  });

  test('keeps colons inside the value', () => {
    assert.deepEqual(parseAll(['data: {"a": "b:c"}\n\n']), [{ event: 'message', data: '{"a": "b:c"}' }]);
  });

  test('ignores unknown fields and an event without data (as EventSource does)', () => {
    assert.deepEqual(parseAll(['id: 7\nretry: 1000\nfoo: bar\ndata: x\n\n']), [{ event: 'message', data: 'x' }]);
    assert.deepEqual(parseAll(['event: ping\n\n', 'event: ping\nid: 1\n\n']), []);
  });
});
