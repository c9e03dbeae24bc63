/**
 * A rerun with another target said beside it ("run it again, but with Species as the target", "this time
 * predicting Species"): the column the run predicted is replaced everywhere in its plan (the train step, a split
 * or filter on it) by the column said, matched against the columns of the file the run reads.
 */
import type { Plan } from '../../../src/plan/index.ts';
import type { IntentFrame } from '../intent.ts';
import { matchColumn } from '../offline/columns.ts';
import type { DraftOutcome } from '../types.ts';
import type { OperationContext } from './operation-context.ts';
import { renameColumn } from './rerun-changes.ts';

type TaskStep = Extract<Plan['steps'][number], { kind: 'task' }>;
const isTask = (s: Plan['steps'][number]): s is TaskStep => s.kind === 'task';

/** The goal says what is predicted: a target, a label, "predicting …". */
const TARGET_SAID = /\b(?:target|label|predict(?:s|ing|ed)?|outcome|response)\b/i;

export async function retargetRerun(
  out: DraftOutcome,
  frame: IntentFrame,
  ctx: OperationContext,
): Promise<DraftOutcome> {
  if (out.kind !== 'plan' || !frame.targetPhrases.length || !TARGET_SAID.test(frame.goal)) return out;
  const plan = out.plan as Plan;
  const tasks = plan.steps.filter(isTask);
  const old = tasks.find((s) => s.task.startsWith('train.'))?.with.target;
  const file = tasks.find((s) => s.task === 'ingest.file')?.with.path;
  if (typeof old !== 'string' || typeof file !== 'string') return out;
  const data = await ctx.describe(file.replace(/^\.\//, '')).catch(() => undefined);
  if (!data) return out;
  const names = data.columns.map((c) => c.name);
  const said = frame.targetPhrases
    .map((p) => matchColumn(p, names))
    .filter((m) => m !== undefined && m.score >= 0.85)
    .map((m) => m?.column as string);
  const to = said.find((c) => c !== old);
  // "with Species instead of species_code" names both: the rename of rerun-changes.ts has done it.
  if (!to || said.includes(old) || !renameColumn(plan, old, to)) return out;
  const note = `the target is now ${to} instead of ${old}, as asked`;
  out.notes.push(note);
  const meta = plan.metadata as { notes?: string[] } | undefined;
  if (meta?.notes && meta.notes !== out.notes) meta.notes.push(note);
  return out;
}
