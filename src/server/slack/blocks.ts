/** Block Kit messages: approval requests with Approve / Reject buttons, decisions and run progress. */
import { ApprovalEvidence, evidenceLines } from '../../engine/approval-evidence.ts';
import type { ApprovalRecord, RunRecord } from '../../store/index.ts';
import type { SlackMessage } from './payloads.ts';

export const APPROVE_ACTION = 'pipewright_approve';
export const REJECT_ACTION = 'pipewright_reject';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

export function approvalRequest(a: ApprovalRecord, run: Pick<RunRecord, 'id' | 'planName'>): SlackMessage {
  const value = JSON.stringify({ runId: a.runId, stepId: a.stepId });
  const evidence = ApprovalEvidence.safeParse(a.evidence);
  const text =
    `Approval needed for run ${a.runId} (${run.planName}), step "${a.stepId}": ${a.message}` +
    (evidence.success ? ` — ${evidence.data.summary}` : '');
  return {
    text,
    blocks: [
      section(
        `:raised_hand: *Approval needed* — run \`${a.runId}\` (${run.planName}), step \`${a.stepId}\`\n>${a.message}\n` +
          `Decide before ${a.expiresAt} (then it is ${a.onTimeout === 'approve' ? 'approved' : 'rejected'} automatically)` +
          `${a.approvers.length ? `; approvers: ${a.approvers.join(', ')}` : ''}.`,
      ),
      ...(evidence.success ? [evidenceSection(evidence.data)] : []),
      {
        type: 'actions',
        block_id: 'pipewright_approval',
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value,
          },
          {
            type: 'button',
            action_id: REJECT_ACTION,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject' },
            value,
          },
        ],
      },
    ],
  };
}

/** The evidence as a fenced block: what changes, metrics vs production with deltas, data, drift, who asked. */
function evidenceSection(e: ApprovalEvidence) {
  const warn = e.better === false ? ':warning: *The new model is not better than production.*\n' : '';
  const lines = evidenceLines(e).map((l) => l.replaceAll('`', "'"));
  return section(`${warn}\`\`\`\n${lines.join('\n').slice(0, 2800)}\n\`\`\``);
}

/** The approval message once decided: no buttons, who decided and how. */
export function approvalDecided(a: ApprovalRecord, run: Pick<RunRecord, 'id' | 'planName'>): SlackMessage {
  const verb = a.status === 'approved' ? ':white_check_mark: Approved' : ':no_entry: Rejected';
  const text = `${verb} by ${a.decidedBy ?? 'someone'}${a.via ? ` via ${a.via}` : ''} — run ${a.runId}, step "${a.stepId}"`;
  return {
    text,
    blocks: [
      section(
        `*${verb}* by ${a.decidedBy ?? 'someone'}${a.via ? ` via ${a.via}` : ''} at ${a.decidedAt ?? '?'}`,
      ),
      section(
        `run \`${a.runId}\` (${run.planName}), step \`${a.stepId}\`\n>${a.message}${a.comment ? `\n_${a.comment}_` : ''}`,
      ),
    ],
  };
}

const ICON: Record<string, string> = {
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
  waiting: ':hourglass:',
  running: ':arrow_forward:',
  queued: ':arrow_forward:',
};

export function runHeadline(run: Pick<RunRecord, 'id' | 'planName' | 'status' | 'createdBy'>): SlackMessage {
  const text = `${ICON[run.status] ?? ''} Run \`${run.id}\` of *${run.planName}* (started by ${run.createdBy}): ${run.status}`;
  return { text, blocks: [section(text)] };
}
