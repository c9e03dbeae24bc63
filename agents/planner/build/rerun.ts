/**
 * "Rerun last Tuesday's weather training with the newest data", "retrain like run X": the run's own plan (same
 * steps, same parameters), with its file reads re-done (the ingest cache is keyed by path, so a file that
 * changed would otherwise come back as the old rows) and, when asked, pointed at the source of the newest
 * version of each dataset the run made. The plan records which run and which data version it is based on.
 */

import type { RunFacts, TriggerFacts } from '../../../src/lineage/resolve.ts';
import type { Plan } from '../../../src/plan/index.ts';
import type { IntentFrame, RunReference } from '../intent.ts';
import { bindModel, bindRun, datasetNamed, listOr, newestVersion, recentRuns } from '../resolve.ts';
import type { DraftOutcome, MissingPiece } from '../types.ts';
import type { OperationContext } from './operations.ts';
import { applyRerunChanges } from './rerun-changes.ts';

type TaskStep = Extract<Plan['steps'][number], { kind: 'task' }>;
const isTask = (s: Plan['steps'][number]): s is TaskStep => s.kind === 'task';

/** The run a rerun goal names: by its own words, by a trigger's name, or as the run that trained a model. */
function runOf(
  frame: IntentFrame,
  ctx: OperationContext,
):
  | { ok: true; run?: RunFacts; trigger?: TriggerFacts; base: Plan | undefined }
  | { ok: false; outcome: DraftOutcome } {
  const ref = frame.refs.run as RunReference;
  const ask = (question: string, about: MissingPiece = 'run') => ({
    ok: false as const,
    outcome: { kind: 'clarify' as const, question, about },
  });
  if (ref.trigger) {
    const triggers = ctx.look.triggers();
    const t = triggers.find((x) => x.name.toLowerCase() === ref.trigger?.toLowerCase());
    // Not a trigger: maybe the name of a plan that ran ("run the weather-refresh job now").
    const byName = t ? undefined : bindRun({ ...ref, trigger: undefined, words: [ref.trigger] }, ctx.look);
    if (byName?.ok)
      return { ok: true, run: byName.value, base: ctx.look.runPlan(byName.value.id) as Plan | undefined };
    if (!t)
      return ask(
        `There is no trigger "${ref.trigger}". ${triggers.length ? `Triggers: ${triggers.map((x) => `${x.name} (${x.kind}${x.schedule ? ` ${x.schedule}` : ''}, plan ${x.planName})`).join('; ')}.` : 'No trigger is registered.'} Which one do you mean?`,
      );
    const last = ctx.look.runs().find((r) => r.planName === t.planName);
    const base =
      (t.plan as Plan | undefined) ?? (last ? (ctx.look.runPlan(last.id) as Plan | undefined) : undefined);
    if (!base) return ask(`The plan of trigger ${t.name} is not recorded. Which plan should run?`);
    return { ok: true, base, trigger: t };
  }
  if (ref.ofModel) {
    const names = new Set(ctx.look.models().map((m) => m.name.toLowerCase()));
    const refs = frame.refs.models.filter((r) => r.role !== 'baseline');
    const named = refs.find((x) => names.has((x.words[0] ?? '').toLowerCase()));
    const strong = refs.find((x) => !x.exactOnly);
    // "penguins-species … the version in production": a role phrase without a name is the named model's.
    const r =
      strong && named && !strong.words.length && !strong.run
        ? {
            ...named,
            ...(strong.alias ? { alias: strong.alias } : {}),
            ...(strong.version !== undefined ? { version: strong.version } : {}),
          }
        : (strong ?? named ?? refs[0]);
    if (!r) return ask('Which run should be done again? Give its id (pipewright runs lists them).');
    // "exactly as v1 was trained": the version the phrase names, when the model phrase names none.
    const said = /\bv(?:ersion\s*)?(\d+)\b/i.exec(ref.text)?.[1];
    const b = bindModel(
      r.version === undefined && said ? { ...r, version: Number(said) } : r,
      ctx.look,
      'production',
    );
    if (!b.ok) return ask(b.question, 'model');
    const runId = b.value.facts.runId;
    const run = ctx.look.runs().find((x) => x.id === runId);
    if (!run)
      return ask(
        `The run that trained ${b.value.name} v${b.value.version} is not recorded${runId ? ` (${runId})` : ''}, so it cannot be done again. ${recentRuns(ctx.look.runs())} Which run do you mean?`,
      );
    return { ok: true, run, base: ctx.look.runPlan(run.id) as Plan | undefined };
  }
  const bound = bindRun(ref, ctx.look);
  if (!bound.ok) return ask(bound.question);
  return { ok: true, run: bound.value, base: ctx.look.runPlan(bound.value.id) as Plan | undefined };
}

/**
 * A rerun that deploys over a production model compares with it on the same held-out rows (champion/challenger)
 * unless the goal opts out: the evaluation gets production as its baseline and the deploy waits for "better".
 */
function addChampion(plan: Plan, frame: IntentFrame, ctx: OperationContext, notes: string[]): void {
  const tasks = plan.steps.filter(isTask);
  const deploy = tasks.find((s) => s.task.startsWith('deploy.'));
  const register = tasks.find((s) => s.task === 'model.register');
  const evaluate = tasks.filter((s) => s.task === 'evaluate.model').at(-1);
  if (!deploy || !evaluate || frame.compareWithProduction === false || evaluate.with.baseline) return;
  const name = String(register?.with.name ?? deploy.with.model ?? '');
  const model = ctx.look.models().find((m) => m.name === name);
  const production = model?.aliases.production;
  if (!model || production === undefined) return;
  if (!model.versions.find((v) => v.version === production)?.filesExist) {
    notes.push(
      `${name} production (v${production}) has no model files left, so the new version is not compared with it`,
    );
    return;
  }
  evaluate.with.baseline = `${name}@production`;
  const better = `steps.${evaluate.id}.outputs.better == true`;
  for (const s of plan.steps) {
    const gated = s === deploy || (s.kind === 'approval' && (deploy.dependsOn ?? []).includes(s.id));
    if (gated) s.when = s.when ? `${s.when} && ${better}` : better;
  }
  notes.push(
    `champion/challenger: ${name} production (v${production}) is evaluated on the same held-out rows in ${evaluate.id}; the new version is deployed only if it is better`,
  );
}

export function buildRerun(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  if (!frame.refs.run)
    return {
      kind: 'clarify',
      question: 'Which run should be done again? Give its id (pipewright runs lists them).',
    };
  const found = runOf(frame, ctx);
  if (!found.ok) return found.outcome;
  const { run, base, trigger } = found;
  if (trigger && base) return triggerNow(frame, ctx, trigger, base);
  if (!run || !base)
    return {
      kind: 'clarify',
      question: `The plan of run ${run?.id ?? '?'} is not recorded. Which plan should run?`,
    };
  const plan = structuredClone(base) as Plan & { metadata: Record<string, unknown> };
  const when = run.createdAt.replace('T', ' ').slice(0, 16);
  const notes = [
    `the plan of run ${run.id} (${run.planName}, ${run.status} ${when}), same steps and parameters`,
  ];
  if (run.status === 'failed' && run.error)
    notes.push(`that run failed (${run.error.slice(0, 160)}); the same plan may fail the same way`);
  const dataVersions: string[] = [];
  const ingests = plan.steps.filter(
    (s): s is Extract<Plan['steps'][number], { kind: 'task' }> =>
      s.kind === 'task' && s.task === 'ingest.file',
  );
  for (const s of ingests) s.cache = { ...(s.cache ?? {}), enabled: false };
  if (ingests.length)
    notes.push('files are read again (not from the step cache), so changes to them since are picked up');
  // "the newest version of the trucks dataset": a dataset the workspace must have.
  const named = frame.refs.run?.dataset;
  let datasets = run.datasets;
  if (named && !run.datasets.some((d) => d.name.toLowerCase() === named)) {
    const all = ctx.look.datasetVersions();
    const name = datasetNamed(named, ctx.look)?.toLowerCase();
    const hit = all.filter((d) => d.name.toLowerCase() === name && d.exists);
    if (hit.length === 0) {
      const names = [...new Set(all.map((d) => d.name))];
      return {
        kind: 'clarify',
        about: 'source',
        question: `There is no dataset "${named}" in this workspace${names.length ? `; its datasets are ${listOr(names)}` : ''}. Run ${run.id} (${run.planName}) trained on ${listOr(run.datasets.map((d) => d.name)) || listOr(run.sources) || 'data that is not recorded'}. Which data should it train on?`,
      };
    }
    datasets = [{ name: hit[0]?.name as string, version: '' }];
  }
  if (frame.refs.newestData) {
    if (datasets.length === 0)
      notes.push(`run ${run.id} made no named dataset version; its sources are read again as they are now`);
    for (const d of datasets) {
      const newest = newestVersion(d.name, ctx.look);
      if (!newest) {
        notes.push(`no version of ${d.name} is left on disk; its sources are read again`);
        continue;
      }
      dataVersions.push(`${d.name}@${newest.version}`);
      if (newest.version === d.version) {
        notes.push(`${d.name}@${d.version}, the data it used, is still the newest version`);
        continue;
      }
      const from = newest.source;
      const used = run.sources[0];
      if (from && used && from !== used) {
        for (const s of ingests) if (s.with.path === used || s.with.path === `./${used}`) s.with.path = from;
        notes.push(
          `reads ${from}, the source of the newest ${d.name} (${newest.version}, made by ${newest.runId}), instead of ${used}`,
        );
      } else
        notes.push(
          `the newest ${d.name} is ${newest.version} (made by ${newest.runId} from ${from ?? 'its sources'}), newer than the ${d.version} that run used; the dataset step should give that version again`,
        );
    }
  }
  const gone = ingests
    .map((s) => String(s.with.path ?? ''))
    .filter((p) => p && !/^[a-z][\w+.-]*:\/\//i.test(p) && !ctx.exists(p.replace(/^\.\//, '')));
  if (gone.length)
    return {
      kind: 'clarify',
      about: 'source',
      question: `Run ${run.id} (${run.planName}) read ${listOr(gone)}, which ${gone.length === 1 ? 'is' : 'are'} gone from the workspace${run.datasets.length ? `, and no newer version of ${run.datasets.map((d) => d.name).join(', ')} is on disk to read instead` : ''}. Which file should it train on?`,
    };
  applyRerunChanges(plan, frame, notes, run.error);
  addChampion(plan, frame, ctx, notes);
  plan.goal = frame.goal;
  plan.metadata = {
    ...(plan.metadata ?? {}),
    notes,
    basedOn: {
      runId: run.id,
      plan: run.planName,
      ...(dataVersions.length ? { dataVersions } : {}),
    },
  };
  return { kind: 'plan', plan, notes };
}

/** "run the cars-mpg-nightly job now": the trigger's own plan, once, now. */
function triggerNow(frame: IntentFrame, ctx: OperationContext, t: TriggerFacts, base: Plan): DraftOutcome {
  const plan = structuredClone(base) as Plan & { metadata: Record<string, unknown> };
  const notes = [
    `the plan of trigger ${t.name} (${t.kind}${t.schedule ? ` ${t.schedule}` : ''}, plan ${t.planName}), run once now; the trigger keeps its schedule`,
  ];
  delete (plan as { trigger?: unknown }).trigger;
  applyRerunChanges(plan, frame, notes);
  addChampion(plan, frame, ctx, notes);
  plan.goal = frame.goal;
  plan.metadata = { ...(plan.metadata ?? {}), notes, basedOn: { trigger: t.name, plan: t.planName } };
  return { kind: 'plan', plan, notes };
}
