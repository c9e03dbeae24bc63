/** Approval evidence and gate outcomes as terminal lines, for the approval prompt, `run` and `show`. */
import { ApprovalEvidence, evidenceLines } from '../engine/approval-evidence.ts';
import { skippedNotes } from '../engine/condition-explain.ts';
import type { ApprovalRecord, RunRecord, StepRecord } from '../store/index.ts';

/** The evidence recorded with an approval, indented; nothing when none was computed. */
export function approvalEvidenceText(a: Pick<ApprovalRecord, 'evidence'>, indent = '  '): string {
  const parsed = ApprovalEvidence.safeParse(a.evidence);
  if (!parsed.success) return '';
  return evidenceLines(parsed.data)
    .map((l) => `${indent}${l}\n`)
    .join('');
}

/** "not deployed (deploy): f1_macro 0.59 < 0.8 — condition of step approve", one per line. */
export function gateNotesText(
  run: Pick<RunRecord, 'plan'>,
  steps: readonly StepRecord[],
  indent = '  ',
): string {
  const plan = new Map(run.plan.steps.map((s) => [s.id, s]));
  const skipped = steps
    .filter((s) => s.status === 'skipped')
    .map((s) => ({ stepId: s.stepId, task: s.task, reason: s.reason }));
  return skippedNotes(skipped, (id) => plan.get(id)?.dependsOn ?? [])
    .map((l) => `${indent}${l}\n`)
    .join('');
}
