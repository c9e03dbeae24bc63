/**
 * The surface form of what a person types, taken off once where a goal, an answer or an edit enters the
 * planner: any kind or run of whitespace (tabs, line breaks, non-breaking and zero-width spaces) and the
 * courtesy around a request ("hi team!", "@pipewright", "could you please", ", thanks :pray:"). What is left
 * carries the meaning; the rules never see a greeting glued to a model name or "please" glued to a run.
 */

import { plainMarkdown } from './markdown.ts';

/** Zero-width characters: a space nobody sees. */
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;

/** Any whitespace, Unicode spaces included (JS `\s` covers U+00A0, U+2000–U+200A, U+3000…). */
const SPACES = /\s+/g;

/** Whitespace only: every run of any kind becomes one plain space; zero-width characters go. */
export function normaliseSpacing(text: string): string {
  return text.replace(ZERO_WIDTH, '').replace(SPACES, ' ').trim();
}

/** The same, but a zero-width character counts as a space ("send\u200Bthe\u200Bkeys"). */
export function spacedZeroWidth(text: string): string {
  return text.replace(ZERO_WIDTH, ' ').replace(SPACES, ' ').trim();
}

/** A shortcode has a letter and no digit or word glued before it: ":rocket:", ":+1:", never the ":30:" of "01:30:". */
const EMOJI =
  /(?<![\w:]):(?=[a-z0-9_+-]*[a-z])[a-z0-9_+-]+:|(?<![\w:]):[+-]1:|\p{Extended_Pictographic}|[\u{1F3FB}-\u{1F3FF}]|\u{FE0F}/gu;
const MENTION = /(^|\s)@[\w-]+(?![\w./\\@])/g;
const VOCATIVE = String.raw`(?:\s+(?:there|all|everyone|team|folks|guys|y'?all|pipewright|bot))`;
const PUNCT = '[!,.:;\u2014\u2013-]';
/** "hi", "hey team,", "morning all!"; a time of day only with a vocative or punctuation ("morning runs" stays). */
const GREETING = new RegExp(
  String.raw`^(?:(?:(?:hi|hiya|hello|hey|heya|yo|howdy|greetings)${VOCATIVE}?|(?:good\s+)?(?:morning|afternoon|evening)(?:${VOCATIVE}|(?=\s*${PUNCT}))|good\s+day)\s*${PUNCT}*\s+)+`,
  'i',
);
const ASK =
  /^(?:(?:please|pls|plz|kindly)\s+|(?:can|could|would|will)\s+you\s+(?:please\s+|kindly\s+)?(?=\w)|i'?d\s+like\s+you\s+to\s+|i\s+would\s+like\s+you\s+to\s+|i\s+want\s+you\s+to\s+)+/i;
const SIGN_OFF =
  /(?:(?:[\s,;!—–-]+|(?<=[.!?])\s+)(?:thanks?(?:\s+(?:a lot|so much|in advance|again|team|all))?|thank\s+you(?:\s+(?:so much|in advance|again))?|thx|tx|ty|tysm|cheers|much appreciated|appreciated|please|pls|plz)(?:\s*[!.,]+)*)+\s*$/i;
/** "please" or "kindly" inside a sentence: courtesy, never a name. */
const COURTESY = /(^|[\s,;(])(?:please|pls|plz|kindly)(?=[\s,;.!?)]|$)[,]?/gi;

/**
 * Takes off greetings and sign-offs around a request and courtesy words inside it. Text that is nothing but
 * courtesy stays as it was (so "thanks" alone is still said).
 */
export function withoutCourtesy(text: string): string {
  let t = text.replace(EMOJI, ' ').replace(MENTION, '$1');
  t = t.replace(SPACES, ' ').trim();
  for (let i = 0; i < 3; i++) t = t.replace(GREETING, '').replace(ASK, '');
  t = t.replace(SIGN_OFF, '');
  t = t.replace(COURTESY, '$1').replace(SPACES, ' ').trim();
  // A leading "," or "!" left by a greeting; a question mark after a request that lost its "can you".
  t = t.replace(/^[\s,;:!.-]+/, '');
  if (!/\w/.test(t)) return normaliseSpacing(text);
  return t;
}

/** What the planner reads of a goal, an answer or an edit: plain spacing, no courtesy. */
export function plainRequest(text: string): string {
  return withoutCourtesy(normaliseSpacing(plainMarkdown(text)));
}
