/**
 * compare  [load the named file →] evaluate.model: one registered version against another (or production) on the
 *          same rows, deploying and registering nothing [→ notify]. "compare cars-mpg v2 with v1 on
 *          data/cars.json", "how does the staging one do against production?".
 */
import type { IntentFrame, ModelReference } from '../intent.ts';
import { aliasPair, comparedVersion } from '../offline/compare.ts';
import { slug } from '../offline/words.ts';
import { type BoundModel, bindModel } from '../resolve.ts';
import type { DraftOutcome } from '../types.ts';
import { bound, clarify, filesGone, type OperationContext, versionText } from './operation-context.ts';
import { notifyStep, out, planOf, type StepIn } from './steps.ts';

/**
 * "the staging and production versions of penguins-species": a bare name with two aliases is the first alias
 * against the second.
 */
function withAliasPair(frame: IntentFrame): IntentFrame {
  const pair = aliasPair(frame.goal);
  const refs = frame.refs.models;
  const named = refs.find((r) => r.words.length > 0);
  if (!pair || !named || refs.some((r) => r.alias || r.version !== undefined)) return frame;
  const words = named.words;
  const models: ModelReference[] = [
    { text: `${pair[0]} ${words.join(' ')}`, role: 'subject', words, alias: pair[0] },
    { text: `${pair[1]} ${words.join(' ')}`, role: 'baseline', words, alias: pair[1] },
  ];
  return { ...frame, refs: { ...frame.refs, models } };
}

/** The version the goal is about: the first reference that names a registered model. */
function challengerOf(frame: IntentFrame, ctx: OperationContext): BoundModel | DraftOutcome {
  for (const r of frame.refs.models.filter((x) => x.role !== 'baseline')) {
    const b = bindModel(r, ctx.look, 'new');
    if (b.ok) return b.value;
  }
  const got = bound(frame, ctx, 'new');
  return got.ok ? got.b : got.outcome;
}

/** What it is set against: a baseline phrase, a bare version ("with v2"), else production. */
function baselineOf(frame: IntentFrame, ctx: OperationContext, b: BoundModel): BoundModel | DraftOutcome {
  const said = frame.refs.models.find((r) => r.role === 'baseline');
  const version = comparedVersion(frame.goal);
  const production = b.model.aliases.production;
  const ref: ModelReference | undefined = said
    ? { ...said, words: said.words.length ? said.words : [b.name], exactOnly: false }
    : version !== undefined
      ? { text: `${b.name} v${version}`, role: 'baseline', words: [b.name], version }
      : production !== undefined
        ? { text: `${b.name} production`, role: 'baseline', words: [b.name], alias: 'production' }
        : undefined;
  if (!ref)
    return clarify(
      `${b.name} has no production version. Which version should v${b.version} be compared with (${otherVersions(b)})?`,
    );
  const got = bindModel(ref, ctx.look, 'production');
  if (!got.ok) return clarify(got.question, 'model');
  if (got.value.name === b.name && got.value.version === b.version)
    return clarify(
      `${versionText(b)} would be compared with itself. Which version should it be compared with (${otherVersions(b)})?`,
    );
  return got.value;
}

const otherVersions = (b: BoundModel) =>
  b.model.versions
    .filter((v) => v.version !== b.version)
    .map((v) => `v${v.version}`)
    .join(', ') || 'it has no other version';

export async function buildCompare(said: IntentFrame, ctx: OperationContext): Promise<DraftOutcome> {
  const frame = withAliasPair(said);
  const b = challengerOf(frame, ctx);
  if ('kind' in b) return b;
  if (!b.facts.filesExist) return filesGone(b);
  const base = baselineOf(frame, ctx, b);
  if ('kind' in base) return base;
  if (!base.facts.filesExist) return filesGone(base);
  const steps: StepIn[] = [];
  const notes: string[] = [
    `compares ${versionText(b)} with ${versionText(base)} on the same rows; nothing is deployed or registered`,
  ];
  let dataset: unknown = b.facts.heldOut;
  const src = frame.sources[0];
  if (src?.kind === 'file') {
    const data = await ctx.describe(src.path);
    if (!data)
      return clarify(`${src.path} could not be read. Which file should both versions be evaluated on?`);
    const have = new Set(data.columns.map((c) => c.name));
    const needed = [...b.facts.features, ...(b.facts.target ? [b.facts.target] : [])];
    const missing = needed.filter((f) => !have.has(f));
    if (missing.length)
      return clarify(
        `${src.path} lacks ${missing.join(', ')}, which evaluating ${versionText(b)} needs. Which file should both versions be evaluated on?`,
      );
    const name = slug((src.path.split('/').pop() ?? 'data').replace(/\.[^.]+$/, ''), 30);
    steps.push({ id: 'load', task: 'ingest.file', with: { path: src.path, name: `${name}-to-evaluate` } });
    dataset = out('load', 'dataset');
  } else if (!dataset)
    return clarify(
      `No held-out rows of v${b.version}'s training run are left. Which data file should both versions be evaluated on?`,
    );
  else notes.push(`both are evaluated on v${b.version}'s held-out rows`);
  steps.push({
    id: 'compare',
    task: 'evaluate.model',
    ...(steps.length ? { dependsOn: ['load'] } : {}),
    with: {
      model: b.facts.modelRef,
      baseline: base.ref,
      dataset,
      ...(frame.metric ? { primaryMetric: frame.metric } : {}),
    },
  });
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'compare', {
    title: `pipewright: ${versionText(b)} vs ${versionText(base)}`,
    text: `better: ${out('compare', 'better')}; delta: ${out('compare', 'delta')}`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-v${b.version}-vs-${base.ref}`, 80),
      `Evaluation of ${versionText(b)} against ${versionText(base)}`,
      steps,
      inputs,
      notes,
      { model: { name: b.name, version: b.version, baseline: base.ref } },
    ),
    notes,
  };
}
