/**
 * The REST API's plans, runs, approvals and tokens under /api, as route records (route.ts): each declared
 * once with its role, schemas and error codes; the server registers them in one loop and the OpenAPI
 * document is made from the same records.
 */
import type { PlannerResult } from '../../agents/planner/index.ts';
import { ApprovalEvidence } from '../engine/approval-evidence.ts';
import { checkPlanSize, parsePlanText, type TaskLookup, validatePlan } from '../plan/index.ts';
import { type Policy, planLimits } from '../policy/index.ts';
import type { ApprovalRecord, AuthStore, RunRecord, RunStore } from '../store/index.ts';
import { identityOf } from './auth.ts';
import type { RunExecutor } from './executor.ts';
import { type ConversationPlanner, streamConversation } from './plan-conversation.ts';
import { type AnyRoute, defineRoute } from './route.ts';
import {
  ApprovalList,
  ApprovalsQuery,
  ApprovalView,
  CreateTokenBody,
  DecisionBody,
  EventsQuery,
  EventView,
  LogsQuery,
  PlanGoalBody,
  PlanGoalResult,
  PlanStreamBody,
  PlanStreamEvent,
  RunCancelled,
  RunDetail,
  RunList,
  RunLogs,
  RunStarted,
  RunsQuery,
  StartRunBody,
  TokenCreated,
  TokenList,
  TokenView,
  ValidatePlanBody,
  ValidationReport,
} from './schemas.ts';
import { type ProgressPlanner, streamPlan, streamRunEvents } from './sse.ts';

export interface ApiOptions {
  store: RunStore;
  auth: AuthStore;
  executor: RunExecutor;
  tasks: TaskLookup;
  planner: (goal: string) => Promise<PlannerResult>;
  /**
   * The planner with progress for POST /api/plans/stream (e.g. planGoalWithProgress from ./sse.ts). Without
   * it the stream says "planning" once and then gives `planner`'s answer.
   */
  plannerStream?: ProgressPlanner;
  /** Planning conversations for POST /api/plans/stream (follow-ups on a `thread` edit the plan or answer). */
  conversation?: ConversationPlanner;
  sse?: { pollMs?: number; keepAliveMs?: number };
}

/** A plan given as text (YAML/JSON) or as an object, within the policy's size, step and alias limits. */
function planValue(source: string | Record<string, unknown>, policy: Policy): unknown {
  const limits = planLimits(policy);
  if (typeof source === 'string') return parsePlanText(source, 'the request body', limits);
  checkPlanSize(source, 'the request body', limits);
  return source;
}

/** A run as listed: the record without its (large) plan. */
function summary(run: RunRecord): Omit<RunRecord, 'plan'> & { steps: number } {
  const { plan, ...rest } = run;
  return { ...rest, steps: plan.steps.length };
}

/**
 * An approval as answered: its stored evidence parsed with the schema it was made with (the store keeps it
 * as JSON; a record that no longer fits is answered without it rather than with fields nobody documented).
 */
export function approvalView(a: ApprovalRecord): Omit<ApprovalRecord, 'evidence'> & {
  evidence?: ApprovalEvidence;
} {
  const { evidence, ...rest } = a;
  const parsed = evidence === undefined ? undefined : ApprovalEvidence.safeParse(evidence);
  return parsed?.success ? { ...rest, evidence: parsed.data } : rest;
}

const PLAN_ERRORS = ['PLAN_PARSE', 'PLAN_TOO_COMPLEX', 'PLAN_TOO_LARGE'] as const;

export function apiRecords(opts: ApiOptions): AnyRoute[] {
  const { store, auth, executor } = opts;
  const engine = executor.engine;
  return [
    defineRoute({
      method: 'post',
      path: '/api/plans',
      summary: 'Turn a goal into a plan (or a question, or a refusal)',
      tag: 'plans',
      role: 'viewer',
      body: PlanGoalBody,
      response: { description: 'A plan, a clarifying question or a refusal', schema: PlanGoalResult },
      errors: [],
      handler: async (_c, { body }) => {
        const result = await opts.planner(body.goal);
        if (result.kind === 'clarify') return { clarify: result.question };
        if (result.kind === 'refuse') return { refused: result.reason };
        return { plan: result.plan, notes: result.notes };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/plans/stream',
      summary:
        'Turn a goal into a plan, live (SSE): progress events, then one plan, clarify, refused or error event',
      tag: 'plans',
      description:
        'With `thread` (from an earlier answer) the text continues that conversation: it answers the question asked or changes the plan under review. The final event carries the thread to send follow-ups on, and `problems` when a change could not be made.',
      role: 'viewer',
      body: PlanStreamBody,
      response: {
        description: 'Server-sent events; each event’s data is one PlanStreamEvent',
        type: 'text/event-stream',
        schema: PlanStreamEvent,
      },
      errors: [],
      handler: (c, { body }) => {
        if (opts.conversation) return streamConversation(c, body.goal, body.thread, opts.conversation);
        const planner: ProgressPlanner =
          opts.plannerStream ??
          ((goal, onProgress) => {
            onProgress('planning');
            return opts.planner(goal);
          });
        return streamPlan(c, body.goal, planner);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/plans/validate',
      summary: 'Validate a plan: every problem with its path',
      tag: 'plans',
      role: 'viewer',
      body: ValidatePlanBody,
      response: { description: 'The validation report', schema: ValidationReport },
      errors: PLAN_ERRORS,
      handler: (_c, { body }) => {
        const r = validatePlan(planValue(body.plan, engine.guard.policy), opts.tasks);
        return r.ok ? { ok: true, problems: [], plan: r.plan } : { ok: false, problems: r.problems };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs',
      summary: 'Start a run; it executes in the background',
      tag: 'runs',
      role: 'operator',
      body: StartRunBody,
      response: { status: 202, description: 'The run was created and starts now', schema: RunStarted },
      errors: [...PLAN_ERRORS, 'PLAN_INVALID', 'INPUT_INVALID', 'POLICY_REFUSED'],
      handler: (c, { body }) => {
        const who = identityOf(c);
        // The token's role decides what the policy lets this plan waive (POLICY_REFUSED, 403).
        const run = engine.createRun(planValue(body.plan, engine.guard.policy), {
          createdBy: who.name,
          trigger: 'api',
          inputs: body.inputs,
          submitter: who,
        });
        executor.start(run.id);
        return { runId: run.id, status: run.status };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs',
      summary: 'List runs, newest first',
      tag: 'runs',
      role: 'viewer',
      query: RunsQuery,
      response: { description: 'Runs, without their plans', schema: RunList },
      errors: [],
      handler: (_c, { query }) => ({
        runs: store
          .listRuns({
            limit: query.limit,
            ...(query.status ? { status: query.status } : {}),
            ...(query.plan ? { plan: query.plan } : {}),
          })
          .map(summary),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:id',
      summary: 'A run with its steps and approvals (id or unique prefix)',
      tag: 'runs',
      role: 'viewer',
      response: { description: 'The run', schema: RunDetail },
      errors: ['RUN_NOT_FOUND'],
      handler: (_c, { params }) => {
        const run = store.requireRun(params.id);
        return {
          run,
          steps: store.getSteps(run.id),
          approvals: store.listApprovals({ runId: run.id }).map(approvalView),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:id/logs',
      summary: "A run's events and log lines",
      tag: 'runs',
      role: 'viewer',
      query: LogsQuery,
      response: { description: 'Events in sequence order', schema: RunLogs },
      errors: ['RUN_NOT_FOUND'],
      handler: (_c, { params, query }) => {
        const run = store.requireRun(params.id);
        return {
          runId: run.id,
          events: store.events(run.id, {
            afterSeq: query.after,
            limit: query.limit,
            ...(query.step ? { stepId: query.step } : {}),
          }),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:id/events',
      summary: 'Live events (SSE); resume with Last-Event-ID; ends when the run finishes or waits',
      tag: 'runs',
      role: 'viewer',
      tokenInQuery: true,
      query: EventsQuery,
      response: {
        description: 'Server-sent events: id = seq, event = type, data = the event',
        type: 'text/event-stream',
        schema: EventView,
      },
      errors: ['RUN_NOT_FOUND'],
      handler: (c, { params }) => {
        const run = store.requireRun(params.id);
        return streamRunEvents(c, store, run.id, opts.sse);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:id/cancel',
      summary: 'Ask a run to stop',
      tag: 'runs',
      role: 'operator',
      response: { description: 'Cancelling; the run stops at its next check', schema: RunCancelled },
      errors: ['RUN_NOT_FOUND', 'RUN_FINISHED'],
      handler: (c, { params }) => ({ run: summary(engine.cancel(params.id, identityOf(c).name)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/approvals',
      summary: 'Approvals, e.g. ?status=pending across runs',
      tag: 'approvals',
      role: 'viewer',
      query: ApprovalsQuery,
      response: { description: 'Approvals', schema: ApprovalList },
      errors: ['RUN_NOT_FOUND'],
      handler: (_c, { query }) => {
        const runId = query.run ? store.requireRun(query.run).id : undefined;
        return {
          approvals: store
            .listApprovals({
              ...(query.status ? { status: query.status } : {}),
              ...(runId ? { runId } : {}),
            })
            .map(approvalView),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:id/approvals/:step',
      summary: 'Approve or reject a waiting step (single-use); the run resumes',
      tag: 'approvals',
      role: 'approver',
      body: DecisionBody,
      response: { description: 'The decided approval', schema: ApprovalView },
      errors: [
        'RUN_NOT_FOUND',
        'APPROVAL_NOT_FOUND',
        'APPROVAL_ALREADY_DECIDED',
        'APPROVAL_EXPIRED',
        'APPROVAL_FORBIDDEN',
        'APPROVAL_SELF',
      ],
      handler: (c, { params, body }) => {
        const run = store.requireRun(params.id);
        return approvalView(
          executor.decide({
            runId: run.id,
            stepId: params.step,
            approved: body.approved,
            by: identityOf(c).name,
            ...(body.comment ? { comment: body.comment } : {}),
            via: 'api',
            decider: identityOf(c),
          }),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tokens',
      summary: 'API tokens (never their secret)',
      tag: 'tokens',
      role: 'admin',
      response: { description: 'Tokens not revoked', schema: TokenList },
      errors: [],
      handler: () => ({ tokens: auth.listTokens() }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/tokens',
      summary: 'Create a token; its secret is shown once',
      tag: 'tokens',
      role: 'admin',
      body: CreateTokenBody,
      response: { status: 201, description: 'The token, with its secret', schema: TokenCreated },
      errors: ['TOKEN_NAME_TAKEN', 'TOKEN_NAME_INVALID'],
      handler: (c, { body }) => {
        const { token, record } = auth.createToken({ ...body, createdBy: identityOf(c).name });
        return { token, ...record };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tokens/:id/revoke',
      summary: 'Revoke a token (by id or name)',
      tag: 'tokens',
      role: 'admin',
      response: { description: 'The revoked token', schema: TokenView },
      errors: ['TOKEN_NOT_FOUND'],
      handler: (c, { params }) => auth.revokeToken(params.id, identityOf(c).name),
    }),
  ];
}
