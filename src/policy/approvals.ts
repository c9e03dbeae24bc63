/**
 * The approval rules, as pure functions of (policy, plan, who). The engine calls them on every surface:
 * checkSubmission when a run is created (API, Slack, CLI, triggers, triage), checkDecision when an approval
 * is decided. A refusal is a user error (exit 2, HTTP 403) that names the rule and how to satisfy it; what
 * the policy lets through that switches a checkpoint off comes back as waivers, for the audit log.
 */
import { userError } from '../errors.ts';
import { type Plan, type TaskLookup, Upstream } from '../plan/index.ts';
import { roleAllows } from '../store/auth-store.ts';
import type { Policy, Principal } from './schema.ts';

export interface Waiver {
  kind: 'allowUnapproved' | 'onTimeoutApprove' | 'selfApproval' | 'secret';
  step: string;
  /** The gated task (or, for a secret, its name). */
  subject: string;
}

type Problem = { path: string; message: string };

/** Tasks whose steps need a human decision upstream: the catalog's (commands, deploys) and the policy's. */
export function isGatedTask(policy: Policy, tasks: TaskLookup | undefined, task: string): boolean {
  return tasks?.get(task)?.needsApproval === true || policy.approval.tasks.includes(task);
}

function waived(plan: Plan, task: string): boolean {
  return (
    plan.allowUnapproved === true ||
    (Array.isArray(plan.allowUnapproved) && plan.allowUnapproved.includes(task))
  );
}

const rolesText = (roles: readonly string[]) => (roles.length ? roles.join(', ') : 'nobody');

/**
 * Refuses a plan whose checkpoints the submitter may not switch off; returns the waivers it honours.
 * Rules: every gated task has an approval upstream, unless the plan waives it (allowUnapproved) and the
 * submitter's role may waive; an approval guarding a gated task may time out into "approve" only for those
 * roles too; a step may declare a secret only as the policy grants it.
 */
export function checkSubmission(
  policy: Policy,
  plan: Plan,
  submitter: Principal,
  tasks?: TaskLookup,
): { waivers: Waiver[] } {
  const up = new Upstream(plan);
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const mayWaive = policy.waivers.roles.includes(submitter.role);
  const who = `${submitter.name} (${submitter.role})`;
  const problems: Problem[] = [];
  const waivers: Waiver[] = [];
  const timeoutApprovals = new Set<string>();
  plan.steps.forEach((step, i) => {
    if (step.kind !== 'task') return;
    for (const name of step.secrets ?? []) {
      const grant = policy.secrets[name];
      if (!grant) {
        problems.push({
          path: `steps[${i}].secrets`,
          message: `no secret "${name}" is defined by the policy`,
        });
      } else if (!grant.tasks.includes(step.task)) {
        problems.push({
          path: `steps[${i}].secrets`,
          message: `secret "${name}" is not granted to task ${step.task} (only ${grant.tasks.join(', ')})`,
        });
      } else if (!grant.roles.includes(submitter.role)) {
        problems.push({
          path: `steps[${i}].secrets`,
          message: `secret "${name}" may be requested by ${rolesText(grant.roles)}, not by ${who}`,
        });
      } else waivers.push({ kind: 'secret', step: step.id, subject: name });
    }
    if (!isGatedTask(policy, tasks, step.task)) return;
    const approvals = up.approvalsAbove(step.id);
    if (approvals.length === 0) {
      if (!waived(plan, step.task)) {
        problems.push({
          path: `steps[${i}]`,
          message: `task "${step.task}" needs an approval step upstream (the policy gates it)`,
        });
      } else if (!mayWaive) {
        problems.push({
          path: `steps[${i}]`,
          message: `"${step.task}" would run without an approval (allowUnapproved); only ${rolesText(policy.waivers.roles)} may waive it, and the submitter is ${who}`,
        });
      } else waivers.push({ kind: 'allowUnapproved', step: step.id, subject: step.task });
      return;
    }
    for (const a of approvals) {
      const approval = byId.get(a);
      if (approval?.kind !== 'approval' || approval.onTimeout !== 'approve' || timeoutApprovals.has(a))
        continue;
      timeoutApprovals.add(a);
      if (!mayWaive) {
        problems.push({
          path: `steps[${plan.steps.indexOf(approval)}].onTimeout`,
          message: `approval "${a}" guards "${step.task}" and would approve it by itself on timeout; only ${rolesText(policy.waivers.roles)} may waive a decision, and the submitter is ${who}`,
        });
      } else waivers.push({ kind: 'onTimeoutApprove', step: a, subject: step.task });
    }
  });
  if (problems.length > 0) {
    const secretsOnly = problems.every((p) => p.path.endsWith('.secrets'));
    throw userError(
      'POLICY_REFUSED',
      `The server policy refuses this plan for ${who}`,
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      secretsOnly
        ? 'Declare only secrets the policy grants to that task and role (secrets: in the policy file); `pipewright policy show` prints the policy.'
        : 'Put an approval step (onTimeout: reject) before each command or deploy step, or have a submitter the policy allows run it; `pipewright policy show` prints the policy.',
      { problems },
    );
  }
  return { waivers };
}

/** The gated task steps an approval step guards (it is upstream of them). */
export function guardedBy(
  policy: Policy,
  plan: Plan,
  approvalId: string,
  tasks?: TaskLookup,
): { id: string; task: string }[] {
  const up = new Upstream(plan);
  const out: { id: string; task: string }[] = [];
  for (const s of plan.steps) {
    if (
      s.kind === 'task' &&
      up.approvalsAbove(s.id).includes(approvalId) &&
      isGatedTask(policy, tasks, s.task)
    )
      out.push({ id: s.id, task: s.task });
  }
  return out;
}

/**
 * Refuses a decision the policy does not allow on an approval that guards gated tasks: the decider needs
 * the approver role, and approving a run one submitted oneself is a waiver only some roles have.
 */
export function checkDecision(
  policy: Policy,
  input: {
    plan: Plan;
    runId: string;
    submittedBy: string;
    stepId: string;
    approved: boolean;
    decider: Principal;
    tasks?: TaskLookup;
  },
): { waivers: Waiver[] } {
  const guarded = guardedBy(policy, input.plan, input.stepId, input.tasks);
  if (guarded.length === 0) return { waivers: [] };
  const { decider } = input;
  const who = `${decider.name} (${decider.role})`;
  const what = guarded.map((g) => `${g.task} (step "${g.id}")`).join(', ');
  const need = policy.approval.approverRole;
  if (!roleAllows(decider.role, need)) {
    throw userError(
      'APPROVAL_FORBIDDEN',
      `${who} may not decide approval "${input.stepId}" of run ${input.runId}`,
      `it guards ${what}, which the policy lets only the ${need} role or higher decide`,
      `Ask someone with the ${need} role (a token from \`pipewright token create --role ${need}\`, or a linked Slack user).`,
    );
  }
  if (!input.approved || decider.name !== input.submittedBy) return { waivers: [] };
  if (!policy.approval.selfApproval.includes(decider.role)) {
    throw userError(
      'APPROVAL_SELF',
      `${who} may not approve "${input.stepId}" of run ${input.runId}: they submitted the run`,
      `it guards ${what}; the policy wants a decision by someone other than the submitter (self-approval is for ${rolesText(policy.approval.selfApproval)})`,
      'Ask another approver to decide it; you may still reject it.',
    );
  }
  return { waivers: [{ kind: 'selfApproval', step: input.stepId, subject: guarded[0]?.task ?? '' }] };
}
