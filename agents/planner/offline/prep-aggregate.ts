/**
 * An aggregate table in words: "mean yield per site & year", "total gross by genre", "the max temp for each
 * weather type", "median price grouped by region". Read as one group-by (prep-ops.ts writes it as SQL).
 */
import type { PrepIntent } from '../intent.ts';

type AggregateFn = Extract<PrepIntent, { op: 'aggregate' }>['fn'];
const FN: [RegExp, AggregateFn][] = [
  [/^(?:mean|average|avg)$/i, 'avg'],
  [/^(?:sum|total)$/i, 'sum'],
  [/^count$/i, 'count'],
  [/^median$/i, 'median'],
  [/^(?:min|minimum|lowest)$/i, 'min'],
  [/^(?:max|maximum|highest)$/i, 'max'],
];
const WORD = String.raw`[\w()%-]+`;
const MEASURE = String.raw`((?:${WORD}\s+){0,2}?${WORD})`;
const GROUPS = String.raw`((?:${WORD}\s+){0,2}?${WORD}(?:\s*(?:&|,|\band\b)\s*(?:${WORD}\s+){0,2}?${WORD})*?)`;
/** Where the groups end: punctuation, a file or the next clause. */
const AFTER = String.raw`(?=\s*(?:[(,;.!?]|$)|\s+(?:from|in|of|then|and then|version\w*|save|as|with|no|into|for)\b)`;
/** A model's numbers said per fold or class ("mean absolute error per fold") are no table. */
const NOT_MEASURE =
  /\b(?:error|loss|accuracy|score|f1|auc|rmse|mae|mse|precision|recall|latency|depth|trees|estimators|iterations|epochs)\b/i;

export function parseAggregate(goal: string): { at: number; p: PrepIntent }[] {
  const out: { at: number; p: PrepIntent }[] = [];
  const re = new RegExp(
    String.raw`\b(mean|average|avg|sum|total|count|median|min|minimum|lowest|max|maximum|highest)\s+(?:of\s+(?:the\s+)?)?${MEASURE}\s+(?:per|by|for\s+(?:each|every)|grouped\s+by|broken\s+down\s+by)\s+(?:the\s+|each\s+)?${GROUPS}${AFTER}`,
    'gi',
  );
  for (const m of goal.matchAll(re)) {
    const fn = FN.find(([w]) => w.test(m[1] as string))?.[1];
    const measure = m[2] as string;
    if (!fn || NOT_MEASURE.test(measure) || /^(?:the|a|an|it|them)$/i.test(measure)) continue;
    out.push({ at: m.index ?? 0, p: { op: 'aggregate', fn, measure, by: m[3] as string } });
  }
  return out;
}
