/**
 * More prep words (prep.ts reads the rest): a derived column ("add a column pop_m = pop / 1000000", "new column
 * ratio = a / b", "compute bmi as weight / height"), clipping to fixed bounds ("clip fertility between 0 and 10",
 * "fertility clip to 0-10") and a column said before its verb ("the cluster column remove"). With the position
 * each was said at, so that prep.ts keeps goal order.
 */
import type { PrepIntent } from '../intent.ts';
import { numberValue, VALUE_NUMBER } from './words.ts';

const IDENT = String.raw`["'\x60]?([A-Za-z_][\w]*)["'\x60]?`;
const OPERAND = String.raw`(?:[A-Za-z_][\w]*|\d+(?:\.\d+)?(?:e\d+)?)`;
/** An arithmetic expression with at least one operator: "pop / 1000000", "(a + b) * 2". */
const EXPR = String.raw`(\(?\s*${OPERAND}\s*\)?(?:\s*[-+*/]\s*\(?\s*${OPERAND}\s*\)?)+)`;
const NUM = `(${VALUE_NUMBER})`;

export function parseDeriveClip(goal: string): { at: number; p: PrepIntent }[] {
  const out: { at: number; p: PrepIntent }[] = [];
  const derive = new RegExp(
    String.raw`\b(?:(?:add|adds|adding|create|creates|creating|make|derive|derives|deriving|new)\s+(?:an?\s+)?(?:new\s+)?(?:column|field|feature)\s+(?:named\s+|called\s+)?${IDENT}|(?:compute|computes|computing|calculate|calculates|calculating|derive|derives|deriving)\s+${IDENT})\s*(?:=|:=|\bas\b)\s*${EXPR}`,
    'gi',
  );
  for (const m of goal.matchAll(derive)) {
    const name = (m[1] ?? m[2]) as string;
    out.push({ at: m.index ?? 0, p: { op: 'derive', name, expr: (m[3] as string).trim() } });
  }
  // "clip fertility between 0 and 10", "fertility clip between 0 and 10", "cap age to 0-100", "clip x to between 1 and 8".
  const CLIP = 'clip|clips|clipped|clipping|cap|caps|capped|capping';
  const RANGE = String.raw`(?:(?:to\s+)?between|to|within|in|into|at)\s+(?:the\s+range\s+)?(?:of\s+)?\[?${NUM}\s*(?:and|to|-|,|\.\.)\s*${NUM}\]?(?!\s*(?:%|st|nd|rd|th|percentiles?|quantiles?)\b|\s*%)`;
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:${CLIP})\s+(?!(?:to|between|within|into|in|at)\b)(?:the\s+)?${IDENT}\s+(?:column\s+|values\s+)?${RANGE}|\b(?:the\s+)?${IDENT}\s+(?:column\s+|values\s+)?(?:(?:should|must|will|shall|needs?\s+to|ha(?:s|ve)\s+to)\s+be\s+|(?:is|are|gets?)\s+)?(?:${CLIP})\s+(?:to\s+(?=between\b))?${RANGE}`,
      'gi',
    ),
  )) {
    const list = (m[1] ?? m[4]) as string;
    const a = numberValue((m[2] ?? m[5]) as string);
    const b = numberValue((m[3] ?? m[6]) as string);
    if (a === undefined || b === undefined) continue;
    if (/^(?:it|them|values|everything|outliers|all)$/i.test(list)) continue;
    out.push({ at: m.index ?? 0, p: { op: 'clip', list, lower: Math.min(a, b), upper: Math.max(a, b) } });
  }
  // "the cluster column remove", "column notes drop": the column, then the verb; also as a participle,
  // "with the Email column removed", "the Notes field should be deleted".
  const GONE = String.raw`(?:(?:should|must|will|shall|needs?\s+to|ha(?:s|ve)\s+to|is\s+to)\s+be\s+|(?:is|gets?)\s+)?(?:remove|drop|delete|discard|removed|dropped|deleted|discarded|taken\s+out|left\s+out)`;
  for (const m of goal.matchAll(
    new RegExp(
      String.raw`\b(?:the\s+)?${IDENT}\s+(?:column|field)\s+${GONE}\b|\b(?:column|field)\s+${IDENT}\s+${GONE}\b`,
      'gi',
    ),
  ))
    out.push({ at: m.index ?? 0, p: { op: 'drop', list: (m[1] ?? m[2]) as string } });
  return out;
}
