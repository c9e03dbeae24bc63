/**
 * The REST API under /api: goals → plans, plan validation, runs, logs, events (SSE), approvals, models and
 * tokens. Each route is declared once in ROUTES (method, path, role, schemas): the role check, the body
 * and query parsing and the OpenAPI document all come from that table.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono, type MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { PlannerResult } from '../../agents/planner/index.ts';
import type { Config } from '../config.ts';
import { isPipewrightError } from '../errors.ts';
import { ask, renderTree, searchMemory, walkLineage, whatIsInProduction } from '../lineage/index.ts';
import { checkPlanSize, parsePlanText, type TaskLookup, validatePlan } from '../plan/index.ts';
import { type Policy, planLimits } from '../policy/index.ts';
import type { AuthStore, DeploymentRecord, ModelRegistry, RunRecord, RunStore } from '../store/index.ts';
import { type AuthEnv, authenticate, identityOf, requireRole } from './auth.ts';
import type { RunExecutor } from './executor.ts';
import { errorJson, errorResponse, invalid } from './http-errors.ts';
import { openApiDocument, type RouteSpec } from './openapi.ts';
import { type ConversationPlanner, streamConversation } from './plan-conversation.ts';
import {
  ApprovalsQuery,
  AskBody,
  DecisionBody,
  LineageQuery,
  LogsQuery,
  MemorySearchQuery,
  PlanGoalBody,
  RunsQuery,
  SCHEMAS,
  StartRunBody,
  ValidatePlanBody,
} from './schemas.ts';
import { type ProgressPlanner, streamPlan, streamRunEvents } from './sse.ts';

export const ROUTES: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/plans',
    summary: 'Turn a goal into a plan (or a question, or a refusal)',
    role: 'viewer',
    tag: 'plans',
    body: 'PlanGoalBody',
    response: 'PlanGoalResult',
  },
  {
    method: 'post',
    path: '/api/plans/stream',
    summary:
      'Turn a goal into a plan, live (SSE): progress events, then one plan, clarify, refused or error event',
    role: 'viewer',
    tag: 'plans',
    body: 'PlanGoalBody',
    produces: 'text/event-stream',
    response: 'PlanStreamEvent',
  },
  {
    method: 'post',
    path: '/api/plans/validate',
    summary: 'Validate a plan: every problem with its path',
    role: 'viewer',
    tag: 'plans',
    body: 'ValidatePlanBody',
    response: 'ValidationReport',
  },
  {
    method: 'post',
    path: '/api/runs',
    summary: 'Start a run; it executes in the background',
    role: 'operator',
    tag: 'runs',
    body: 'StartRunBody',
    response: 'RunStarted',
    status: 202,
  },
  {
    method: 'get',
    path: '/api/runs',
    summary: 'List runs, newest first',
    role: 'viewer',
    tag: 'runs',
    query: 'RunsQuery',
  },
  {
    method: 'get',
    path: '/api/runs/:id',
    summary: 'A run with its steps and approvals',
    role: 'viewer',
    tag: 'runs',
    response: 'RunDetail',
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/runs/:id/logs',
    summary: "A run's events and log lines",
    role: 'viewer',
    tag: 'runs',
    query: 'LogsQuery',
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/runs/:id/events',
    summary: 'Live events (SSE); resume with Last-Event-ID; ends when the run finishes or waits',
    role: 'viewer',
    tag: 'runs',
    produces: 'text/event-stream',
    response: 'EventView',
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/runs/:id/cancel',
    summary: 'Ask a run to stop',
    role: 'operator',
    tag: 'runs',
    errors: [404, 409],
  },
  {
    method: 'get',
    path: '/api/approvals',
    summary: 'Approvals, e.g. ?status=pending across runs',
    role: 'viewer',
    tag: 'approvals',
    query: 'ApprovalsQuery',
  },
  {
    method: 'post',
    path: '/api/runs/:id/approvals/:step',
    summary: 'Approve or reject a waiting step (single-use); the run resumes',
    role: 'approver',
    tag: 'approvals',
    body: 'DecisionBody',
    response: 'ApprovalView',
    errors: [404, 409],
  },
  { method: 'get', path: '/api/models', summary: 'Registered models', role: 'viewer', tag: 'models' },
  {
    method: 'get',
    path: '/api/models/:name',
    summary: 'A model: versions, aliases, deployment',
    role: 'viewer',
    tag: 'models',
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/models/:name/predict',
    summary: 'Score rows with the deployed version',
    role: 'operator',
    tag: 'models',
    errors: [404],
  },
  {
    method: 'post',
    path: '/api/models/:name/rollback',
    summary: 'Roll the deployment back (audited as the caller)',
    role: 'operator',
    tag: 'models',
    errors: [404, 409],
  },
  {
    method: 'get',
    path: '/api/lineage/:entity',
    summary: 'Lineage of an entity (run-…, dataset:…, model:…, deployment:…): upstream or downstream',
    role: 'viewer',
    tag: 'lineage',
    query: 'LineageQuery',
    response: 'LineageWalkView',
    errors: [404],
  },
  {
    method: 'get',
    path: '/api/production',
    summary: 'What is in production and how it got there (data, runs, approvals)',
    role: 'viewer',
    tag: 'lineage',
    response: 'ProductionView',
  },
  {
    method: 'get',
    path: '/api/memory/search',
    summary: 'Search run memory (hybrid); no memory yet gives no hits',
    role: 'viewer',
    tag: 'lineage',
    query: 'MemorySearchQuery',
    response: 'MemorySearchResult',
  },
  {
    method: 'post',
    path: '/api/ask',
    summary: 'Ask a question; the answer cites run, model, dataset, deployment and approval ids',
    role: 'viewer',
    tag: 'lineage',
    body: 'AskBody',
    response: 'AskResult',
  },
  {
    method: 'get',
    path: '/api/tokens',
    summary: 'API tokens (never their secret)',
    role: 'admin',
    tag: 'tokens',
  },
  {
    method: 'post',
    path: '/api/tokens',
    summary: 'Create a token; its secret is shown once',
    role: 'admin',
    tag: 'tokens',
    body: 'CreateTokenBody',
    status: 201,
    errors: [409],
  },
  {
    method: 'post',
    path: '/api/tokens/:id/revoke',
    summary: 'Revoke a token',
    role: 'admin',
    tag: 'tokens',
    errors: [404],
  },
];

export interface ApiOptions {
  store: RunStore;
  auth: AuthStore;
  executor: RunExecutor;
  tasks: TaskLookup;
  models: ModelRegistry;
  /** Told of every deployment change made here (a rollback), e.g. to record it in the lineage graph. */
  onDeploymentChange?: (d: DeploymentRecord) => void;
  /** The model routes (GET /models, predict, ...) to serve under /api too. */
  modelRoutes: Hono;
  planner: (goal: string) => Promise<PlannerResult>;
  /**
   * The planner with progress for POST /api/plans/stream (e.g. planGoalWithProgress from ./sse.ts). Without
   * it the stream says "planning" once and then gives `planner`'s answer.
   */
  plannerStream?: ProgressPlanner;
  /** Planning conversations for POST /api/plans/stream (follow-ups on a `thread` edit the plan or answer). */
  conversation?: ConversationPlanner;
  version: string;
  sse?: { pollMs?: number; keepAliveMs?: number };
  /** OpenAPI path items of routes other sub-apps serve under /api (the web console's read routes). */
  openApiPaths?: Record<string, Record<string, unknown>>;
  /** Settings for run memory and `ask` (default: the engine's). */
  config?: Config;
}

/** Parses a body or query with its schema; a failure lists every problem (400). */
const valid = <T extends z.ZodType>(target: 'json' | 'query', schema: T) =>
  zValidator(target, schema, (r) => {
    if (!r.success) {
      throw invalid(
        target === 'json' ? 'The request body does not fit its schema' : 'The query parameters are invalid',
        r.error.issues,
      );
    }
  });

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

export function apiRoutes(opts: ApiOptions): Hono<AuthEnv> {
  const { store, auth, executor } = opts;
  const engine = executor.engine;
  const api = new Hono<AuthEnv>();
  const doc = openApiDocument(ROUTES, opts.version);
  // Routes other sub-apps serve under /api (the console's) are described in the same document.
  Object.assign(doc.paths as Record<string, unknown>, opts.openApiPaths ?? {});
  api.onError((e, c) => errorResponse(c, e));

  api.get('/api/openapi.json', (c) => c.json(doc));

  // EventSource cannot send headers: the events stream also takes ?access_token=.
  api.use('/api/runs/:id/events', async (c, next) => {
    const q = c.req.query('access_token');
    if (q && !c.req.header('authorization')) c.req.raw.headers.set('authorization', `Bearer ${q}`);
    await next();
  });
  api.use('/api/*', authenticate(auth));
  for (const r of ROUTES) {
    const check: MiddlewareHandler<AuthEnv> = requireRole(r.role);
    api.on(r.method.toUpperCase(), r.path, check);
  }

  api.post('/api/plans', valid('json', PlanGoalBody), async (c) => {
    const result = await opts.planner(c.req.valid('json').goal);
    if (result.kind === 'clarify') return c.json({ clarify: result.question });
    if (result.kind === 'refuse') return c.json({ refused: result.reason });
    return c.json({ plan: result.plan, notes: result.notes });
  });

  api.post('/api/plans/stream', valid('json', PlanGoalBody), (c) => {
    const body = c.req.valid('json');
    if (opts.conversation) return streamConversation(c, body.goal, body.thread, opts.conversation);
    const planner: ProgressPlanner =
      opts.plannerStream ??
      ((goal, onProgress) => {
        onProgress('planning');
        return opts.planner(goal);
      });
    return streamPlan(c, c.req.valid('json').goal, planner);
  });

  api.post('/api/plans/validate', valid('json', ValidatePlanBody), (c) => {
    const r = validatePlan(planValue(c.req.valid('json').plan, engine.guard.policy), opts.tasks);
    return c.json(r.ok ? { ok: true, problems: [], plan: r.plan } : { ok: false, problems: r.problems });
  });

  api.post('/api/runs', valid('json', StartRunBody), (c) => {
    const body = c.req.valid('json');
    const who = identityOf(c);
    // The token's role decides what the policy lets this plan waive (POLICY_REFUSED, 403).
    const run = engine.createRun(planValue(body.plan, engine.guard.policy), {
      createdBy: who.name,
      trigger: 'api',
      inputs: body.inputs,
      submitter: who,
    });
    executor.start(run.id);
    return c.json({ runId: run.id, status: run.status }, 202);
  });

  api.get('/api/runs', valid('query', RunsQuery), (c) => {
    const q = c.req.valid('query');
    return c.json({
      runs: store
        .listRuns({
          limit: q.limit,
          ...(q.status ? { status: q.status } : {}),
          ...(q.plan ? { plan: q.plan } : {}),
        })
        .map(summary),
    });
  });

  api.get('/api/runs/:id', (c) => {
    const run = store.requireRun(c.req.param('id'));
    return c.json({
      run,
      steps: store.getSteps(run.id),
      approvals: store.listApprovals({ runId: run.id }),
    });
  });

  api.get('/api/runs/:id/logs', valid('query', LogsQuery), (c) => {
    const run = store.requireRun(c.req.param('id'));
    const q = c.req.valid('query');
    return c.json({
      runId: run.id,
      events: store.events(run.id, {
        afterSeq: q.after,
        limit: q.limit,
        ...(q.step ? { stepId: q.step } : {}),
      }),
    });
  });

  api.get('/api/runs/:id/events', (c) => {
    const run = store.requireRun(c.req.param('id'));
    return streamRunEvents(c, store, run.id, opts.sse);
  });

  api.post('/api/runs/:id/cancel', (c) => {
    const run = engine.cancel(c.req.param('id'), identityOf(c).name);
    return c.json({ run: summary(run) });
  });

  api.get('/api/approvals', valid('query', ApprovalsQuery), (c) => {
    const q = c.req.valid('query');
    const runId = q.run ? store.requireRun(q.run).id : undefined;
    return c.json({
      approvals: store.listApprovals({
        ...(q.status ? { status: q.status } : {}),
        ...(runId ? { runId } : {}),
      }),
    });
  });

  api.post('/api/runs/:id/approvals/:step', valid('json', DecisionBody), (c) => {
    const body = c.req.valid('json');
    const run = store.requireRun(c.req.param('id'));
    const approval = executor.decide({
      runId: run.id,
      stepId: c.req.param('step'),
      approved: body.approved,
      by: identityOf(c).name,
      ...(body.comment ? { comment: body.comment } : {}),
      via: 'api',
      decider: identityOf(c),
    });
    return c.json(approval);
  });

  api.post('/api/models/:name/rollback', async (c) => {
    const name = c.req.param('name');
    opts.models.requireModel(name);
    const raw = await c.req.json().catch(() => ({}));
    const body = SCHEMAS.RollbackBody.safeParse(raw);
    if (!body.success) throw invalid('The request body does not fit its schema', body.error.issues);
    const d = opts.models.rollbackDeployment(name, identityOf(c).name, body.data.reason, body.data.alias);
    opts.onDeploymentChange?.(d);
    return c.json({ model: name, alias: d.alias, version: d.version, deploymentId: d.id });
  });
  api.route('/api', opts.modelRoutes);

  const config = opts.config ?? engine.config;

  api.get('/api/lineage/:entity', valid('query', LineageQuery), (c) => {
    const q = c.req.valid('query');
    try {
      const walk = walkLineage(store, c.req.param('entity'), q.direction, q.depth);
      return c.json({ ...walk, tree: renderTree(walk) });
    } catch (e) {
      // An unknown entity is the caller's 404, not a 400.
      if (isPipewrightError(e) && e.code === 'LINEAGE_NOT_FOUND') return c.json(errorJson(e).body, 404);
      throw e;
    }
  });

  api.get('/api/production', (c) => c.json({ production: whatIsInProduction(store) }));

  api.get('/api/memory/search', valid('query', MemorySearchQuery), async (c) => {
    const q = c.req.valid('query');
    const hits = await searchMemory(config, q.q, {
      limit: q.limit,
      ...(q.status ? { filter: { status: q.status } } : {}),
    });
    return c.json({ query: q.q, hits });
  });

  api.post('/api/ask', valid('json', AskBody), async (c) =>
    c.json(await ask(store, config, c.req.valid('json').question)),
  );

  api.get('/api/tokens', (c) => c.json({ tokens: auth.listTokens() }));
  api.post('/api/tokens', valid('json', SCHEMAS.CreateTokenBody), (c) => {
    const body = c.req.valid('json');
    const { token, record } = auth.createToken({ ...body, createdBy: identityOf(c).name });
    return c.json({ token, ...record }, 201);
  });
  api.post('/api/tokens/:id/revoke', (c) => c.json(auth.revokeToken(c.req.param('id'), identityOf(c).name)));
  return api;
}
