/** Small text helpers shared by the offline parser: number words, normalisation, fuzzy word matching. */
import { levenshtein } from '../../../src/plan/index.ts';

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  single: 1,
  two: 2,
  both: 2,
  pair: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
};

export const NUMBER = String.raw`(\d+(?:\.\d+)?|${Object.keys(NUMBER_WORDS).join('|')})`;

/** "5" → 5, "five" → 5, "0.25" → 0.25; undefined when it is not a number. */
export function toNumber(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const w = word.toLowerCase();
  if (w in NUMBER_WORDS) return NUMBER_WORDS[w];
  const n = Number(w);
  return Number.isFinite(n) ? n : undefined;
}

/** Lower-case words of a column name or phrase: "Body Mass (g)" → ["body", "mass", "g"]. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Whether two words name the same thing: equal, a plural, a shared stem, or a small typo. */
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const stem = (w: string) => w.replace(/(ies|es|s)$/, '');
  if (stem(a) === stem(b)) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length >= 4 && long.startsWith(short)) return true;
  return short.length >= 5 && levenshtein(a, b) <= 1;
}

/** Lower-case, ASCII-safe slug for plan and dataset names. */
export function slug(text: string, max = 40): string {
  const s = words(text).join('-').slice(0, max).replace(/-+$/, '');
  return s || 'plan';
}
