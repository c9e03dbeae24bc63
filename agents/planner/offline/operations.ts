/**
 * Operations on deployed models, as a goal words them: canaries ("send a quarter of the traffic to … for two
 * hours", "canary … at 10% for 30 minutes"), serving limits ("unless errors rise", "if p95 latency doubles",
 * "error rate above 2%", "p99 above 500 ms"), rollbacks ("roll back to version 1", "take … back to its previous
 * version"), serving reports ("error rate and p95 latency over the last 2 hours"), and
 * which operation the goal is about.
 */
import type { IntentFrame, Operation, WatchLimits } from '../intent.ts';
import { oneInNShare, RULED_OUT_CANARY, wholeMinutes } from './canary-words.ts';
import { aliasPair, COMPARE_VERSIONS, SCORES_FILE } from './compare.ts';
import { IN_CANARY_PHRASE } from './reference-roles.ts';
import { ROLLBACK } from './rollback-words.ts';
import { dayOf } from './run-references.ts';
import { SENT_TO_MODEL } from './served-words.ts';
import { NOT_COUNTING, NUMBER, SHARE, toNumber, toShare } from './words.ts';

export { parseOutput, SCORING_VERB } from './output-path.ts';
export { parseRollback, ROLLBACK } from './rollback-words.ts';

const UNIT = `(minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|fortnights?)`;

function unitOf(u: string): 'm' | 'h' | 'd' {
  const w = u.toLowerCase();
  if (w.startsWith('d') || w.startsWith('w') || w.startsWith('f')) return 'd';
  if (w.startsWith('h')) return 'h';
  return 'm';
}

/** "two hours" → "2h", "30 minutes" → "30m", "a day" → "1d", "a week" → "7d", "a fortnight" → "14d". */
export function durationOf(count: string | undefined, unit: string): string | undefined {
  const n = count === undefined ? 1 : toNumber(count);
  if (n === undefined || !(n > 0)) return undefined;
  const days = /^w/i.test(unit) ? 7 : /^f/i.test(unit) ? 14 : 1;
  return `${n * days}${unitOf(unit)}`;
}

/** A span of time after a preposition: "for two hours", "in the next hour", "over the last 2 hours". */
function spans(text: string, lead: string): { at: number; duration: string }[] {
  const re = new RegExp(
    String.raw`\b(?:${lead})\s+(?:(?:the\s+)?(?:next|last|past|coming|first)\s+)?(?:${NUMBER}\s*)?${UNIT}\b`,
    'gi',
  );
  const out: { at: number; duration: string }[] = [];
  for (const m of text.matchAll(re)) {
    const d = durationOf(m[1], m[2] as string);
    if (d) out.push({ at: m.index ?? 0, duration: d });
  }
  return out;
}

const ERROR_SHARE =
  /^[^.;]{0,40}?\b(?:traffic|requests|calls|users)\s+(?:error|errors|fail|fails|failing|time\s+out|timing\s+out|return\s+errors|come\s+back\s+with\s+errors)\b/i;

/** The share of traffic a canary gets: "a quarter of the traffic", "10% of requests", "canary … at 10%". */
export function parseCanaryShare(goal: string): number | undefined {
  // "for half an hour" is a duration, not half the traffic.
  const text = wholeMinutes(goal);
  const oneIn = oneInNShare(text);
  // "one in every twenty requests" (but "if one in ten requests fails" is a serving limit).
  if (oneIn && !ERROR_SHARE.test(text.slice(oneIn.at))) return oneIn.share;
  const candidates = [
    ...text.matchAll(
      new RegExp(
        String.raw`${SHARE}\s+(?:of\s+)?(?:the\s+|all\s+|its\s+)?(?:[\w@.-]+\s+){0,2}?(?:traffic|requests|calls|users)\b`,
        'gi',
      ),
    ),
    // "canary … for 30 mins at 10 percent": each preposition after the verb, until one is followed by a share.
    ...afterVerb(text, /\bcanary\b/i, String.raw`(?:\b(?:at|with|to|on|for|of)|[:,])\s+${SHARE}`),
    // "a 15% canary": the share as the canary's adjective.
    ...text.matchAll(new RegExp(String.raw`\b(?:a|an|the)\s+${SHARE}\s+canary\b`, 'gi')),
    ...afterVerb(text, /\b(?:roll(?:ing)?\s+(?:it\s+)?out|release)\b/i, String.raw`\bto\s+${SHARE}`),
  ];
  for (const m of candidates) {
    // "if more than 5% of requests error out": a serving limit, not a share of traffic.
    if (ERROR_SHARE.test(text.slice(m.index ?? 0))) return undefined;
    // A share is a percent, a fraction word or a decimal below 1: "24 hours of requests" is no share.
    const raw = m[1];
    if (!raw || !(/%|per ?cent|half|third|quarter|fourth|fifth|tenth/i.test(raw) || Number(raw) < 1))
      continue;
    const share = toShare(raw);
    if (share !== undefined && share > 0 && share < 1) return share;
  }
  return undefined;
}

/** Matches of `tail` within 60 characters after `verb` (in the same sentence), with indexes in `text`. */
function afterVerb(text: string, verb: RegExp, tail: string): RegExpMatchArray[] {
  const v = verb.exec(text);
  if (!v) return [];
  const from = (v.index ?? 0) + v[0].length;
  const window = text.slice(from, from + 70).split(/[.;]/)[0] ?? '';
  return [...window.matchAll(new RegExp(tail, 'gi'))].map((m) =>
    Object.assign(m, { index: from + (m.index ?? 0) }),
  );
}

/** How long something is watched or held: "for two hours", "for a day", "in the next hour". */
export function parseHoldFor(goal: string): string | undefined {
  const text = wholeMinutes(goal);
  const d = spans(text, 'for|during|in|within|over')[0]?.duration;
  if (d) return d;
  // "watch it 45 minutes", "monitor it two hours": the span right after watching it.
  const watched = new RegExp(
    String.raw`\b(?:watch|monitor|observe)\w*\s+(?:(?:it|them|this|that)\s+)?(?:for\s+)?(?:${NUMBER}\s*)${UNIT}\b`,
    'i',
  ).exec(text);
  if (watched) return durationOf(watched[1], watched[2] as string);
  // A terse list: "canary: churn v3, 15%, 90 minutes".
  const m = new RegExp(String.raw`[,:;]\s*(?:${NUMBER}\s*)${UNIT}\b(?!\s+(?:of|ago|old))`, 'i').exec(text);
  return m ? durationOf(m[1], m[2] as string) : undefined;
}

/** The window of a serving report or traffic check: "over the last 2 hours", "the last 24 hours of requests". */
export function parseWindow(text: string): string | undefined {
  // "over the last 2 hours", "the last 24h of requests", "the last 3 days of what … was asked", "the past week's".
  const m = new RegExp(
    String.raw`\b(?:over|in|for|during|from|of|within|covering|across|since)\s+(?:the\s+)?(?:last|past|previous)\s+(?:${NUMBER}\s*)?${UNIT}\b|\b(?:last|past|previous)\s+(?:${NUMBER}\s*)?${UNIT}(?:\s+of\b|'s\s)`,
    'i',
  ).exec(text);
  // "served requests past 3 days": a counted span after last/past, with no preposition before it.
  const bare = m
    ? undefined
    : new RegExp(String.raw`\b(?:last|past|previous)\s+${NUMBER}\s*${UNIT}\b`, 'i').exec(text);
  if (bare) return durationOf(bare[1], bare[2] as string);
  // "make the window three days", "window of 6 hours", "a two-week window": a span said of the window itself.
  const named = m
    ? undefined
    : (new RegExp(
        String.raw`\bwindow\s+(?:(?:to|of|at|is|be|as|=|:)\s*|(?:to\s+)?be\s+)?(?:(?:a|an|the)\s+)?(?:${NUMBER}\s*)${UNIT}\b`,
        'i',
      ).exec(text) ?? new RegExp(String.raw`\b${NUMBER}[\s-]*${UNIT}\s+window\b`, 'i').exec(text));
  if (named) return durationOf(named[1], named[2] as string);
  if (!m) return undefined;
  return m[2] ? durationOf(m[1], m[2]) : durationOf(m[3], m[4] as string);
}

/** "since Monday", "since yesterday", "since this morning": the day served traffic is read from. */
export function parseSinceDay(text: string): IntentFrame['sinceDay'] {
  const m =
    /\bsince\s+(?:last\s+)?(yesterday|today|this\s+morning|last\s+night|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b/i.exec(
      text,
    ) ??
    // "what was its error rate yesterday": a serving report on a day reads from that day.
    (SERVING_WORDS.test(text) ? /\b(yesterday|today|this\s+morning|last\s+night)\b(?!'s)/i.exec(text) : null);
  return m ? dayOf((m[1] as string).replace(/\s+/g, ' ')) : undefined;
}

/** An amount in digits or words ("2", "0.5", "two", "twenty-five"); counting words ("a", "both") are none. */
const AMOUNT = String.raw`${NOT_COUNTING}(?:\d+(?:\.\d+)?|\.\d+|(?<![a-z])(?:${NUMBER.slice(1, -1)})(?![a-z]))`;
const PCT = String.raw`(${AMOUNT})\s*(%|percent|per cent)?`;
/** A modal before a limit: "has to stay below", "must not go over", "should never exceed". */
const MODAL = String.raw`(?:(?:must|should|shall|may|can|has\s+to|have\s+to|needs?\s+to|is\s+to|ought\s+to)(?:\s+not|n't)?(?:\s+(?:ever|never))?\s+)?`;
const ABOVE = String.raw`${MODAL}(?:(?:goes|go|gets|get|rises|rise|climbs?|jumps?|is|are|was|were|stays?|exceeds?|reaches|hits|passes|creeps|tops|crosses|breaks|surpasses|becomes)?\s*(?:above|over|past|beyond|higher than|more than|greater than|exceeds?|exceeding|tops|crosses|surpasses|>=?)|(?:passes|pass|breaks|hits|reaches|crosses|tops|top))`;
/** A window between a measure and its limit: "error rate over the past 2 hours was above 3%". */
const SPAN_BETWEEN = String.raw`(?:(?:over|in|for|during|across)\s+(?:the\s+)?(?:last|past|previous)\s+(?:[\w.]+\s+)?[a-z]+\s+)?`;
/** A limit said as where the rate must stay: "the error rate (stays) below 1%". */
const BELOW = String.raw`${MODAL}(?:will\s+)?(?:(?:stays?|remains?|is|are|holds?|keeps?|sits?)\s+)?(?:below|under|less than|lower than|beneath|within|<=?)`;
/** What fails, as a rate: "error rate", "5xx rate", "failure ratio", "share of errors". */
const ERROR_RATE = String.raw`(?:error|errors|failure|failures|fail|5xx|5\d\d|server[- ]error)[- ]?(?:rates?|ratios?|percentages?|shares?)`;
/** Errors counted as a share, limited only with a percent sign: "errors exceed 5%", "5xx errors go above 3 percent". */
const ERROR_SHARE_LIMIT = String.raw`\b(?:5xx|5\d\d|http\s+5xx|server)?\s*(?:errors|failures|5xxs?)\s+${ABOVE}\s*(${AMOUNT})\s*(%|percent|per cent)`;

type LatencyKey = 'maxP50Ms' | 'maxP90Ms' | 'maxP95Ms' | 'maxP99Ms';
/** A latency measure: "p99", "the 99th percentile", "median latency", "latency" (p95), "response time". */
const LATENCY =
  /\b(?:p(50|90|95|99)|(50|90|95|99)(?:th)?[- ]?(?:percentile|pctl|%ile)|(median)|(latency|latencies|response\s+times?))\b/gi;
const PERCENTILE: Record<string, LatencyKey> = {
  '50': 'maxP50Ms',
  median: 'maxP50Ms',
  '90': 'maxP90Ms',
  '95': 'maxP95Ms',
  '99': 'maxP99Ms',
};
const FACTOR_WORDS: Record<string, number> = {
  doubles: 2,
  double: 2,
  doubled: 2,
  triples: 3,
  triple: 3,
  tripled: 3,
  twice: 2,
  thrice: 3,
};

/** Latency limits: each percentile named with the milliseconds (or factor) after it. */
function latencyLimits(text: string, out: WatchLimits): void {
  const hits = [...text.matchAll(LATENCY)];
  hits.forEach((m, i) => {
    const at = m.index ?? 0;
    const next = hits[i + 1];
    // "p99 latency above 800 ms": the word after a percentile belongs to it.
    if (m[4] && i > 0 && at - ((hits[i - 1]?.index ?? 0) + (hits[i - 1]?.[0].length ?? 0)) <= 1) return;
    let end = Math.min(text.length, at + 80);
    if (next && !(next[4] && (next.index ?? 0) - (at + m[0].length) <= 1))
      end = Math.min(end, next.index ?? end);
    const near = text.slice(at, end);
    const key = PERCENTILE[(m[1] ?? m[2] ?? m[3] ?? '').toLowerCase()] ?? 'maxP95Ms';
    const factor =
      /\b(doubles?|doubled|triples?|tripled|twice|thrice)\b/i.exec(near) ??
      /(\d+(?:\.\d+)?)\s*(?:x|×|times)\b/i.exec(near);
    // "slower than 500 ms at p99": the amount may come right before the percentile.
    const ms =
      new RegExp(String.raw`(${AMOUNT})\s*(ms|milliseconds?|msecs?|s|secs?|seconds?)\b`, 'i').exec(near) ??
      new RegExp(
        String.raw`(${AMOUNT})\s*(ms|milliseconds?|msecs?|s|secs?|seconds?)\s+(?:at|for|on|in)\s+(?:the\s+)?$`,
        'i',
      ).exec(text.slice(Math.max(0, at - 40), at));
    if (factor) {
      const f = FACTOR_WORDS[(factor[1] as string).toLowerCase()] ?? Number(factor[1]);
      if (f > 1 && out.maxP95Factor === undefined) out.maxP95Factor = f;
    } else if (ms && out[key] === undefined) {
      out[key] = (toNumber(ms[1]) ?? Number.NaN) * (/^(?:ms|milli|msec)/i.test(ms[2] as string) ? 1 : 1000);
    }
  });
}

/** Serving limits written in the goal. */
export function parseWatchLimits(text: string): WatchLimits {
  const out: WatchLimits = {};
  const err = new RegExp(
    String.raw`\b${ERROR_RATE}\s+(?:(?:of|for|on)\s+(?:the\s+)?[\w@.:-]+\s+)?${SPAN_BETWEEN}${ABOVE}\s*${PCT}`,
    'i',
  ).exec(text);
  const failShare = new RegExp(
    String.raw`${ABOVE}\s*${PCT}\s+of\s+(?:the\s+|all\s+|its\s+)?(?:[\w@.-]+\s+){0,2}?(?:requests|calls|predictions)\s+(?:error|errors|errored|fail|fails|failed|time\s+out|return\s+errors)\b`,
    'i',
  ).exec(text);
  const errBelow = new RegExp(
    String.raw`\b${ERROR_RATE}\s+(?:(?:of|for|on)\s+(?:the\s+)?[\w@.:-]+\s+)?${BELOW}\s*${PCT}`,
    'i',
  ).exec(text);
  // "if the errors are more than 0.01 of requests": errors as a share of the requests, a decimal or a percent.
  const errOfRequests = new RegExp(
    String.raw`\b(?:errors|failures|failed\s+requests)\s+${ABOVE}\s*${PCT}\s+of\s+(?:the\s+|all\s+|its\s+)?(?:requests|calls|traffic|predictions)\b`,
    'i',
  ).exec(text);
  // "errors must stay under 1%": errors as a share, kept below a percent.
  const errorsBelow = new RegExp(
    String.raw`\b(?:errors|failures)\s+${BELOW}\s*(${AMOUNT})\s*(%|percent|per cent)`,
    'i',
  ).exec(text);
  const errAt =
    err ??
    failShare ??
    new RegExp(ERROR_SHARE_LIMIT, 'i').exec(text) ??
    errOfRequests ??
    errBelow ??
    errorsBelow;
  if (errAt) {
    const n = toNumber(errAt[1]) ?? Number.NaN;
    out.maxErrorRate = errAt[2] || n > 1 ? n / 100 : n;
  } else if (
    /\b(?:errors?|error[- ]?rates?|failures?)\s+(?:go(?:es)?\s+up|rises?|rising|increases?|grows?|spikes?|climbs?|get(?:s)?\s+worse)\b|\bmore errors\b|\bif it (?:errors|fails) more\b/i.test(
      text,
    )
  )
    out.maxErrorRateIncrease = 0.01;
  latencyLimits(text, out);
  return out;
}

const SERVING_WORDS =
  /\b(?:error[- ]?rates?|errors|latency|latencies|p50|p90|p95|p99|5xx|response times?|throughput|requests per|qps|rps|uptime|how\s+many\s+(?:[\w-]+\s+)?(?:requests|calls|queries|predictions|inferences)|(?:request|traffic|call)\s+(?:count|volume|numbers|stats)|(?:serving|endpoint|service)\s+(?:report|health|stats|statistics|metrics|numbers|summary|status))\b/i;
/** "how's the live penguins model doing", "how has cars-mpg been serving": a serving report when no file is named. */
const HOW_SERVING =
  /\bhow(?:'s|\s+is|\s+has|\s+are|\s+have|\s+was)\s+(?:[\w@:.'-]+\s+){1,5}?(?:been\s+)?(?:serving|doing|holding\s+up|behaving|coping)\b/i;
const REPORT =
  /\b(?:show|report|tell|give|what(?:'s| is| are| was| were)|how (?:is|are|was|were|many)|list|summari[sz]e|chart|measure)\b/i;
const TRAFFIC =
  /\b(?:data|requests|inputs|traffic|rows)\s+(?:hitting|reaching|sent\s+to|coming\s+in(?:to)?|arriving\s+at|going\s+to)\b|\b(?:served|serving|live|production|logged|incoming)\s+(?:\w+\s+)?(?:traffic|requests|data|inputs|rows)\b|\b(?:has|have)\s+been\s+(?:asked|sent|given|fed)\s+(?:to\s+(?:score|predict)|\w+)\b|\b(?:was|were|is|are)\s+(?:asked|sent)\s+to\s+(?:score|predict)\b|\btraffic\b|\brequests\b|\bseeing different data\b|\bdata (?:it|the model) (?:gets|sees|receives)\b/i;
/**
 * Served traffic in other words: "data coming to …", "the data going into …", "inputs it got", "getting inputs",
 * "what <model> was asked", "what hit the endpoint", "the data it is receiving".
 */
const SERVED =
  /\b(?:data|inputs?|rows|queries|calls|payloads?)\s+(?:(?:that\s+|which\s+)?(?:is|are|was|were)\s+)?(?:being\s+)?(?:coming|going|flowing|arriving|sent|fed|routed|passed|posted|getting)\s+(?:in\s+)?(?:to|into|at)\b|\b(?:data|inputs?|rows|queries|calls|payloads?)\s+(?:that\s+|which\s+)?(?:it|they|(?:the\s+)?(?:[\w@:.-]+\s+){0,3}?(?:model|endpoint|service|[\w]+-[\w-]+))\s+(?:(?:is|are|was|has|have|had)\s+(?:been\s+)?)?(?:got|gets|getting|gotten|received|receives|receiving|saw|sees|seeing|answered|handled|scored|served)\b(?!\s+(?:during|in|at|while|when|for)\s+(?:its\s+|the\s+)?(?:training|fitting|it\s+was\s+trained))|\b(?:get|gets|getting|got|receive|receives|receiving|received|see|sees|seeing|saw|being\s+(?:sent|fed|given))\s+(?:\w+\s+)?(?:data|inputs?|rows|queries|calls|payloads?)\b|\b(?:its|their)\s+(?:inputs|requests|queries|calls|payloads|incoming\s+data)\b|\binputs?\s+(?:distributions?|data|features|values)\b|\bwhat\s+(?:[\w@:.-]+\s+){1,4}?(?:(?:was|were|is|are|has|have)\s+(?:been\s+|being\s+)?)?(?:asked|sent|fed|given|seeing|seen|sees|getting|gets|gotten|receiving|receives|scoring|serving|serves|served|saw|got|received)\b|\b(?:inputs?|requests|data|traffic|queries|calls)\s+(?:to|into|for|of|at|hitting)\s+(?:the\s+)?(?:[\w@:.-]+\s+){0,3}?(?:endpoint|service|api|server|deployment)\b|\bwhat\s+(?:hit|hits|reached|reaches|came\s+in(?:to)?)\b/i;
/** The served traffic of a deployed model, in any of the wordings above. */
const servedTraffic = (text: string) => TRAFFIC.test(text) || SERVED.test(text) || SENT_TO_MODEL.test(text);
const CANARY =
  /\bcanary\b|\b(?:gradual|phased|staged|progressive)(?:ly)?\s+(?:roll[- ]?out|release|rolling)\b|\bramp(?:ing)?\s+(?:it\s+)?up\b|\b(?:send|route|give|shift|divert|direct|split)\s+(?:\w+\s+){0,4}?(?:of\s+)?(?:the\s+)?(?:traffic|requests)\b|\broll(?:ing)?\s+(?:it\s+)?out\b[^.;]{0,60}?\bto\s+\S+\s+(?:of\s+)?(?:the\s+)?(?:traffic|requests|users)/i;
const PROMOTE =
  /\b(?:promote|deploy|ship|release|push|put|move|replace|swap|graduate|upgrade)\b|\broll(?:s|ing)?\s+(?:(?:it|them|[\w@:.'-]+(?:\s+[\w@:.'-]+){0,2})\s+)?out\b|\b(?:point|switch|set)\s+(?:the\s+)?(?:production|prod)\s+(?:alias\s+)?(?:at|to)\b|\bmake\s+(?:it|\S+|(?:the\s+)?\S+\s+version)\s+(?:the\s+)?(?:production|prod|live)(?:\s+one)?\b|\bmake\s+(?:\S+\s+){1,3}?the\s+(?:production|prod|live|serving)\s+(?:model|version|one)\b|\b(?:in)?to\s+(?:production|prod)\b|\b(?:go|goes|going|get|gets)\s+in\s+(?:production|prod)\b|\bgo\s+live\b/i;
const CHANGED = /\b(?:changed|changing|shifted|shifting|drifted|drifting|moved\s+away)\b/i;
/** "compare … with the data v1 was trained on", "against its training set": served data vs training data. */
const VS_TRAINING =
  /\b(?:against|with|to|versus|vs\.?|like|unlike|as|from|than|since|compared\s+(?:to|with)|resembles?|resembling|match(?:es|ing)?)\s+(?:the\s+|its\s+|their\s+)?(?:(?:original\s+)?training(?:\s+(?:data(?:set)?|set|rows|distribution|time))?\b(?!\s+(?:job|run|pipeline|script))|data(?:set)?\s+(?:\S+\s+){0,2}?(?:was|were)\s+trained\s+on|what\s+(?:it|they|the\s+model|\S+)\s+(?:was|were)\s+(?:trained|fitted|fit|built)\s+(?:on|with)|(?:what\s+)?(?:it|they|the\s+model)\s+(?:was\s+|were\s+)?(?:trained|fitted|fit|built|learned|learnt)\s+(?:on|with|from)|(?:rows|data|examples|ones|samples)\s+(?:it|they|the\s+model)\s+(?:learned|learnt|was\s+trained|were\s+trained|saw\s+in\s+training)(?:\s+(?:from|on))?)/i;
/** Scoring words; "get a species guess for each row", "an estimate of the price for …": one per row. */
const SCORE =
  /\b(?:(?:batch|run|running|do|offline)\s+inference|infer|batch[- ]?(?:predict|scor)\w*|score|scores|scoring|predict(?:ions)?\s+(?:with|using)|use\s+.{1,60}?\s+to\s+(?:score|predict)|(?:generate|make|produce|write|output|get|create|compute)\s+(?:the\s+|some\s+)?(?:[\w-]+\s+)?(?:batch\s+)?(?:predictions|estimates|forecasts|scores)|(?:get|make|give\s+(?:me|us))\s+(?:an?|the|their|its)\s+(?:[\w-]+\s+)?(?:guess|estimate|prediction|forecast)(?:es|s)?\s+(?:of|for|on)\b)\b/i;
/**
 * A model put to a file without a scoring verb: "predictions for x.csv from <model>", "run <model> over x.csv",
 * "apply <model> to x.csv", "put x.csv through <model>", "run the rows listed in x.csv through <model>". Read only when a model and a file are both named.
 */
const FILE = String.raw`(?:the\s+)?(?:rows\s+(?:of|in)\s+)?["'\x60]?[\w.-]*[./][\w./-]+`;
const SCORE_WITHOUT_VERB = new RegExp(
  String.raw`\b(?:predictions|estimates|forecasts|preds|labels|outputs)\s+(?:for|on|of|over)\b|\b(?:predict|predicts|say|says|make\s+of)\s+(?:for|on|about|of)?\s*${FILE}|\b(?:run|apply|put|feed|pass|push|send|throw)\b[^.;?]{0,80}?\b(?:over|on|against|across|through|to|into)\s+${FILE}|\b(?:put|feed|pass|push|send|throw|run)\s+${FILE}\s+(?:through|to|into|past)\b|\b(?:put|feed|pass|push|send|throw|run)\s+(?:the\s+|all\s+)?[\w-]+(?:\s+(?:listed|found|stored|kept|saved))?\s+(?:in|from|of)\s+${FILE}\s+(?:through|past)\b`,
  'i',
);

export interface OperationCues {
  hasSource: boolean;
  /** A bare registry-style name is written (a model only if one has exactly that name). */
  hasNamedRef: boolean;
  /** A model reference introduced by "with" / "using": the model that scores. */
  hasScorerRef: boolean;
  /** A share of traffic is named ("20 percent of … traffic"). */
  trafficShare: boolean;
  trains: boolean;
  /** An explicit training verb: train, retrain, fit, build, learn. */
  retrains: boolean;
  hasModelRef: boolean;
  hasRunRef: boolean;
  hasScript: boolean;
  monitor: boolean;
  rollback: boolean;
  /** A deploy is asked for (and not said against). */
  deploys?: boolean;
  /** An algorithm to train is named ("ridge regression", "a decision tree"). */
  namesAlgorithm?: boolean;
  /** The goal says not to compare ("don't bother benchmarking against prod"). */
  noComparison?: boolean;
  /** The rollback waits for a breach of serving limits ("revert if p95 passes 400 ms"). */
  rollbackOnBreach?: boolean;
  limits: WatchLimits;
  /** Drift thresholds are written ("PSI above 0.25"). */
  driftThresholds?: boolean;
}

/** A deploy verb said before the rollback phrase: "ship v3 …, and revert if …". */
function deploysFirst(text: string): boolean {
  const back = ROLLBACK.exec(text);
  const deploy = PROMOTE.exec(text);
  return !!back && !!deploy && deploy.index < back.index;
}

/**
 * Which operation the goal is about. Goals that train from data stay pipelines (a canary share or a drift
 * check is then part of the pipeline); the others act on what exists.
 */
export function detectOperation(text: string, cues: OperationCues): Operation {
  if (cues.hasScript) return 'script';
  if (cues.hasRunRef) return 'rerun';
  const buildsFromData = cues.hasSource && cues.trains && !cues.hasModelRef && !cues.hasScorerRef;
  if (buildsFromData || cues.retrains) return 'pipeline';
  // "gradient boosting on data/cars.json predicting mpg; compare it with the production model": an algorithm to
  // fit on a file is a training, the model named beside it its champion.
  if (
    cues.namesAlgorithm &&
    cues.hasSource &&
    cues.trains &&
    !SCORE.test(text) &&
    !SCORE_WITHOUT_VERB.test(text)
  )
    return 'pipeline';
  // Operations on deployed models also take a registered name written bare.
  const acted = cues.hasModelRef || cues.hasNamedRef;
  // "the canary-blue alias": a name with "canary" in it is no canary rollout.
  const noAliasNames = text
    .replace(IN_CANARY_PHRASE, ' ')
    .replace(RULED_OUT_CANARY, ' ')
    .replace(/\b\w+(?:-\w+)+\s+(?:alias|tag)\b/gi, ' ');
  if ((CANARY.test(noAliasNames) || cues.trafficShare) && acted) return 'canary';
  // "deploy v2, watch it, and go back to v1 if p95 passes 400 ms": the deploy comes first, the rollback guards it.
  if (cues.rollback && cues.rollbackOnBreach && cues.hasModelRef && deploysFirst(text)) return 'promote';
  if (cues.rollback && acted) return 'rollback';
  if (cues.rollback && !cues.hasSource) return 'rollback';
  if (cues.monitor && acted && (servedTraffic(text) || !cues.hasSource)) return 'monitor-traffic';
  // "drift of data/x.csv vs the dataset prod was trained on": a file against a registered model's training data.
  if (
    (cues.monitor || cues.driftThresholds) &&
    acted &&
    cues.hasSource &&
    !cues.trains &&
    VS_TRAINING.test(text)
  )
    return 'monitor-traffic';
  // "check if inputs to the live penguins endpoint changed": served traffic that changed is a drift check.
  if (acted && servedTraffic(text) && CHANGED.test(text) && !cues.hasSource) return 'monitor-traffic';
  // "compare cars-mpg v1's logged inputs with the data v1 was trained on": a drift check without the word.
  if (acted && servedTraffic(text) && (VS_TRAINING.test(text) || cues.driftThresholds) && !cues.hasSource)
    return 'monitor-traffic';
  if (SERVING_WORDS.test(text) && acted && (REPORT.test(text) || !cues.hasSource)) return 'serving-metrics';
  if (HOW_SERVING.test(text) && acted && !cues.hasSource) return 'serving-metrics';
  // "compare cars-mpg v2 with v1 on data/cars.json", "how does the staging one do against production?": registered
  // versions against each other, with no deploy asked for, evaluate only.
  if (
    (cues.hasModelRef || (cues.hasNamedRef && aliasPair(text) !== undefined)) &&
    !cues.deploys &&
    !cues.namesAlgorithm &&
    !cues.noComparison &&
    !SCORES_FILE.test(text) &&
    COMPARE_VERSIONS.test(text)
  )
    return 'compare';
  if (cues.hasScorerRef && cues.hasSource) return 'score';
  // "batch inference on data/x.json using cars-mpg": a registered name written bare scores too.
  if (cues.hasNamedRef && cues.hasSource && SCORE.test(text) && !cues.trains) return 'score';
  if (cues.hasModelRef && cues.hasSource && (SCORE.test(text) || SCORE_WITHOUT_VERB.test(text)))
    return 'score';
  if (cues.hasModelRef && PROMOTE.test(text) && !cues.trains) return 'promote';
  if (cues.hasModelRef && cues.hasSource && /\bpredict\w*\s+(?:with|using)\b/i.test(text)) return 'score';
  if (cues.hasModelRef && !cues.hasSource && PROMOTE.test(text)) return 'promote';
  // "roll out cars-mpg", "release penguins-species to prod": a registry-style name with a deploy verb and nothing
  // to train from is an existing model going out (graph.ts keeps a pipeline when no model has that name).
  if (cues.hasNamedRef && !cues.hasSource && !cues.trains && !cues.retrains && PROMOTE.test(text))
    return 'promote';
  // "is production getting data unlike what it learned from?": served traffic against the training data, the
  // model not named; the drift check asks which model.
  if (!acted && !cues.hasSource && servedTraffic(text) && VS_TRAINING.test(text)) return 'monitor-traffic';
  return 'pipeline';
}
