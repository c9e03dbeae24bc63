/**
 * Edits are edits: a follow-up in a conversation changes the frame of the current plan instead of being
 * appended to the goal. The follow-up is read as a partial frame (what it states overrides what was there)
 * plus a few edit operations that a partial frame cannot say: replace the models ("use gradient boosting
 * instead"), remove a model or a stage ("drop the random forest", "no drift check"), change a threshold
 * without naming the metric again ("make the threshold 0.8"). An answer to a clarifying question fills the
 * piece that was missing (the target, the data, which model or run was meant), nothing else.
 */

import type { IntentFrame, ModelReference } from './intent.ts';
import { bareDuration } from './offline/canary-words.ts';
import { spokenNumber, NUM as THRESHOLD_NUMBER } from './offline/gate.ts';
import { parseModels } from './offline/models.ts';
import { saysNoTraining, withoutNoTraining } from './offline/negations.ts';
import { durationOf, parseHoldFor, parseWatchLimits, parseWindow } from './offline/operations.ts';
import { parseGoal } from './offline/parse.ts';
import { namesTimeOfDay, parseTimezone, retime, type Schedule } from './offline/schedule.ts';
import { mergeArgs, parseArgs } from './offline/script.ts';
import { COUNT_WORD, countOf, NUMBER, SHARE, toShare } from './offline/words.ts';
import { plainRequest } from './surface.ts';

const REMOVE =
  /\b(?:drop|remove|delete|skip|lose|get rid of|take out|leave out|without|no|don'?t|do not|stop)\b/i;
const ALSO = /\b(?:also|too|as well|in addition|additionally|plus|add|and compare|compare (?:it )?with)\b/i;
const INSTEAD =
  /\b(?:instead|rather|switch(?:ing)? to|replace|swap|change (?:it |the model )?to|use only|only use)\b/i;

/** Stages a follow-up can remove, by the words people use for them. */
const STAGES: [RegExp, (f: IntentFrame) => IntentFrame][] = [
  [
    /\bdrift(?: check| monitor(?:ing)?)?\b|\bmonitor(?:ing)?\b/i,
    (f) => ({ ...f, wants: { ...f.wants, monitor: false } }),
  ],
  [
    /\bdeploy(?:ment)?\b|\bserv(?:e|ing)\b|\bcanary\b/i,
    (f) => {
      const { canary: _c, ...rest } = f;
      return { ...rest, wants: { ...f.wants, deploy: false } };
    },
  ],
  [
    /\bregist(?:er|ration|ering)\b/i,
    (f) => ({ ...f, wants: { ...f.wants, register: false, deploy: false } }),
  ],
  [/\bapprovals?(?: step)?\b|\bsign[- ]?off\b/i, (f) => ({ ...f, approval: false, approvers: [] })],
  [
    /\b(?:notifications?|slack|webhook|message|alerts?)\b/i,
    (f) => {
      const { notify: _n, ...rest } = f;
      return { ...rest, wants: { ...f.wants, notify: false } };
    },
  ],
  [/\bcross[- ]?validation\b|\bfolds?\b|\bcv\b/i, (f) => ({ ...f, folds: 0 })],
  [
    /\bschedule\b|\bcron\b|\btrigger\b/i,
    (f) => {
      const { schedule: _s, event: _e, ...rest } = f;
      return rest;
    },
  ],
  [/\btuning\b|\bsearch\b/i, (f) => ({ ...f, tune: false })],
  [/\b(?:prep(?:aration)?|cleaning|clean(?:up)? step)\b/i, (f) => ({ ...f, prep: [] })],
  [/\bpredictions?\b|\bscoring\b|\bbatch scor\w*/i, (f) => ({ ...f, wants: { ...f.wants, predict: false } })],
];

/** A frame field the follow-up states (not a default of parsing a short sentence). */
function stated<T>(v: T | undefined, empty: (v: T) => boolean = () => false): v is T {
  return v !== undefined && !empty(v);
}

/** "make the threshold 0.8", "raise the bar to 85%", "lower it to 0.7": a new value for the gate there is. */
function newThreshold(text: string): number | undefined {
  // The number as a gate reads it: "0.8", "85%", "ninety percent", "zero point eight five".
  const m =
    new RegExp(
      String.raw`\b(?:threshold|bar|cut-?off|gate|minimum|limit|requirement)\b[^.;\d]{0,30}?\b${THRESHOLD_NUMBER}`,
      'i',
    ).exec(text) ??
    // "raise it to 0.9", "lower that to 80%", "bump it up to .95".
    new RegExp(
      String.raw`\b(?:raise|lower|increase|decrease|bump|reduce|tighten|loosen|relax)\s+(?:it|that|this)?\s*(?:up|down)?\s*to\s+${THRESHOLD_NUMBER}`,
      'i',
    ).exec(text);
  if (!m) return undefined;
  const n = spokenNumber(m[1] as string);
  if (Number.isNaN(n)) return undefined;
  return m[2] || n > 1 ? n / 100 : n;
}

/** A share said on its own ("make it 10 percent", "a quarter of the traffic"): percents and fractions only. */
function newShare(text: string): number | undefined {
  for (const m of text.matchAll(new RegExp(SHARE, 'gi'))) {
    const raw = m[1] as string;
    if (!/%|per ?cent|half|third|quarter|fourth|fifth|tenth/i.test(raw)) continue;
    const share = toShare(raw);
    if (share !== undefined && share > 0 && share < 1) return share;
  }
  return undefined;
}

/**
 * Changes that only make sense against what the plan already has: a new share or duration for its canary, a
 * new window for its serving report or traffic check, a new time of day for its schedule.
 */
function retune(f: IntentFrame, delta: IntentFrame, text: string): IntentFrame {
  let out = f;
  // A percent that is a threshold, a hold-out or a drift limit is not the canary's share.
  const otherShare =
    delta.gate !== undefined ||
    newThreshold(text) !== undefined ||
    delta.testShare !== undefined ||
    Object.keys(delta.drift).length > 0 ||
    Object.keys(parseWatchLimits(text)).length > 0;
  if (f.canary && !delta.canary?.share && !otherShare) {
    const share = newShare(text);
    if (share !== undefined) out = { ...out, canary: { ...out.canary, share } };
  }
  // "make it 25% and 3h instead": a bare span edits the canary's period.
  const holdFor = parseHoldFor(text) ?? (f.canary ? bareDuration(text) : undefined);
  if (f.canary && holdFor && !parseWindow(text))
    out = { ...out, canary: { ...out.canary, duration: holdFor } };
  else if (f.watch && holdFor && f.operation !== 'canary' && !parseWindow(text))
    out = { ...out, watch: { ...f.watch, duration: holdFor } };
  const last = new RegExp(
    String.raw`\b(?:last|past|previous)\s+(?:${NUMBER}\s*)?(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|w)\b`,
    'i',
  ).exec(text);
  const window = parseWindow(text) ?? (last ? durationOf(last[1], last[2] as string) : undefined);
  const reads = f.operation === 'serving-metrics' || f.operation === 'monitor-traffic';
  // "make that since Monday": a day replaces the window, a window replaces the day.
  if (!window && delta.sinceDay && reads) {
    const { servingWindow: _s, trafficSince: _t, ...rest } = out;
    out = { ...rest, sinceDay: delta.sinceDay };
  } else if (window && out.sinceDay) {
    const { sinceDay: _d, ...rest } = out;
    out = rest;
  }
  if (window && (f.servingWindow !== undefined || f.operation === 'serving-metrics'))
    out = { ...out, servingWindow: window };
  else if (window && (f.trafficSince !== undefined || f.operation === 'monitor-traffic'))
    out = { ...out, trafficSince: window };
  if (f.schedule && !delta.schedule) {
    const cron = retime(f.schedule.cron, text);
    if (cron) out = { ...out, schedule: { ...f.schedule, cron, phrase: text } };
    // "make that 6am Berlin time", "in London time": the clock the schedule runs by.
    const timezone = parseTimezone(text);
    if (timezone && out.schedule) out = { ...out, schedule: { ...out.schedule, timezone } };
  }
  return out;
}

/**
 * "only on weekdays, India time" over "every night at 1am": a new schedule that names days but no time of day
 * keeps the time (and clock) of the schedule there is.
 */
function keptClock(old: Schedule, next: Schedule, text: string): Schedule {
  const timezone = next.timezone ?? old.timezone;
  const [om, oh] = old.cron.split(' ');
  const fields = next.cron.split(' ');
  const fixed = (x: string | undefined) => x !== undefined && /^\d+$/.test(x);
  const cron =
    !namesTimeOfDay(text) &&
    fields.length === 5 &&
    fixed(om) &&
    fixed(oh) &&
    fixed(fields[0]) &&
    fixed(fields[1])
      ? [om, oh, ...fields.slice(2)].join(' ')
      : next.cron;
  return { ...next, cron, ...(timezone ? { timezone } : {}) };
}

/** Applies a follow-up to the frame of the current plan. */
export function applyEdit(frame: IntentFrame, typed: string): IntentFrame {
  const text = plainRequest(typed);
  const delta = parseGoal(text);
  let f: IntentFrame = { ...frame, goal: `${frame.goal} (then: ${delta.goal})` };
  // "no model yet, just the prep" removes the training, not the prep (handled below).
  const said = withoutNoTraining(text);
  const removing = REMOVE.test(said) && !/\bdrop\s+(?:rows|duplicates|the\s+column|columns?)\b/i.test(said);
  const named = parseModels(text);

  // Models: replaced, added to, or removed from.
  const swap = swapped(
    text,
    f.models.map((m) => m.algorithm),
  );
  if (swap) {
    const gone = new Set(swap.out);
    const kept = f.models.filter((m) => !gone.has(m.algorithm));
    const have = new Set(kept.map((m) => m.algorithm));
    const models = [...kept, ...swap.in.filter((m) => !have.has(m.algorithm))];
    f = { ...f, models, compare: models.length > 1 };
  } else if (named.length && removing && !INSTEAD.test(text)) {
    const gone = new Set(named.map((m) => m.algorithm));
    const current = f.models.length ? f.models : [];
    f = { ...f, models: current.filter((m) => !gone.has(m.algorithm)), compare: false };
  } else if (named.length && ALSO.test(text) && !INSTEAD.test(text)) {
    const have = new Set(f.models.map((m) => m.algorithm));
    f = { ...f, models: [...f.models, ...named.filter((m) => !have.has(m.algorithm))], compare: true };
  } else if (named.length) {
    f = { ...f, models: named, compare: named.length > 1 };
  }

  // Stages removed: "drop the drift check", "no deployment", "remove the approval".
  let stageRemoved = false;
  if (removing && !named.length)
    for (const [re, drop] of STAGES)
      if (re.test(said)) {
        f = drop(f);
        stageRemoved = true;
      }

  // A new threshold for the gate there is.
  const value = newThreshold(text);
  if (delta.gate) f = { ...f, gate: delta.gate };
  else if (value !== undefined && f.gate?.kind === 'threshold') f = { ...f, gate: { ...f.gate, value } };

  // Everything else the follow-up states overrides the frame; stages it asks for are added.
  if (!removing) {
    const w = delta.wants;
    f = {
      ...f,
      wants: {
        ...f.wants,
        deploy: f.wants.deploy || w.deploy,
        register: f.wants.register || w.register || w.deploy,
        monitor: f.wants.monitor || w.monitor,
        notify: f.wants.notify || w.notify,
        predict: f.wants.predict || w.predict,
        // "and split it 80/20" on a data-only plan.
        split:
          f.wants.split ||
          (w.split &&
            (delta.testShare !== undefined ||
              delta.validationShare !== undefined ||
              delta.split !== undefined)),
      },
    };
  }
  // "no model after all": the plan stops at the data.
  if (saysNoTraining(text)) {
    const { gate: _g, canary: _c, ...rest } = f;
    f = {
      ...rest,
      models: [],
      wants: { ...f.wants, train: false, register: false, deploy: false, predict: false },
    };
  }
  f = retune(f, delta, text);
  if (delta.sources.length) f = { ...f, sources: delta.sources };
  const explicitTarget =
    /\b(?:predict\w*|forecast\w*|estimat\w*|target|label|classify\w*)\b/i.test(text) &&
    delta.targetPhrases.length;
  if (explicitTarget) f = { ...f, targetPhrases: delta.targetPhrases };
  if (delta.taskType) f = { ...f, taskType: delta.taskType };
  if (stated(delta.folds)) f = { ...f, folds: delta.folds };
  if (stated(delta.testShare)) f = { ...f, testShare: delta.testShare };
  if (stated(delta.validationShare)) f = { ...f, validationShare: delta.validationShare };
  if (delta.split) f = { ...f, split: delta.split };
  if (stated(delta.seed)) f = { ...f, seed: delta.seed };
  if (delta.metric && !delta.gate) f = { ...f, metric: delta.metric };
  if (delta.schedule)
    f = { ...f, schedule: f.schedule ? keptClock(f.schedule, delta.schedule, text) : delta.schedule };
  if (delta.event) f = { ...f, event: delta.event };
  if (Object.keys(delta.resources).length) f = { ...f, resources: { ...f.resources, ...delta.resources } };
  if (delta.approval && !removing) f = { ...f, approval: true };
  if (delta.approvers.length) f = { ...f, approval: true, approvers: delta.approvers };
  if (delta.approvalTimeout) f = { ...f, approvalTimeout: delta.approvalTimeout };
  if (Object.keys(delta.drift).length) f = { ...f, drift: { ...f.drift, ...delta.drift } };
  if (delta.notify && !removing) f = { ...f, notify: delta.notify };
  if (delta.prep.length && !named.length && !stageRemoved) f = { ...f, prep: [...f.prep, ...delta.prep] };
  if (Object.keys(delta.params).length) f = { ...f, params: { ...f.params, ...delta.params } };
  if (delta.tune && !removing) f = { ...f, tune: true };
  if (delta.modelName) f = { ...f, modelName: delta.modelName };
  if (delta.datasetName) f = { ...f, datasetName: delta.datasetName };
  if (delta.textColumns.length) f = { ...f, textColumns: delta.textColumns };
  // "also pass --epochs 5", "use --lr 1e-5 instead": flags of the script there is.
  if (f.script && !delta.script) {
    const args = mergeArgs(f.script.args, parseArgs(text));
    if (args !== f.script.args) f = { ...f, script: { ...f.script, args } };
  }
  if (delta.compareWithProduction !== undefined)
    f = { ...f, compareWithProduction: delta.compareWithProduction };
  if (delta.canary) f = { ...f, canary: { ...f.canary, ...delta.canary } };
  // "actually, make it a canary at 20% for an hour": a rollout the follow-up turns into a canary.
  const toCanary =
    delta.canary?.share !== undefined ||
    (/\bcanary\b/i.test(text) && !/\b(?:no|without|skip|drop|remove)\s+(?:the\s+|a\s+)?canary\b/i.test(text));
  if (f.operation === 'promote' && toCanary) {
    const duration = f.canary?.duration ?? parseHoldFor(text);
    f = { ...f, operation: 'canary', canary: { ...f.canary, ...(duration ? { duration } : {}) } };
  }
  if (delta.watch) f = { ...f, watch: { ...f.watch, ...delta.watch } };
  if (delta.output) f = { ...f, output: delta.output };
  if (delta.refs.newestData) f = { ...f, refs: { ...f.refs, newestData: true } };
  if (delta.registerAlias) f = { ...f, registerAlias: delta.registerAlias };
  const meant = delta.refs.models.filter((r) => !notMeant(text, r.text)).map(withoutFillers);
  const refs = meant.length ? meant : loneVersion(text);
  if (refs.length && f.refs.models.length)
    f = { ...f, refs: { ...f.refs, models: mergeRefs(f.refs.models, refs) } };
  else if (refs.length) f = { ...f, refs: { ...f.refs, models: refs } };
  return f;
}

/**
 * "swap the logistic regression for a decision tree", "replace the forest with boosting", "use knn instead of
 * the tree": the models before the connective go out, those after it come in ("instead of" the other way).
 */
function swapped(
  text: string,
  have: string[],
): { out: string[]; in: ReturnType<typeof parseModels> } | undefined {
  const m =
    /\b(?:swap|swaps|swapping|replace|replaces|replacing|switch|exchange|trade|substitute)\s+(?:out\s+)?(.+?)\s+(?:for|with|by|to|into)\s+(.+)/i.exec(
      text,
    );
  // "drop the forest and use an svm": read as "an svm instead of the forest".
  const dropUse =
    /\b(?:drop|remove|lose|ditch)\s+(.+?)\s*(?:,|\band\b|\bthen\b)\s+(?:use|try|take|go with|add)\s+(.+)/i.exec(
      text,
    );
  const n =
    /\b(?:use|try|take|pick|go with)?\s*(.+?)\s+(?:instead of|in place of|rather than)\s+(.+)/i.exec(text) ??
    (dropUse ? [dropUse[0], dropUse[2], dropUse[1]] : null);
  // "swap in B for A": the one after "in" comes in.
  const swapIn = m && /^in\s/i.test(m[1] as string);
  const [gone, come] = m ? (swapIn ? [m[2], m[1]] : [m[1], m[2]]) : n ? [n[2], n[1]] : [];
  if (gone === undefined || come === undefined) return undefined;
  // "the forest", "the boosting": a word of a model the plan has.
  const out = parseModels(gone).map((x) => x.algorithm);
  if (!out.length)
    for (const h of have)
      if (h.split('_').some((w) => w.length >= 4 && new RegExp(String.raw`\b${w}`, 'i').test(gone)))
        out.push(h);
  const incoming = parseModels(come);
  if (!out.length || !incoming.length) return undefined;
  return { out, in: incoming };
}

/**
 * "switch to v9", "go back to version 2", "use version two", "the third version instead": a version alone, for
 * the model the plan already names ("version one of the dataset" is the data's, not the model's).
 */
/** Words that open a correction ("actually v2", "sorry, version 2"): they describe no model. */
const FILLER =
  /^(?:actually|sorry|oh|wait|no|nope|hmm+|ok|okay|well|so|then|instead|rather|please|pls|i|meant|mean|just|use|make|it|that)$/i;
const withoutFillers = (r: ModelReference): ModelReference =>
  r.words.some((w) => FILLER.test(w)) ? { ...r, words: r.words.filter((w) => !FILLER.test(w)) } : r;

/** "v2, not prod", "rather than production", "instead of the production one": the model said is not meant. */
function notMeant(text: string, said: string): boolean {
  const at = text.indexOf(said);
  return (
    at >= 0 &&
    /\b(?:not|rather\s+than|instead\s+of)\s+(?:the\s+|that\s+)?$/i.test(text.slice(Math.max(0, at - 24), at))
  );
}

function loneVersion(text: string): ModelReference[] {
  const m = new RegExp(
    String.raw`(?:^|\s)(?:(?:v|version\s+)(\d+)|version\s+(${COUNT_WORD})|(?:the\s+)?(${COUNT_WORD})\s+version)\b(?!\s+of\s+(?:the\s+|its\s+|that\s+)?(?:data|dataset|file|table|features?)\b)`,
    'i',
  ).exec(text);
  const version = m ? countOf((m[1] ?? m[2] ?? m[3]) as string) : undefined;
  if (!m || version === undefined) return [];
  return [{ text: m[0].trim(), role: 'subject', words: [], version }];
}

function mergeRefs(have: ModelReference[], said: ModelReference[]): ModelReference[] {
  const out = [...have];
  for (const r of said) {
    if (r.exactOnly && have.length) continue;
    // "use version 2 instead": a version or qualifier alone changes which version of the same model.
    const only = !r.words.length && !r.name && !r.run;
    let i = only ? out.findIndex((x) => x.role !== 'baseline') : out.findIndex((x) => x.role === r.role);
    // "switch to whichever cars model is in staging": said without its role, it replaces the one model acted on.
    const acting = out.filter((x) => x.role !== 'baseline');
    if (i < 0 && r.role === 'subject' && acting.length === 1) i = out.indexOf(acting[0] as ModelReference);
    const prev = out[i];
    if (prev && only) {
      const { alias: _a, version: _v, qualifier: _q, ...rest } = prev;
      out[i] = {
        ...rest,
        ...(r.version !== undefined ? { version: r.version } : {}),
        ...(r.alias ? { alias: r.alias } : {}),
        ...(r.qualifier ? { qualifier: r.qualifier } : {}),
      };
    } else if (prev) out[i] = { ...r, role: prev.role };
    else out.push(r);
  }
  return out;
}

export { applyAnswer } from './answers.ts';
