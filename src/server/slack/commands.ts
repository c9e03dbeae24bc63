/**
 * What `/pipewright <sub> ...` and app mentions do: plan, run, status, approve, reject, ask, help. Every
 * sub-command checks the Slack user's linked role; decisions go through RunExecutor.decide → engine.decide.
 */
import type { PlannerResult } from '../../../agents/planner/index.ts';
import { isPipewrightError, serializeError, userError } from '../../errors.ts';
import { readPlanFile, renderPlanTable } from '../../plan/index.ts';
import { planLimits } from '../../policy/index.ts';
import {
  type AuthStore,
  type Identity,
  type Role,
  type RunRecord,
  type RunStore,
  roleAllows,
} from '../../store/index.ts';
import { resolveInWorkspace } from '../../tasks/index.ts';
import { forbidden } from '../auth.ts';
import type { RunExecutor } from '../executor.ts';
import type { SlackMessage } from './payloads.ts';

export interface SlackCommandContext {
  store: RunStore;
  auth: AuthStore;
  executor: RunExecutor;
  planner: (goal: string) => Promise<PlannerResult>;
  workspace: string;
}

export const HELP = [
  '*pipewright* commands:',
  '• `plan <goal>` — draft a plan for a goal',
  '• `run <plan.yaml | goal>` — start a run (operator); progress and approvals follow in a thread',
  '• `status [run]` — recent runs, or one run with its steps',
  '• `approve <run> <step> [comment]` / `reject <run> <step> [comment]` — decide an approval (approver)',
  '• `ask <question>` — search past runs by plan, status or creator',
].join('\n');

const ROLE_OF: Record<string, Role> = {
  plan: 'viewer',
  status: 'viewer',
  ask: 'viewer',
  run: 'operator',
  approve: 'approver',
  reject: 'approver',
};

/** The Slack user's pipewright identity, or an error saying how an admin links it. */
export function slackIdentity(auth: AuthStore, slackUserId: string): Identity {
  const linked = auth.slackUser(slackUserId);
  if (!linked) {
    throw userError(
      'SLACK_USER_UNLINKED',
      `Your Slack account (${slackUserId}) is not linked to a pipewright identity`,
      'Slack users act with the role an admin gave them',
      `Ask an admin to run \`pipewright token slack-link ${slackUserId} --name <you> --role <viewer|operator|approver>\`.`,
    );
  }
  return { name: linked.name, role: linked.role, via: 'slack' };
}

export function errorMessage(e: unknown): SlackMessage {
  const s = serializeError(e);
  if (s.category !== 'user') return { text: ':warning: Something went wrong on the server; see its log.' };
  const problems =
    (s.details as { problems?: { path: string; message: string }[] } | undefined)?.problems ?? [];
  const lines = [`:warning: *${s.what}*`];
  if (s.why) lines.push(s.why);
  for (const p of problems.slice(0, 10)) lines.push(`• \`${p.path}\`: ${p.message}`);
  if (s.fix) lines.push(`_${s.fix}_`);
  return { text: lines.join('\n') };
}

/** Decides an approval for a Slack user; an already-decided or expired one says what happened. */
export function decideFromSlack(
  ctx: SlackCommandContext,
  who: Identity,
  input: { runId: string; stepId: string; approved: boolean; comment?: string },
): { ok: boolean; message: SlackMessage } {
  if (!roleAllows(who.role, 'approver')) {
    return { ok: false, message: errorMessage(forbidden(who, 'approver', 'decide approvals')) };
  }
  try {
    const run = ctx.store.requireRun(input.runId);
    const a = ctx.executor.decide({
      runId: run.id,
      stepId: input.stepId,
      approved: input.approved,
      by: who.name,
      ...(input.comment ? { comment: input.comment } : {}),
      via: 'slack',
      decider: who,
    });
    return {
      ok: true,
      message: {
        text: `${a.status === 'approved' ? ':white_check_mark: Approved' : ':no_entry: Rejected'} \`${a.stepId}\` of run \`${a.runId}\` as ${who.name}. The run goes on.`,
      },
    };
  } catch (e) {
    if (isPipewrightError(e) && e.code === 'APPROVAL_ALREADY_DECIDED') {
      return {
        ok: false,
        message: { text: `:information_source: Nothing changed. ${e.what} (${e.why ?? ''}).` },
      };
    }
    if (isPipewrightError(e) && e.code === 'APPROVAL_EXPIRED') {
      return {
        ok: false,
        message: { text: `:hourglass: Too late, nothing changed by you. ${e.what}: ${e.why ?? ''}.` },
      };
    }
    return { ok: false, message: errorMessage(e) };
  }
}

function statusLine(r: RunRecord): string {
  return `\`${r.id}\` ${r.planName} — *${r.status}* (by ${r.createdBy}, ${r.createdAt.replace('T', ' ').slice(0, 16)})`;
}

/** Runs one command line (without the leading `/pipewright`) as a Slack user. */
export async function runSlackCommand(
  ctx: SlackCommandContext,
  line: { text: string; slackUserId: string; channel: string },
): Promise<SlackMessage> {
  const words = line.text.trim().split(/\s+/).filter(Boolean);
  const sub = (words[0] ?? 'help').toLowerCase();
  const rest = words.slice(1);
  const need = ROLE_OF[sub];
  if (!need) return { text: sub === 'help' ? HELP : `Unknown command \`${sub}\`.\n${HELP}` };
  try {
    const who = slackIdentity(ctx.auth, line.slackUserId);
    if (!roleAllows(who.role, need)) return errorMessage(forbidden(who, need, `use \`${sub}\``));
    switch (sub) {
      case 'plan':
        return await planCommand(ctx, rest.join(' '));
      case 'run':
        return await runCommand(ctx, who, rest.join(' '), line.channel);
      case 'status':
        return statusCommand(ctx, rest[0]);
      case 'approve':
      case 'reject': {
        const [runId, stepId, ...comment] = rest;
        if (!runId || !stepId) return { text: `Usage: \`${sub} <run> <step> [comment]\`` };
        return decideFromSlack(ctx, who, {
          runId,
          stepId,
          approved: sub === 'approve',
          ...(comment.length ? { comment: comment.join(' ') } : {}),
        }).message;
      }
      default:
        return askCommand(ctx, rest.join(' '));
    }
  } catch (e) {
    return errorMessage(e);
  }
}

async function planCommand(ctx: SlackCommandContext, goal: string): Promise<SlackMessage> {
  if (!goal) return { text: 'Usage: `plan <goal>`, e.g. `plan predict species from data/penguins.json`' };
  const r = await ctx.planner(goal);
  if (r.kind === 'clarify') return { text: `:question: ${r.question}` };
  if (r.kind === 'refuse') return { text: `:no_entry: Refused: ${r.reason}` };
  return {
    text: `Plan *${r.plan.name}* (${r.plan.steps.length} steps)\n\`\`\`${renderPlanTable(r.plan)}\`\`\`${r.notes.map((n) => `\n_note: ${n}_`).join('')}\nStart it with \`/pipewright run ${goal}\`.`,
  };
}

async function runCommand(
  ctx: SlackCommandContext,
  who: Identity,
  arg: string,
  channel: string,
): Promise<SlackMessage> {
  if (!arg) return { text: 'Usage: `run <plan.yaml>` (a file in the workspace) or `run <goal>`' };
  let plan: unknown;
  if (/^\S+\.(ya?ml|json)$/i.test(arg)) {
    // Resolved with realpath before the check: a symlink in the workspace pointing outside is refused.
    const file = resolveInWorkspace(ctx.workspace, arg, 'plan file');
    plan = await readPlanFile(file, planLimits(ctx.executor.engine.guard.policy));
  } else {
    const r = await ctx.planner(arg);
    if (r.kind === 'clarify') return { text: `:question: ${r.question}` };
    if (r.kind === 'refuse') return { text: `:no_entry: Refused: ${r.reason}` };
    plan = r.plan;
  }
  // The linked user's role decides what the policy lets this plan waive.
  const run = ctx.executor.engine.createRun(plan, { createdBy: who.name, trigger: 'slack', submitter: who });
  ctx.auth.setSlackThread(run.id, channel);
  ctx.executor.start(run.id);
  return {
    text: `:arrow_forward: Started run \`${run.id}\` of *${run.planName}* (${run.plan.steps.length} steps) as ${who.name}; progress and approvals follow in a thread.`,
  };
}

function statusCommand(ctx: SlackCommandContext, runId: string | undefined): SlackMessage {
  if (!runId) {
    const runs = ctx.store.listRuns({ limit: 10 });
    return { text: runs.length ? `Recent runs:\n${runs.map(statusLine).join('\n')}` : 'No runs yet.' };
  }
  const run = ctx.store.requireRun(runId);
  const steps = ctx.store
    .getSteps(run.id)
    .map((s) => `• \`${s.stepId}\` ${s.status}${s.reason ? ` — ${s.reason}` : ''}`);
  const pending = ctx.store.listApprovals({ runId: run.id, status: 'pending' });
  return {
    text: [
      statusLine(run),
      ...steps,
      ...pending.map((a) => `:raised_hand: waiting for \`${a.stepId}\`: ${a.message}`),
      ...(run.error ? [`error: ${run.error.what}`] : []),
    ].join('\n'),
  };
}

/** Answers from the run records: runs whose plan, status or creator match the question's words. */
function askCommand(ctx: SlackCommandContext, question: string): SlackMessage {
  if (!question) return { text: 'Usage: `ask <question>`, e.g. `ask failed penguins runs`' };
  const words = question
    .toLowerCase()
    .split(/[^a-z0-9._-]+/)
    .filter((w) => w.length > 2);
  const runs = ctx.store.listRuns({ limit: 200 });
  const scored = runs
    .map((r) => {
      const hay =
        `${r.planName} ${r.status} ${r.createdBy} ${r.trigger} ${r.plan.goal ?? ''} ${r.plan.description ?? ''}`.toLowerCase();
      return { r, score: words.filter((w) => hay.includes(w)).length };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 5);
  if (!scored.length) return { text: `No run matches "${question}". Try \`status\` for the latest runs.` };
  return { text: `Runs matching "${question}":\n${scored.map((x) => statusLine(x.r)).join('\n')}` };
}
