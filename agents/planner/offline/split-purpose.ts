/**
 * A validation share said by what it is for, beside a test share: "a tenth to check the result at the end, and
 * another tenth to check it along the way", "10% to monitor it while it trains". Only with a second share left
 * for the test; a lone share stays the held-out share (split.ts).
 */
import { SHARE, toShare } from './words.ts';

const CHECK = String.raw`(?:check|checking|monitor|monitoring|watch|watching|track|tracking|tune|tuning|validate|validating|keep\s+an\s+eye\s+on|see\s+how)`;
const DURING = String.raw`(?:along\s+the\s+way|during\s+(?:the\s+)?training|while\s+(?:it|the\s+model)\s+(?:trains|learns|is\s+(?:training|learning))|as\s+(?:it|the\s+model)\s+(?:trains|learns|goes)|in\s+training|between\s+(?:epochs|rounds))`;

export function purposeValidation(
  text: string,
  testShareOf: (rest: string) => number | undefined,
): { validationShare: number; testShare: number } | undefined {
  const m = new RegExp(
    String.raw`(?:\b(?:another|a\s+further|an\s+extra|plus)\s+)?${SHARE}\s+(?:of\s+(?:the\s+)?(?:rows|data|records)\s+)?(?:to|for)\s+${CHECK}\b(?:[^.;,]{0,30}?)\s${DURING}`,
    'i',
  ).exec(text);
  const validationShare = toShare(m?.[1]);
  if (!m || validationShare === undefined || validationShare <= 0 || validationShare >= 0.5) return undefined;
  const rest = text.slice(0, m.index) + text.slice(m.index + m[0].length);
  const testShare = testShareOf(rest);
  return testShare !== undefined && testShare > 0 && testShare < 1
    ? { validationShare, testShare }
    : undefined;
}
