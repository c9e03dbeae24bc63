/**
 * Registered versions set against each other: "compare cars-mpg v2 with v1", "benchmark the staging one against
 * production", "how does v3 stack up against v2", "the staging and production versions of X". Which version or
 * alias is the baseline when only its number or alias is said.
 */
import { COUNT_WORD, countOf } from './words.ts';

/** "evaluate the staging one against whatever production serves", "tested against prod": set against production. */
const EVALUATED_AGAINST_LIVE = String.raw`\b(?:evaluat|assess|test|measur|scor)\w*\b[^.;]{0,120}?\b(?:against|versus|vs\.?)\s+(?:what(?:ever)?\s+(?:version\s+)?(?:is\s+(?:in|on)\s+|(?:runs|sits|lives)\s+(?:in|on)\s+)?|the\s+(?:version|one|model)\s+(?:that\s+)?)?(?:the\s+)?(?:production|prod|live|champion|incumbent)\b`;
/** Words that set versions against each other. */
export const COMPARE_VERSIONS = new RegExp(
  String.raw`\bcompar(?:e|es|ed|ing|ison)\b|\bversus\b|\bvs\.?\s|\bbenchmark\w*|\bhead[- ]to[- ]head\b|\bstacks?\s+up\b|\bside[- ]by[- ]side\b|\b(?:any|actually|really|much|at\s+all)\s+(?:better|worse)\s+than\b|\boutperform\w*|${EVALUATED_AGAINST_LIVE}`,
  'i',
);

/** "score data/x.csv with …": a file put to a scoring verb is scored, whatever else is compared. */
export const SCORES_FILE =
  /\b(?:score|batch[- ]?score|predict(?:\s+on)?)\s+(?:the\s+)?(?:rows\s+(?:of|in)\s+)?["'\x60]?[\w-]+[./][\w./-]+/i;

const VERSION = String.raw`v(?:ersion)?\s*(?:\d+|${COUNT_WORD})`;
const AGAINST = String.raw`(?:with|to|against|and|versus|vs\.?|over|(?:any\s+)?(?:better|worse)\s+than)`;
/** "v3 with v2", "v1 stack up against v2", "version 2 any better than version 1", "compare to v3". */
const AGAINST_VERSION = new RegExp(
  String.raw`\b${VERSION}\s+(?:[a-z]+\s+){0,3}?${AGAINST}\s+(?:the\s+|its\s+)?v(?:ersion)?\s*(\d+|${COUNT_WORD})\b|\bcompar(?:e|es|ed|ing)?\s+to\s+v(?:ersion)?\s*(\d+|${COUNT_WORD})\b`,
  'i',
);

/** The version number a comparison is against, when it is said as a bare version ("… with v2"). */
export function comparedVersion(text: string): number | undefined {
  const m = AGAINST_VERSION.exec(text);
  const word = m?.[1] ?? m?.[2];
  return word === undefined ? undefined : countOf(word);
}

const ALIAS = '(staging|production|prod|candidate|challenger|shadow|canary|beta)';
/** "the staging and production versions", "prod vs candidate": two aliases set against each other. */
const ALIAS_PAIR = new RegExp(
  String.raw`\b${ALIAS}\s+(?:and|vs\.?|versus|against|with|or)\s+(?:the\s+)?${ALIAS}\b(?:\s+(?:versions?|ones?|models?|aliases))?`,
  'i',
);

/** Two aliases compared, the one that is not production first: ["staging", "production"]. */
export function aliasPair(text: string): [string, string] | undefined {
  const m = ALIAS_PAIR.exec(text);
  if (!m) return undefined;
  const [a, b] = [m[1], m[2]].map((x) =>
    (x as string).toLowerCase() === 'prod' ? 'production' : (x as string).toLowerCase(),
  );
  if (a === b) return undefined;
  return a === 'production' ? [b as string, a] : [a as string, b as string];
}
