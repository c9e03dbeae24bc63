/**
 * The pipewright HTTP server (hono), everything on one port: health and metrics (open), the REST API with
 * SSE under /api (bearer tokens with roles), model serving under /models (listing with a viewer token;
 * predict open unless the policy closes it), webhooks under /hooks, the Slack endpoints under /slack
 * (signed requests), MCP at /mcp and the web console with its read routes under /api/console. Every route is a record (route.ts) registered in one
 * loop with its access check and validators; the OpenAPI document is made from the same list. Every route
 * has a body limit (413) and a request id; a 500 is logged with it. Runs started or resumed here (API, MCP,
 * Slack, triggers) execute in this process, in the background, on one executor.
 */
import path from 'node:path';
import { WebClient } from '@slack/web-api';
import { Hono } from 'hono';
import { type PlannerResult, planGoal, plannerModelDeps, workspaceDeps } from '../../agents/planner/index.ts';
import { createAlertHandler } from '../../agents/triage/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import type { Config } from '../config.ts';
import { Engine } from '../engine/index.ts';
import { attachRecorders, recordDeploymentChange } from '../lineage/index.ts';
import { llmSettingsFrom } from '../llm/index.ts';
import { assembleMcpDeps, mcpRecords } from '../mcp/index.ts';
import {
  AuthStore,
  type DeploymentRecord,
  type ModelRegistry,
  RunStore,
  stateTarget,
} from '../store/index.ts';
import type { TaskRegistry } from '../tasks/index.ts';
import { type AlertHandler, hookRecords, Scheduler } from '../triggers/index.ts';
import { BullmqDispatcher } from '../workers/dispatcher.ts';
import { apiRecords } from './api.ts';
import { lineageRecords } from './api-lineage.ts';
import type { AuthEnv } from './auth.ts';
import { consoleRecords } from './console-api.ts';
import { RunExecutor } from './executor.ts';
import { applyBasics } from './http-basics.ts';
import { indexRecords } from './indexes.ts';
import { Metrics } from './metrics.ts';
import { defaultPredictionLog, modelServing, type Predictor } from './models.ts';
import { openApiDocument } from './openapi.ts';
import { conversationPlanner } from './plan-conversation.ts';
import { predictAccess } from './predict-access.ts';
import { type AnyRoute, mountRoutes, tokenGuards } from './route.ts';
import { SlackNotifier } from './slack/notifier.ts';
import { type SlackServing, slackServing } from './slack/routes.ts';
import { planGoalWithProgress } from './sse.ts';
import { systemRecords } from './system-routes.ts';
import { webRecords } from './web/index.ts';

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
  /** Serve the MCP streamable HTTP endpoint at /mcp (default true). */
  mcp?: boolean;
}

export interface PipewrightApp {
  app: Hono<AuthEnv>;
  /** Every route the app serves, as declared (route.ts); the OpenAPI document is made from them. */
  routes: readonly AnyRoute[];
  store: RunStore;
  engine: Engine;
  executor: RunExecutor;
  auth: AuthStore;
  metrics: Metrics;
  slack: SlackServing;
  notifier: SlackNotifier | undefined;
  /** Resolves when background runs, Slack work and Slack posts are done (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createApp(opts: AppOptions): PipewrightApp {
  const { config } = opts;
  const app = new Hono<AuthEnv>();
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
  // Runs, steps, approvals and drift from the shared store; lane depths from Redis when it is configured.
  const metrics = new Metrics({
    store,
    ...(config.redisUrl ? { queue: { redisUrl: config.redisUrl, queue: config.queue } } : {}),
  });
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
  const models = modelServing({
    registry: opts.registry,
    predictionLog,
    serving: () => engine.guard.policy.serving,
    user: config.user,
    onDeploymentChange,
    ...(opts.loadModel ? { loadModel: opts.loadModel } : {}),
  });
  const slack = slackServing({
    store,
    auth,
    executor,
    planner,
    workspace: config.workspace,
    ...(config.slackSigningSecret ? { signingSecret: config.slackSigningSecret } : {}),
    ...(client ? { client } : {}),
    ...(opts.slackNowMs ? { nowMs: opts.slackNowMs } : {}),
  });
  // MCP shares this server's executor, registry and planner: its runs execute and resume with the API's.
  const mcp =
    opts.mcp === false
      ? undefined
      : assembleMcpDeps(engine, { executor, models: opts.registry, planner, onDeploymentChange });

  // Every route, declared once as a record; one loop registers them with their access checks and
  // validators, and the OpenAPI document is made from the same list.
  let document: Record<string, unknown> | undefined;
  const routes: AnyRoute[] = [
    ...systemRecords({
      metrics,
      metricsAccess: config.metricsAccess,
      version: VERSION,
      document: () => (document ??= openApiDocument(routes, VERSION)),
    }),
    ...apiRecords({
      store,
      auth,
      executor,
      tasks,
      planner,
      ...(plannerStream ? { plannerStream } : {}),
      ...(conversation ? { conversation: conversation.say } : {}),
      ...(opts.sse ? { sse: opts.sse } : {}),
    }),
    ...lineageRecords({ store, config }),
    // The web console's read routes (/api/console/*).
    ...consoleRecords({
      store,
      registry: opts.registry,
      config,
      schedulerRunning: !!scheduler,
      ...(opts.sse ? { sse: opts.sse } : {}),
    }),
    ...models.records({ api: true }),
    ...indexRecords({ registry: opts.registry, config, queryLog: predictionLog }),
    ...(scheduler ? hookRecords(scheduler) : []),
    ...slack.records,
    ...(mcp ? mcpRecords(mcp.deps) : []),
    ...webRecords({ store, artifactsDir: path.join(config.stateDir, 'artifacts') }),
  ];
  // Request ids, metrics, body limits (413 before the body is read), JSON 404s, one error mapping.
  applyBasics(app, {
    observe: metrics.middleware(),
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    ...(opts.maxPredictBodyBytes ? { maxPredictBodyBytes: opts.maxPredictBodyBytes } : {}),
  });
  mountRoutes(
    app,
    routes,
    tokenGuards(auth, {
      // Predict stays open unless the policy closes it (a token, or a per-model key).
      predict: predictAccess(auth, () => engine.guard.policy.serving),
      slack: slack.guard,
    }),
  );

  const idle = async () => {
    await slack.idle();
    await executor.idle();
    await notifier?.idle();
  };
  return {
    app,
    routes,
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
      await mcp?.close();
      await metrics.close();
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
