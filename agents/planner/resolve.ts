/**
 * The resolver: binds the references of an intent frame to what exists — registered models, versions and
 * aliases; past runs by id, day, status and words; the newest version of a dataset — through the workspace's
 * look-ups (src/lineage/resolve.ts). A reference that matches nothing gets one question naming the closest
 * existing entities; two matches get a question listing both. Never a guess.
 */
import type {
  DatasetVersionFacts,
  ModelFacts,
  ModelVersionFacts,
  RunFacts,
  WorkspaceFacts,
} from '../../src/lineage/resolve.ts';
import type { ModelReference, RunReference } from './intent.ts';
import { sameWord, words } from './offline/words.ts';
import { versionDeployedDaysAgo, versionRegisteredDaysAgo } from './registered-day.ts';

/** The look-ups the resolver and the builders read, plus the clock that "yesterday" is relative to. */
export interface Lookups extends WorkspaceFacts {
  now(): Date;
}

export interface BoundModel {
  name: string;
  version: number;
  /** The alias the reference used (production, staging, …), when it used one. */
  alias?: string;
  /** The registry reference string a plan carries: "name@alias" or "name:3". */
  ref: string;
  model: ModelFacts;
  facts: ModelVersionFacts;
}

export type Bound<T> = { ok: true; value: T } | { ok: false; question: string };

const ok = <T>(value: T): Bound<T> => ({ ok: true, value });
const ask = <T>(question: string): Bound<T> => ({ ok: false, question });

const STOP = new Set([
  'the',
  'a',
  'an',
  'model',
  'models',
  'version',
  'for',
  'of',
  'data',
  'dataset',
  'clean',
]);

/** Words that describe a model: its name, its target, the data it was trained on. */
function describeModel(m: ModelFacts): { name: string[]; other: string[] } {
  const v = m.versions[0];
  const other = new Set<string>();
  for (const x of [v?.target, v?.trainingData?.name, ...(v?.sources ?? []).map((s) => s.split('/').pop())])
    if (x) for (const w of words(x.replace(/\.[a-z]+$/i, ''))) if (!STOP.has(w)) other.add(w);
  return { name: words(m.name), other: [...other] };
}

const GENERIC_NOUN =
  /^(?:models?|classifiers?|regressors?|predictors?|estimators?|forecasters?|scorers?|versions?|ones?)$/i;

function modelScore(m: ModelFacts, ws: string[]): number {
  if (ws.length === 0) return 0;
  const d = describeModel(m);
  let score = 0;
  for (const w of ws) {
    if (w === m.name.toLowerCase()) score += 10;
    else {
      const parts = words(w);
      const known = (p: string) => [...d.name, ...d.other].some((n) => sameWord(p, n));
      if (parts.length > 1 && parts.every((p) => d.name.includes(p))) score += 6;
      // "penguins-sex" is another (unregistered) name, not penguins-species: every part must describe the model.
      else if (parts.length > 1 && /[-_]/.test(w) && !parts.every(known)) return 0;
      else if (parts.some((p) => d.name.some((n) => sameWord(p, n)))) score += 3;
      else if (parts.some((p) => d.other.some((n) => sameWord(p, n)))) score += 2;
      // "classifier", "regressor": a kind of model, not a name; it neither picks nor rules out a model.
      else if (GENERIC_NOUN.test(w)) continue;
      else return 0; // a word that describes none of it: another model was meant
    }
  }
  return score;
}

/** "cars-mpg (production v1, staging v2)". */
export function modelSummary(m: ModelFacts): string {
  const aliases = Object.entries(m.aliases)
    .map(([a, v]) => `${a} v${v}`)
    .join(', ');
  const latest = m.versions[0]?.version;
  return `${m.name} (${aliases || `latest v${latest ?? '?'}`}${aliases && latest && !Object.values(m.aliases).includes(latest) ? `, latest v${latest}` : ''})`;
}

const listOr = (xs: string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;

function registered(models: ModelFacts[]): string {
  return models.length
    ? `Registered models: ${models.map(modelSummary).join('; ')}.`
    : 'No model is registered in this workspace yet: train and register one first (e.g. "predict <column> from data/<file> and register it").';
}

/** A version of a model as a reference asks for it: explicit, by alias, or by qualifier. */
function pickVersion(
  m: ModelFacts,
  r: ModelReference,
  fallback: 'production' | 'latest' | 'new',
  look: Lookups,
): Bound<{ version: number; alias?: string }> {
  const versions = m.versions.map((v) => v.version);
  const production = m.aliases.production;
  if (r.registeredDaysAgo !== undefined && r.version === undefined && !r.alias) {
    const day = versionRegisteredDaysAgo(m, r.registeredDaysAgo, look);
    return 'version' in day ? ok({ version: day.version }) : ask(day.question);
  }
  if (r.deployedDaysAgo !== undefined && r.version === undefined && !r.alias) {
    const day = versionDeployedDaysAgo(m, r.deployedDaysAgo, look);
    return 'version' in day ? ok({ version: day.version }) : ask(day.question);
  }
  if (r.version !== undefined) {
    if (!versions.includes(r.version))
      return ask(
        `${m.name} has no version ${r.version}; its versions are ${versions
          .slice()
          .reverse()
          .map((v) => `v${v}`)
          .join(
            ', ',
          )}${production !== undefined ? ` (production is v${production})` : ''}. Which version do you mean?`,
      );
    return ok({ version: r.version });
  }
  const alias = r.alias ?? r.words.find((w) => m.aliases[w] !== undefined);
  // "the one in canary": the version the running canary serves, unless an alias has that name.
  if (alias === 'canary' && m.aliases.canary === undefined) {
    const canary = m.activeDeployment?.canary;
    if (canary) return ok({ version: canary.version });
    return ask(
      `${m.name} has no canary running${production !== undefined ? ` (production v${production} serves all requests)` : ''}. Which version do you mean: ${versions
        .slice()
        .reverse()
        .map(
          (v) =>
            `v${v}${Object.entries(m.aliases).find(([, n]) => n === v)?.[0] ? ` (${Object.entries(m.aliases).find(([, n]) => n === v)?.[0]})` : ''}`,
        )
        .join(', ')}?`,
    );
  }
  if (alias) {
    const v = m.aliases[alias];
    if (v === undefined)
      return ask(
        `${m.name} has no "${alias}" alias; its aliases are ${
          Object.entries(m.aliases)
            .map(([a, n]) => `${a} → v${n}`)
            .join(', ') || 'none'
        }. Which version do you mean?`,
      );
    return ok({ version: v, alias });
  }
  const q = r.qualifier ?? fallback;
  const latest = Math.max(...versions);
  if (q === 'latest') return ok({ version: latest });
  if (q === 'previous') {
    if (m.rollbackTarget === undefined)
      return ask(
        `${m.name}'s production alias has no earlier version to go back to (it has only pointed at ${m.productionHistory.map((v) => `v${v}`).join(', ') || 'nothing'}). Which version do you mean?`,
      );
    return ok({ version: m.rollbackTarget });
  }
  if (q === 'new') {
    const newer = versions.filter((v) => production === undefined || v > production);
    if (newer.length === 0)
      return ask(
        `${m.name} has no version newer than production (v${production}); its versions are ${versions
          .slice()
          .reverse()
          .map((v) => `v${v}`)
          .join(', ')}. Which version should go out?`,
      );
    return ok({ version: Math.max(...newer) });
  }
  // current / production
  if (production === undefined) {
    if (fallback === 'production' && r.qualifier !== 'current' && !r.alias) return ok({ version: latest });
    return ask(
      `${m.name} is not in production (no production alias). Which version do you mean: ${versions.map((v) => `v${v}`).join(', ')}?`,
    );
  }
  return ok({ version: production, alias: 'production' });
}

/**
 * Binds a model reference. `fallback` is the version meant when the reference names none: production for
 * scoring and monitoring, the newest not in production for a canary or promotion.
 */
export function bindModel(
  ref0: ModelReference,
  look: Lookups,
  fallback: 'production' | 'latest' | 'new' = 'production',
): Bound<BoundModel> {
  let r = ref0;
  const models = look.models();
  const finish = (m: ModelFacts, picked: { version: number; alias?: string }): Bound<BoundModel> => {
    const facts = m.versions.find((v) => v.version === picked.version) as ModelVersionFacts;
    return ok({
      name: m.name,
      version: picked.version,
      ...(picked.alias ? { alias: picked.alias } : {}),
      ref: picked.alias ? `${m.name}@${picked.alias}` : `${m.name}:${picked.version}`,
      model: m,
      facts,
    });
  };
  if (r.run) {
    const run = look.runs().find((x) => x.id === r.run || x.id.startsWith(r.run as string));
    if (!run) return ask(`There is no run "${r.run}". ${recentRuns(look.runs())}`);
    const hits = models.flatMap((m) => m.versions.filter((v) => v.runId === run.id).map((v) => ({ m, v })));
    const hit = hits[0];
    if (!hit)
      return ask(
        `Run ${run.id} (${run.planName}, ${run.status}) registered no model${run.trains ? ' (it trained one but did not register it)' : ''}. ${registered(models)} Which model do you mean?`,
      );
    return finish(hit.m, { version: hit.v.version });
  }
  if (r.exactOnly) {
    const exact = models.find((m) => m.name.toLowerCase() === (r.words[0] ?? '').toLowerCase());
    if (!exact) {
      const near = closest(models, r.words);
      return ask(
        `No registered model is named "${r.text}".${near.length ? ` Did you mean ${listOr(near.map(modelSummary))}?` : ''} ${registered(models)} Which one do you mean?`,
      );
    }
    r = { ...r, name: exact.name, words: [exact.name.toLowerCase()], exactOnly: false };
  }
  const aliasWords = new Set(models.flatMap((m) => Object.keys(m.aliases)));
  const nameWords = r.words.filter((w) => !aliasWords.has(w));
  const alias = r.alias ?? r.words.find((w) => aliasWords.has(w));
  const ref: ModelReference = { ...r, words: nameWords, ...(alias ? { alias } : {}) };
  let candidates: ModelFacts[];
  if (r.name && models.some((m) => m.name === r.name)) candidates = models.filter((m) => m.name === r.name);
  else if (nameWords.length) {
    const scored = models.map((m) => ({ m, s: modelScore(m, nameWords) })).filter((x) => x.s > 0);
    const best = Math.max(0, ...scored.map((x) => x.s));
    candidates = scored.filter((x) => x.s === best).map((x) => x.m);
    if (candidates.length === 0) {
      const near = closest(models, nameWords);
      return ask(
        `No registered model matches "${r.text}"${nameWords.length ? ` ("${nameWords.join(' ')}" names none of them)` : ''}.${near.length ? ` Did you mean ${listOr(near.map(modelSummary))}?` : ''} ${registered(models)} Which one do you mean?`,
      );
    }
  } else candidates = models;
  if (alias) {
    const withAlias = candidates.filter((m) => m.aliases[alias] !== undefined);
    if (withAlias.length === 0) {
      const only = candidates.length === 1 ? (candidates[0] as ModelFacts) : undefined;
      if (!only)
        return ask(
          `No registered model has a "${alias}" alias. ${registered(models)} Which one do you mean?`,
        );
      const p = pickVersion(only, ref, fallback, look);
      return p.ok ? finish(only, p.value) : ask(p.question);
    }
    candidates = withAlias;
  }
  if (candidates.length === 0) return ask(`${registered(models)} Which one do you mean?`);
  if (candidates.length > 1)
    return ask(
      `"${r.text}" matches ${candidates.length} models: ${listOr(
        candidates.map((m) => (alias ? `${m.name} (${alias} → v${m.aliases[alias]})` : modelSummary(m))),
      )}. Which one do you mean?`,
    );
  const m = candidates[0] as ModelFacts;
  const picked = pickVersion(m, ref, fallback, look);
  return picked.ok ? finish(m, picked.value) : ask(picked.question);
}

/** Models sharing a word with the phrase ("penguins-sex" → penguins-species), for a question's suggestion. */
function closest(models: ModelFacts[], ws: string[]): ModelFacts[] {
  const parts = ws.flatMap(words);
  return models.filter((m) => {
    const d = describeModel(m);
    return parts.some((p) => [...d.name, ...d.other].some((n) => sameWord(p, n)));
  });
}

/** Optional binding: a model phrase in a goal that builds from data ("retrain the delay model"). */
export function tryBindModel(r: ModelReference, look: Lookups): BoundModel | undefined {
  const b = bindModel(r, look);
  return b.ok ? b.value : undefined;
}

// ---- runs ------------------------------------------------------------------------------------------

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** The local calendar day [start, end) a day word means, relative to now ("tuesday": the last before today). */
export function dayRange(day: NonNullable<RunReference['day']>, now: Date): [Date, Date] {
  const start = new Date(now);
  start.setHours(0, 0, 0, 0);
  if (day === 'last-week') {
    // The calendar week (Monday to Sunday) before the one of now.
    start.setDate(start.getDate() - ((start.getDay() + 6) % 7) - 7);
    const end = new Date(start);
    end.setDate(end.getDate() + 7);
    return [start, end];
  }
  if (day === 'yesterday') start.setDate(start.getDate() - 1);
  else if (day !== 'today') {
    const want = DAYS.indexOf(day);
    do start.setDate(start.getDate() - 1);
    while (start.getDay() !== want);
  }
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return [start, end];
}

function runLine(r: RunFacts): string {
  const when = r.createdAt.replace('T', ' ').slice(0, 16);
  return `${r.id} (${r.planName}, ${r.status}, ${when}${r.error && r.status === 'failed' ? `: ${r.error.slice(0, 80)}` : ''})`;
}

function recentRuns(runs: RunFacts[]): string {
  return runs.length
    ? `Recent runs: ${runs.slice(0, 5).map(runLine).join('; ')}.`
    : 'This workspace has no runs yet.';
}

function runMatches(r: RunFacts, ws: string[]): boolean {
  const vocab = [
    ...words(r.planName),
    ...r.targets.flatMap(words),
    ...r.sources.flatMap((s) => words((s.split('/').pop() ?? s).replace(/\.[a-z]+$/i, ''))),
    ...r.datasets.flatMap((d) => words(d.name)),
    ...r.registered.flatMap((m) => words(m.model)),
    ...(r.goal ? words(r.goal) : []),
  ];
  return ws.every((w) => words(w).every((p) => vocab.some((v) => sameWord(p, v))));
}

/** Binds a run reference: by id (or unique prefix), else by day, status, training and words. */
export function bindRun(ref: RunReference, look: Lookups): Bound<RunFacts> {
  const runs = look.runs();
  if (ref.id) {
    const exact = runs.find((r) => r.id === ref.id);
    if (exact) return ok(exact);
    const prefix = runs.filter((r) => r.id.startsWith(ref.id as string));
    if (prefix.length === 1) return ok(prefix[0] as RunFacts);
    return ask(`There is no run "${ref.id}". ${recentRuns(runs)} Which run do you mean?`);
  }
  let hits = runs;
  if (ref.day) {
    const [from, to] = dayRange(ref.day, look.now());
    hits = hits.filter((r) => {
      const t = new Date(r.createdAt).getTime();
      return t >= from.getTime() && t < to.getTime();
    });
  }
  if (ref.daysAgo !== undefined) {
    const from = new Date(look.now());
    from.setHours(0, 0, 0, 0);
    from.setDate(from.getDate() - ref.daysAgo);
    const to = new Date(from);
    to.setDate(to.getDate() + 1);
    hits = hits.filter((r) => {
      const t = new Date(r.createdAt).getTime();
      return t >= from.getTime() && t < to.getTime();
    });
  }
  if (ref.status) hits = hits.filter((r) => r.status === ref.status);
  if (ref.training) hits = hits.filter((r) => r.trains);
  const ws = ref.words.filter((w) => !STOP.has(w));
  if (ws.length) hits = hits.filter((r) => runMatches(r, ws));
  const what = `"${ref.text}"`;
  if (hits.length === 0) return ask(`No run matches ${what}. ${recentRuns(runs)} Which run do you mean?`);
  if (hits.length > 1 && !ref.latest)
    return ask(
      `${what} matches ${hits.length} runs: ${listOr(hits.slice(0, 5).map(runLine))}. Which one do you mean?`,
    );
  return ok(hits[0] as RunFacts);
}

// ---- data --------------------------------------------------------------------------------------------

/** The newest version of a dataset (by when it was made), if any version is still on disk. */
export function newestVersion(name: string, look: Lookups): DatasetVersionFacts | undefined {
  const all = look.datasetVersions(name).filter((d) => d.exists);
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1);
}

/** A dataset as said: its exact name, else the one dataset a word of whose name it is ("penguins" → penguins-clean). */
export function datasetNamed(said: string, look: Lookups): string | undefined {
  const names = [
    ...new Set(
      look
        .datasetVersions()
        .filter((d) => d.exists)
        .map((d) => d.name),
    ),
  ];
  const exact = names.find((n) => n.toLowerCase() === said.toLowerCase());
  if (exact) return exact;
  const near = names.filter((n) => words(n).some((w) => sameWord(w, said.toLowerCase())));
  return near.length === 1 ? near[0] : undefined;
}

export { listOr, recentRuns, registered };
