/**
 * The pipewright HTTP server (hono), everything on one port: health and metrics (open), the REST API with
 * SSE under /api (bearer tokens with roles), model serving under /models (listing with a viewer token;
 * predict open unless the policy closes it), and the Slack endpoints under /slack (signed requests). Every
 * route has a body limit (413) and a request id; a 500 is logged with it. Runs started or resumed here
 * execute in this process, in the background.
 */
import path from 'node:path';
import { WebClient } from '@slack/web-api';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { type PlannerResult, planGoal, plannerModelDeps, workspaceDeps } from '../../agents/planner/index.ts';
import { createAlertHandler } from '../../agents/triage/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import type { Config } from '../config.ts';
import { Engine } from '../engine/index.ts';
import { userError } from '../errors.ts';
import { attachRecorders, recordDeploymentChange } from '../lineage/index.ts';
import { llmSettingsFrom } from '../llm/index.ts';
import {
  AuthStore,
  type DeploymentRecord,
  type ModelRegistry,
  RunStore,
  stateTarget,
} from '../store/index.ts';
import type { TaskRegistry } from '../tasks/index.ts';
import { type AlertHandler, Scheduler, triggerRoutes } from '../triggers/index.ts';
import { BullmqDispatcher } from '../workers/dispatcher.ts';
import { apiRoutes } from './api.ts';
import { authenticate, requireRole } from './auth.ts';
import { consoleOpenApiPaths, consoleRoutes } from './console-api.ts';
import { RunExecutor } from './executor.ts';
import { errorResponse } from './http-errors.ts';
import { Metrics } from './metrics.ts';
import { defaultPredictionLog, type ModelRoutesApp, modelRoutes, type Predictor } from './models.ts';
import { conversationPlanner } from './plan-conversation.ts';
import { predictAccess } from './predict-access.ts';
import { SlackNotifier } from './slack/notifier.ts';
import { type SlackRoutesApp, slackRoutes } from './slack/routes.ts';
import { planGoalWithProgress } from './sse.ts';
import { webRoutes } from './web/index.ts';

export const VERSION = '0.1.0';

export interface AppOptions {
  config: Config;
  registry: ModelRegistry;
  loadModel?: (dir: string) => Promise<Predictor>;
  /** Share of prediction requests logged for drift checks (default 1). */
  predictionSampleRate?: number;
  /** The run store (default: <stateDir>/state.db, opened and closed here). */
  store?: RunStore;
  /** The engine (default: one over the store and the task catalog). */
  engine?: Engine;
  /** Task catalog (default: the built-in tasks). */
  tasks?: TaskRegistry;
  /** Goal → plan (default: the planner agent over the workspace, review off). */
  planner?: (goal: string) => Promise<PlannerResult>;
  /** Slack Web API client (default: one from slackBotToken/slackApiUrl when a bot token is set). */
  slackClient?: WebClient;
  /** Slack channel for runs not started from Slack (default: none, such runs are not posted). */
  slackChannel?: string;
  /** Largest request body on every route but predict (default 1 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Largest body of a predict request (default 4 MiB: a batch of 1,000 wide rows). */
  maxPredictBodyBytes?: number;
  /** How often approval timeouts are applied and their runs resumed (default 5 s; 0 turns it off). */
  approvalSweepMs?: number;
  /** SSE tuning (tests). */
  sse?: { pollMs?: number; keepAliveMs?: number };
  /** Clock for the Slack staleness check (tests). */
  slackNowMs?: () => number;
}

export interface PipewrightApp {
  app: Hono;
  store: RunStore;
  engine: Engine;
  executor: RunExecutor;
  auth: AuthStore;
  metrics: Metrics;
  slack: SlackRoutesApp;
  notifier: SlackNotifier | undefined;
  /** Resolves when background runs, Slack work and Slack posts are done (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createApp(opts: AppOptions): PipewrightApp {
  const { config } = opts;
  const app = new Hono();
  const started = Date.now();
  const ownStore = !opts.store && !opts.engine;
  const store = opts.engine?.store ?? opts.store ?? new RunStore(stateTarget(config));
  const tasks = opts.tasks ?? (opts.engine?.registry as TaskRegistry | undefined) ?? builtinRegistry();
  const engine =
    opts.engine ??
    new Engine({
      store,
      registry: tasks,
      config,
      ...(config.redisUrl
        ? { executor: new BullmqDispatcher({ redisUrl: config.redisUrl, queue: config.queue }) }
        : {}),
    });
  // A server that owns its engine records lineage and memory for the runs it executes.
  const recorders = opts.engine ? undefined : attachRecorders(store, config);
  // ...and runs the triggers (cron, watched folders, webhooks, drift alerts → triage).
  const scheduler = opts.engine ? undefined : startScheduler(engine, config);
  const executor = new RunExecutor(engine);
  const auth = new AuthStore(store);
  const metrics = new Metrics(store);
  const unobserve = store.subscribe((e) => metrics.observe(e));
  // The configured LLM (or the offline planner), set up on the first goal, not at start-up.
  let modelDeps: ReturnType<typeof plannerModelDeps> | undefined;
  const plannerDeps = async () => {
    modelDeps ??= plannerModelDeps(llmSettingsFrom(config)).catch((e: unknown) => {
      modelDeps = undefined;
      throw e;
    });
    return { registry: tasks, ...workspaceDeps(config.workspace, config), ...(await modelDeps) };
  };
  const planner = opts.planner ?? (async (goal: string) => planGoal(goal, await plannerDeps()));
  // The page's conversations: follow-ups on a thread edit the plan or answer the planner's question.
  const conversation = opts.planner ? undefined : conversationPlanner(plannerDeps, config.stateDir);
  // The page's live planning: the same planner, reporting each stage as it goes.
  const plannerStream = opts.planner
    ? undefined
    : async (goal: string, onProgress: (line: string) => void) =>
        planGoalWithProgress(goal, await plannerDeps(), onProgress);
  const client =
    opts.slackClient ??
    (config.slackBotToken
      ? new WebClient(config.slackBotToken, {
          ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl.replace(/\/?$/, '/') } : {}),
        })
      : undefined);
  const notifier = client
    ? new SlackNotifier({
        store,
        auth,
        client,
        ...(opts.slackChannel ? { channel: opts.slackChannel } : {}),
      }).start()
    : undefined;
  if ((opts.approvalSweepMs ?? 5000) > 0) executor.sweepTimeouts(opts.approvalSweepMs ?? 5000);

  const predictionLog = defaultPredictionLog(config.stateDir, opts.predictionSampleRate ?? 1);
  // Rollbacks over HTTP land in the lineage graph, as the CLI's do; a failure there never fails the rollback.
  const onDeploymentChange = (d: DeploymentRecord) => {
    try {
      recordDeploymentChange(store, d);
    } catch (e) {
      process.stderr.write(
        `pipewright: rollback not recorded in the lineage graph (${(e as Error).message})\n`,
      );
    }
  };
  const models: ModelRoutesApp = modelRoutes({
    registry: opts.registry,
    predictionLog,
    serving: () => engine.guard.policy.serving,
    user: config.user,
    onDeploymentChange,
    ...(opts.loadModel ? { loadModel: opts.loadModel } : {}),
  });
  const api = apiRoutes({
    store,
    auth,
    executor,
    tasks,
    models: opts.registry,
    onDeploymentChange,
    modelRoutes: models,
    planner,
    ...(plannerStream ? { plannerStream } : {}),
    ...(conversation ? { conversation: conversation.say } : {}),
    version: VERSION,
    openApiPaths: consoleOpenApiPaths(),
    ...(opts.sse ? { sse: opts.sse } : {}),
  });
  const slack = slackRoutes({
    store,
    auth,
    executor,
    planner,
    workspace: config.workspace,
    ...(config.slackSigningSecret ? { signingSecret: config.slackSigningSecret } : {}),
    ...(client ? { client } : {}),
    ...(opts.slackNowMs ? { nowMs: opts.slackNowMs } : {}),
  });

  // Every request has an id (the caller's x-request-id when it sends a sane one): answers carry it, and a
  // 500 is logged with it.
  app.use('*', requestId());
  app.use('*', metrics.middleware());
  const limited = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) =>
        errorResponse(
          c,
          userError(
            'BODY_TOO_LARGE',
            'The request body is too large',
            `the limit for ${c.req.path} is ${maxSize} bytes`,
            'Send a smaller body (split a predict batch); refer to large data by path instead of inlining it.',
          ),
        ),
    });
  const limit = limited(opts.maxBodyBytes ?? 1024 * 1024);
  const predictLimit = limited(opts.maxPredictBodyBytes ?? 4 * 1024 * 1024);
  // Every route, open ones first (predict, hooks, Slack): the body is refused before it is read.
  app.use('*', (c, next) => (c.req.path.endsWith('/predict') ? predictLimit(c, next) : limit(c, next)));
  app.get('/health', (c) =>
    c.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) }),
  );
  app.get('/metrics', async (c) =>
    c.body(await metrics.text(), 200, { 'content-type': metrics.contentType }),
  );
  // A rollback is a deployment change: the open path goes through the API's token check and audit.
  app.post('/models/:name/rollback', async (c) =>
    api.fetch(
      new Request(new URL(`/api${c.req.path}`, c.req.url), {
        method: 'POST',
        headers: c.req.raw.headers,
        body: await c.req.arrayBuffer(),
      }),
    ),
  );
  // The web console's read routes, before the API: its live feed authenticates with ?access_token=.
  app.route(
    '/',
    consoleRoutes({
      store,
      auth,
      registry: opts.registry,
      config,
      schedulerRunning: !!scheduler,
      ...(opts.sse ? { sse: opts.sse } : {}),
    }),
  );
  app.route('/', api);
  app.route('/', slack);
  // Model listing names models, runs and people: a viewer token. Predict stays open unless the policy
  // closes it (a token, or a per-model key).
  app.get('/models', authenticate(auth), requireRole('viewer'));
  app.get('/models/:name', authenticate(auth), requireRole('viewer'));
  app.post(
    '/models/:name/predict',
    predictAccess(auth, () => engine.guard.policy.serving),
  );
  app.route('/', models);
  app.route('/', webRoutes({ store, auth, artifactsDir: path.join(config.stateDir, 'artifacts') }));
  if (scheduler) app.route('/', triggerRoutes(scheduler));
  app.notFound((c) =>
    c.json(
      {
        error: {
          code: 'NOT_FOUND',
          what: `No route ${c.req.method} ${c.req.path}`,
          fix: 'See docs/api.md and GET /api/openapi.json for the API, docs/serving.md for models.',
        },
      },
      404,
    ),
  );
  // Logs a 500 with its request id (errorResponse), answers with the id and no internals.
  app.onError((e, c) => errorResponse(c, e));

  const idle = async () => {
    await slack.idle();
    await executor.idle();
    await notifier?.idle();
  };
  return {
    app,
    store,
    engine,
    executor,
    auth,
    metrics,
    slack,
    notifier,
    idle,
    close: async () => {
      await scheduler?.stop();
      notifier?.stop();
      await slack.idle();
      await executor.close();
      await notifier?.idle();
      unobserve();
      await models.closeModels();
      await predictionLog.close();
      conversation?.close();
      await recorders?.flush();
      recorders?.detach();
      if (!opts.engine) await engine.close();
      if (ownStore) store.close();
    },
  };
}

function startScheduler(engine: Engine, config: Config): Scheduler {
  const log = (line: string) => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  // The triage model (if any) is set up on the first alert, not at start-up.
  let handler: Promise<AlertHandler> | undefined;
  const scheduler = new Scheduler({
    engine,
    log,
    onAlert: async (e) => {
      handler ??= import('../../tools/triage/model-check.ts').then(({ registeredModelChecker }) =>
        createAlertHandler(engine, config, log, { checkModel: registeredModelChecker(config, engine.store) }),
      );
      return (await handler)(e);
    },
  });
  return scheduler.start();
}
