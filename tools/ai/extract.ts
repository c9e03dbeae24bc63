/**
 * Text out of documents: Markdown and plain text as they are, HTML through htmlparser2 (a streaming,
 * forgiving parser: scripts, styles and other non-content elements dropped, entities decoded, block
 * elements on their own lines), PDF through unpdf (pdf.js, pure JavaScript). Each gives a title too.
 */
import { Parser } from 'htmlparser2';
import type { DocFormat } from './formats.ts';

export interface Extracted {
  text: string;
  title: string;
}

/** Elements whose content is never text a reader sees. */
const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'canvas']);
/** Elements that start a new line (paragraph-like or structural). */
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'nav',
  'aside',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'table',
  'tr',
  'blockquote',
  'pre',
  'figure',
  'figcaption',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'br',
  'form',
  'fieldset',
  'details',
  'summary',
]);
const HEADING = /^h([1-6])$/;

/**
 * HTML → text. Headings become Markdown headings ("## Setup") so that heading-aware chunking works on HTML
 * as on Markdown; table cells are separated by " | "; whitespace inside a block is collapsed, except in <pre>.
 */
export function htmlToText(html: string): Extracted {
  const lines: string[] = [];
  let line = '';
  let skipDepth = 0;
  let preDepth = 0;
  let title = '';
  let inTitle = false;
  let firstH1 = '';
  let heading: { level: number; text: string } | undefined;
  const flush = () => {
    const t = preDepth > 0 ? line.replace(/\s+$/, '') : line.replace(/\s+/g, ' ').trim();
    if (t) lines.push(t);
    else if (lines.length && lines.at(-1) !== '') lines.push('');
    line = '';
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIP.has(name)) skipDepth++;
        if (name === 'title') inTitle = true;
        if (skipDepth > 0) return;
        if (BLOCK.has(name)) flush();
        if (name === 'pre') preDepth++;
        const h = HEADING.exec(name);
        if (h) heading = { level: Number(h[1]), text: '' };
        if (name === 'td' || name === 'th') line += line.trim() ? ' | ' : '';
      },
      ontext(text) {
        if (inTitle) {
          title += text;
          return;
        }
        if (skipDepth > 0) return;
        if (heading) heading.text += text;
        else line += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (SKIP.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        const h = HEADING.exec(name);
        if (h && heading) {
          const text = heading.text.replace(/\s+/g, ' ').trim();
          if (text) {
            if (heading.level === 1 && !firstH1) firstH1 = text;
            line += `${'#'.repeat(heading.level)} ${text}`;
          }
          heading = undefined;
        }
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        if (BLOCK.has(name)) flush();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  flush();
  while (lines.at(-1) === '') lines.pop();
  // Blank lines separate blocks: paragraphs stay apart for the chunker, runs of blank lines are one.
  const text = lines.join('\n').replace(/\n{3,}/g, '\n\n');
  return { text, title: title.replace(/\s+/g, ' ').trim() || firstH1 };
}

/** The first Markdown heading (ATX "# x" or front matter title:), for a document's title. */
export function markdownTitle(text: string): string {
  const fm = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  const fmTitle = fm ? /^title:\s*["']?(.+?)["']?\s*$/m.exec(fm[1] as string)?.[1] : undefined;
  if (fmTitle) return fmTitle.trim();
  let fence = false;
  for (const line of text.split('\n', 400)) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence) continue;
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (m?.[1]) return m[1];
  }
  return '';
}

/** Plain text: the first non-empty line, if it is short enough to be a title. */
function textTitle(text: string): string {
  const first =
    text
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  return first.length <= 120 ? first : '';
}

/** PDF → text, one page after another (pages separated by a blank line); the title from the metadata. */
export async function pdfToText(bytes: Uint8Array): Promise<Extracted> {
  const { extractText, getDocumentProxy, getMeta } = await import('unpdf');
  const pdf = await getDocumentProxy(bytes);
  try {
    const { text } = await extractText(pdf, { mergePages: false });
    const pages = (Array.isArray(text) ? text : [text]).map((p) => p.trim());
    let title = '';
    try {
      const meta = await getMeta(pdf);
      const t = (meta.info as { Title?: unknown } | undefined)?.Title;
      if (typeof t === 'string') title = t.trim();
    } catch {
      // No metadata: the first line below.
    }
    const joined = pages.filter(Boolean).join('\n\n');
    return { text: joined, title: title || textTitle(joined) };
  } finally {
    await pdf.destroy();
  }
}

/** Text and title of one document's bytes. */
export async function extractText(bytes: Buffer, format: DocFormat): Promise<Extracted> {
  if (format === 'pdf') return pdfToText(new Uint8Array(bytes));
  const raw = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (format === 'html') return htmlToText(raw);
  const text = raw.replace(/\r\n?/g, '\n');
  return { text, title: format === 'markdown' ? markdownTitle(text) : textTitle(text) };
}
