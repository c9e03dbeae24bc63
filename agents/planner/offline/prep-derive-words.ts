/**
 * A derived column said in words (prep-derive.ts reads the symbols): "add a profit column = Gross minus
 * Budget", "a margin column (Revenue minus Cost)", "add log_pop as the natural log of pop", "ratio equal to a
 * divided by b", "log(x)". The words become a SQL expression; a run of words between operators is one column
 * ("Worldwide Gross" → "Worldwide Gross" quoted; prep-ops.ts matches it to the real column).
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
const WORD = String.raw`(?!(?:minus|less|plus|times|multiplied|divided|over|squared|cubed|and|or|then|in|into|to|for|with|as|at|by|from|per|the|a|an|is|are|was|be|of|on|so|but|if|it|its|them|this|that|which|where|when|while|before|after|until|column|field|feature|please|pls|kept|added|called|named|now|first|later|too|also|only|just|no|not)\b)[A-Za-z_][\w%]*`;
/** A run of up to four words is one column ("Production Budget", "worldwide gross"). */
const COLUMN = String.raw`${WORD}(?:\s+${WORD}){0,3}`;
const OPERAND = String.raw`(?:\d+(?:\.\d+)?|${COLUMN})(?:\s+(?:squared|cubed))?`;
const FUNC = String.raw`(?:(?:the\s+)?(?:natural\s+|base[- ]?10\s+)?(?:log(?:arithm)?|ln|square\s+root|sqrt)\s+of\s+(?:the\s+)?${OPERAND}|(?:log|ln|log10|sqrt|abs)\s*\(\s*${OPERAND}\s*\))`;
const TERM = `(?:${FUNC}|${OPERAND})`;
/** At least one operator or one function. */
const WORD_EXPR = String.raw`(${FUNC}(?:\s+${OP}\s+${TERM})*|${OPERAND}(?:\s+${OP}\s+${TERM})+)`;
const SAYS = String.raw`(?:=|:=|:|,|\bfrom\b|\bas\b|\bequal\s+to\b|\bequals\b|\bdefined\s+as\b|\bcomputed\s+as\b|\bcalculated\s+as\b|\bwhich\s+is\b|\bthat\s+is\b)`;
/** Verbs that bring a new column. */
const VERB =
  'add|adds|adding|create|creates|creating|make|makes|derive|derives|deriving|compute|computes|computing|calculate|calculates|calculating|want|need|include|new';

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
  for (const [re, op] of OP_WORDS) s = s.replace(re, op);
  // "height squared" → pow(height, 2), before the words of a name are joined.
  s = s.replace(
    /(\d+(?:\.\d+)?|[A-Za-z_][\w%]*(?:\s+[A-Za-z_][\w%]*)*?)\s+(squared|cubed)\b/gi,
    (_all, x: string, p: string) => `pow(${x}, ${p.toLowerCase() === 'squared' ? 2 : 3})`,
  );
  // log(x) said by a person is the natural log; SQL's log() is base 10.
  s = s
    .replace(/\blog\s*\(/gi, 'ln(')
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*\)/g, ')');
  // A run of two or more words left is one column name.
  return s.replace(/(?<![\w"])([A-Za-z_][\w%]*(?:\s+[A-Za-z_][\w%]*)+)(?![\w"])/g, '"$1"');
}

export function parseDeriveWords(goal: string): { at: number; p: PrepIntent }[] {
  const out: { at: number; p: PrepIntent }[] = [];
  const res = [
    // "add a profit column = A minus B", "create a new field ratio equal to a divided by b", "add x as log of y".
    String.raw`\b(?:${VERB})\s+(?:an?\s+)?(?:new\s+)?(?:(?:column|field|feature)\s+(?:named\s+|called\s+)?${NAME}|${NAME}\s+(?:column|field|feature)|(?!(?:column|field|feature|new)\b)${NAME})\s*${SAYS}\s*(?:the\s+)?${WORD_EXPR}`,
    // Passive: "a column ratio equal to a divided by b is derived", "a field x, defined as a over b, should be added".
    String.raw`\b(?:an?|the)\s+(?:new\s+|extra\s+)?(?:column|field|feature)\s+(?:named\s+|called\s+)?${NAME}\s*,?\s*${SAYS}\s*(?:the\s+)?${WORD_EXPR}\s*,?\s+(?:(?:is|are|gets?|(?:should|must|will|shall|has\s+to|have\s+to|needs?\s+to|is\s+to)\s+be)\s+)(?:derived|added|computed|calculated|created|made)\b`,
    // "a profit column (A minus B)", "add profit (A minus B)".
    String.raw`(?:\b(?:an?|the|new)\s+${NAME}\s+(?:column|field|feature)|\b(?:${VERB})\s+(?!(?:column|field|feature|new|an?|the)\b)${NAME})\s*\(\s*(?:=\s*)?${WORD_EXPR}\s*\)`,
  ];
  // "an extra column that is the population in millions", "a new field with the revenue in thousands".
  const UNITS: Record<string, string> = { thousands: '1000', millions: '1000000', billions: '1000000000' };
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:an?|one|new)\s+(?:(?:new|extra|additional|more)\s+)?(?:column|field|feature)\s+(?:that\s+(?:is|has|holds|gives|shows)|which\s+(?:is|has|holds|gives|shows)|with|holding|giving|showing|for)\s+(?:the\s+)?(${COLUMN})\s+(?:in|as)\s+(thousands|millions|billions)\b`,
      'gi',
    ),
  )) {
    const said = m[1] as string;
    const name = `${said.toLowerCase().replace(/\W+/g, '_')}_${(m[2] as string).toLowerCase()}`;
    const expr = `"${said}" / ${UNITS[(m[2] as string).toLowerCase()]}`;
    out.push({ at: m.index ?? 0, p: { op: 'derive', name, expr } });
  }
  // "construct a derived variable, the power-to-weight ratio (Horsepower divided by Weight_in_lbs)".
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:an?|the|new)\s+(?:(?:new|derived|extra|additional)\s+)+(?:variable|column|field|feature)\s*,?\s+(?:the\s+|an?\s+)?([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,3}?)\s*\(\s*(?:=\s*)?${WORD_EXPR}\s*\)`,
      'gi',
    ),
  )) {
    const name = (m[1] as string).toLowerCase().replace(/\W+/g, '_');
    out.push({ at: m.index ?? 0, p: { op: 'derive', name, expr: wordsToExpr(m[m.length - 1] as string) } });
  }
  for (const re of res) {
    for (const m of goal.matchAll(new RegExp(re, 'gi'))) {
      const name = m.slice(1, -1).find((g) => g !== undefined) as string;
      const expr = wordsToExpr(m[m.length - 1] as string);
      if (!out.some((o) => o.p.op === 'derive' && o.p.name === name))
        out.push({ at: m.index ?? 0, p: { op: 'derive', name, expr } });
    }
  }
  return out;
}
