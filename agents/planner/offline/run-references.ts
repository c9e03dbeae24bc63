/**
 * Past runs and data as phrases: "the last run", "yesterday's failed run", "last Tuesday's weather training",
 * "run run-20261201-…", "the run behind cars-mpg v2", "retrain it the way v2 was trained", "the newest data",
 * "today's refreshed file". The resolver (resolve.ts) binds them to runs and dataset versions, or asks.
 */
import type { ModelReference, RunReference } from '../intent.ts';
import { MODEL_RULES } from './models.ts';
import { NAME, NOUN, QUALIFIERS, refWords, runModelPhrases } from './reference-words.ts';
import { COUNT_WORD, countOf } from './words.ts';

const DAY = String.raw`(yesterday(?:\s+(?:night|evening|morning|afternoon))?|today|tonight|last night|this morning|last week|(?:last\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:the\s+)?day\s+before\s+yesterday|(?:\d+|${COUNT_WORD})\s+days?\s+(?:ago|back|earlier))`;
/** A run's end said in words: "failed", "fell over", "blew up", "died"; or that it went well. */
const ENDED = String.raw`failed|broke(?:\s+down)?|crashed|errored(?:\s+out)?|fell\s+(?:over|down)|blew\s+up|died|bombed|choked|tanked|went\s+red|succeeded|passed|worked|ran`;
const STATUS = `(successful|succeeded|good|green|passing|working|failed|failing|broken|crashed|red)`;
/** A run's noun; a cadence alone ("the churn nightly that broke") only at the end of its phrase. */
const RUN_NOUN = String.raw`(?:training\s+run|train\s+run|pipeline\s+run|runs?|training|job|retrain(?:ing)?|(?:nightly|daily|weekly|hourly)(?:\s+(?:retrain(?:ing)?|training|run|job|build))?(?=\s+(?:that|which|from|of|on|again|${ENDED})\b|\s*[,.;:!?-]|\s*$))`;
/** A model family ("rf", "random forest", "xgb") after a day's possessive names that day's training. */
const FAMILY = MODEL_RULES.map(([r]) => `(?:${r.source})`).join('|');
const RUN_WORDS = String.raw`((?:(?!(?:with|on|using|but|and|from|of|like|that)\b)[\w@:.-]+\s+){0,3}?)`;

/** "Take the cars-mpg ": the words after the last determiner; a verb before it names no run. */
const afterDeterminer = (words: string) => words.replace(/^(?:.*\s)?(?:the|that|this)\s+(?=\S)/i, '');

/** Verbs that ask to do a past run again. */
export const RERUN =
  /\b(?:re-?run|re-?try|(?:run|try)\s+(?:it\s+|that\s+|this\s+)?again|(?:run|kick(?:\s+off)?|launch|start|do(?!\s+(?:i|we|you|they)\b)|trigger|fire(?:\s+off)?|train|retrain|fit|build)(?=\s+(?:[\w'-]+[\s,]+){0,6}?again\b)|redo|repeat|retrain(?:ed)?\s+like|train\s+like|like\s+run|same\s+as\s+(?:run|the\s+last)|(?:the\s+)?same\s+way\s+as\s+(?:last\s+time|before|the\s+last)|like\s+(?:last\s+time|before)|re-?(?:execute|launch|start)|(?:give|have)\s+(?:it|that|this|them)\s+(?:another|one\s+more)\s+(?:go|try|shot|run|spin)|one\s+more\s+time|once\s+more)\b/i;

/** "whatever ran last", "the last thing that ran", "what ran most recently": the newest run of all. */
const LAST_RAN =
  /\b(?:whatever|what|whichever\s+\w+|the\s+(?:last|latest)\s+(?:thing|pipeline|plan)\s+(?:that|which))\s+(?:ran|was\s+run|has\s+run|executed)(?:\s+(?:last|latest|most\s+recently))?\b/i;

/** "the training that produced the production penguins model", "the run behind cars-mpg v2". */
const OF_MODEL =
  /\b(?:the\s+)?(?:training\s+run|training|run|job|pipeline)\s+(?:that|which)\s+(?:produced|trained|made|built|created|registered)\s+(?!run-)|\b(?:the\s+)?(?:training\s+run|training|run|job)\s+behind\s+/i;

/** "run the cars-mpg-nightly job now", "trigger the penguins-nightly schedule": a trigger by name, run now. */
const TRIGGER_NOW = new RegExp(
  String.raw`(?<![\w-])(?:run|trigger|fire|kick\s+off|start|launch|execute)\s+(?:the\s+)?["'\x60]?(${NAME}-${NAME})["'\x60]?\s+(?:job|trigger|schedule|cron|pipeline)\b`,
  'i',
);

/**
 * The run a goal asks to do again: a run phrase (parseRunReference), a trigger by name, the run that trained a
 * model the goal names ("train penguins-species v3 again"), or "whatever ran last".
 */
export function parseRerunReference(
  text: string,
  models: ModelReference[],
  hasSource = false,
): RunReference | undefined {
  const ref = findRerun(text, models, hasSource);
  const dataset =
    ref && (NEWEST_DATA.test(text) || NEWEST_NAMED_VERSION.test(text)) ? newestDataName(text) : undefined;
  return ref && dataset ? { ...ref, dataset } : ref;
}

/** "retrain X the way the production version was trained", "just like v2 was built": the run behind a model. */
const TRAINED_LIKE =
  /\b(?:(?:the\s+)?(?:same\s+)?way|exactly\s+as|just\s+as|just\s+like|exactly\s+like|like|how)\s+(?:the\s+|its\s+)?(?:[\w-]+\s+){0,4}?(?:was|were|got|had\s+been)\s+(?:trained|built|fitted|fit|made)\b(?!\s+(?:on|with|from|using)\b)/i;

function findRerun(text: string, models: ModelReference[], hasSource: boolean): RunReference | undefined {
  const like = TRAINED_LIKE.exec(text);
  if (like && models.length && /\b(?:re-?train|train|fit|build|redo|rerun|repeat)\w*\b/i.test(text))
    return { text: like[0], words: [], training: true, latest: true, ofModel: true };
  const trigger = TRIGGER_NOW.exec(text);
  if (trigger)
    return {
      text: trigger[0],
      trigger: trigger[1] as string,
      words: [trigger[1] as string],
      training: false,
      latest: true,
    };
  if (RERUN.test(text) && LAST_RAN.test(text))
    return { text: (LAST_RAN.exec(text) as RegExpExecArray)[0], words: [], training: false, latest: true };
  const of = OF_MODEL.exec(text);
  if (of && models.length && (RERUN.test(text) || /\bagain\b/i.test(text)))
    return { text: of[0].trim(), words: [], training: true, latest: true, ofModel: true };
  const run = parseRunReference(text);
  // "the forest from run-…": an id a model phrase already holds names that model, not a run to redo.
  if (run?.id && models.some((m) => m.run === run.id)) return undefined;
  if (run) return run;
  // "train it again", "retrain cars-mpg on the newest version of its data": the run that made the named model.
  const again = RERUN.test(text) || (/\bre-?train/i.test(text) && NEWEST_DATA.test(text) && !hasSource);
  if (again && models.length) return { text: '', words: [], training: true, latest: true, ofModel: true };
  return undefined;
}

export function dayOf(word: string | undefined): RunReference['day'] | undefined {
  if (!word) return undefined;
  // "last night" is yesterday's night: read before "last" is dropped from "last tuesday".
  if (/^(?:yesterday\b|last\s+night$)/i.test(word)) return 'yesterday';
  const w = word.toLowerCase().replace(/^last\s+/, '');
  if (w === 'today' || w === 'tonight' || w === 'this morning') return 'today';
  if (w === 'week') return 'last-week';
  const d = /^(mon|tues|wednes|thurs|fri|satur|sun)day$/.exec(w)?.[1];
  const map: Record<string, RunReference['day']> = {
    mon: 'monday',
    tues: 'tuesday',
    wednes: 'wednesday',
    thurs: 'thursday',
    fri: 'friday',
    satur: 'saturday',
    sun: 'sunday',
  };
  return d ? map[d] : undefined;
}

function statusOf(word: string | undefined): RunReference['status'] | undefined {
  if (!word) return undefined;
  return /^(?:successful|succeeded|good|green|passing|working|passed|worked)$/i.test(word)
    ? 'succeeded'
    : 'failed';
}

/** "two days ago", "3 days ago": how many calendar days before today. */
function daysAgoOf(word: string | undefined): number | undefined {
  if (word && /\bday\s+before\s+yesterday$/i.test(word)) return 2;
  const n = word ? /^(\S+)\s+days?\s+(?:ago|back|earlier)$/i.exec(word)?.[1] : undefined;
  return n === undefined ? undefined : countOf(n);
}

/** "<someone> trained the cars model about 3 days ago": a verb of training, what it trained, then a day. */
const TRAINED_WHEN = new RegExp(
  String.raw`\b(trained|fitted|fit|built|ran)\s+(?:the|a|an|our|their|that)\s+((?:[\w@:.-]+\s+){0,3}?)(?:${NOUN}|run|training|job|pipeline)\s+(?:(?:about|around|roughly|approximately|some|maybe|like)\s+)?${DAY}`,
  'i',
);

/** A past run the goal names: by id, or by day, status, plan words and order. */
export function parseRunReference(text: string): RunReference | undefined {
  const id = /\b(run-\d{8}-\d{6}-[0-9a-f]{4,12}|run-[a-z0-9][\w-]{5,})\b/i.exec(text);
  const inModel = (at: number) => runModelPhrases(text).some((p) => at >= p.at && at < p.end);
  if (id && !inModel(id.index))
    return { text: id[0], id: id[1] as string, words: [], training: /\btrain/i.test(text), latest: false };
  if (!RERUN.test(text)) return undefined;
  // "somebody trained the penguins model about six days ago": the run by what it trained and when.
  const w = TRAINED_WHEN.exec(text);
  if (w) {
    const day = dayOf(w[3]);
    const daysAgo = daysAgoOf(w[3]);
    return {
      text: w[0],
      ...(day ? { day } : {}),
      ...(daysAgo !== undefined ? { daysAgo } : {}),
      words: refWords(w[2] ?? '').filter((x) => !QUALIFIERS[x]),
      training: !/^ran$/i.test(w[1] as string),
      latest: false,
    };
  }
  // "yesterday's failed run", "last Tuesday's weather training", "last tuesday's weather rf".
  const a = new RegExp(
    String.raw`\b${DAY}'s\s+(?:(?:last|latest|first)\s+)?(?:${STATUS}\s+)?${RUN_WORDS}(?:${RUN_NOUN}|${NOUN}|(${FAMILY}))\b`,
    'i',
  ).exec(text);
  if (a) {
    const day = dayOf(a[1]);
    const status = statusOf(a[2]);
    return {
      text: a[0],
      ...(day ? { day } : {}),
      ...(status ? { status } : {}),
      words: refWords(a[3] ?? ''),
      training: /train/i.test(a[0]) || new RegExp(`${NOUN}$`, 'i').test(a[0]) || a[4] !== undefined,
      latest: /\b(?:last|latest)\s+(?!(?:mon|tues|wednes|thurs|fri|satur|sun)day)/i.test(a[0]),
    };
  }
  // "the last successful cars-mpg training", "the failed run from yesterday", "the last run".
  const b = new RegExp(
    String.raw`\b(?:the\s+|that\s+|this\s+)?(?:(last|latest|previous|most recent|first)\s+)?(?:${STATUS}\s+)?${RUN_WORDS}${RUN_NOUN}\b(?:\s+(?:from|of|on)\s+${DAY})?(?:\s+(?:that|which)\s+(${ENDED})\b(?:\s+(?:on\s+)?${DAY})?)?`,
    'i',
  ).exec(text.replace(RERUN, (m) => ' '.repeat(m.length)));
  if (b && (b[1] || b[2] || b[3]?.trim() || b[4] || b[5])) {
    const day = dayOf(b[4] ?? b[6]);
    const daysAgo = daysAgoOf(b[4] ?? b[6]);
    const status = statusOf(b[2] ?? (b[5] && b[5] !== 'ran' ? b[5] : undefined));
    return {
      text: b[0].trim(),
      ...(day ? { day } : {}),
      ...(daysAgo !== undefined ? { daysAgo } : {}),
      ...(status ? { status } : {}),
      words: refWords(afterDeterminer(b[3] ?? '')).filter((w) => !QUALIFIERS[w]),
      training: /train/i.test(b[0]),
      latest: b[1] !== undefined && !/^first$/i.test(b[1]),
    };
  }
  return undefined;
}

/** "with the newest data", "on the newest version of its dataset", "on the latest data version". */
export const NEWEST_DATA =
  /\b(?:today'?s|this\s+morning'?s)\s+(?:refreshed\s+|updated\s+|new\s+|fresh\s+)?(?:file|data|csv|export|copy|extract)\b|\b(?:the\s+)?(?:refreshed|updated)\s+(?:file|data|csv|export|copy|extract)\b|\b(?:newest|latest|most recent|freshest|current|new(?:er)?)\s+(?:version\s+of\s+(?:its|the|their|that)\s+(?:[\w-]+\s+)?(?:training\s+)?(?:data(?:set)?)|(?:[\w-]+\s+)?(?:training\s+)?data(?:set)?(?:\s+version)?)\b/i;

/** "the most recent version of seattle-weather": a registry-style name (a dash or underscore in it), not a model. */
const NEWEST_VERSION_OF = String.raw`\b(?:newest|latest|most recent|freshest)\s+version\s+of\s+(?:the\s+)?(\w+[-_][\w-]*\w)\b(?!\s+(?:models?|classifiers?|regressors?)\b)`;
/** "fed with the newest seattle-weather version": a dataset's newest version (read only beside a run to redo). */
export const NEWEST_NAMED_VERSION = new RegExp(
  String.raw`\b(?:newest|latest|most recent|freshest)\s+(?!(?:model|data(?:set)?|training)\s)[\w-]+\s+version\b|${NEWEST_VERSION_OF}`,
  'i',
);

/** "the newest version of the trucks dataset", "the latest seattle-weather data": the dataset named. */
export function newestDataName(text: string): string | undefined {
  const m =
    /\b(?:newest|latest|most recent|freshest|current)\s+(?:version\s+of\s+(?:the\s+)?)?([\w-]+)\s+(?:training\s+)?data(?:set)?\b/i.exec(
      text,
    ) ??
    NEWEST_NAMED_VERSION_NAME.exec(text) ??
    new RegExp(NEWEST_VERSION_OF, 'i').exec(text);
  const name = m?.[1]?.toLowerCase();
  return name && !/^(?:its|their|that|the|this|training|version|our|my|new|fresh|model)$/.test(name)
    ? name
    : undefined;
}

const NEWEST_NAMED_VERSION_NAME = /\b(?:newest|latest|most recent|freshest)\s+([\w-]+)\s+version\b/i;
