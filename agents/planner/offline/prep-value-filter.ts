/**
 * Rows kept by a value, no column named: "keep only the rows for Seattle", "use just the records from 'New
 * York'". The builder (prep-ops.ts) finds the text column that holds the value; a capitalised or quoted value
 * no column holds asks which column, a lowercase one that none holds is no filter.
 */
import type { PrepIntent } from '../intent.ts';

const KEEP = String.raw`(?:(?:keep|keeping|use|using|select|selecting|want|wants|need|needs)\s+(?:only|just)|(?:only|just)\s+(?:keep|keeping|use|using|select|selecting|want|wants|need|needs)|(?:keep|keeping|select|selecting)(?=\s+(?:the\s+)?(?:rows|records|entries|observations)\b))`;
const ROWS = String.raw`(?:rows|records|entries|observations|data|(?!(?:columns|fields|features|values|years|months|days|hours|minutes|weeks)\b)[a-z]+s)`;
/** Words after "for / from" that are no value: purposes, times, references. */
const NOT_VALUE =
  /^(?:training|testing|test|validation|evaluation|later|now|today|yesterday|each|every|all|both|which|that|this|those|these|it|them|me|us|you|analysis|the|a|an|last|past|previous|next|before|after|since|model|predictions?|scoring|reference|then|here|there|january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|spring|summer|autumn|fall|winter|weekends?|weekdays?)$/i;

export function parseValueFilter(goal: string): { at: number; p: PrepIntent }[] {
  const out: { at: number; p: PrepIntent }[] = [];
  const re = new RegExp(
    String.raw`\b${KEEP}\s+(?:the\s+)?${ROWS}\s+(?:for|from|about|at|in|of)\s+(?:the\s+)?(?:["'\x60]([^"'\x60/]{1,40})["'\x60]|([\w-]+(?:\s+[\w-]+){0,2}))(?![\w./-])`,
    'gi',
  );
  for (const m of goal.matchAll(re)) {
    const words = (m[2] ?? '').split(/\s+/);
    // Unquoted: a run of capitalised words ("New York"), or one lowercase word.
    const value = m[1]?.trim() ?? (/^[A-Z]/.test(words[0] ?? '') ? takeCapitalised(words) : words[0]);
    if (!value || NOT_VALUE.test(value) || /^\d/.test(value)) continue;
    out.push({
      at: m.index ?? 0,
      p: { op: 'where', column: '', cmp: '=', value, keep: true, valueColumn: true },
    });
  }
  return out;
}

function takeCapitalised(words: string[]): string {
  const run: string[] = [];
  for (const w of words) {
    if (!/^[A-Z]/.test(w)) break;
    run.push(w);
  }
  return run.join(' ');
}
