/**
 * Request and answer schemas of the API's plans, runs, approvals and tokens: the route records parse with
 * them, handlers are type-checked against them, and the OpenAPI document is made from them.
 */
import { z } from 'zod';
import { ApprovalEvidence } from '../engine/approval-evidence.ts';
import { EVENT_TYPES, Role, RUN_STATUSES } from '../store/index.ts';
import { named } from './schema-names.ts';

// ---- requests -----------------------------------------------------------------------------------------

export const PlanSource = named(
  'PlanSource',
  z
    .union([
      z.string().min(1).describe('The plan as YAML or JSON text'),
      z.record(z.string(), z.unknown()).describe('The plan as a JSON object (see docs/plans.md)'),
    ])
    .describe('A pipeline plan'),
);

const Goal = z.string().trim().min(1).max(4000).describe('What the pipeline should do, in plain words');

export const PlanGoalBody = named('PlanGoalBody', z.object({ goal: Goal }).strict());

export const PlanStreamBody = named(
  'PlanStreamBody',
  z
    .object({
      goal: Goal,
      thread: z
        .string()
        .regex(/^[\w-]{1,64}$/)
        .optional()
        .describe(
          'The conversation this continues (from an earlier answer); the text then answers the question or changes the plan',
        ),
    })
    .strict(),
);

export const ValidatePlanBody = named('ValidatePlanBody', z.object({ plan: PlanSource }).strict());

export const StartRunBody = named(
  'StartRunBody',
  z
    .object({
      plan: PlanSource,
      inputs: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .default({})
        .describe('Values of the plan inputs, by name'),
    })
    .strict(),
);

export const RunsQuery = named(
  'RunsQuery',
  z
    .object({
      status: z.enum(RUN_STATUSES).optional().describe('Only runs with this status'),
      plan: z.string().optional().describe('Only runs of this plan name'),
      limit: z.coerce.number().int().min(1).max(500).default(50).describe('At most this many, newest first'),
    })
    .strict(),
);

export const LogsQuery = named(
  'LogsQuery',
  z
    .object({
      after: z.coerce.number().int().min(0).default(0).describe('Only events after this sequence number'),
      step: z.string().optional().describe('Only events of this step'),
      limit: z.coerce.number().int().min(1).max(10_000).default(1000).describe('At most this many events'),
    })
    .strict(),
);

export const EventsQuery = named(
  'EventsQuery',
  z
    .object({
      after: z
        .string()
        .regex(/^\d+$/)
        .optional()
        .describe('Only events after this sequence number (as the Last-Event-ID header)'),
      access_token: z
        .string()
        .optional()
        .describe('The bearer token, for EventSource (it cannot send headers)'),
    })
    .strict(),
);

export const ApprovalsQuery = named(
  'ApprovalsQuery',
  z
    .object({
      status: z
        .enum(['pending', 'approved', 'rejected'])
        .optional()
        .describe('Only approvals with this status'),
      run: z.string().optional().describe('Only approvals of this run'),
    })
    .strict(),
);

export const DecisionBody = named(
  'DecisionBody',
  z
    .object({
      approved: z.boolean().describe('true to approve, false to reject'),
      comment: z.string().max(2000).optional().describe('Why; kept in the audit log'),
    })
    .strict(),
);

export const CreateTokenBody = named(
  'CreateTokenBody',
  z
    .object({
      name: z.string().min(1).max(64).describe('Identity recorded on everything done with the token'),
      role: Role,
    })
    .strict(),
);

// ---- answers ------------------------------------------------------------------------------------------

const Plan = z.record(z.string(), z.unknown()).describe('A validated plan (docs/plans.md)');

export const PlanGoalResult = named(
  'PlanGoalResult',
  z
    .union([
      z
        .object({
          plan: Plan,
          notes: z.array(z.string()).describe("The planner's notes on choices it made"),
          problems: z
            .array(z.object({ path: z.string(), message: z.string() }))
            .optional()
            .describe('Why the last change was not made (the plan is the one before it)'),
          thread: z.string().optional().describe('The conversation, to send follow-ups on (stream only)'),
        })
        .describe('A plan'),
      z
        .object({
          clarify: z.string().describe('One question to answer first'),
          thread: z.string().optional().describe('The conversation: send the answer on it (stream only)'),
        })
        .describe('A question'),
      z
        .object({
          refused: z.string().describe('Why the goal is not planned'),
          thread: z.string().optional().describe('The conversation (stream only)'),
        })
        .describe('A refusal'),
    ])
    .describe('What the planner made of the goal'),
);

export const SerializedErrorView = named(
  'SerializedError',
  z
    .object({
      code: z.string().describe('Stable error code'),
      category: z.enum(['user', 'system', 'third-party']),
      what: z.string(),
      why: z.string().optional(),
      fix: z.string().optional(),
      retryable: z.boolean(),
      details: z.unknown().optional(),
    })
    .describe('An error as recorded on a run or step'),
);

export const PlanStreamEvent = named(
  'PlanStreamEvent',
  z
    .union([
      z
        .object({ message: z.string().describe('What the planner is doing, e.g. "drafting"') })
        .describe('event: progress (any number, first)'),
      PlanGoalResult.describe('event: plan, clarify or refused (one, last)'),
      z
        .object({ error: z.record(z.string(), z.unknown()).describe('As ErrorBody.error') })
        .describe('event: error (one, last)'),
    ])
    .describe('The data of one event of POST /api/plans/stream'),
);

export const ValidationReport = named(
  'ValidationReport',
  z.object({
    ok: z.boolean().describe('true when the plan has no problem'),
    problems: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .describe('Every problem, each with its path, e.g. steps[3].dependsOn[0]'),
    plan: Plan.optional().describe('The plan with its defaults filled in (when ok)'),
  }),
);

export const RunStarted = named(
  'RunStarted',
  z.object({
    runId: z.string().describe('The new run; follow it at /api/runs/{runId}/events'),
    status: z
      .enum(RUN_STATUSES)
      .describe('Status when the answer was sent (the run goes on in the background)'),
  }),
);

const runFields = {
  id: z.string(),
  planName: z.string(),
  planHash: z.string().describe('SHA-256 of the plan'),
  inputs: z.record(z.string(), z.unknown()).describe('Values of the plan inputs'),
  status: z.enum(RUN_STATUSES),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: SerializedErrorView.optional(),
  createdBy: z.string().describe('The identity that started it (a token name, trigger:<name>, a CLI user)'),
  trigger: z.string().describe('What started it: api, cli, slack, mcp, cron:<name>, webhook:<name>, …'),
  ownerPid: z.number().int().optional().describe('The process executing it'),
  heartbeatAt: z.string().optional(),
  leaseOwner: z.string().optional().describe('Who executes it now (host/pid/token), while it holds a lease'),
  leaseExpiresAt: z
    .string()
    .optional()
    .describe('When that lease runs out unless renewed; past it the run is interrupted'),
  cancelRequested: z.boolean(),
};

export const RunView = named('RunView', z.object({ ...runFields, plan: Plan }).describe('A run record'));

export const RunSummary = named(
  'RunSummary',
  z
    .object({ ...runFields, steps: z.number().int().describe('How many steps its plan has') })
    .describe('A run as listed (without its plan)'),
);

export const StepView = named(
  'StepView',
  z
    .object({
      runId: z.string(),
      stepId: z.string(),
      kind: z.enum(['task', 'approval']),
      task: z.string().optional(),
      status: z.enum([
        'pending',
        'running',
        'waiting',
        'succeeded',
        'failed',
        'skipped',
        'rejected',
        'cancelled',
      ]),
      attempt: z.number().int(),
      startedAt: z.string().optional(),
      finishedAt: z.string().optional(),
      input: z.unknown().optional().describe('The resolved input'),
      output: z.unknown().optional().describe("The task's output"),
      error: SerializedErrorView.optional(),
      cached: z.boolean().describe('Whether the output came from the step cache'),
      cacheKey: z.string().optional(),
      reason: z.string().optional().describe('Why it was skipped or cancelled'),
      interrupted: z.number().int().describe('How many attempts of it were cut short by a process that died'),
    })
    .describe('A step of a run'),
);

export const ApprovalView = named(
  'ApprovalView',
  z.object({
    runId: z.string(),
    stepId: z.string(),
    message: z.string().describe('What the approver is asked'),
    approvers: z.array(z.string()).describe('Who may decide (empty: any approver)'),
    status: z.enum(['pending', 'approved', 'rejected']),
    requestedAt: z.string(),
    expiresAt: z.string(),
    onTimeout: z.enum(['approve', 'reject']),
    decidedBy: z.string().optional(),
    decidedAt: z.string().optional(),
    comment: z.string().optional(),
    via: z.string().optional().describe('Where the decision came from: api, slack, cli, mcp, timeout'),
    evidence: ApprovalEvidence.optional().describe(
      'What the approver needs to decide: changes, metrics vs production, data version, drift (docs/plans.md)',
    ),
  }),
);

export const RunDetail = named(
  'RunDetail',
  z.object({
    run: RunView,
    steps: z.array(StepView).describe('Every step with its status, input and output'),
    approvals: z.array(ApprovalView),
  }),
);

export const RunList = named('RunList', z.object({ runs: z.array(RunSummary).describe('Newest first') }));

export const EventView = named(
  'EventView',
  z.object({
    seq: z.number().int().describe('Sequence number; pass it as Last-Event-ID to resume'),
    runId: z.string(),
    stepId: z.string().optional(),
    type: z.enum(EVENT_TYPES).describe('run.*, step.* or approval.decided'),
    at: z.string(),
    data: z.record(z.string(), z.unknown()),
  }),
);

export const RunLogs = named(
  'RunLogs',
  z.object({ runId: z.string(), events: z.array(EventView).describe('In sequence order') }),
);

export const RunCancelled = named(
  'RunCancelled',
  z.object({ run: RunSummary.describe('The run, with cancelRequested set') }),
);

export const ApprovalList = named('ApprovalList', z.object({ approvals: z.array(ApprovalView) }));

export const TokenView = named(
  'TokenView',
  z
    .object({
      id: z.string(),
      name: z.string(),
      role: Role,
      createdAt: z.string(),
      createdBy: z.string(),
      lastUsedAt: z.string().optional(),
      revokedAt: z.string().optional(),
    })
    .describe('An API token (never its secret)'),
);

export const TokenList = named('TokenList', z.object({ tokens: z.array(TokenView) }));

export const TokenCreated = named(
  'TokenCreated',
  z.object({ token: z.string().describe('The secret, shown this once'), ...TokenView.shape }),
);
