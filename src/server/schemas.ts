/** Request and response schemas of the API: the handlers parse with them and the OpenAPI document is made from them. */

import { z } from 'zod';
import { ApprovalEvidence } from '../engine/approval-evidence.ts';
import { Role, RUN_STATUSES } from '../store/index.ts';
import { ErrorBody } from './http-errors.ts';

export const PlanSource = z
  .union([
    z.string().min(1).describe('The plan as YAML or JSON text'),
    z.record(z.string(), z.unknown()).describe('The plan as a JSON object (see docs/plans.md)'),
  ])
  .describe('A pipeline plan');

export const PlanGoalBody = z
  .object({
    goal: z.string().trim().min(1).max(4000).describe('What the pipeline should do, in plain words'),
    thread: z
      .string()
      .regex(/^[\w-]{1,64}$/)
      .optional()
      .describe(
        'POST /api/plans/stream: the conversation this continues (from an earlier answer); the text then answers the question or changes the plan',
      ),
  })
  .strict();

export const PlanGoalResult = z
  .union([
    z
      .object({
        plan: z.record(z.string(), z.unknown()).describe('The validated plan'),
        notes: z.array(z.string()).describe("The planner's notes on choices it made"),
        problems: z
          .array(z.object({ path: z.string(), message: z.string() }))
          .optional()
          .describe('Why the last change was not made (the plan is the one before it)'),
        thread: z.string().optional().describe('The conversation, to send follow-ups on'),
      })
      .describe('A plan'),
    z
      .object({
        clarify: z.string().describe('One question to answer first'),
        thread: z.string().optional().describe('The conversation: send the answer on it'),
      })
      .describe('A question'),
    z
      .object({ refused: z.string().describe('Why the goal is not planned'), thread: z.string().optional() })
      .describe('A refusal'),
  ])
  .describe('What the planner made of the goal');

export const PlanStreamEvent = z
  .union([
    z
      .object({ message: z.string().describe('What the planner is doing, e.g. "drafting"') })
      .describe('event: progress (any number, first)'),
    PlanGoalResult.describe('event: plan, clarify or refused (one, last)'),
    z.object({ error: z.record(z.string(), z.unknown()) }).describe('event: error (one, last)'),
  ])
  .describe('The data of one event of POST /api/plans/stream');

export const ValidatePlanBody = z.object({ plan: PlanSource }).strict();

export const ValidationReport = z.object({
  ok: z.boolean().describe('true when the plan has no problem'),
  problems: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .describe('Every problem, each with its path, e.g. steps[3].dependsOn[0]'),
});

export const StartRunBody = z
  .object({
    plan: PlanSource,
    inputs: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .describe('Values of the plan inputs, by name'),
  })
  .strict();

export const RunStarted = z.object({
  runId: z.string().describe('The new run; follow it at /api/runs/{runId}/events'),
  status: z
    .enum(RUN_STATUSES)
    .describe('Status when the answer was sent (the run goes on in the background)'),
});

export const RunsQuery = z
  .object({
    status: z.enum(RUN_STATUSES).optional().describe('Only runs with this status'),
    plan: z.string().optional().describe('Only runs of this plan name'),
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('At most this many, newest first'),
  })
  .strict();

export const LogsQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0).describe('Only events after this sequence number'),
    step: z.string().optional().describe('Only events of this step'),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000).describe('At most this many events'),
  })
  .strict();

export const ApprovalsQuery = z
  .object({
    status: z
      .enum(['pending', 'approved', 'rejected'])
      .optional()
      .describe('Only approvals with this status'),
    run: z.string().optional().describe('Only approvals of this run'),
  })
  .strict();

export const DecisionBody = z
  .object({
    approved: z.boolean().describe('true to approve, false to reject'),
    comment: z.string().max(2000).optional().describe('Why; kept in the audit log'),
  })
  .strict();

export const ApprovalView = z.object({
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
  via: z.string().optional().describe('Where the decision came from: api, slack, cli, timeout'),
  evidence: ApprovalEvidence.optional().describe(
    'What the approver needs to decide: changes, metrics vs production, data version, drift (docs/plans.md)',
  ),
});

export const RunView = z
  .object({
    id: z.string(),
    planName: z.string(),
    status: z.enum(RUN_STATUSES),
    createdAt: z.string(),
    createdBy: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    trigger: z.string(),
  })
  .passthrough()
  .describe('A run record');

export const RunDetail = z.object({
  run: RunView,
  steps: z.array(z.record(z.string(), z.unknown())).describe('Every step with its status, input and output'),
  approvals: z.array(ApprovalView),
});

export const EventView = z.object({
  seq: z.number().int().describe('Sequence number; pass it as Last-Event-ID to resume'),
  runId: z.string(),
  stepId: z.string().optional(),
  type: z.string().describe('run.*, step.* or approval.decided'),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const RollbackBody = z
  .object({
    alias: z.string().min(1).optional().describe('Alias to roll back (default: the active deployment’s)'),
    reason: z.string().max(2000).optional().describe('Why; kept in the alias history and audit log'),
  })
  .strict();

export const CreateTokenBody = z
  .object({
    name: z.string().min(1).max(64).describe('Identity recorded on everything done with the token'),
    role: Role,
  })
  .strict();

export const LineageQuery = z
  .object({
    direction: z
      .enum(['up', 'down'])
      .default('up')
      .describe('up: what the entity came from; down: what came from it'),
    depth: z.coerce.number().int().min(1).max(64).default(64).describe('How many hops to walk'),
  })
  .strict();

export const LineageWalkView = z
  .object({
    root: z.record(z.string(), z.unknown()).describe('The entity the walk started from'),
    direction: z.enum(['up', 'down']),
    depth: z.number().int(),
    nodes: z
      .array(z.record(z.string(), z.unknown()))
      .describe('Every entity reached, each with its distance (depth) from the root'),
    edges: z.array(z.record(z.string(), z.unknown())).describe('Edges between reached entities (src → dst)'),
    tree: z.string().describe('The walk as an indented text tree'),
  })
  .describe('A lineage walk');

export const ProductionView = z.object({
  production: z
    .array(z.record(z.string(), z.unknown()))
    .describe(
      'Every model with a production alias: version, deployment, training data, what that data came from, runs and approvals',
    ),
});

export const MemorySearchQuery = z
  .object({
    q: z.string().trim().min(1).max(2000).describe('What to look for, in plain words'),
    status: z.string().min(1).optional().describe('Only documents of runs with this status, e.g. failed'),
    limit: z.coerce.number().int().min(1).max(100).default(10).describe('At most this many hits, best first'),
  })
  .strict();

export const MemorySearchResult = z.object({
  query: z.string(),
  hits: z
    .array(z.record(z.string(), z.unknown()))
    .describe(
      'Run-memory documents (run_id, kind, step, text, status, ...) with their score; empty when no memory yet',
    ),
});

export const AskBody = z
  .object({
    question: z.string().trim().min(1).max(4000).describe('A question about runs, lineage or production'),
  })
  .strict();

export const AskResult = z.object({
  question: z.string(),
  source: z.enum(['lineage', 'memory']).describe('Where the answer came from'),
  answer: z.string().describe('The answer, in plain words'),
  citations: z
    .object({
      runs: z.array(z.string()),
      models: z.array(z.string()),
      datasets: z.array(z.string()),
      deployments: z.array(z.string()),
      approvals: z.array(z.string()),
    })
    .describe('Ids the answer rests on'),
  evidence: z.array(z.unknown()).describe('The ranked evidence behind the answer'),
});

/** Every named schema, as it appears under components.schemas. */
export const SCHEMAS = {
  ErrorBody,
  PlanSource,
  PlanGoalBody,
  PlanGoalResult,
  PlanStreamEvent,
  ValidatePlanBody,
  ValidationReport,
  StartRunBody,
  RunStarted,
  RunsQuery,
  LogsQuery,
  ApprovalsQuery,
  DecisionBody,
  ApprovalView,
  RunView,
  RunDetail,
  EventView,
  RollbackBody,
  CreateTokenBody,
  LineageQuery,
  LineageWalkView,
  ProductionView,
  MemorySearchQuery,
  MemorySearchResult,
  AskBody,
  AskResult,
} as const;
export type SchemaName = keyof typeof SCHEMAS;
