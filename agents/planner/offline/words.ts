/** Small text helpers shared by the offline parser: number words, normalisation, fuzzy word matching. */
import { levenshtein } from '../../../src/plan/index.ts';

const ONES: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
};
const TEENS: Record<string, number> = {
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  single: 1,
  both: 2,
  pair: 2,
  couple: 2,
  dozen: 12,
  hundred: 100,
  ...ONES,
  ...TEENS,
  ...TENS,
};

/** Ordinal words, for versions and counts: "the third version", "its second one". */
const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
};
const COUNTS: Record<string, number> = { ...ONES, ten: 10, eleven: 11, twelve: 12, ...ORDINALS };
/** A small count or an ordinal in words ("three", "third"): alternation for a regex group. */
export const COUNT_WORD = Object.keys(COUNTS).join('|');
/** "3", "3rd", "three", "third" → 3; undefined when it is not a count. */
export const countOf = (w: string): number | undefined =>
  /^\d+(?:st|nd|rd|th)?$/i.test(w) ? Number.parseInt(w, 10) : COUNTS[w.toLowerCase()];

/** Below a hundred: "five", "fifteen", "twenty-five", "ninety five". */
const UNDER_HUNDRED = `(?:(?:${Object.keys(TENS).join('|')})(?:[- ](?:${Object.keys(ONES).join('|')}))?|${[
  ...Object.keys(TEENS),
  ...Object.keys(ONES),
].join('|')})`;
/** A number written in words: "five", "twenty-five", "two hundred", "a hundred and fifty", "a dozen". */
export const WORD_NUMBER = `(?:(?:(?:${Object.keys(ONES).join('|')}|a|couple|a couple)[- ])?hundred(?:[- ](?:and[- ])?${UNDER_HUNDRED})?|(?:${Object.keys(TENS).join('|')})(?:[- ](?:${Object.keys(ONES).join('|')}))?|${Object.keys(
  NUMBER_WORDS,
)
  .filter((w) => !(w in TENS))
  .join('|')})`;

export const NUMBER = String.raw`(\d+(?:\.\d+)?|${WORD_NUMBER})`;
/** Before a number that must be an amount: counting words ("a", "both", "a couple", "a dozen") are none. */
export const NOT_COUNTING = String.raw`(?!(?:a|an|single|both|pair|couple|dozen)\b)`;

/** "5" → 5, "five" → 5, "twenty-five" → 25, "0.25" → 0.25; undefined when it is not a number. */
export function toNumber(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const w = word.toLowerCase().trim();
  if (w in NUMBER_WORDS) return NUMBER_WORDS[w];
  // "two hundred", "a hundred and fifty", "three hundred twenty".
  const hundreds = /^(?:(?:a[- ])?([a-z]+)[- ])?hundred(?:[- ](?:and[- ])?(.+))?$/.exec(w);
  if (hundreds) {
    const times = hundreds[1]
      ? (ONES[hundreds[1]] ?? (hundreds[1] === 'a' ? 1 : hundreds[1] === 'couple' ? 2 : undefined))
      : 1;
    const rest = hundreds[2] ? toNumber(hundreds[2]) : 0;
    return times !== undefined && rest !== undefined ? times * 100 + rest : undefined;
  }
  const compound = /^([a-z]+)[- ]([a-z]+)$/.exec(w);
  if (compound && (compound[1] as string) in TENS && (compound[2] as string) in ONES)
    return (TENS[compound[1] as string] as number) + (ONES[compound[2] as string] as number);
  const n = Number(w);
  return Number.isFinite(n) ? n : undefined;
}

/** Fractions people use for shares of rows: "a quarter", "a fifth", "half", "one third". */
const FRACTIONS: Record<string, number> = {
  half: 0.5,
  third: 1 / 3,
  quarter: 0.25,
  fourth: 0.25,
  fifth: 0.2,
  tenth: 0.1,
};

/**
 * A share of something, in any of the ways people write it: "25%", "25 percent", "twenty-five per cent",
 * "0.25", "a quarter", "one fifth", "half". Capture group 1 holds the whole expression; read it with toShare.
 */
export const SHARE = String.raw`((?:\d+(?:\.\d+)?|\.\d+)\s*(?:%|percent\b|per cent\b)?|${WORD_NUMBER}\s*(?:percent\b|per cent\b)|(?:(?:a|an|one)[- ])?(?:${Object.keys(FRACTIONS).join('|')})\b)`;

/** The share a SHARE expression names, as a fraction of 1: "25%" → 0.25, "a fifth" → 0.2, "0.3" → 0.3. */
export function toShare(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.toLowerCase().trim();
  const frac = /(half|third|quarter|fourth|fifth|tenth)$/.exec(t);
  if (frac) return FRACTIONS[frac[1] as string];
  const m = /^(.+?)\s*(%|percent|per cent)?$/.exec(t);
  const n = toNumber(m?.[1]);
  if (n === undefined) return undefined;
  return m?.[2] || n > 1 ? n / 100 : n;
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
  // "bodies" → "body", "classes" → "class", "rows" → "row".
  const stem = (w: string) => w.replace(/ies$/, 'y').replace(/(es|s)$/, '');
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

const DIGIT_NAMES = 'zero|oh|one|two|three|four|five|six|seven|eight|nine';
/**
 * A value as digits or words, for bounds and thresholds: "10", "-2.5", "ten", "zero", "two point five",
 * "minus three" (never a counting word such as "a" or "both"). No capture group.
 */
export const VALUE_NUMBER = String.raw`(?:-?\d+(?:\.\d+)?|(?:minus\s+)?${NOT_COUNTING}(?:zero|${WORD_NUMBER})(?:\s+point(?:\s+(?:${DIGIT_NAMES}))+)?(?![\w-]))`;

/** "ten" → 10, "two point five" → 2.5, "minus three" → -3, "0.5" → 0.5; undefined when it is not one. */
export function numberValue(said: string): number | undefined {
  const w = said.toLowerCase().trim().replace(/\s+/g, ' ');
  const minus = /^minus /.test(w);
  const [whole, fraction] = w.replace(/^minus /, '').split(' point ');
  const n = whole === 'zero' ? 0 : toNumber(whole);
  if (n === undefined) return undefined;
  const digits = fraction
    ?.split(' ')
    .map((d) => (d === 'oh' || d === 'zero' ? 0 : toNumber(d)))
    .join('');
  const v = digits ? Number(`${n}.${digits}`) : n;
  return Number.isFinite(v) ? (minus ? -v : v) : undefined;
}
