/**
 * Meaning-preserving rewrites of a goal, for metamorphic evals (`--perturb lower,polite`): the same case with
 * its goal typed differently must plan the same. A miss under a rewrite is a surface form the planner reads by
 * accident (capitals, a trailing full stop, a greeting) rather than by the words that carry the meaning.
 * Paths, file names, run ids and quoted text are never rewritten.
 */

/** Tokens a rewrite leaves alone: paths and files, ids, URLs, e-mail addresses, `k=v`, quoted text. */
const KEEP =
  /(["'`])[^"'`]*\1|\S*[/\\@=]\S*|\S+\.(?:csv|json|jsonl|parquet|tsv|txt|py|pt|pkl|sh|yaml|yml)\b|\brun-[\w-]+/g;

/** Applies `f` to the text between the tokens KEEP protects. */
function outsideKept(goal: string, f: (text: string) => string): string {
  let out = '';
  let at = 0;
  for (const m of goal.matchAll(KEEP)) {
    out += f(goal.slice(at, m.index)) + m[0];
    at = (m.index ?? 0) + m[0].length;
  }
  return out + f(goal.slice(at));
}

const BRITISH: Record<string, string> = {
  optimize: 'optimise',
  optimized: 'optimised',
  normalize: 'normalise',
  normalized: 'normalised',
  standardize: 'standardise',
  standardized: 'standardised',
  categorize: 'categorise',
  minimize: 'minimise',
  maximize: 'maximise',
  behavior: 'behaviour',
  color: 'colour',
  analyze: 'analyse',
  summarize: 'summarise',
  center: 'centre',
  canceled: 'cancelled',
  labeled: 'labelled',
  modeling: 'modelling',
};

const CONTRACTIONS: [RegExp, string][] = [
  [/\bdo not\b/gi, "don't"],
  [/\bdoes not\b/gi, "doesn't"],
  [/\bis not\b/gi, "isn't"],
  [/\bit is\b/gi, "it's"],
  [/\bI am\b/g, "I'm"],
  [/\bwe are\b/gi, "we're"],
  [/\blet us\b/gi, "let's"],
];

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
];

/** A stable pick from `xs` for a goal, so a case reads the same on every run. */
function pick<T>(xs: T[], goal: string, salt = 0): T {
  let h = salt;
  for (const ch of goal) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return xs[h % xs.length] as T;
}

const GREETINGS = ['hey team,', 'yo', 'morning all!', 'hello there -', 'good afternoon,', 'hiya'];
const ASKS = ['can you', 'could you please', "I'd like you to", 'kindly', 'would you'];
const SIGN_OFFS = ['cheers', 'thx!', 'ty', 'thank you so much', 'much appreciated', 'thanks in advance'];

/** Lower-cases the first letter of a sentence that follows a request frame ("can you train…"). */
const lowerFirst = (g: string) => (/^[A-Z][a-z]/.test(g) ? g.charAt(0).toLowerCase() + g.slice(1) : g);

export const PERTURBATIONS: Record<string, (goal: string) => string> = {
  /** All lower case, as people type in chat. */
  lower: (g) => outsideKept(g, (t) => t.toLowerCase()),
  /** A greeting before and thanks after. */
  polite: (g) => `hi! ${g.replace(/[.!]?\s*$/, '')}, thanks`,
  /** "please" first. */
  please: (g) => `please ${g.charAt(0).toLowerCase()}${g.slice(1)}`,
  /** No full stop or exclamation at the end, and no capital at the start. */
  bare: (g) => {
    const t = g.replace(/[.!]+\s*$/, '');
    return /^[A-Z][a-z]/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t;
  },
  /** British spellings. */
  british: (g) =>
    outsideKept(g, (t) =>
      t.replace(/\b[a-z]+\b/gi, (w) => {
        const b = BRITISH[w.toLowerCase()];
        return b ? (w[0] === w[0]?.toUpperCase() ? b[0]?.toUpperCase() + b.slice(1) : b) : w;
      }),
    ),
  /** Contractions: "don't", "it's". */
  contract: (g) => outsideKept(g, (t) => CONTRACTIONS.reduce((s, [re, to]) => s.replace(re, to), t)),
  /** Small whole numbers as words: "5 folds" → "five folds" (a script's own `--flag 3` arguments stay). */
  numwords: (g) =>
    outsideKept(g, (t) =>
      t.replace(/(?<![\w.:$%-]|--[\w-]+\s)([2-9]|1[0-2])(?![\w.:%,-])/g, (n) => NUMBER_WORDS[Number(n)] ?? n),
    ),
  /** A varied greeting, a request frame ("could you please") and a sign-off, picked per goal. */
  greet: (g) =>
    // A request frame only before a request ("could you please retrain…"), not before a short answer ("v2").
    `${pick(GREETINGS, g)} ${g.split(/\s+/).length > 3 ? `${pick(ASKS, g, 7)} ` : ''}${lowerFirst(g.replace(/[.!]?\s*$/, ''))}, ${pick(SIGN_OFFS, g, 13)}`,
  /** A chat message: an @-mention first, emoji codes and a pictograph around the request. */
  slack: (g) => `@pipewright ${g.replace(/[.!]?\s*$/, '')} :pray: 🙏 ty :+1:`,
  /** Runs of spaces and a line break where a sentence ends. */
  spacing: (g) => outsideKept(g, (t) => t.replace(/ /g, '  ').replace(/\.\s+/g, '.\n')),
};

/** The rewrites named in `names` (comma separated), applied in order; an unknown name is an error. */
export function perturber(names: string | undefined): ((goal: string) => string) | undefined {
  if (!names) return undefined;
  const fs = names.split(',').map((n) => {
    const f = PERTURBATIONS[n.trim()];
    if (!f) throw new Error(`unknown perturbation "${n}"; known: ${Object.keys(PERTURBATIONS).join(', ')}`);
    return f;
  });
  return (goal) => fs.reduce((g, f) => f(g), goal);
}
