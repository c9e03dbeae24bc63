/**
 * The words of model references: which version (qualifiers, alias words), words that are no name (filler,
 * boundaries), model nouns, and models named by the run that made them.
 */
import type { ModelReference } from '../intent.ts';
import { COUNT_WORD, countOf } from './words.ts';

/** Words that say which version of a model, not which model. */
export const QUALIFIERS: Record<string, NonNullable<ModelReference['qualifier']>> = {
  latest: 'latest',
  newest: 'latest',
  recent: 'latest',
  last: 'latest',
  new: 'new',
  newer: 'new',
  fresh: 'new',
  candidate: 'new',
  challenger: 'new',
  previous: 'previous',
  prior: 'previous',
  old: 'previous',
  older: 'previous',
  current: 'current',
  deployed: 'current',
  live: 'current',
  serving: 'current',
};
/** Alias words people use; any other alias is recognised by the resolver, which knows the real ones. */
export const ALIASES: Record<string, string> = {
  production: 'production',
  prod: 'production',
  incumbent: 'production',
  champion: 'production',
  staging: 'staging',
};
export const FILLER = new Set([
  'the',
  'a',
  'an',
  'its',
  'their',
  'our',
  'my',
  'this',
  'that',
  'these',
  'same',
  'one',
  'ml',
  'registered',
  'trained',
  'version',
  'best',
  'better',
  'final',
  'winning',
  'winner',
  'resulting',
  'good',
  'whole',
  'plain',
  'simple',
  'very',
  'most',
  'basic',
  'modelfamily',
  'model',
  'models',
  'of',
]);
/** Words that end a model phrase on their left: verbs and prepositions are not part of a model's name. */
export const BOUNDARY =
  /^(?:with|using|use|to|on|for|from|by|and|or|then|if|when|into|in|at|of|as|than|against|vs|versus|score|scores|scoring|predict|predicts|predicting|deploy|deploys|promote|promotes|canary|roll|rolls|rolled|rolling|out|rollback|back|take|takes|check|checks|monitor|monitors|watch|compare|send|route|retrain|retrains|train|trains|rerun|run|is|are|was|be|it|them|show|me|us|tell|report|give|put|push|ship|move|serve|use|the|fit|fits|build|builds|make|makes|create|get|pull|pulls|fetch|fetches|grab|grabs|print|prints|see|view|collect|compile|produce|summarise|summarize|dump|share|post|list|display|generate|bring|need|want|try|automatically|now|then|please|like|unlike|just|exactly|way|how|what|which|whatever|whichever)$/i;

/**
 * Where a model is now, before "in/on/at <alias>": "that's", "is sitting", "which is currently parked", "lives",
 * "is living", or nothing ("the model in production").
 */
export const SITTING = String.raw`(?:(?:(?:that|which)\s*(?:'s|\s+is|\s+are)?|'s|is|are)\s+|(?:(?:that|which)\s+)?(?:we|you|they|i)\s*(?:'ve\s+got|'ve|have\s+got|have|keep|got|put|parked)\s+|(?:has|holds|keeps|carries)\s+)?(?:currently\s+|now\s+|right\s+now\s+|still\s+)?(?:(?:sitting|sits|living|lives|parked|kept|residing|resides|staying|stays|hanging\s+out|hangs\s+out)\s+)?(?:currently\s+|now\s+|right\s+now\s+)?`;
/** A state verb in a SITTING phrase: the model is there already, it is not being put there. */
export const SITTING_VERB =
  /(?:\b(?:is|are|sits|sitting|lives|living|parked|kept|resid\w+|stay\w*|hang\w*|have|got|keep|put|has|holds|keeps|carries)|'s|'ve)\s+(?:\w+\s+){0,2}?(?:in|on|at)\b/i;
export const NOUN = `(?:models?|classifiers?|regressors?|forecasters?|predictors?|estimators?|challengers?|champions?|incumbents?|candidates?)`;
/** A version put out: "deployed", "shipped", "went live", "went out" (the alias history dates it). */
const WENT_OUT = String.raw`(?:deployed|shipped|released|launched|promoted|rolled\s+out|went\s+(?:out|live)|put\s+live)`;
/** A version made by training: its registration day is the day it was made. */
const MADE = String.raw`(?:made|built|created|trained|produced|fitted|fit)`;
/**
 * Right after a model phrase: "that was registered six days ago", "the one made yesterday", "registered 4 days ago", "model we registered
 * three days ago", "that went live 3 days back" → the day count, and whether it went live (else registered).
 */
export function versionDaysAgo(after: string): { days: number; deployed: boolean } | undefined {
  const m = new RegExp(
    String.raw`^\s*(?:(?:${NOUN}|version)\s+)?,?\s*(?:(?:that|which)\s+)?(?:(?:we|you|they|i|someone|somebody)\s+)?(?:(?:was|were|got|has\s+been|had\s+been)\s+)?(?:(registered|published|added\s+to\s+the\s+registry|${MADE})|${WENT_OUT})\s+(?:(\d+|${COUNT_WORD})\s+days?\s+(?:ago|back|earlier)|(yesterday|the\s+day\s+before\s+yesterday|today|earlier\s+today|this\s+morning))\b`,
    'i',
  ).exec(after);
  const day = m?.[3]?.toLowerCase();
  const days = day
    ? /before/.test(day)
      ? 2
      : /yesterday/.test(day)
        ? 1
        : 0
    : m
      ? countOf(m[2] as string)
      : undefined;
  return days !== undefined ? { days, deployed: !m?.[1] } : undefined;
}

/**
 * "the model run-… trained", "whatever model run-… produced", "the penguins model that run-… trained", "the
 * model trained by run-…", "the model from run-…": a model named by the run that made it.
 */
/** A model noun, a family's head noun or a family masked to "modelfamily" ("the forest from run-…"). */
const FAMILY_NOUN = `(?:modelfamily|${NOUN}|forest|trees?|ensemble|network|booster|regression)`;
const MADE_NOUN = `(?:${FAMILY_NOUN}|version)`;
const RUN_MODEL = new RegExp(
  String.raw`\b(?:(?:the|whatever|whichever)\s+)?(?:[\w-]+\s+){0,2}?${MADE_NOUN}\s+(?:(?:that|which)\s+(?:was\s+)?)?(?:(?:(?:trained|produced|registered|made|built|created)\s+(?:by|in|during)|came\s+(?:out\s+of|from)|(?:out\s+)?of|from)\s+)?(?:the\s+)?(?:run\s+)?(run-[\w-]+)(?:\s+(?:trained|produced|registered|made|built|created))?`,
  'gi',
);
/** "whatever run-… produced", "run-…'s model": a run's model without a noun before the id. */
const RUN_MODEL_BARE = new RegExp(
  String.raw`\b(?:whatever|whichever|what)\s+(?:the\s+)?(?:run\s+)?(run-[\w-]+)\s+(?:trained|produced|registered|made|built|created|output)\b|\b(run-[\w-]+)'s\s+(?:[\w-]+\s+)?${MADE_NOUN}`,
  'gi',
);
/** The run-made model phrases of a text (a run id inside one names the model, not a run to redo). */
export function runModelPhrases(text: string): { at: number; end: number; run: string }[] {
  const out: { at: number; end: number; run: string }[] = [];
  for (const m of text.matchAll(RUN_MODEL)) {
    // The id must be tied to the model by a verb or preposition, before or after it.
    if (!/\b(?:trained|produced|registered|made|built|created|from|of)\b/i.test(m[0])) continue;
    // "version" alone is a model only when a verb ties the run to it: "the version run-… registered".
    if (
      !new RegExp(`\\b${FAMILY_NOUN}\\b`, 'i').test(m[0]) &&
      !/\b(?:trained|produced|registered|made|built|created)\b/i.test(m[0])
    )
      continue;
    // Verbs and prepositions before the phrase are not part of it: "with the model trained by run-…".
    let at = m.index ?? 0;
    let rest = m[0];
    for (let w = /^(\S+)\s+/.exec(rest); w && BOUNDARY.test(w[1] as string); w = /^(\S+)\s+/.exec(rest)) {
      at += w[0].length;
      rest = rest.slice(w[0].length);
    }
    out.push({ at, end: (m.index ?? 0) + m[0].length, run: m[1] as string });
  }
  for (const m of text.matchAll(RUN_MODEL_BARE)) {
    const at = m.index ?? 0;
    if (out.some((p) => at < p.end && at + m[0].length > p.at)) continue;
    out.push({ at, end: at + m[0].length, run: (m[1] ?? m[2]) as string });
  }
  return out.sort((a, b) => a.at - b.at);
}
export const NAME = String.raw`[A-Za-z0-9][\w.]*(?:-[\w.]+)*`;

export function refWords(phrase: string): string[] {
  return phrase
    .toLowerCase()
    .replace(/'s\b/g, '')
    .split(/[\s,]+/)
    .map((w) => w.replace(/^[("'`]+|[)"'`.:;!?]+$/g, ''))
    .filter((w) => w && !FILLER.has(w));
}

/** Splits words into qualifier, alias and the rest (the words that may name the model). */
export function classify(ws: string[]): Pick<ModelReference, 'qualifier' | 'alias' | 'words'> {
  const out: Pick<ModelReference, 'qualifier' | 'alias' | 'words'> = { words: [] };
  for (const w of ws) {
    if (QUALIFIERS[w] && !out.qualifier) out.qualifier = QUALIFIERS[w];
    else if (ALIASES[w]) out.alias = ALIASES[w];
    else out.words.push(w);
  }
  // "current" is the production alias, or says nothing beside an alias ("the current prod one").
  if (out.qualifier === 'current') {
    out.alias ??= 'production';
    delete out.qualifier;
  }
  return out;
}

/** The role a reference plays, from the words before it. */
export function roleOf(before: string): ModelReference['role'] {
  if (/\b(?:with|using|use|via|through|apply|applying)\s+(?:\S+\s+){0,1}$/i.test(before)) return 'scorer';
  if (/\b(?:against|than|versus|vs\.?|with)\s+$/i.test(before)) return 'baseline';
  return 'subject';
}

/** "the retrained churn-risk", "the updated one": the newest version not in production. */
export const NEWER = /^(?:re-?trained|updated|improved|refreshed|re-?fitted)$/;
/**
 * "promote the experimental penguins-species", "ship our tuned churn-risk": in a deploy, an unknown word between a
 * determiner and a bare model name says which version (an alias or tag the resolver checks, asking when none fits).
 */
export function deployedTag(before: string): string | undefined {
  const m =
    /\b(?:deploy\w*|promot\w+|ship(?:s|ped|ping)?|roll(?:s|ing)?\s+out|release\w*|push\w*|serv(?:e|es|ing))\s+(?:the|our|my|that|this)\s+([a-z][a-z0-9.-]*)\s+$/i.exec(
      before,
    );
  const w = m?.[1]?.toLowerCase();
  if (
    !w ||
    FILLER.has(w) ||
    QUALIFIERS[w] ||
    ALIASES[w] ||
    BOUNDARY.test(w) ||
    /^(?:model|version)s?$/.test(w)
  )
    return undefined;
  return w;
}

/** An ordinal among a model phrase's words ("very first", "third", "original"): that version, and the other words. */
export function ordinalVersion(ws: string[]): { version: number; rest: string[] } | undefined {
  const at = ws.findIndex((w) => ORDINAL.test(w));
  if (at < 0) return undefined;
  const w = ws[at] as string;
  const version = /^(?:original|initial|earliest|oldest)$/i.test(w) ? 1 : countOf(w);
  if (version === undefined) return undefined;
  return { version, rest: ws.filter((x, i) => i !== at && !/^very$/i.test(x)) };
}
const ORDINAL =
  /^(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th)|original|initial|earliest|oldest)$/i;

/** Words for rows, never a model's name: "the data v2 was trained on". */
export const DATA_WORDS =
  'data|dataset|datasets|rows|set|records|table|file|inputs|features|samples?|examples';
export const DATA_WORD = new RegExp(`^(?:${DATA_WORDS})$`, 'i');
/** Right after a version: "was trained on", "got fit with", "learned from". */
export const TRAINED_ON =
  /^\s+(?:(?:was|were|got|had\s+been|has\s+been)\s+)?(?:trained|fit|fitted|built|learned|learnt|made)\s+(?:on|from|with|using)\b/i;

/**
 * Right after a model phrase, the alias that names the version: "currently aliased staging", "under the alias
 * amber", "with the tag gold", "tagged as candidate" (an unknown alias is kept, so that binding asks about it).
 */
export function aliasNamedAfter(after: string): string | undefined {
  const m =
    /^\s*,?\s*(?:(?:that|which)\s+(?:is\s+|was\s+)?|(?:is\s+|was\s+))?(?:currently\s+|now\s+|still\s+)?(?:aliased|tagged|labell?ed)\s+(?:as\s+)?["'\x60]?([a-z][\w-]*)|^\s*,?\s*(?:(?:that|which)\s+(?:is|sits|lives)\s+)?(?:currently\s+|now\s+)?(?:under|with|behind|carrying|at)\s+the\s+(?:alias|tag|label)\s+["'\x60]?([a-z][\w-]*)/i.exec(
      after,
    );
  const word = (m?.[1] ?? m?.[2])?.toLowerCase();
  return word ? (ALIASES[word] ?? word) : undefined;
}
