/**
 * Turns a proposal into a small plan whose approval step gates everything: `approve` (the person decides,
 * from Slack, the web page, the API or the CLI: the one decision path, engine.decide) → the action →
 * `apply-triage` (task triage.apply, which applies rollback / mute / fix-upstream and records the outcome).
 *
 * A retrain is templated from the plan that trained the deployed model: the same steps, its own approvals
 * folded into the triage approval, data read afresh (no step cache on ingest).
 */
import type { Plan } from '../../src/plan/index.ts';
import type { RunStore } from '../../src/store/index.ts';
import type { Evidence, Triage } from './types.ts';

export const APPROVAL_STEP = 'approve';
export const APPLY_STEP = 'apply-triage';

/** The deployed model's training plan, rewritten for a retrain on fresh data (or undefined). */
export function templateRetrain(
  store: RunStore,
  ev: Evidence,
  opts: { freshData?: string } = {},
): Record<string, unknown> | undefined {
  const runId = ev.model?.trainingRunId;
  const run = runId ? store.getRun(runId) : undefined;
  if (!run) return undefined;
  const plan = run.plan;
  const approvals = new Map(plan.steps.filter((s) => s.kind === 'approval').map((s) => [s.id, s.dependsOn]));
  const unfold = (deps: string[]): string[] => {
    const out = new Set<string>();
    const stack = [...deps];
    while (stack.length) {
      const d = stack.pop() as string;
      if (approvals.has(d)) stack.push(...(approvals.get(d) ?? []));
      else out.add(d);
    }
    return [...out];
  };
  let replaced = false;
  const steps = plan.steps
    .filter((s) => s.kind === 'task')
    .map((s) => {
      if (s.kind !== 'task') return s;
      const dependsOn = unfold(s.dependsOn);
      const step: Record<string, unknown> = {
        ...s,
        dependsOn: dependsOn.length ? dependsOn : [APPROVAL_STEP],
      };
      if (s.task.startsWith('ingest.')) {
        step.cache = { enabled: false };
        if (opts.freshData && !replaced && typeof s.with.path === 'string') {
          step.with = { ...s.with, path: opts.freshData };
          replaced = true;
        }
      }
      return step;
    });
  return {
    name: plan.name,
    ...(plan.goal ? { goal: plan.goal } : {}),
    inputs: plan.inputs,
    steps,
    metadata: { templatedFrom: run.id, ...(opts.freshData ? { freshData: opts.freshData } : {}) },
  };
}

/** The approval-gated plan that carries out a triage's proposal. */
export function actionPlan(t: Triage): Record<string, unknown> {
  const p = t.proposal;
  const v = t.verdict;
  const what =
    p.action === 'retrain'
      ? `retrain ${t.model ?? 'the model'} on fresh data`
      : p.action === 'rollback'
        ? `roll ${t.model ?? 'the model'} back to v${p.rollbackTo ?? '?'}`
        : p.action === 'mute'
          ? `mute the alert until ${p.expiresAt ?? 'a review'}`
          : p.action === 'none'
            ? 'nothing'
            : 'ask for the upstream data to be fixed and hold retrains';
  const approve = {
    id: APPROVAL_STEP,
    kind: 'approval',
    message:
      `Drift on ${t.model ?? 'the served data'}: ${v.classification.replace('_', ' ')} (${v.cause.replaceAll('_', ' ')}, ${v.severity}). Proposed: ${what}. ${p.reasons[0] ?? ''}`.slice(
        0,
        600,
      ),
    timeout: '72h',
    onTimeout: 'reject',
  };
  const template =
    p.action === 'retrain' && p.plan ? (p.plan as Partial<Plan> & { steps?: unknown[] }) : undefined;
  const templated = (template?.steps ?? []) as { id: string; dependsOn?: string[] }[];
  const leaves = templated
    .filter((s) => !templated.some((o) => o.dependsOn?.includes(s.id)))
    .map((s) => s.id);
  const apply = {
    id: APPLY_STEP,
    task: 'triage.apply',
    dependsOn: leaves.length ? leaves : [APPROVAL_STEP],
    with: {
      triageId: t.id,
      action: p.action,
      columns: v.columns,
      ...(t.model ? { model: t.model } : {}),
      reason: `${v.classification}/${v.cause}: ${p.reasons[0] ?? ''}`.slice(0, 500),
      ...(p.expiresAt ? { expiresAt: p.expiresAt } : {}),
      ...(p.rollbackTo !== undefined ? { rollbackTo: p.rollbackTo } : {}),
      alert: t.evidence.alert.ref,
    },
  };
  const slug = (t.model ?? 'alert')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .slice(0, 80);
  return {
    name: `triage-${slug}`,
    description: `Triage ${t.id} of drift alert ${t.evidence.alert.ref}: classification=${v.classification} cause=${v.cause} severity=${v.severity} action=${p.action}. ${t.evidence.alert.summary}`,
    goal: `act on drift alert ${t.evidence.alert.ref}: ${what}`,
    ...(template?.inputs ? { inputs: template.inputs } : {}),
    metadata: {
      triage: t.id,
      alert: t.evidence.alert.ref,
      ...(template?.metadata ? { retrain: template.metadata } : {}),
      ...(t.prompt ? { prompt: t.prompt } : {}),
    },
    steps: [approve, ...templated, apply],
  };
}
