import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { safeHref } from '../src/answerSanitizer';

// Only safeHref: cleanAnswerHtml needs the browser's DOMParser, which Node lacks.

describe('safeHref', () => {
  test('keeps http(s) and relative URLs as they are', () => {
    for (const url of [
      'https://www.uibcdf.org/molsysmt/',
      'HTTP://example.org',
      '/molsys-ai/page.html',
      'page.html#section',
      '#top',
      '?q=1',
      '//cdn.example.org/x',
      ''
    ]) {
      assert.equal(safeHref(url), url, url);
    }
  });

  test('refuses every other scheme, however it is disguised', () => {
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      '\u0000javascript:alert(1)',
      'javascript\u0001:alert(1)',
      'data:text/html;base64,PHNjcmlwdD4=',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'blob:https://example.org/uuid'
    ]) {
      assert.equal(safeHref(url), null, JSON.stringify(url));
    }
  });

  test('passes null through', () => {
    assert.equal(safeHref(null), null);
  });
});
