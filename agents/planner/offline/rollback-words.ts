/**
 * Rollbacks as a goal words them: "roll back to version 1", "take … back to its previous version", "get v1 serving
 * again", "flip it back to the golden version" (a word that may be an alias), "revert if p95 passes 400 ms".
 */
import type { IntentFrame, WatchLimits } from '../intent.ts';
import { COUNT_WORD, countOf } from './words.ts';

/** A version by number, word or ordinal: "v2", "version 2", "version two", "the second version". */
const VERSION_NO = String.raw`(?:v(?:ersion)?\s*(\d+|${COUNT_WORD})|(?:the\s+)?(?:very\s+)?(${COUNT_WORD}|\d+(?:st|nd|rd|th))\s+(?:version|one))\b`;
/** A version put back: "put the very first version back", "bring version 2 of churn back". */
const PUT_BACK = String.raw`\b(?:put|bring)\s+(?:[\w@:.'-]+\s+){0,3}?${VERSION_NO}(?:\s+of\s+[\w@:.-]+)?\s+back\b`;
/** A version wanted live again: "get v1 serving again", "have the first version in production again". */
const LIVE_AGAIN = String.raw`\b(?:get|have|make|bring|put|see|want|need)\s+(?:[\w@:.'-]+\s+){0,3}?${VERSION_NO}(?:\s+of\s+[\w@:.-]+)?\s+(?:serving|live|running|(?:back\s+)?(?:in|into)\s+(?:production|prod|serving))\s+again\b`;
/** Words before "version" that say which one by order, not by an alias: "the previous version". */
const NOT_ALIAS = String.raw`(?:previous|prior|last|old|older|earlier|former|original|latest|newest|current|same|new|newer|other|very|${COUNT_WORD}|\d+(?:st|nd|rd|th))`;
/** "flip cars-mpg back to the golden version", "take it back to the stable one": a version named by a word. */
const BACK_TO_WORD = String.raw`\b(?:flip|swap|switch|set|put|move|turn|get|take|bring|change|roll|go)\s+(?:[\w@:.'-]+\s+){0,4}?back\s+to\s+(?:the\s+|its\s+|our\s+)?(?!${NOT_ALIAS}\s)([a-z][\w-]*)\s+(?:version|one|build|release)\b`;
/**
 * What was live before, in words: "whatever was live before it", "what was serving before", "the way it was", "the
 * version we were using before it".
 */
const BEFORE = String.raw`(?:what|whatever|whichever(?:\s+version)?|the\s+(?:one|version|model)(?:\s+(?:that|which))?)\s+(?:it\s+|(?:we|you|they|i)\s+)?(?:was|were|had\s+been|had|ran|served|used)\b[^.;]{0,30}?\b(?:before|previously|earlier|last)\b|(?:the\s+)?(?:one|version)\s+before(?:\s+(?:it|that|this))?\b|(?:the\s+way|how)\s+it\s+was\b`;

/** Traffic said to go back to a version: "everything returns to v2", "requests fall back to v1". */
const RETURNS_TO = String.raw`\b(?:returns?|returned|returning|(?:falls?|fell|falling)\s+back)\s+to\s+(?:the\s+)?${VERSION_NO}`;
/** The verb last (German order): "the model to version 1 back set", "to v1 back roll". */
const TO_VERSION_BACK = String.raw`\bto\s+(?:the\s+)?${VERSION_NO}\s+back\s+(?:set|put|roll|bring|move|switch|take|go|turn)\b`;

// "revert back with the file", "revert to me": a reply (Indian English), not a rollback.
export const ROLLBACK = new RegExp(
  String.raw`${PUT_BACK}|${LIVE_AGAIN}|${RETURNS_TO}|${TO_VERSION_BACK}|${BACK_TO_WORD}|\bdowngrad(?:e|es|ed|ing)\b|\broll(?:s|ed|ing)?[- ]?(?:it\s+|them\s+|this\s+|that\s+)?back\b|\brestor(?:e|es|ed|ing)\s+(?:the\s+|its\s+)?(?:(?:previous|prior|last|old|older|earlier|former)\b|${VERSION_NO}|[\w-]+\s+(?:to\s+)?${VERSION_NO})|\b(?:put|bring|set|switch)\s+back\s+(?:(?:the\s+)?(?:${VERSION_NO}|(?:previous|prior|old|older|earlier)\s+(?:version|one|model))|${BEFORE})|\b(?:put|bring|set|move|switch|take|turn|flip|swap)\s+(?:[\w@:.'-]+\s+){1,4}?back\s+(?:(?:on|to)\s+(?:the\s+|its\s+)?(?:${VERSION_NO}|previous|prior|last|old|earlier|${BEFORE})|${BEFORE})|\b(?:go(?:es)?|move|switch|put\s+\S+)\s+back\s+to\s+(?:the\s+|its\s+)?(?:${VERSION_NO}|\S+\s+model\s+(?:that|which|trained|from)|model\s+(?:that|which|trained|from))|\broll(?:s|ed|ing)?\s+(?:[\w@:.'-]+\s+){1,4}?back\b|\brollback\b|\brevert\w*\b(?!\s+(?:back\s+)?(?:to\s+(?:me|us)\b|with\b|on\s+(?:this|that|it)\b))|\btake\s+(?:[\w@:.'-]+\s+){0,5}?back\s+to\b|\bgo(?:es)?\s+back\s+to\s+(?:the\s+|its\s+)?(?:previous|prior|last|old|${BEFORE})|\bundo\s+(?:the\s+|that\s+|this\s+|(?:yesterday|today|this\s+morning|last\s+night|last\s+week)'?s\s+)?(?:last\s+|latest\s+|recent\s+)?(?:deploy\w*|release|rollout|promotion)\b|\b(?:put|bring|set|move|switch|turn)\s+(?:[\w@:.'-]+\s+){1,4}?back\s+to\s+(?:whatever|what|the)\b[^.;]{0,40}?\b(?:alias|tag)\b`,
  'i',
);

/** A rollback: to which version, and whether only on a breach of serving limits. */
export function parseRollback(text: string, limits: WatchLimits): IntentFrame['rollback'] | undefined {
  if (!ROLLBACK.test(text)) return undefined;
  // The version said with "back" wins over one said earlier ("send 10% to v2 …, else put it back on v1").
  const to =
    new RegExp(String.raw`\bback\s+(?:to|on)\s+(?:the\s+)?${VERSION_NO}`, 'i').exec(text) ??
    new RegExp(RETURNS_TO, 'i').exec(text) ??
    new RegExp(String.raw`\b(?:back\s+)?(?:to|on)\s+(?:the\s+)?${VERSION_NO}`, 'i').exec(text) ??
    new RegExp(String.raw`\bback\s+(?:the\s+)?${VERSION_NO}`, 'i').exec(text) ??
    new RegExp(PUT_BACK, 'i').exec(text) ??
    new RegExp(LIVE_AGAIN, 'i').exec(text) ??
    new RegExp(String.raw`\brestor\w*\s+(?:\S+\s+)?${VERSION_NO}`, 'i').exec(text);
  const conditional =
    Object.keys(limits).length > 0 &&
    /\b(?:if|when|whenever|once|unless|should|otherwise|else|failing\s+that)\b/i.test(text);
  const word = to?.[1] ?? to?.[2];
  const version = word === undefined ? undefined : countOf(word);
  // "back to whatever the blue-green alias points at", "to the version the last-good tag is on".
  const alias =
    /\bto\s+(?:(?:whatever|wherever|what|the\s+(?:version|one|model))\s+)?(?:the\s+)?([\w-]+)\s+(?:alias|tag)\b/i.exec(
      text,
    )?.[1] ?? new RegExp(BACK_TO_WORD, 'i').exec(text)?.[1];
  return {
    ...(version !== undefined ? { toVersion: version } : {}),
    ...(alias && version === undefined ? { toAlias: alias.toLowerCase() } : {}),
    onBreach: conditional,
  };
}
