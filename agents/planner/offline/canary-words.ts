/**
 * Canary shares said as a count of requests: "one in every twenty requests", "1 in 10 calls",
 * "one out of every four users" → 1/N of the traffic.
 */
import { NUMBER, toNumber } from './words.ts';

const ONE_IN_N = new RegExp(
  String.raw`\b(?:one|1|a\s+single)\s+(?:in|out\s+of)\s+(?:every\s+)?${NUMBER}\s+(?:of\s+(?:the|its|our)\s+)?(?:incoming\s+|live\s+)?(?:requests?|calls?|users?|queries|predictions?)\b`,
  'i',
);

/** The share of traffic "one in N requests" gives, and where it is said; undefined when none. */
export function oneInNShare(text: string): { share: number; at: number } | undefined {
  const m = ONE_IN_N.exec(text);
  const n = m?.[1] ? toNumber(m[1]) : undefined;
  return m && n !== undefined && n > 1 ? { share: 1 / n, at: m.index } : undefined;
}

/** Fractions of an hour as minutes: "half an hour" → "30 minutes", "an hour and a half" → "90 minutes". */
export function wholeMinutes(text: string): string {
  return text
    .replace(
      /\b(?:an|one|1)\s+hour\s+and\s+a\s+half\b|\b(?:one|1)\s+and\s+a\s+half\s+hours?\b/gi,
      '90 minutes',
    )
    .replace(/\b(?:a\s+)?half\s+an\s+hour\b|\ba\s+half[- ]hour\b/gi, '30 minutes')
    .replace(/\b(?:a\s+)?quarter\s+(?:of\s+)?an\s+hour\b|\ba\s+quarter[- ]hour\b/gi, '15 minutes');
}

const BARE_SPAN = new RegExp(
  String.raw`(?<!\b(?:last|past|previous|next)\s+)\b${NUMBER}\s*(minutes?|mins?|m|hours?|hrs?|h)\b(?!\s+(?:of|ago|old|window|back)\b)`,
  'i',
);

/** A bare span in a canary edit: "20% and 2h", "make that 4 hours" → "2h", "4h". */
export function bareDuration(text: string): string | undefined {
  const m = BARE_SPAN.exec(wholeMinutes(text));
  const n = m?.[1] ? toNumber(m[1]) : undefined;
  if (!m || n === undefined || !(n > 0)) return undefined;
  return `${n}${/^h/i.test(m[2] as string) ? 'h' : 'm'}`;
}

/** A canary the goal rules out: "no canary", "without a canary", a ticket's "Out of scope: retraining, canary.". */
export const RULED_OUT_CANARY =
  /\b(?:out\s+of\s+scope|not\s+in\s+scope|non-?goals?)\s*:[^.\n]*|\b(?:no|without(?:\s+a)?|skip(?:\s+the)?)\s+canary\b/gi;
