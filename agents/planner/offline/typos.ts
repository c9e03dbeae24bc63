/**
 * Light typos in the words the grammars key on: "predcit" → "predict", "clasify" → "classify", "forcast" →
 * "forecast", "regresion" → "regression", "deplyo" → "deploy". Only plain lower-case words are mended (never
 * paths, names with - _ . or capitals, which may be columns or models), only towards one known word, and
 * only by one swap of neighbours (5+ letters), one letter missing or extra (6+) or one letter wrong (6+,
 * keeping the first letter; a common English word one letter away, e.g. "staying", is left as written).
 */

const KEYWORDS = [
  'predict',
  'predicts',
  'predicting',
  'prediction',
  'predictions',
  'classify',
  'classifying',
  'classifier',
  'classification',
  'regression',
  'regressor',
  'forecast',
  'forecasting',
  'estimate',
  'estimating',
  'train',
  'retrain',
  'training',
  'model',
  'deploy',
  'deploying',
  'deployment',
  'register',
  'registry',
  'random',
  'forest',
  'gradient',
  'boosting',
  'logistic',
  'neighbours',
  'neighbors',
  'validation',
  'evaluate',
  'accuracy',
  'schedule',
  'dataset',
  'duplicates',
  'missing',
  'monitor',
  'threshold',
  'production',
  'staging',
  'rollback',
  'canary',
  'approval',
  'approve',
];
const KNOWN = new Set(KEYWORDS);
/** Real words one wrong letter away from a keyword. */
const NEAR_WORDS = new Set([
  'staying',
  'ransom',
  'kissing',
  'hissing',
  'pissing',
  'dissing',
  'cannery',
  'approves',
]);

/** Edit distance with swaps of neighbours counted as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  return (d[a.length] as number[])[b.length] as number;
}

const sorted = (w: string) => [...w].sort().join('');

/** The keyword a misspelt word stands for, if exactly one fits. */
export function mendWord(word: string): string | undefined {
  if (word.length < 5 || KNOWN.has(word) || NEAR_WORDS.has(word) || !/^[a-z]+$/.test(word)) return undefined;
  // Another form of a keyword ("registers", "approved", "forests") is a word, not a typo.
  if (KEYWORDS.some((k) => word.startsWith(k) || k.startsWith(word.slice(0, -1)))) return undefined;
  const fits = KEYWORDS.filter((k) => {
    if (Math.abs(k.length - word.length) > 1 || distance(word, k) !== 1) return false;
    if (k.length === word.length && sorted(k) === sorted(word)) return true; // a swap
    if (k.length !== word.length) return Math.min(k.length, word.length) >= 6; // a letter missing or extra
    return k.length >= 8 || (k.length >= 6 && k[0] === word[0]); // a letter wrong
  });
  return fits.length === 1 ? fits[0] : undefined;
}

/** Short words typed with two letters swapped, which the grammars lean on ("keep teh rows"). */
const SHORT_SWAPS: Record<string, string> = {
  teh: 'the',
  hte: 'the',
  adn: 'and',
  wiht: 'with',
  taht: 'that',
};

/** The text with misspelt keywords mended; everything else as written. */
export function mendTypos(text: string): string {
  return text.replace(
    /(?<![\w./@:-])[a-z]+(?![\w/@-]|\.\w)/g,
    (w) => (Object.hasOwn(SHORT_SWAPS, w) ? SHORT_SWAPS[w] : undefined) ?? mendWord(w) ?? w,
  );
}
