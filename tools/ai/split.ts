/**
 * Chunking with exact spans. Every chunk is a [start, end) range of its document's text, so its id can be
 * the hash of the document hash and the span, and a chunk can always be traced back to where it came from.
 *
 * - splitSpans: recursive splitting (paragraphs, then lines, sentences, clauses, words, characters, as
 *   LangChain's RecursiveCharacterTextSplitter does) into pieces no longer than `size`, merged greedily into
 *   chunks of at most `size`, each starting `overlap` back into the previous one. Length is characters or
 *   tokens (any length function).
 * - markdownSections: the heading structure, read with marked's lexer (so "#" in code fences and setext
 *   headings are handled as Markdown does), as sections with their heading path.
 *
 * Hand-written rather than taken from @langchain/textsplitters: its splitters return text without the
 * offsets this needs (ids from spans, heading paths).
 */
import { Lexer } from 'marked';

export interface Span {
  start: number;
  end: number;
}

export type LengthFn = (text: string) => number;

const SEPARATORS = ['\n\n', '\n', '. ', '? ', '! ', '; ', ', ', ' '];

/** Pieces of [start, end) no longer than size, each ending after its separator, covering the range. */
function atoms(text: string, start: number, end: number, size: number, len: LengthFn, level = 0): Span[] {
  if (len(text.slice(start, end)) <= size) return [{ start, end }];
  const sep = SEPARATORS[level];
  if (sep === undefined) {
    // No separator left: hard cuts, as long as each fits (binary search on the length function).
    const out: Span[] = [];
    let s = start;
    while (s < end) {
      let lo = s + 1;
      let hi = end;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (len(text.slice(s, mid)) <= size) lo = mid;
        else hi = mid - 1;
      }
      // Never split a surrogate pair.
      let cut = Math.max(lo, s + 1);
      if (cut < end && /[\uDC00-\uDFFF]/.test(text[cut] ?? '') && cut - 1 > s) cut--;
      out.push({ start: s, end: cut });
      s = cut;
    }
    return out;
  }
  const out: Span[] = [];
  let s = start;
  while (s < end) {
    const at = text.indexOf(sep, s);
    const e = at === -1 || at + sep.length > end ? end : at + sep.length;
    out.push(...atoms(text, s, e, size, len, level + 1));
    s = e;
  }
  return out;
}

/** The span without surrounding whitespace (empty spans stay empty). */
function trim(text: string, span: Span): Span {
  let { start, end } = span;
  while (start < end && /\s/.test(text[start] ?? '')) start++;
  while (end > start && /\s/.test(text[end - 1] ?? '')) end--;
  return { start, end };
}

/**
 * Chunks of text[start, end): each at most `size` long (by `len`), consecutive chunks sharing up to
 * `overlap` of text, boundaries at the coarsest separator that makes the pieces fit. Whitespace-only chunks
 * are dropped; spans are trimmed of surrounding whitespace.
 */
export function splitSpans(
  text: string,
  opts: { size: number; overlap: number; len?: LengthFn; start?: number; end?: number },
): Span[] {
  const len = opts.len ?? ((t: string) => t.length);
  const start = opts.start ?? 0;
  const end = opts.end ?? text.length;
  if (opts.size <= 0) throw new Error('chunk size must be positive');
  if (opts.overlap < 0 || opts.overlap >= opts.size) throw new Error('overlap must be in [0, size)');
  const pieces = atoms(text, start, end, opts.size, len);
  const lens = pieces.map((p) => len(text.slice(p.start, p.end)));
  const out: Span[] = [];
  let i = 0;
  while (i < pieces.length) {
    let j = i;
    let total = lens[i] as number;
    while (j + 1 < pieces.length && total + (lens[j + 1] as number) <= opts.size) {
      j++;
      total += lens[j] as number;
    }
    const span = trim(text, { start: (pieces[i] as Span).start, end: (pieces[j] as Span).end });
    if (span.end > span.start) out.push(span);
    if (j + 1 >= pieces.length) break;
    // The next chunk starts at the earliest piece after i whose run to j fits in the overlap.
    let k = j + 1;
    let back = 0;
    while (k - 1 > i && back + (lens[k - 1] as number) <= opts.overlap) {
      k--;
      back += lens[k] as number;
    }
    // The overlap must leave room for the next piece, or the next chunk would repeat this one's tail only.
    if (back + (lens[j + 1] as number) > opts.size) k = j + 1;
    i = k;
  }
  return out;
}

export interface Section extends Span {
  /** Heading path, e.g. "Engine > Cache"; "" before the first heading. */
  heading: string;
}

/**
 * Markdown sections: each heading of depth ≤ maxDepth starts one, running to the next such heading; the text
 * before the first heading is a section with an empty heading path. Front matter is its own section.
 */
export function markdownSections(text: string, maxDepth = 3): Section[] {
  const tokens = Lexer.lex(text);
  const sections: Section[] = [];
  const stack: { depth: number; text: string }[] = [];
  let offset = 0;
  let current: Section = { start: 0, end: 0, heading: '' };
  for (const t of tokens) {
    const at = offset;
    offset += t.raw.length;
    if (t.type === 'heading' && (t as { depth: number }).depth <= maxDepth) {
      current.end = at;
      if (current.end > current.start) sections.push(current);
      const depth = (t as { depth: number }).depth;
      while (stack.length && (stack.at(-1)?.depth ?? 0) >= depth) stack.pop();
      stack.push({ depth, text: (t as { text: string }).text.replace(/\s+/g, ' ').trim() });
      current = { start: at, end: at, heading: stack.map((h) => h.text).join(' > ') };
    }
  }
  current.end = text.length;
  if (current.end > current.start) sections.push(current);
  // marked's raw pieces cover the source exactly; if a future version ever drops characters, fall back to one
  // section rather than produce spans that do not match the text.
  if (offset !== text.length) return [{ start: 0, end: text.length, heading: '' }];
  return sections;
}
