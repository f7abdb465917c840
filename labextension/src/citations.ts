import { ISource } from './types';

/** Fenced code blocks and inline code spans: left as they are. */
const CODE = /(```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|`[^`\n]*`)/;

/** `[2]` not preceded by a word, `]`, `)` or a backtick, not already a link or a reference. */
const MARKER = /(^|[^\w\])`!])\[(\d{1,3})\](?![([:])/g;

/** A character that would end a Markdown link's URL or open HTML, percent-encoded
 * (encodeURIComponent leaves parentheses as they are). */
function escapeUrlChar(c: string): string {
  return c === '(' ? '%28' : c === ')' ? '%29' : encodeURIComponent(c);
}

/**
 * The answer's Markdown with its numbered citation markers (`[1]`) turned into
 * links to the cited documentation pages.
 */
export function linkCitations(markdown: string, sources: ISource[] = []): string {
  const urls = new Map<number, string>();
  for (const source of sources) {
    if (source.url && /^https?:\/\//i.test(source.url)) {
      urls.set(source.number, source.url.replace(/[()\s<>]/g, escapeUrlChar));
    }
  }
  if (!urls.size) {
    return markdown;
  }
  return markdown
    .split(CODE)
    .map((part, index) =>
      index % 2
        ? part
        : part.replace(MARKER, (all, before: string, number: string) => {
            const url = urls.get(Number(number));
            return url ? `${before}[[${number}]](${url})` : all;
          })
    )
    .join('');
}

/** The Markdown of an answer, with a source list when the text has none. */
export function answerMarkdown(text: string, markdown: string | undefined, sources: ISource[] = []): string {
  return linkCitations(markdown || text, sources);
}
