/**
 * A time split said by what is held out rather than by "time split" (split.ts reads the rest): "hold out the
 * latest years", "the newest 15% is the test set", "sorted by year, the last 20% as test". With the held-out
 * share when one is said, and the time column a noun names ("the latest years" → year).
 */
import { SHARE, toShare } from './words.ts';

const LATEST = String.raw`(?:latest|most\s+recent|newest|youngest)`;
const LAST = String.raw`(?:last|final|${LATEST})`;
const TIME_NOUN = String.raw`(years?|months?|weeks?|days?|dates?|periods?|seasons?|quarters?)`;
const TEST = String.raw`(?:test(?:ing)?(?:\s+set)?|hold-?out|held-?out|evaluation)\b`;
const HOLD = String.raw`(?:hold(?:s|ing)?\s+out|held\s+out|keep(?:s|ing)?\s+(?:back|aside)|set(?:ting)?\s+aside|reserv\w*|sav(?:e|ing))`;

export interface LatestHoldout {
  column?: string;
  testShare?: number;
}

export function parseLatestHoldout(text: string): LatestHoldout | undefined {
  const share = (raw: string | undefined) => {
    const s = toShare(raw);
    return s !== undefined &&
      s > 0 &&
      s < 1 &&
      /%|per ?cent|half|third|quarter|fourth|fifth|tenth|^0?\./i.test(raw ?? '')
      ? s
      : undefined;
  };
  const column = (noun: string | undefined) => noun?.toLowerCase().replace(/s$/, '');
  // "hold out the latest 20% of years as test", "test on the last two years", "hold out the most recent months".
  const held = new RegExp(
    String.raw`\b${HOLD}\s+(?:the\s+)?${LAST}\s+(?:${SHARE}\s+(?:of\s+(?:the\s+)?)?)?(?:\w+\s+)?${TIME_NOUN}\b`,
    'i',
  ).exec(text);
  if (held) return { column: column(held[2]), testShare: share(held[1]) };
  // "the newest 15% is the test set", "the most recent 20% of rows as test".
  const newest = new RegExp(
    String.raw`\b${LATEST}\s+${SHARE}\s+(?:of\s+(?:the\s+)?(?:rows|records|data|observations|${TIME_NOUN})\s+)?(?:(?:is|are|as|for|goes\s+to|go\s+to|becomes?)\s+)?(?:the\s+|a\s+)?${TEST}`,
    'i',
  ).exec(text);
  // "sorted by year, the last 20% as test": an order makes "last" a time.
  const order =
    /\b(?:order(?:ed|ing)?|sort(?:ed|ing)?)\s+(?:it\s+|them\s+|the\s+(?:rows|data)\s+)?by\s+(?:the\s+)?([\w-]+)/i.exec(
      text,
    );
  const last = new RegExp(
    String.raw`\b${LAST}\s+${SHARE}\s+(?:of\s+(?:the\s+)?(?:rows|records|data|observations)\s+)?(?:(?:is|are|as|for|goes\s+to|go\s+to)\s+)?(?:the\s+|a\s+)?${TEST}`,
    'i',
  ).exec(text);
  // "testing on the most recent 25%", "evaluate on the newest tenth".
  const testOn = new RegExp(
    String.raw`\b(?:test(?:s|ed|ing)?|evaluat(?:e|es|ed|ing))\s+(?:it\s+|them\s+)?on\s+(?:the\s+)?${LATEST}\s+${SHARE}`,
    'i',
  ).exec(text);
  if (testOn && share(testOn[1]) !== undefined) return { testShare: share(testOn[1]) };
  if (newest) return { testShare: share(newest[1]), ...(order ? { column: order[1] } : {}) };
  if (order && last) return { column: order[1], testShare: share(last[1]) };
  return undefined;
}
