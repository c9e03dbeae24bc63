/**
 * Plans that act on what exists, from a resolved frame:
 *   score            load → predict.batch with "name@alias" / "name:3" (resolved again at run time)
 *   monitor-traffic  model.dataset (the version's own training data) + monitor.traffic → monitor.drift → notify
 *   serving-metrics  serving.metrics over a window → notify
 *   rollback         [serving.watch | serving.metrics] → approve → model.rollback
 *   canary           approve → deploy.http with a canary share → serving.watch → promote | drop the canary
 *   promote          evaluate.model (candidate vs production on the candidate's held-out rows) → approve → deploy
 * Every check against the workspace (the model's files, its training data, a version to roll back to, the data
 * to score having the model's features) is made here, so a plan is never built on something that is gone.
 */
import type { DescribeDataset } from '../describe-dataset.ts';
import type { IntentFrame, ModelReference } from '../intent.ts';
import { slug } from '../offline/words.ts';
import { type BoundModel, bindModel, dayRange, type Lookups } from '../resolve.ts';
import type { DraftOutcome, MissingPiece } from '../types.ts';
import { approvalStep, notifyStep, out, planOf, type StepIn } from './steps.ts';

export interface OperationContext {
  look: Lookups;
  describe: DescribeDataset;
  exists: (file: string) => boolean;
}

const clarify = (question: string, about: MissingPiece = 'other'): DraftOutcome => ({
  kind: 'clarify',
  question,
  about,
});

/**
 * The reference the operation acts on: a phrase in that role (subject or scorer), else any phrase; bare
 * registry-style names count when a model has exactly that name.
 */
function subjectOf(
  frame: IntentFrame,
  look: Lookups,
  role: ModelReference['role'] = 'subject',
): ModelReference | undefined {
  const names = new Set(look.models().map((m) => m.name.toLowerCase()));
  const usable = (r: ModelReference) => !r.exactOnly || names.has((r.words[0] ?? '').toLowerCase());
  const refs = frame.refs.models;
  const r =
    refs.find((r) => r.role === role && !r.exactOnly) ??
    refs.find((r) => !r.exactOnly) ??
    refs.find(usable) ??
    refs[0];
  return r && withNamedModel(r, refs, names);
}

/**
 * "the staging model … penguins-species": a role word alone (an alias or qualifier, no name) takes the one
 * registered model the goal names elsewhere, so two models at that alias are not ambiguous.
 */
function withNamedModel(r: ModelReference, refs: ModelReference[], names: Set<string>): ModelReference {
  if (r.words.length || r.name || r.run || r.version !== undefined) return r;
  const named = [
    ...new Set(
      refs
        .filter((x) => x !== r && x.words.length === 1 && names.has((x.words[0] as string).toLowerCase()))
        .map((x) => (x.words[0] as string).toLowerCase()),
    ),
  ];
  return named.length === 1 ? { ...r, words: named, exactOnly: false } : r;
}

function bound(
  frame: IntentFrame,
  ctx: OperationContext,
  fallback: 'production' | 'latest' | 'new',
  role: ModelReference['role'] = 'subject',
): { ok: true; b: BoundModel } | { ok: false; outcome: DraftOutcome } {
  const r = subjectOf(frame, ctx.look, role);
  if (!r)
    return {
      ok: false,
      outcome: clarify(
        `Which registered model do you mean? ${
          ctx.look
            .models()
            .map((m) => m.name)
            .join(', ') || 'None is registered yet.'
        }`,
      ),
    };
  const b = bindModel(r, ctx.look, fallback);
  return b.ok ? { ok: true, b: b.value } : { ok: false, outcome: clarify(b.question, 'model') };
}

const versionText = (b: BoundModel) => `${b.name} v${b.version}${b.alias ? ` (${b.alias})` : ''}`;

function filesGone(b: BoundModel): DraftOutcome {
  return clarify(
    `The files of ${versionText(b)} are gone from the model store, so it can neither score nor be evaluated. Which version should be used instead (${
      b.model.versions
        .filter((v) => v.filesExist)
        .map((v) => `v${v.version}`)
        .join(', ') || 'none has its files'
    })?`,
  );
}

// ---- score ---------------------------------------------------------------------------------------------

export async function buildScore(frame: IntentFrame, ctx: OperationContext): Promise<DraftOutcome> {
  const got = bound(frame, ctx, 'production', 'scorer');
  if (!got.ok) return got.outcome;
  const b = got.b;
  if (!b.facts.filesExist) return filesGone(b);
  const src = frame.sources[0];
  if (src?.kind !== 'file')
    return clarify(
      `Which file should ${versionText(b)} score? Name a data file in the workspace, e.g. data/new.csv.`,
    );
  const notes: string[] = [`scores with ${versionText(b)}, resolved again as "${b.ref}" when the run starts`];
  const data = await ctx.describe(src.path);
  if (!data) return clarify(`${src.path} could not be read. Which file should ${versionText(b)} score?`);
  const have = new Set(data.columns.map((c) => c.name));
  const missing = b.facts.features.filter((f) => !have.has(f));
  if (missing.length)
    return clarify(
      `${src.path} lacks ${missing.length === 1 ? 'the column' : 'columns'} ${missing.join(', ')} that ${versionText(b)} needs (its features: ${b.facts.features.join(', ')}). Which file should it score?`,
    );
  const base = slug((src.path.split('/').pop() ?? 'data').replace(/\.[^.]+$/, ''), 30);
  const steps: StepIn[] = [
    { id: 'load', task: 'ingest.file', with: { path: src.path, name: `${base}-to-score` } },
    {
      id: 'score',
      task: 'predict.batch',
      dependsOn: ['load'],
      with: {
        model: b.ref,
        dataset: out('load', 'dataset'),
        ...(/\bcsv\b/i.test(frame.goal) ? { csv: true } : {}),
        ...(frame.output ? { output: frame.output } : {}),
      },
    },
  ];
  if (frame.output) notes.push(`scored rows are written to ${frame.output}`);
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'score', {
    title: `pipewright: ${base} scored with ${b.name}`,
    text: `${out('score', 'dataset.rows')} rows scored with ${b.ref}`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`score-${base}-with-${b.name}`, 80),
      `Batch scoring of ${src.path} with ${versionText(b)}`,
      steps,
      inputs,
      notes,
      { model: { name: b.name, version: b.version, ref: b.ref } },
    ),
    notes,
  };
}

/** "since Monday": the start of that day, as an ISO time (a scheduled check keeps its relative window). */
function sinceOf(frame: IntentFrame, look: Lookups): string | undefined {
  if (!frame.sinceDay || frame.schedule) return undefined;
  return dayRange(frame.sinceDay, look.now())[0].toISOString();
}

// ---- served traffic --------------------------------------------------------------------------------------

/**
 * "traffic of cars-mpg … the data cars-mpg v1 was trained on": a second reference to the served model that pins a
 * version or alias names whose training data the traffic is compared with.
 */
function trainingVersionOf(frame: IntentFrame, ctx: OperationContext, served: BoundModel): BoundModel {
  const pinned = frame.refs.models.find(
    (r) =>
      (r.version !== undefined || r.alias !== undefined) &&
      r.words.length === 1 &&
      r.words[0]?.toLowerCase() === served.name.toLowerCase(),
  );
  const got = pinned ? bindModel(pinned, ctx.look, 'production') : undefined;
  return got?.ok ? got.value : served;
}

export async function buildMonitorTraffic(frame: IntentFrame, ctx: OperationContext): Promise<DraftOutcome> {
  const got = bound(frame, ctx, 'production');
  if (!got.ok) return got.outcome;
  const served = got.b;
  const b = trainingVersionOf(frame, ctx, served);
  const td = b.facts.trainingData;
  if (!td)
    return clarify(
      `${versionText(b)} was registered without its training data, so there is nothing to compare its served traffic with. Which file holds the data it was trained on?`,
    );
  if (!td.exists)
    return clarify(
      `The training data of ${versionText(b)} (${td.name ?? 'dataset'}@${td.version ?? td.hash.slice(0, 12)}) is gone from the workspace, so its served traffic cannot be compared with it. Which file should the traffic be compared with instead (e.g. a copy of the training data)?`,
    );
  const notes = [
    `compares the requests ${versionText(served)} answered with the training data of ${versionText(b)} ${td.name ?? ''}@${td.version ?? td.hash.slice(0, 12)} (recorded in the registry${td.lineageId ? `, ${td.lineageId} in the lineage graph` : ''})`,
  ];
  if (!b.model.served)
    notes.push(`no request to ${b.name} has been logged yet; the traffic step fails until there is one`);
  // A relative window keeps a scheduled check relative: each run looks at the traffic since the one before.
  const window = frame.trafficSince ?? scheduleWindow(frame.schedule?.cron);
  const since = window ? undefined : sinceOf(frame, ctx.look);
  if (window) notes.push(`compares the requests of the last ${window}`);
  if (since) notes.push(`compares the requests since ${since} (${frame.sinceDay})`);
  const thresholds: Record<string, number> = {};
  for (const [k, v] of Object.entries(frame.drift)) if (typeof v === 'number') thresholds[k] = v;
  const steps: StepIn[] = [
    { id: 'training_data', task: 'model.dataset', with: { model: b.ref } },
    {
      id: 'traffic',
      task: 'monitor.traffic',
      with: {
        model: served.name,
        version: served.version,
        ...(window ? { window } : since ? { since } : {}),
      },
    },
    {
      id: 'drift',
      task: 'monitor.drift',
      dependsOn: ['training_data', 'traffic'],
      with: {
        reference: out('training_data', 'dataset'),
        current: out('traffic', 'dataset'),
        ...(Object.keys(thresholds).length ? { thresholds } : {}),
      },
    },
  ];
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'drift', { alert: out('drift', 'alert') });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-traffic-drift`, 80),
      `Drift of the traffic served by ${versionText(served)} against the training data of ${versionText(b)}`,
      steps,
      inputs,
      notes,
      { model: { name: b.name, version: b.version, ref: b.ref } },
    ),
    notes,
  };
}

export function buildServingMetrics(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const got = bound(frame, ctx, 'production');
  if (!got.ok) return got.outcome;
  const b = got.b;
  const since = (frame.servingWindow ?? frame.trafficSince) ? undefined : sinceOf(frame, ctx.look);
  const window = frame.servingWindow ?? frame.trafficSince ?? '1h';
  const notes = [
    `requests, error rate and latency percentiles of ${b.name} ${since ? `since ${since} (${frame.sinceDay})` : `over the last ${window}`}, from its prediction log`,
  ];
  const steps: StepIn[] = [
    { id: 'metrics', task: 'serving.metrics', with: { model: b.name, ...(since ? { since } : { window }) } },
  ];
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'metrics', {
    title: `pipewright: ${b.name} over the last ${window}`,
    text: `${out('metrics', 'requests')} requests, error rate ${out('metrics', 'errorRate')}, p95 ${out('metrics', 'latencyMs.p95')} ms`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-serving-report`, 80),
      `Serving report of ${b.name}`,
      steps,
      inputs,
      notes,
      {
        model: { name: b.name },
      },
    ),
    notes,
  };
}

// ---- rollback --------------------------------------------------------------------------------------------

/** "*\/15 * * * *" → "15m", "0 * * * *" → "1h": the window a scheduled check looks back over. */
function scheduleWindow(cron: string | undefined): string | undefined {
  if (!cron) return undefined;
  const min = /^\*\/(\d+) \* \* \* \*$/.exec(cron)?.[1];
  if (min) return `${min}m`;
  const hours = /^0 (?:\*\/(\d+)|\*) \* \* \*$/.exec(cron);
  if (hours) return `${hours[1] ?? 1}h`;
  return undefined;
}

/** The serving limit of each latency percentile. */
const LATENCY_LIMIT = { p50: 'maxP50Ms', p90: 'maxP90Ms', p95: 'maxP95Ms', p99: 'maxP99Ms' } as const;

/** Conditions on serving.metrics outputs for absolute limits; undefined when a baseline ratio is asked. */
function metricConditions(frame: IntentFrame, step: string): string | undefined {
  const w = frame.watch ?? {};
  if (w.maxP95Factor !== undefined || w.maxErrorRateIncrease !== undefined) return undefined;
  const parts: string[] = [];
  for (const p of ['p50', 'p90', 'p95', 'p99'] as const) {
    const max = w[LATENCY_LIMIT[p]];
    if (max !== undefined) parts.push(`steps.${step}.outputs.latencyMs.${p} > ${max}`);
  }
  if (w.maxErrorRate !== undefined) parts.push(`steps.${step}.outputs.errorRate > ${w.maxErrorRate}`);
  return parts.length ? parts.join(' || ') : undefined;
}

function watchInput(frame: IntentFrame, model: string, duration: string): Record<string, unknown> {
  const w = frame.watch ?? {};
  return {
    model,
    duration,
    ...(w.maxErrorRate !== undefined ? { maxErrorRate: w.maxErrorRate } : {}),
    ...(w.maxErrorRateIncrease !== undefined ? { maxErrorRateIncrease: w.maxErrorRateIncrease } : {}),
    ...(w.maxP95Factor !== undefined ? { maxP95Factor: w.maxP95Factor } : {}),
    ...Object.fromEntries(
      Object.values(LATENCY_LIMIT).flatMap((k) => (w[k] !== undefined ? [[k, w[k]]] : [])),
    ),
  };
}

export function buildRollback(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const got = bound(frame, ctx, 'production');
  if (!got.ok) return got.outcome;
  const b = got.b;
  const m = b.model;
  const production = m.aliases.production;
  if (production === undefined)
    return clarify(
      `${m.name} is not in production, so there is nothing to roll back. Did you mean another model? (${ctx.look
        .models()
        .map((x) => x.name)
        .join(', ')})`,
    );
  // "go back to the penguins model that run-… trained", "back to penguins-species v1": the version the phrase names.
  const pinned = frame.refs.models.find((r) => r.run || r.version !== undefined);
  const pb = pinned ? bindModel(pinned, ctx.look, 'production') : undefined;
  const named =
    pb?.ok && pb.value.name === m.name && pb.value.version !== production ? pb.value.version : undefined;
  // "back to whatever the blue-green alias points at": the version that alias names, asked about when none.
  const toAlias = frame.rollback?.toAlias;
  const aliased = toAlias === undefined ? undefined : m.aliases[toAlias];
  if (toAlias !== undefined && aliased === undefined)
    return clarify(
      `${m.name} has no alias "${toAlias}" (its aliases: ${
        Object.entries(m.aliases)
          .map(([a, v]) => `${a} v${v}`)
          .join(', ') || 'none'
      }). Which version should production go back to?`,
    );
  const to = frame.rollback?.toVersion ?? aliased ?? named;
  if (to !== undefined && !m.versions.some((v) => v.version === to))
    return clarify(
      `${m.name} has no version ${to}; its versions are ${m.versions
        .map((v) => `v${v.version}`)
        .reverse()
        .join(', ')}. Which version should production go back to?`,
    );
  if (to !== undefined && to === production)
    return clarify(`${m.name} production already is v${to}. Which version should it go back to?`);
  const target = to ?? m.rollbackTarget;
  const canary = m.activeDeployment?.canary;
  if (target === undefined && !canary)
    return clarify(
      `${m.name}'s production alias has no earlier version to go back to: it has only ever pointed at ${m.productionHistory.map((v) => `v${v}`).join(', ')}. Name a version to move it to (${
        m.versions
          .filter((v) => v.version !== production)
          .map((v) => `v${v.version}`)
          .reverse()
          .join(', ') || 'it has no other version'
      }), or deploy another version first.`,
    );
  if (to === undefined && target !== undefined && !m.versions.find((v) => v.version === target)?.filesExist)
    return clarify(
      `The files of ${m.name} v${target}, the version production would go back to, are gone. Which version should production go back to?`,
    );
  const notes: string[] = [
    canary && to === undefined
      ? `drops the active canary (v${canary.version}); stable v${production} keeps serving`
      : `moves ${m.name} production from v${production} back to v${target}`,
  ];
  const steps: StepIn[] = [];
  let when: string | undefined;
  let after: string[] = [];
  if (frame.rollback?.onBreach || frame.watch) {
    // "if its p95 over the last 30 min is above 500 ms": a window behind us is read now, not watched.
    const window = frame.trafficSince ?? scheduleWindow(frame.schedule?.cron);
    const cond = metricConditions(frame, 'metrics');
    if (cond && (window || frame.schedule)) {
      steps.push({ id: 'metrics', task: 'serving.metrics', with: { model: m.name, window: window ?? '1h' } });
      when = cond;
      after = ['metrics'];
      notes.push(
        `checks the last ${window ?? '1h'} of requests each run and rolls back when ${cond.replaceAll('steps.metrics.outputs.', '')}`,
      );
    } else {
      const duration = frame.watch?.duration ?? window ?? '1h';
      steps.push({ id: 'watch', task: 'serving.watch', with: watchInput(frame, m.name, duration) });
      when = 'steps.watch.outputs.regressed == true';
      after = ['watch'];
      if (!frame.watch?.duration) notes.push(`watches ${m.name} for ${duration} (no duration was given)`);
    }
  }
  const reason = `planned: ${frame.goal.slice(0, 160)}`;
  // "the previous version", "whatever was live before": the version it goes back to is written in the plan; a
  // scheduled check keeps the run-time default, since production may move between runs.
  const toVersion = to ?? (canary || frame.schedule ? undefined : target);
  steps.push(
    approvalStep(
      frame,
      'approve',
      after,
      `Roll ${m.name} back${target !== undefined ? ` from v${production} to v${target}` : ' (drop the canary)'}${when ? ' now that its serving limits were breached' : ''}?`,
      when,
    ),
    {
      id: 'rollback',
      task: 'model.rollback',
      dependsOn: ['approve'],
      with: { model: m.name, ...(toVersion !== undefined ? { toVersion } : {}), reason },
      ...(when ? { when } : {}),
    },
  );
  const inputs: Record<string, unknown> = {};
  // After the check when there is one, so the message goes out whether or not the rollback ran.
  const n = notifyStep(frame, inputs, after[0] ?? 'rollback', {
    title: `pipewright: ${m.name} rollback check`,
    text:
      after[0] === 'watch'
        ? `regressed: ${out('watch', 'regressed')}; ${out('watch', 'reasons')}`
        : `rollback of ${m.name} planned`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${m.name}-rollback${when ? '-on-breach' : ''}`, 80),
      `Rollback of ${m.name} production${target !== undefined ? ` to v${target}` : ''}`,
      steps,
      inputs,
      notes,
      { model: { name: m.name, from: production, ...(target !== undefined ? { to: target } : {}) } },
    ),
    notes,
  };
}

// ---- canary and promotion --------------------------------------------------------------------------------

export function buildCanary(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const got = bound(frame, ctx, 'new');
  if (!got.ok) return got.outcome;
  const b = got.b;
  const production = b.model.aliases.production;
  if (production === undefined)
    return clarify(
      `${b.name} has no production version for a canary to share traffic with. Deploy a version first, or promote v${b.version} directly?`,
    );
  if (b.version === production)
    return clarify(
      `${b.name} v${b.version} is already production. Which version should get the canary share (${b.model.versions
        .filter((v) => v.version !== production)
        .map((v) => `v${v.version}`)
        .join(', ')})?`,
    );
  if (!b.facts.filesExist) return filesGone(b);
  const notes: string[] = [];
  const share = frame.canary?.share ?? 0.1;
  const duration = frame.canary?.duration ?? frame.watch?.duration ?? '1h';
  if (frame.canary?.share === undefined) notes.push('no share given: the canary gets 10% of requests');
  if (frame.canary?.duration === undefined && !frame.watch?.duration)
    notes.push('no duration given: the canary is watched for 1h');
  const limits = watchInput(frame, b.name, duration);
  if (Object.keys(limits).length === 2)
    notes.push(
      'no serving limit given: serving.watch judges the canary with its defaults (error-rate rise, p95 ratio)',
    );
  const steps: StepIn[] = [
    approvalStep(
      frame,
      'approve',
      [],
      `Send ${Math.round(share * 100)}% of ${b.name} requests to v${b.version} for ${duration} (production stays v${production}), then promote v${b.version} if it stays healthy or drop the canary if it regresses?`,
    ),
    {
      id: 'canary',
      task: 'deploy.http',
      dependsOn: ['approve'],
      with: {
        model: b.name,
        version: 'production',
        canary: { version: b.version, share },
        reason: `canary of v${b.version}: ${frame.goal.slice(0, 120)}`,
      },
    },
    { id: 'watch', task: 'serving.watch', dependsOn: ['canary'], with: limits },
    {
      id: 'promote',
      task: 'deploy.http',
      dependsOn: ['watch'],
      when: 'steps.watch.outputs.healthy == true',
      with: { model: b.name, version: b.version, reason: `canary of v${b.version} stayed healthy` },
    },
    {
      id: 'rollback',
      task: 'model.rollback',
      dependsOn: ['watch'],
      when: 'steps.watch.outputs.regressed == true',
      with: { model: b.name, reason: `canary of v${b.version} regressed` },
    },
  ];
  notes.push(
    `v${b.version} is promoted when the watch ends healthy; when it regresses the canary is dropped and v${production} keeps serving`,
  );
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'watch', {
    title: `pipewright: canary of ${b.name} v${b.version}`,
    text: `healthy: ${out('watch', 'healthy')}; ${out('watch', 'reasons')}`,
  });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-canary-v${b.version}`, 80),
      `Canary of ${b.name} v${b.version} at ${Math.round(share * 100)}% for ${duration}, then promote or roll back`,
      steps,
      inputs,
      notes,
      { model: { name: b.name, version: b.version, production } },
    ),
    notes,
  };
}

export function buildPromote(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const got = bound(frame, ctx, 'new');
  if (!got.ok) return got.outcome;
  const b = got.b;
  const production = b.model.aliases.production;
  if (b.version === production)
    return clarify(
      `${b.name} v${b.version} is already production. Which version should be promoted (${b.model.versions
        .map((v) => `v${v.version}`)
        .reverse()
        .join(', ')})?`,
    );
  if (!b.facts.filesExist) return filesGone(b);
  const notes: string[] = [];
  const steps: StepIn[] = [];
  let gate: string | undefined;
  // The candidate is pinned by its stored reference (folder and hash); production is resolved when the run starts.
  const candidate = b.facts.modelRef;
  if (production !== undefined && frame.compareWithProduction !== false) {
    const prod = b.model.versions.find((v) => v.version === production);
    if (!prod?.filesExist)
      return clarify(
        `Production ${b.name} v${production} cannot be evaluated (its model files are gone), so whether v${b.version} is better is unknown. Promote v${b.version} without comparing (say "without comparing"), or restore v${production} first?`,
      );
    if (!b.facts.heldOut)
      return clarify(
        `No held-out rows of v${b.version}'s training run are left to compare it with production v${production} on. Which test data should both be evaluated on, or promote without comparing?`,
      );
    steps.push({
      id: 'compare',
      task: 'evaluate.model',
      with: { model: candidate, baseline: `${b.name}@production`, dataset: b.facts.heldOut },
    });
    gate = 'steps.compare.outputs.better == true';
    notes.push(
      `champion/challenger: v${b.version} and production v${production} are evaluated on v${b.version}'s held-out rows in this run; it is deployed only if better`,
    );
  } else if (production === undefined)
    notes.push(`${b.name} has no production version yet: nothing to compare with`);
  steps.push(
    approvalStep(
      frame,
      'approve',
      gate ? ['compare'] : [],
      `Deploy ${b.name} v${b.version} to production${production !== undefined ? ` (replacing v${production})` : ''}?`,
      gate,
    ),
    {
      id: 'deploy',
      task: 'deploy.http',
      dependsOn: ['approve'],
      with: { model: b.name, version: b.version, reason: `promoted: ${frame.goal.slice(0, 120)}` },
      ...(gate ? { when: gate } : {}),
    },
  );
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-promote-v${b.version}`, 80),
      `Promotion of ${b.name} v${b.version}${gate ? ' if it beats production' : ''}`,
      steps,
      {},
      notes,
      { model: { name: b.name, version: b.version, ...(production !== undefined ? { production } : {}) } },
    ),
    notes,
  };
}
