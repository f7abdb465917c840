import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { answerMarkdown, linkCitations } from '../src/citations';
import { ISource } from '../src/types';

function source(number: number, url: string): ISource {
  return { number, title: `Page ${number}`, url };
}

const SOURCES = [source(1, 'https://docs.example.org/one.html'), source(2, 'http://docs.example.org/two.html')];
const ONE = 'https://docs.example.org/one.html';
const TWO = 'http://docs.example.org/two.html';

describe('linkCitations', () => {
  test('links a marker to the listed source of that number', () => {
    assert.equal(linkCitations('Use select [1].', SOURCES), `Use select [[1]](${ONE}).`);
    assert.equal(linkCitations('[2] says so', SOURCES), `[[2]](${TWO}) says so`);
    assert.equal(linkCitations('See [1], [2] and ([1]).', SOURCES), `See [[1]](${ONE}), [[2]](${TWO}) and ([[1]](${ONE})).`);
  });

  test('leaves a marker whose number is not a listed source', () => {
    assert.equal(linkCitations('See [1] and [3] and [0].', SOURCES), `See [[1]](${ONE}) and [3] and [0].`);
  });

  test('returns the text unchanged without usable sources', () => {
    assert.equal(linkCitations('See [1].'), 'See [1].');
    assert.equal(linkCitations('See [1].', []), 'See [1].');
    assert.equal(linkCitations('See [1].', [source(1, '')]), 'See [1].');
  });

  test('never links a source whose URL is not http(s)', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(document.cookie)',
      ' javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      '/relative/page.html',
      '//docs.example.org/one.html',
      'httpx://docs.example.org'
    ]) {
      assert.equal(linkCitations('See [1].', [source(1, url)]), 'See [1].', url);
    }
    assert.equal(
      linkCitations('See [1] and [2].', [source(1, 'javascript:alert(1)'), source(2, TWO)]),
      `See [1] and [[2]](${TWO}).`
    );
  });

  test('accepts the scheme in any case', () => {
    assert.equal(linkCitations('[1]', [source(1, 'HTTPS://Docs.example.org/')]), '[[1]](HTTPS://Docs.example.org/)');
  });

  test('escapes the characters that would end the link or open HTML in the URL', () => {
    const url = 'https://x.org/a b)(c)<img src=x onerror=alert(1)>';
    const out = linkCitations('See [1].', [source(1, url)]);
    assert.equal(out, 'See [[1]](https://x.org/a%20b%29%28c%29%3Cimg%20src=x%20onerror=alert%281%29%3E).');
    const target = out.slice(out.indexOf('](') + 2, -2);
    assert.doesNotMatch(target, /[()\s<>]/, 'the link target holds none of ( ) < > or spaces');
    // a URL cannot close the link and open a javascript: one after it
    for (const url of ['https://x.org/)](javascript:alert(1)', 'https://x.org/) [x](javascript:alert(1)']) {
      const linked = linkCitations('[1]', [source(1, url)]);
      assert.doesNotMatch(linked, /\]\(javascript:/, url);
      assert.equal(linked.indexOf(')'), linked.length - 1, `one link, to the end: ${linked}`);
    }
  });

  test('leaves markers in code alone', () => {
    const text = 'Inline `x[1]` and `[1]`.\n\n```python\nprint(a[1], [1])\n```\nThen [1].';
    assert.equal(linkCitations(text, SOURCES), text.replace('Then [1].', `Then [[1]](${ONE}).`));
    assert.equal(linkCitations('~~~\n[1]\n~~~\n[1]', SOURCES), `~~~\n[1]\n~~~\n[[1]](${ONE})`);
    // a fence the answer never closes runs to the end
    assert.equal(linkCitations('[1]\n```\n[1]\n', SOURCES), `[[1]](${ONE})\n\`\`\`\n[1]\n`);
  });

  test('leaves indexing, existing links, references and images alone', () => {
    for (const text of [
      'a[1]', // indexing
      'x_[1]',
      'f()[1]',
      '[1](https://other.org)', // already a link
      '[text][1]', // a reference-style link…
      '[1][2]',
      '[1]: https://other.org', // …and its definition
      '![1]', // an image
      '[1000]' // not a citation number
    ]) {
      assert.equal(linkCitations(text, SOURCES), text, text);
    }
  });
});

describe('answerMarkdown', () => {
  test('takes the Markdown when there is one, else the text, and links its citations', () => {
    assert.equal(answerMarkdown('plain [1]', 'rich [2]', SOURCES), `rich [[2]](${TWO})`);
    assert.equal(answerMarkdown('plain [1]', undefined, SOURCES), `plain [[1]](${ONE})`);
    assert.equal(answerMarkdown('plain [1]', '', SOURCES), `plain [[1]](${ONE})`);
    assert.equal(answerMarkdown('plain [1]', undefined), 'plain [1]');
  });
});
