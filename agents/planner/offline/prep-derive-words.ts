/**
 * A derived column said in words (prep-derive.ts reads the symbols): "add a profit column = Gross minus
 * Budget", "a margin column (Revenue minus Cost)", "add log_pop as the natural log of pop", "ratio equal to a
 * divided by b", "log(x)". The words become a SQL expression; a Title Case run of words is one column
 * ("Worldwide Gross" → "Worldwide Gross" quoted), any other word a column of its own.
 */
import type { PrepIntent } from '../intent.ts';

const NAME = String.raw`["'\x60]?([A-Za-z_][\w]*)["'\x60]?`;
const OP_WORDS: [RegExp, string][] = [
  [/\s+(?:minus|less)\s+/gi, ' - '],
  [/\s+plus\s+/gi, ' + '],
  [/\s+(?:times|multiplied\s+by)\s+/gi, ' * '],
  [/\s+(?:divided\s+by|over)\s+/gi, ' / '],
];
const OP = String.raw`(?:minus|less|plus|times|multiplied\s+by|divided\s+by|over|[-+*/])`;
/** A word of a column name: not an operator, article or joining word. */
const WORD = String.raw`(?!(?:minus|less|plus|times|multiplied|divided|over|and|or|then|in|into|to|for|with|as|the|a|an|is|of|on|so|but|column|field|please|kept|added)\b)[A-Za-z_][\w%]*`;
/** A Title Case run is one column ("Production Budget"); a lower-case word stands alone. */
const COLUMN = String.raw`(?:[A-Z][\w%]*(?:\s+(?!(?:Minus|Plus|Times|Over|And|Then)\b)[A-Z][\w%]*){0,3}|${WORD})`;
const OPERAND = String.raw`(?:\d+(?:\.\d+)?|${COLUMN})(?:\s+(?:squared|cubed))?`;
const FUNC = String.raw`(?:(?:the\s+)?(?:natural\s+|base[- ]?10\s+)?(?:log(?:arithm)?|ln|square\s+root|sqrt)\s+of\s+(?:the\s+)?${OPERAND}|(?:log|ln|log10|sqrt|abs)\s*\(\s*${OPERAND}\s*\))`;
const TERM = `(?:${FUNC}|${OPERAND})`;
/** At least one operator or one function. */
const WORD_EXPR = String.raw`(${FUNC}(?:\s+${OP}\s+${TERM})*|${OPERAND}(?:\s+${OP}\s+${TERM})+)`;
const SAYS = String.raw`(?:=|:=|:|,|\bfrom\b|\bas\b|\bequal\s+to\b|\bequals\b|\bdefined\s+as\b|\bcomputed\s+as\b|\bcalculated\s+as\b|\bwhich\s+is\b|\bthat\s+is\b)`;
/** Verbs that bring a new column, either case at the start (the expression's Title Case needs a case-aware match). */
const VERB =
  'add|adds|adding|create|creates|creating|make|makes|derive|derives|deriving|compute|computes|computing|calculate|calculates|calculating|want|need|include|new'
    .split('|')
    .map((w) => `[${w[0]}${(w[0] as string).toUpperCase()}]${w.slice(1)}`)
    .join('|');

/** The SQL of a spoken expression: functions, operator words, Title Case column names quoted. */
export function wordsToExpr(said: string): string {
  let s = said.trim();
  s = s.replace(
    new RegExp(
      String.raw`(?:the\s+)?(natural\s+|base[- ]?10\s+)?(log(?:arithm)?|ln|square\s+root|sqrt)\s+of\s+(?:the\s+)?(${OPERAND})`,
      'gi',
    ),
    (_all, kind: string | undefined, fn: string, arg: string) => {
      const name = /^s/i.test(fn) ? 'sqrt' : /10/.test(kind ?? '') ? 'log10' : 'ln';
      return `${name}(${arg})`;
    },
  );
  // "height squared" → pow(height, 2), before the words of a name are joined.
  s = s.replace(
    /(\d+(?:\.\d+)?|[A-Z][\w%]*(?:\s+[A-Z][\w%]*)*|[A-Za-z_][\w%]*)\s+(squared|cubed)\b/g,
    (_all, x: string, p: string) => `pow(${x}, ${p === 'squared' ? 2 : 3})`,
  );
  // log(x) said by a person is the natural log; SQL's log() is base 10.
  s = s
    .replace(/\blog\s*\(/gi, 'ln(')
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*\)/g, ')');
  for (const [re, op] of OP_WORDS) s = s.replace(re, op);
  // A run of two or more words left is one column name.
  return s.replace(/(?<![\w"])([A-Za-z_][\w%]*(?:\s+[A-Za-z_][\w%]*)+)(?![\w"])/g, '"$1"');
}

export function parseDeriveWords(goal: string): { at: number; p: PrepIntent }[] {
  const out: { at: number; p: PrepIntent }[] = [];
  const res = [
    // "add a profit column = A minus B", "create a new field ratio equal to a divided by b", "add x as log of y".
    String.raw`\b(?:${VERB})\s+(?:an?\s+)?(?:new\s+)?(?:(?:column|field|feature)\s+(?:named\s+|called\s+)?${NAME}|${NAME}\s+(?:column|field|feature)|(?!(?:column|field|feature|new)\b)${NAME})\s*${SAYS}\s*(?:the\s+)?${WORD_EXPR}`,
    // "a profit column (A minus B)", "add profit (A minus B)".
    String.raw`(?:\b(?:[Aa]n?|[Tt]he|[Nn]ew)\s+${NAME}\s+(?:column|field|feature)|\b(?:${VERB})\s+(?!(?:column|field|feature|new|an?|the)\b)${NAME})\s*\(\s*(?:=\s*)?${WORD_EXPR}\s*\)`,
  ];
  for (const re of res) {
    for (const m of goal.matchAll(new RegExp(re, 'g'))) {
      const name = m.slice(1, -1).find((g) => g !== undefined) as string;
      const expr = wordsToExpr(m[m.length - 1] as string);
      if (!out.some((o) => o.p.op === 'derive' && o.p.name === name))
        out.push({ at: m.index ?? 0, p: { op: 'derive', name, expr } });
    }
  }
  return out;
}
