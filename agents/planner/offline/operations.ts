/**
 * Operations on deployed models, as a goal words them: canaries ("send a quarter of the traffic to … for two
 * hours", "canary … at 10% for 30 minutes"), serving limits ("unless errors rise", "if p95 latency doubles",
 * "error rate above 2%", "p99 above 500 ms"), rollbacks ("roll back to version 1", "take … back to its previous
 * version"), serving reports ("error rate and p95 latency over the last 2 hours"), where scored rows go, and
 * which operation the goal is about.
 */
import type { IntentFrame, Operation, WatchLimits } from '../intent.ts';
import { NUMBER, SHARE, toNumber, toShare } from './words.ts';

const UNIT = `(minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)`;

function unitOf(u: string): 'm' | 'h' | 'd' {
  const w = u.toLowerCase();
  if (w.startsWith('d')) return 'd';
  if (w.startsWith('h')) return 'h';
  if (w.startsWith('w')) return 'd';
  return 'm';
}

/** "two hours" → "2h", "30 minutes" → "30m", "a day" → "1d", "an hour" → "1h", "a week" → "7d". */
export function durationOf(count: string | undefined, unit: string): string | undefined {
  const n = count === undefined ? 1 : toNumber(count);
  if (n === undefined || !(n > 0)) return undefined;
  const week = /^w/i.test(unit);
  return `${week ? n * 7 : n}${unitOf(unit)}`;
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
export function parseCanaryShare(text: string): number | undefined {
  const m =
    new RegExp(
      String.raw`${SHARE}\s+(?:of\s+)?(?:the\s+|all\s+|its\s+)?(?:[\w@.-]+\s+){0,2}?(?:traffic|requests|calls|users)\b`,
      'i',
    ).exec(text) ??
    new RegExp(String.raw`\bcanary\b[^.;]{0,60}?(?:\b(?:at|with|to|on|for|of)|[:,])\s+${SHARE}`, 'i').exec(
      text,
    ) ??
    new RegExp(String.raw`\b(?:roll(?:ing)?\s+(?:it\s+)?out|release)\b[^.;]{0,60}?\bto\s+${SHARE}`, 'i').exec(
      text,
    );
  // A share is a percent, a fraction word or a decimal below 1: "24 hours of requests" is no share.
  const raw = m?.[1];
  // "if more than 5% of requests error out": a serving limit, not a share of traffic.
  if (m && ERROR_SHARE.test(text.slice(m.index ?? 0))) return undefined;
  if (!raw || !(/%|per ?cent|half|third|quarter|fourth|fifth|tenth/i.test(raw) || Number(raw) < 1))
    return undefined;
  const share = toShare(raw);
  return share !== undefined && share > 0 && share < 1 ? share : undefined;
}

/** How long something is watched or held: "for two hours", "for a day", "in the next hour". */
export function parseHoldFor(text: string): string | undefined {
  const d = spans(text, 'for|during|in|within|over')[0]?.duration;
  if (d) return d;
  // A terse list: "canary: churn v3, 15%, 90 minutes".
  const m = new RegExp(String.raw`[,:;]\s*(?:${NUMBER}\s*)${UNIT}\b(?!\s+(?:of|ago|old))`, 'i').exec(text);
  return m ? durationOf(m[1], m[2] as string) : undefined;
}

/** The window of a serving report or traffic check: "over the last 2 hours", "the last 24 hours of requests". */
export function parseWindow(text: string): string | undefined {
  const m = new RegExp(
    String.raw`\b(?:over|in|for|during|from|of|within|covering|across|since)\s+(?:the\s+)?(?:last|past|previous)\s+(?:${NUMBER}\s*)?${UNIT}\b|\b(?:last|past)\s+(?:${NUMBER}\s*)?${UNIT}\s+of\s+(?:traffic|requests|predictions|calls)`,
    'i',
  ).exec(text);
  if (!m) return undefined;
  return m[2] ? durationOf(m[1], m[2]) : durationOf(m[3], m[4] as string);
}

const PCT = String.raw`(\d+(?:\.\d+)?|\.\d+)\s*(%|percent)?`;
const ABOVE = String.raw`(?:goes|go|gets|get|rises|rise|climbs?|jumps?|is|are|stays?|exceeds?|reaches|hits|passes|creeps)?\s*(?:above|over|past|beyond|higher than|more than|greater than|exceeds?|exceeding|>=?)`;

/** Serving limits written in the goal. */
export function parseWatchLimits(text: string): WatchLimits {
  const out: WatchLimits = {};
  const err = new RegExp(
    String.raw`\berror[- ]?rates?\s+(?:(?:of|for|on)\s+(?:the\s+)?[\w@.:-]+\s+)?${ABOVE}\s*${PCT}`,
    'i',
  ).exec(text);
  const failShare = new RegExp(
    String.raw`${ABOVE}\s*${PCT}\s+of\s+(?:the\s+|all\s+|its\s+)?(?:[\w@.-]+\s+){0,2}?(?:requests|calls|predictions)\s+(?:error|errors|errored|fail|fails|failed|time\s+out|return\s+errors)\b`,
    'i',
  ).exec(text);
  const errAt = err ?? failShare;
  if (errAt) {
    const n = Number(errAt[1]);
    out.maxErrorRate = errAt[2] || n > 1 ? n / 100 : n;
  } else if (
    /\b(?:errors?|error[- ]?rates?|failures?)\s+(?:go(?:es)?\s+up|rises?|rising|increases?|grows?|spikes?|climbs?|get(?:s)?\s+worse)\b|\bmore errors\b|\bif it (?:errors|fails) more\b/i.test(
      text,
    )
  )
    out.maxErrorRateIncrease = 0.01;
  const factorWords: Record<string, number> = {
    doubles: 2,
    double: 2,
    doubled: 2,
    triples: 3,
    triple: 3,
    tripled: 3,
    twice: 2,
    thrice: 3,
  };
  const lat = /\b(p95|p99|p50|latency|response time)\b/i.exec(text);
  if (lat) {
    const near = text.slice(lat.index ?? 0, (lat.index ?? 0) + 80);
    const which = /p99/i.test(near.slice(0, 8)) || /\bp99\b/i.test(text) ? 'p99' : 'p95';
    const factor =
      /\b(doubles?|doubled|triples?|tripled|twice|thrice)\b/i.exec(near) ??
      /(\d+(?:\.\d+)?)\s*(?:x|×|times)\b/i.exec(near);
    const ms = /(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|seconds?)\b/i.exec(near);
    if (factor) {
      const f = factorWords[(factor[1] as string).toLowerCase()] ?? Number(factor[1]);
      if (f > 1) out.maxP95Factor = f;
    } else if (ms) {
      const v = Number(ms[1]) * (/^s/i.test(ms[2] as string) ? 1000 : 1);
      if (which === 'p99') out.maxP99Ms = v;
      else out.maxP95Ms = v;
    }
  }
  return out;
}

export const ROLLBACK =
  /\bdowngrad(?:e|es|ed|ing)\b|\broll(?:s|ed|ing)?[- ]?(?:it\s+|them\s+|this\s+|that\s+)?back\b|\brestor(?:e|es|ed|ing)\s+(?:the\s+|its\s+)?(?:(?:previous|prior|last|old|older|earlier|former)\b|v(?:ersion)?\s*\d|[\w-]+\s+(?:to\s+)?(?:v|version\s*)\d)|\b(?:put|bring|set|move|switch)\s+(?:[\w@:.'-]+\s+){1,4}?back\s+(?:on|to)\s+(?:the\s+)?(?:v(?:ersion)?\s*\d|previous|prior|last|old|earlier)|\b(?:go(?:es)?|move|switch|put\s+\S+)\s+back\s+to\s+(?:the\s+|its\s+)?(?:v(?:ersion)?\s*\d+|\S+\s+model\s+(?:that|which|trained|from)|model\s+(?:that|which|trained|from))|\broll(?:s|ed|ing)?\s+(?:[\w@:.'-]+\s+){1,4}?back\b|\brollback\b|\brevert\w*\b|\btake\s+(?:[\w@:.'-]+\s+){0,5}?back\s+to\b|\bgo(?:es)?\s+back\s+to\s+(?:the\s+|its\s+)?(?:previous|prior|last|old)\b|\bundo\s+the\s+(?:last\s+)?deploy\w*\b/i;

/** A rollback: to which version, and whether only on a breach of serving limits. */
export function parseRollback(text: string, limits: WatchLimits): IntentFrame['rollback'] | undefined {
  if (!ROLLBACK.test(text)) return undefined;
  const to =
    /\b(?:back\s+)?(?:to|on)\s+(?:version\s+|v)(\d+)\b|\brestor\w*\s+(?:\S+\s+)?(?:version\s+|v)(\d+)\b/i.exec(
      text,
    );
  const conditional =
    Object.keys(limits).length > 0 && /\b(?:if|when|whenever|once|unless|should)\b/i.test(text);
  const version = to?.[1] ?? to?.[2];
  return { ...(version ? { toVersion: Number(version) } : {}), onBreach: conditional };
}

const PATH = String.raw`["'\x60]?((?:\.?\/)?[\w.-]+(?:\/[\w.-]*)*\/?)["'\x60]?`;
const SCORED = String.raw`(?:scored\s+(?:rows|data|file|output|table)|scores|predictions|results|outputs?|preds|estimates|it|them)`;
const WRITTEN = String.raw`(?:written|saved|stored|put|exported|dumped|stashed|placed|persisted|sent|landed|dropped|kept)`;

/**
 * Where scored rows go: "write the predictions to scores/", "save it to out/x.csv", "put the output in scores/",
 * "write the predictions as scores/x.parquet", "results into scores/ folder", "predictions go to out/".
 */
export function parseOutput(text: string): string | undefined {
  const m =
    new RegExp(
      String.raw`\b(?:write|writes|writing|save|saves|saving|store|stores|storing|put|puts|export|exports|dump|dumps|drop|output|land|stash|stashes|place|places|persist|persists|keep|keeps)\s+(?:(?:the\s+|all\s+|those\s+|these\s+)?${SCORED}\s+)?(?:out\s+)?(?:to|into|in|as|under|at)\s+(?:the\s+)?(?:folder\s+|file\s+|directory\s+|dir\s+)?${PATH}`,
      'i',
    ).exec(text) ??
    new RegExp(
      String.raw`\b(?:predictions|scores|results|outputs?|preds)\s+(?:go(?:es)?\s+|should\s+go\s+|end\s+up\s+)?(?:to|in|into)\s+(?:the\s+)?${PATH}`,
      'i',
    ).exec(text) ??
    // "have the output written to x.parquet", "with the scores saved under out/", "predictions stashed in s/".
    new RegExp(
      String.raw`\b${SCORED}\s+(?:(?:are|is|get|gets|be)\s+)?${WRITTEN}\s+(?:out\s+)?(?:to|into|in|as|under|at)\s+(?:the\s+)?(?:folder\s+|file\s+|directory\s+|dir\s+)?${PATH}`,
      'i',
    ).exec(text);
  const out = m?.[1];
  if (!out || !/[/.]/.test(out) || /^\.+$/.test(out)) return undefined;
  return out.replace(/^\.\//, '');
}

const SERVING_WORDS =
  /\b(?:error[- ]?rates?|errors|latency|latencies|p50|p95|p99|response times?|throughput|requests per|(?:serving|endpoint|service)\s+(?:report|health|stats|statistics|metrics|numbers|summary|status))\b/i;
const REPORT =
  /\b(?:show|report|tell|give|what(?:'s| is| are| was| were)|how (?:is|are|was|were|many)|list|summari[sz]e|chart|measure)\b/i;
const TRAFFIC =
  /\b(?:data|requests|inputs|traffic|rows)\s+(?:hitting|reaching|sent\s+to|coming\s+in(?:to)?|arriving\s+at|going\s+to)\b|\b(?:served|serving|live|production|logged|incoming)\s+(?:\w+\s+)?(?:traffic|requests|data|inputs|rows)\b|\b(?:has|have)\s+been\s+(?:asked|sent|given|fed)\s+(?:to\s+(?:score|predict)|\w+)\b|\b(?:was|were|is|are)\s+(?:asked|sent)\s+to\s+(?:score|predict)\b|\btraffic\b|\brequests\b|\bseeing different data\b|\bdata (?:it|the model) (?:gets|sees|receives)\b/i;
const CANARY =
  /\bcanary\b|\b(?:gradual|phased|staged|progressive)(?:ly)?\s+(?:roll[- ]?out|release|rolling)\b|\bramp(?:ing)?\s+(?:it\s+)?up\b|\b(?:send|route|give|shift|divert|direct|split)\s+(?:\w+\s+){0,4}?(?:of\s+)?(?:the\s+)?(?:traffic|requests)\b|\broll(?:ing)?\s+(?:it\s+)?out\b[^.;]{0,60}?\bto\s+\S+\s+(?:of\s+)?(?:the\s+)?(?:traffic|requests|users)/i;
const PROMOTE =
  /\b(?:promote|deploy|ship|release|push|put|move|replace|swap|graduate|upgrade)\b|\b(?:point|switch|set)\s+(?:the\s+)?(?:production|prod)\s+(?:alias\s+)?(?:at|to)\b|\bmake\s+(?:it|\S+|(?:the\s+)?\S+\s+version)\s+(?:the\s+)?(?:production|prod|live)(?:\s+one)?\b|\bmake\s+(?:\S+\s+){1,3}?the\s+(?:production|prod|live|serving)\s+(?:model|version|one)\b|\bto\s+(?:production|prod)\b|\bgo\s+live\b/i;
/** Deploy verbs the deploy grammar lacks: "replace the incumbent", "make it the live one". */
export const DEPLOY_SYNONYMS =
  /\b(?:replace|supersede|unseat|dethrone)\s+(?:the\s+)?(?:incumbent|champion|production|prod|current|live|deployed)\b|\bmake\s+(?:it|this|that)\s+the\s+(?:live|production|current|serving)\s+(?:one|model|version)\b/i;

/** "compare … with the data v1 was trained on", "against its training set": served data vs training data. */
const VS_TRAINING =
  /\b(?:against|with|to|versus|vs\.?|like|as|from)\s+(?:the\s+|its\s+|their\s+)?(?:(?:original\s+)?training\s+(?:data(?:set)?|set|rows|distribution)|data\s+(?:\S+\s+){0,2}?(?:was|were)\s+trained\s+on)\b/i;
const SCORE =
  /\b(?:(?:batch|run|running|do|offline)\s+inference|infer|batch[- ]?(?:predict|scor)\w*|score|scores|scoring|predict(?:ions)?\s+(?:with|using)|use\s+.{1,60}?\s+to\s+(?:score|predict)|(?:generate|make|produce|write|output|get|create|compute)\s+(?:the\s+|some\s+)?(?:[\w-]+\s+)?(?:batch\s+)?(?:predictions|estimates|forecasts|scores))\b/i;

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
  limits: WatchLimits;
  /** Drift thresholds are written ("PSI above 0.25"). */
  driftThresholds?: boolean;
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
  // Operations on deployed models also take a registered name written bare.
  const acted = cues.hasModelRef || cues.hasNamedRef;
  if ((CANARY.test(text) || cues.trafficShare) && acted) return 'canary';
  if (cues.rollback && acted) return 'rollback';
  if (cues.rollback && !cues.hasSource) return 'rollback';
  if (cues.monitor && acted && (TRAFFIC.test(text) || !cues.hasSource)) return 'monitor-traffic';
  // "compare cars-mpg v1's logged inputs with the data v1 was trained on": a drift check without the word.
  if (acted && TRAFFIC.test(text) && (VS_TRAINING.test(text) || cues.driftThresholds) && !cues.hasSource)
    return 'monitor-traffic';
  if (SERVING_WORDS.test(text) && acted && (REPORT.test(text) || !cues.hasSource)) return 'serving-metrics';
  if (cues.hasScorerRef && cues.hasSource) return 'score';
  // "batch inference on data/x.json using cars-mpg": a registered name written bare scores too.
  if (cues.hasNamedRef && cues.hasSource && SCORE.test(text) && !cues.trains) return 'score';
  if (cues.hasModelRef && cues.hasSource && SCORE.test(text)) return 'score';
  if (cues.hasModelRef && PROMOTE.test(text) && !cues.trains) return 'promote';
  if (cues.hasModelRef && cues.hasSource && /\bpredict\w*\s+(?:with|using)\b/i.test(text)) return 'score';
  if (cues.hasModelRef && !cues.hasSource && PROMOTE.test(text)) return 'promote';
  return 'pipeline';
}
