/**
 * "Rerun last Tuesday's weather training with the newest data", "retrain like run X": the run's own plan (same
 * steps, same parameters), with its file reads re-done (the ingest cache is keyed by path, so a file that
 * changed would otherwise come back as the old rows) and, when asked, pointed at the source of the newest
 * version of each dataset the run made. The plan records which run and which data version it is based on.
 */
import type { Plan } from '../../../src/plan/index.ts';
import type { IntentFrame } from '../intent.ts';
import { bindRun, newestVersion } from '../resolve.ts';
import type { DraftOutcome } from '../types.ts';
import type { OperationContext } from './operations.ts';

export function buildRerun(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const ref = frame.refs.run;
  if (!ref)
    return {
      kind: 'clarify',
      question: 'Which run should be done again? Give its id (pipewright runs lists them).',
    };
  const bound = bindRun(ref, ctx.look);
  if (!bound.ok) return { kind: 'clarify', question: bound.question, about: 'run' };
  const run = bound.value;
  const base = ctx.look.runPlan(run.id) as Plan | undefined;
  if (!base)
    return { kind: 'clarify', question: `The plan of run ${run.id} is not recorded. Which plan should run?` };
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
  if (frame.refs.newestData) {
    if (run.datasets.length === 0)
      notes.push(`run ${run.id} made no named dataset version; its sources are read again as they are now`);
    for (const d of run.datasets) {
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
