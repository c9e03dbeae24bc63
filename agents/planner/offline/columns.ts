/**
 * Matching the words of a goal to the real columns of a dataset: case-insensitive, unit-insensitive and
 * typo-tolerant ("species" → "Species", "body mass" → "Body Mass (g)", "mpg" → "Miles_per_Gallon").
 */
import { sameWord, words } from './words.ts';

const FILLER = new Set([
  'the',
  'a',
  'an',
  'of',
  'in',
  'column',
  'field',
  'value',
  'values',
  'variable',
  'label',
]);
const UNIT = new Set(['g', 'kg', 'mm', 'cm', 'm', 'km', 'lbs', 'lb', 'in', 'min', 's', 'usd', 'pct']);

export interface ColumnMatch {
  column: string;
  /** 1 = exact (ignoring case and punctuation), lower = looser. */
  score: number;
}

function content(ws: string[]): string[] {
  return ws.filter((w) => !FILLER.has(w));
}

/** How well a phrase names a column (0: not at all). */
export function columnScore(phrase: string, column: string): number {
  const p = content(words(phrase));
  const cAll = words(column);
  const c = cAll.filter((w) => !UNIT.has(w) && w !== 'per' && w !== 'in');
  if (p.length === 0 || cAll.length === 0) return 0;
  if (p.join(' ') === cAll.join(' ')) return 1;
  if (p.join('') === cAll.join('')) return 0.98;
  if (c.length > 0 && p.join(' ') === c.join(' ')) return 0.95;
  // Initialism: "mpg" → Miles_per_Gallon.
  if (p.length === 1 && (p[0] as string).length >= 2 && cAll.length >= 2) {
    if (cAll.map((w) => w[0]).join('') === p[0]) return 0.85;
  }
  const core = c.length > 0 ? c : cAll;
  const covered = p.filter((w) => core.some((cw) => sameWord(w, cw))).length;
  const coveredCol = core.filter((cw) => p.some((w) => sameWord(w, cw))).length;
  if (covered === p.length && coveredCol === core.length) return 0.9;
  if (covered === p.length) return 0.6 + 0.2 * (coveredCol / core.length);
  return 0;
}

/** The column a phrase names: the whole phrase first, then shorter runs of its words (leading runs first). */
export function matchColumn(phrase: string, columns: readonly string[]): ColumnMatch | undefined {
  const ws = words(phrase).slice(0, 6);
  for (let n = ws.length; n >= 1; n--) {
    for (let start = 0; start + n <= ws.length; start++) {
      const part = ws.slice(start, start + n);
      if (part.every((w) => FILLER.has(w))) continue;
      let best: ColumnMatch | undefined;
      for (const column of columns) {
        const score = columnScore(part.join(' '), column);
        if (score > 0 && (!best || score > best.score)) best = { column, score };
      }
      if (best) return best;
    }
  }
  return undefined;
}

/** Every column a list like "island, sex and beak depth" names, plus the items that named none. */
export function matchColumnList(
  list: string,
  columns: readonly string[],
): { found: string[]; unknown: string[] } {
  const found: string[] = [];
  const unknown: string[] = [];
  for (const item of list.split(/\s*(?:,|\band\b|&|\bplus\b)\s*/)) {
    const trimmed = item.replace(/^(?:the\s+)?(?:columns?\s+)?/i, '').trim();
    if (!trimmed) continue;
    const exact = columns.find((c) => c === trimmed.replace(/^["'`]|["'`]$/g, ''));
    const m = exact ? { column: exact } : matchColumn(trimmed, columns);
    if (m && !found.includes(m.column)) found.push(m.column);
    else if (!m) unknown.push(trimmed);
  }
  return { found, unknown };
}
