import { IRenderMime } from '@jupyterlab/rendermime';

/**
 * The HTML of an answer (Markdown rendered by JupyterLab) holds only text formatting
 * and links: nothing that runs, loads or submits. It is cleaned in a document that
 * never loads anything (`DOMParser`), before JupyterLab puts it in the page:
 *
 * - images become links (text with the URL, fetched only if the user clicks);
 * - scripts, styles, frames, objects, embeds, SVG and MathML, forms and their controls
 *   (buttons, inputs, textareas, selects, …) are dropped with their content;
 * - other unknown elements give way to their text;
 * - only a few attributes stay (no event handlers, no style, no id); links keep an
 *   http(s) or relative URL, others (javascript:, data:, …) become plain text;
 * - classes of JupyterLab's own interface (`jp-…`, `lm-…`) are removed, so that an
 *   answer cannot dress up as the panel's buttons.
 */

const HTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

const KEPT = new Set([
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'details',
  'dfn', 'div', 'dl', 'dt', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'ins', 'kbd', 'li', 'mark', 'ol',
  'p', 'pre', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody',
  'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul', 'var'
]);

const DROPPED = new Set([
  'applet', 'audio', 'base', 'button', 'canvas', 'datalist', 'dialog', 'embed', 'fieldset', 'form', 'frame',
  'frameset', 'head', 'iframe', 'input', 'label', 'legend', 'link', 'marquee', 'math', 'meta', 'meter',
  'noscript', 'object', 'optgroup', 'option', 'output', 'param', 'picture', 'portal', 'progress', 'script',
  'select', 'source', 'style', 'svg', 'template', 'textarea', 'title', 'track', 'video'
]);

const ATTRIBUTES: Record<string, ReadonlySet<string>> = {
  '*': new Set(['class', 'title', 'lang', 'dir']),
  a: new Set(['href']),
  ol: new Set(['start', 'type']),
  td: new Set(['colspan', 'rowspan', 'align']),
  th: new Set(['colspan', 'rowspan', 'align', 'scope']),
  col: new Set(['span']),
  colgroup: new Set(['span']),
  details: new Set(['open'])
};

const UI_CLASS = /^(jp|lm)-/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const IGNORED_IN_URLS = /[\u0000-\u0020\u007f]/g; // browsers drop these: "java\tscript:" is javascript:
const SAFE_SCHEMES = new Set(['http', 'https']);

/** `url` when it is http(s) or relative; null for any other scheme (javascript:, data:, …). */
export function safeHref(url: string | null): string | null {
  if (url === null) {
    return null;
  }
  const scheme = SCHEME.exec(url.replace(IGNORED_IN_URLS, ''));
  return scheme && !SAFE_SCHEMES.has(scheme[1].toLowerCase()) ? null : url;
}

/** An answer's HTML with only text formatting and links left (see above). */
export function cleanAnswerHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html'); // inert: loads and runs nothing
  cleanChildren(doc.body, doc);
  return doc.body.innerHTML;
}

function cleanChildren(parent: Node, doc: Document): void {
  for (const child of Array.from(parent.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) {
      child.remove(); // comments, processing instructions
      continue;
    }
    const element = child as Element;
    const name = element.localName.toLowerCase();
    if (element.namespaceURI !== HTML_NAMESPACE || DROPPED.has(name)) {
      element.remove();
      continue;
    }
    if (name === 'img') {
      element.replaceWith(imageLink(element, doc));
      continue;
    }
    cleanChildren(element, doc);
    if (!KEPT.has(name)) {
      element.replaceWith(...Array.from(element.childNodes));
      continue;
    }
    cleanAttributes(element, name);
    if (name === 'a' && element.hasAttribute('href') && safeHref(element.getAttribute('href')) === null) {
      element.replaceWith(...Array.from(element.childNodes)); // a javascript: link: its text only
    }
  }
}

function cleanAttributes(element: Element, name: string): void {
  const kept = ATTRIBUTES[name];
  for (const attribute of Array.from(element.attributes)) {
    if (!ATTRIBUTES['*'].has(attribute.name) && !kept?.has(attribute.name)) {
      element.removeAttribute(attribute.name);
    }
  }
  if (element.hasAttribute('class')) {
    const classes = Array.from(element.classList).filter(token => !UI_CLASS.test(token));
    if (classes.length) {
      element.setAttribute('class', classes.join(' '));
    } else {
      element.removeAttribute('class');
    }
  }
}

/** An image as a link to it (its text says what and where), or as text when its URL is not http(s). */
function imageLink(image: Element, doc: Document): Node {
  const src = image.getAttribute('src') ?? '';
  const alt = (image.getAttribute('alt') ?? '').trim();
  const href = src ? safeHref(src) : null;
  if (!href) {
    return doc.createTextNode(alt ? `[image: ${alt}]` : '[image]');
  }
  const link = doc.createElement('a');
  link.setAttribute('href', href);
  link.className = 'jp-MolsysAI-imageLink';
  link.textContent = alt ? `image: ${alt} (${href})` : `image: ${href}`;
  return link;
}

/**
 * JupyterLab's sanitizer, then :func:`cleanAnswerHtml`: what the sidebar's Markdown
 * renderer gives the page.
 */
export class AnswerSanitizer implements IRenderMime.ISanitizer {
  constructor(private readonly inner: IRenderMime.ISanitizer) {}

  getAutolink(): boolean {
    return this.inner.getAutolink?.() ?? true;
  }

  sanitize(dirty: string, options?: IRenderMime.ISanitizerOptions): string {
    return cleanAnswerHtml(this.inner.sanitize(dirty, options));
  }
}
