/** Pieces every builder uses: the step shape the planner writes, output references, approvals, plan shells. */

import type { PlanInput } from '../../../src/plan/index.ts';
import type { IntentFrame } from '../intent.ts';
import { arrivalTrigger } from '../offline/s3.ts';
import { OFFLINE_PLANNER } from '../types.ts';

/** A step as the planner writes it (the plan schema fills defaults when it parses). */
export interface StepIn {
  id: string;
  task?: string;
  kind?: 'task' | 'approval';
  dependsOn?: string[];
  with?: Record<string, unknown>;
  when?: string;
  message?: string;
  approvers?: string[];
  timeout?: string;
  onTimeout?: 'approve' | 'reject';
  resources?: Record<string, unknown>;
  cache?: { enabled: boolean };
}

export const out = (step: string, field: string) => `\${{ steps.${step}.outputs.${field} }}`;

export function approvalStep(
  frame: IntentFrame,
  id: string,
  dependsOn: string[],
  message: string,
  when?: string,
): StepIn {
  return {
    id,
    kind: 'approval',
    dependsOn,
    message,
    ...(frame.approvers.length ? { approvers: frame.approvers } : {}),
    timeout: frame.approvalTimeout ?? '24h',
    onTimeout: 'reject',
    ...(when ? { when } : {}),
  };
}

/**
 * Where a notify.send step sends, for a channel: a Slack or webhook URL is a run input (a secret, never in
 * the plan), declared in `inputs` here. E-mail goes to the addresses the goal named (`to`); without any
 * ("mail me") to the mail_to input, empty by default: the person who starts the run, when their identity is
 * an address. "email me and x@y" sends to x@y and the run's author (ccAuthor). The SMTP server is the server's
 * setting, never the plan's.
 */
export function notifyUrl(
  channel: string,
  inputs: Record<string, unknown>,
  to?: readonly string[],
  ccAuthor?: boolean,
): { url?: string; to?: string | string[]; ccAuthor?: boolean } {
  if (channel === 'email') {
    if (to?.length) return { to: [...to], ...(ccAuthor ? { ccAuthor: true } : {}) };
    inputs.mail_to = {
      type: 'string',
      default: '',
      description:
        'Who gets the mail: one address or several, comma-separated (empty: the person who starts the run, when their identity is an e-mail address)',
    };
    return { to: '${{ inputs.mail_to }}' };
  }
  if (channel === 'slack') {
    inputs.slack_webhook = {
      type: 'string',
      description: 'Slack incoming-webhook URL (a secret: pass it at run time)',
    };
    return { url: '${{ inputs.slack_webhook }}' };
  }
  if (channel === 'webhook') {
    inputs.webhook_url = {
      type: 'string',
      description: 'Webhook URL to POST to (a secret: pass it at run time)',
    };
    return { url: '${{ inputs.webhook_url }}' };
  }
  return {};
}

/** Where notifications go: the webhook URL as a run input (a secret, never in the plan), or mail recipients. */
export function notifyStep(
  frame: IntentFrame,
  inputs: Record<string, unknown>,
  after: string,
  body: Record<string, unknown>,
): StepIn | undefined {
  if (!frame.notify) return undefined;
  const channel = frame.notify.channel;
  const url = notifyUrl(channel, inputs, frame.notify.to, frame.notify.ccAuthor);
  return { id: 'notify', task: 'notify.send', dependsOn: [after], with: { channel, ...url, ...body } };
}

/** A plan around steps, with the frame's schedule, the inputs and what the planner noted. */
export function planOf(
  frame: IntentFrame,
  name: string,
  description: string,
  steps: StepIn[],
  inputs: Record<string, unknown>,
  notes: string[],
  metadata: Record<string, unknown> = {},
): PlanInput {
  const trigger: Record<string, string> = {};
  if (frame.schedule) {
    trigger.schedule = frame.schedule.cron;
    if (frame.schedule.timezone) trigger.timezone = frame.schedule.timezone;
  }
  if (frame.event) trigger.event = frame.event;
  if (frame.bucket) {
    const arrival = arrivalTrigger(frame.bucket);
    Object.assign(trigger, arrival.trigger);
    inputs = { ...inputs, ...arrival.inputs };
  }
  return {
    apiVersion: 'pipewright/v1',
    name,
    description,
    goal: frame.goal,
    ...(Object.keys(trigger).length ? { trigger } : {}),
    ...(Object.keys(inputs).length ? { inputs: inputs as PlanInput['inputs'] } : {}),
    metadata: {
      planner: OFFLINE_PLANNER.name,
      plannerVersion: OFFLINE_PLANNER.version,
      operation: frame.operation,
      ...metadata,
      notes,
    },
    steps,
  } as PlanInput;
}
