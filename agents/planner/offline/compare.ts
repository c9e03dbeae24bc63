/**
 * Registered versions set against each other: "compare cars-mpg v2 with v1", "benchmark the staging one against
 * production", "how does v3 stack up against v2". Which version is the baseline when only its number is said.
 */
import { COUNT_WORD, countOf } from './words.ts';

/** Words that set versions against each other. */
export const COMPARE_VERSIONS =
  /\bcompar(?:e|es|ed|ing|ison)\b|\bversus\b|\bvs\.?\s|\bbenchmark\w*|\bhead[- ]to[- ]head\b|\bstacks?\s+up\b|\bside[- ]by[- ]side\b/i;

/** "v3 with v2", "v2 and v1", "version 1 against version 3": the version a comparison sets the first one against. */
const AGAINST_VERSION = new RegExp(
  String.raw`\b(?:v(?:ersion)?\s*(?:\d+|${COUNT_WORD}))\s+(?:(?:compared\s+)?(?:with|to|against|and|versus|vs\.?|over))\s+(?:the\s+|its\s+)?v(?:ersion)?\s*(\d+|${COUNT_WORD})\b|\bcompar(?:e|es|ed|ing)?\s+to\s+v(?:ersion)?\s*(\d+|${COUNT_WORD})\b`,
  'i',
);

/** The version number a comparison is against, when it is said as a bare version ("… with v2"). */
export function comparedVersion(text: string): number | undefined {
  const m = AGAINST_VERSION.exec(text);
  const word = m?.[1] ?? m?.[2];
  return word === undefined ? undefined : countOf(word);
}
