/**
 * Column selection (prep.ts reads the rest): "keep only Title, Genre and Budget", "select the columns a, b",
 * "retain just x and y", "only keep a, b", "(a table with) only the columns a, b and c". Rows ("keep only rows where …", "keep only the rows from 2005 on",
 * "keep only year 2005") are filters, read elsewhere. With the position it was said at, for goal order.
 */
import type { PrepIntent } from '../intent.ts';

/** Verbs that start the next step: the column list ends before them. */
const NEXT_STEP =
  'cast|convert|turn|change|make|drop|remove|delete|exclude|scale|normali[sz]e|standardi[sz]e|impute|fill|save|store|version|snapshot|register|train|fit|predict|forecast|split|clip|cap|winsori[sz]e|dedupe|deduplicate|one-hot|onehot|encode|filter|write|export|then';
/** "…, keep rows from 2005 on": a row filter after the list ends it. */
const ROW_STEP = String.raw`,?\s+(?:and\s+)?(?:keep|keeping|retain|retaining|only\s+keep)\s+(?:only\s+|just\s+)?(?:the\s+)?(?:rows?|records?|entries|observations)\b`;
/** "…, the missing X filled with the median", "…, and after save it": a new clause, not a column. */
const CLAUSE = String.raw`,\s+(?:(?:the\s+)?(?:missing|blank|empty|null|nan)\b|(?:and\s+)?(?:after|afterwards|next|finally|also)\b)`;
/** A unit in brackets belongs to the column name: "Weight (kg)", "Speed (km/h)"; other brackets end a list. */
const UNIT = String.raw`[\w/%.°$€£²³-]{1,10}`;
const BRACKET = String.raw`\((?!${UNIT}\))|(?<!\(${UNIT})\)`;
const END = String.raw`(?=[;:!?]|${BRACKET}|${ROW_STEP}|${CLAUSE}|\s+(?:please|pls|thanks)\b|\.(?:\s|$)|,\s*(?:and\s+)?(?:${NEXT_STEP})\b|\s+(?:and\s+)?(?:${NEXT_STEP})\b|\s+(?:columns?|fields?)\b|\s+(?:before|so|from|in|of|for)\b|$)`;
/** What a row filter keeps: not columns. */
const ROWS =
  /^(?:(?:the|those|these)\s+)?(?:rows?|records?|entries|observations|samples|data|last|first|latest|recent|newest|oldest|top|bottom|ones?|it|them|this|that)\b|\b(?:where|whose|with|since|after|until|prior)\b|\d{4}/i;
/** "keep only year 2005" is rows; "keep only year, source and output" lists columns (checked when built). */
const TIME_LEAD = /^(?:(?:the|those|these)\s+)?(?:years?|days?|months?)\b/i;
const isRows = (list: string) => ROWS.test(list) || (TIME_LEAD.test(list) && !/,|\band\b/.test(list));

export function parseSelect(goal: string): { at: number; p: PrepIntent }[] {
  const out: { at: number; p: PrepIntent }[] = [];
  const re = new RegExp(
    String.raw`\b(?:(?:keep|keeping|retain|retaining|select|selecting)\s+(?:only|just)\s+(?:the\s+)?(?:columns?\s+|fields?\s+)?|only\s+(?:keep|retain|select)\s+(?:the\s+)?(?:columns?\s+|fields?\s+)?|(?:keep|keeping|retain|retaining|select|selecting)\s+(?:the\s+)?(?:columns?|fields?)\s*:?\s+|(?:only|just)\s+(?:the\s+)?(?:columns?|fields?)\s*:?\s+)(.+?)${END}`,
    'gi',
  );
  for (const m of goal.matchAll(re)) {
    const list = (m[1] as string).trim().replace(/^["'\x60]|["'\x60]$/g, '');
    if (!list || isRows(list)) continue;
    out.push({ at: m.index ?? 0, p: { op: 'select', list } });
  }
  // "keep a, b, c;" without "only": a list of two or more (never "keep it simple", "keep going, then …").
  // "only a, b and c kept", "with just x and y retained": the list before its participle.
  const loose = new RegExp(
    [
      String.raw`\b(?:keep|keeping|retain|retaining)\s+(?!(?:only|just|the\s+(?:rows?|records?))\b)(.+?)${END}`,
      String.raw`\b(?:only|just)\s+(?:the\s+)?(?:columns?\s+)?([^.;:!?()]+?)\s+(?:kept|retained|left in|remaining)\b`,
    ].join('|'),
    'gi',
  );
  for (const m of goal.matchAll(loose)) {
    const list = ((m[1] ?? m[2]) as string).trim();
    if (isRows(list) || !/,|\band\b/.test(list) || out.some((o) => o.p.op === 'select' && o.p.list === list))
      continue;
    out.push({ at: m.index ?? 0, p: { op: 'select', list } });
  }
  return out;
}
