/**
 * Read routes of the web console under /api/console (bearer token, viewer role), as route records
 * (route.ts): runs searched and paged, plans with their runs and triggers, a run's timeline and a step's
 * artifacts, the model registry in one answer per model, schedules with their next fire times, drift checks
 * with triage verdicts, lineage entities, and one live feed (SSE) of state changes across runs. The server
 * registers them in the same loop as every other route (access check, validators, error model), and the
 * OpenAPI document, docs/api.md and the contract test cover them like the rest. Writes (starting runs,
 * decisions, rollbacks) stay on the API's routes.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { userError } from '../errors.ts';
import { type Problem, planToYaml, validatePlan } from '../plan/index.ts';
import { LineageStore, type ModelRegistry, ROLES, type RunStore, TriggerStore } from '../store/index.ts';
import { cronOf } from '../triggers/schema.ts';
import { identityOf } from './auth.ts';
import { previewArtifact, relativePaths, resolveArtifact, stepArtifacts } from './console-files.ts';
import {
  driftChecks,
  feedAfter,
  latestSeq,
  planDetail,
  planNotFound,
  planSummaries,
  RunSearchQuery,
  runFacets,
  runTimeline,
  searchRuns,
  type TriggerView,
  triggerViews,
} from './console-queries.ts';
import { type AnyRoute, defineRoute } from './route.ts';
import { named } from './schema-names.ts';
import { EventsQuery, StepView } from './schemas.ts';
import {
  ArtifactEntryView,
  ArtifactPreviewView,
  ArtifactQuery,
  ConsoleMe,
  ConsoleModelDetail,
  ConsoleModelList,
  ConsoleRunPage,
  DriftOverview,
  DriftQuery,
  EntityList,
  EntityQuery,
  FeedEvent,
  PlanDetailView,
  PlanSummaries,
  PlanYaml,
  RunFacets,
  RunTimelineView,
  Schedules,
  YamlBody,
} from './schemas-console.ts';

export interface ConsoleOptions {
  store: RunStore;
  registry: ModelRegistry;
  config: Pick<Config, 'stateDir' | 'workspace'>;
  /** Whether this server fires triggers (it does when it owns its engine). */
  schedulerRunning: boolean;
  /** Feed tuning (tests): how often to look for events of other processes, keep-alive interval. */
  sse?: { pollMs?: number; keepAliveMs?: number };
}

const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const StepDetail = named(
  'ConsoleStep',
  z.object({
    runId: z.string(),
    step: StepView.describe('The step record, paths relative to the state folder or the workspace'),
    artifacts: z.array(ArtifactEntryView).describe('The files and folders its output names'),
  }),
);

/** The console's routes: one record each, registered by the server with every other route. */
export function consoleRecords(opts: ConsoleOptions): AnyRoute[] {
  const { store, registry } = opts;
  const triggers = new TriggerStore(store.db);
  const lineage = new LineageStore(store.db);
  const dirs = { stateDir: opts.config.stateDir, workspace: opts.config.workspace };

  const triggerList = (): TriggerView[] =>
    triggerViews(triggers.listTriggers(), {
      lastFire: (name) => {
        const f = triggers.listFires({ trigger: name, limit: 100_000 }).at(-1);
        return f
          ? {
              tick: f.tick,
              status: f.status,
              at: f.at,
              ...(f.runId ? { runId: f.runId } : {}),
              ...(f.reason ? { reason: f.reason } : {}),
            }
          : undefined;
      },
      nextFires: (schedule, timezone, n) => {
        const cron = cronOf(schedule, timezone);
        try {
          return cron.nextRuns(n).map((d) => d.toISOString());
        } finally {
          cron.stop();
        }
      },
      defaultZone: ZONE,
    });

  const step = (runId: string, stepId: string) => {
    const run = store.requireRun(runId);
    const rec = store.getSteps(run.id).find((s) => s.stepId === stepId);
    if (!rec) {
      throw userError(
        'STEP_NOT_FOUND',
        `Run ${run.id} has no step "${stepId}"`,
        `its steps are: ${run.plan.steps.map((s) => s.id).join(', ')}`,
        'Pick a step of the run (GET /api/runs/:id).',
      );
    }
    return { run, rec };
  };

  const tag = 'console';
  const role = 'viewer';
  return [
    defineRoute({
      method: 'get',
      path: '/api/console/events',
      summary:
        'Live state changes of every run (SSE; id = event seq, resume with Last-Event-ID; ?access_token= accepted)',
      description:
        'Starts at the newest event (or after Last-Event-ID / ?after=); never ends by itself. Log and progress lines are left out.',
      tag,
      role,
      tokenInQuery: true,
      query: EventsQuery,
      response: {
        description: 'Server-sent events: hello, then one change per state change',
        type: 'text/event-stream',
        schema: FeedEvent,
      },
      errors: [],
      handler: (c, { query }) => feed(c, store, query.after, opts.sse),
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/me',
      summary: 'Who the token belongs to and its role (the console shows only what the role may do)',
      tag,
      role,
      response: { description: 'The caller', schema: ConsoleMe },
      errors: [],
      handler: (c) => ({ ...identityOf(c), roles: [...ROLES] }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/runs',
      summary: 'Runs, newest first: search (q), filters (status, plan, who, trigger, from, to) and paging',
      tag,
      role,
      query: RunSearchQuery,
      response: { description: 'One page of runs, with the total', schema: ConsoleRunPage },
      errors: [],
      handler: (_c, { query }) => searchRuns(store, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/runs/facets',
      summary: 'The values the run filters offer: plans, people, triggers',
      tag,
      role,
      response: { description: 'Distinct values seen in runs', schema: RunFacets },
      errors: [],
      handler: () => runFacets(store),
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/runs/:id/timeline',
      summary: "A run's timeline: per step its attempts, retry waits, approval wait and time queued",
      tag,
      role,
      response: { description: 'The timeline', schema: RunTimelineView },
      errors: ['RUN_NOT_FOUND'],
      handler: (_c, { params }) => runTimeline(store, params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/runs/:id/steps/:step',
      summary: 'One step: its record (paths relative) and the artifacts its output names',
      tag,
      role,
      response: { description: 'The step', schema: StepDetail },
      errors: ['RUN_NOT_FOUND', 'STEP_NOT_FOUND'],
      handler: (_c, { params }) => {
        const { run, rec } = step(params.id, params.step);
        return {
          runId: run.id,
          step: { ...rec, input: relativePaths(rec.input, dirs), output: relativePaths(rec.output, dirs) },
          artifacts: rec.output === undefined ? [] : stepArtifacts(rec.output, opts.config.stateDir),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/runs/:id/steps/:step/artifact',
      summary: 'A preview of one artifact: the first rows of a dataset, the text of a text file',
      tag,
      role,
      query: ArtifactQuery,
      response: { description: 'The preview', schema: ArtifactPreviewView },
      errors: ['RUN_NOT_FOUND', 'STEP_NOT_FOUND', 'ARTIFACT_NOT_FOUND'],
      handler: async (_c, { params, query }) => {
        const { rec } = step(params.id, params.step);
        const entries = stepArtifacts(rec.output, opts.config.stateDir);
        const { real } = resolveArtifact(entries, opts.config.stateDir, query.path, query.file);
        return previewArtifact(real, query.path, query.file);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/runs/:id/steps/:step/download',
      summary: 'One artifact file as it is (attachment)',
      tag,
      role,
      query: ArtifactQuery,
      response: {
        description: 'The file',
        type: 'application/octet-stream',
        headers: { 'content-disposition': 'attachment, with the file name' },
      },
      errors: ['RUN_NOT_FOUND', 'STEP_NOT_FOUND', 'ARTIFACT_NOT_FOUND', 'ARTIFACT_IS_FOLDER'],
      handler: (_c, { params, query: q }) => {
        const { rec } = step(params.id, params.step);
        const entries = stepArtifacts(rec.output, opts.config.stateDir);
        const { real, entry } = resolveArtifact(entries, opts.config.stateDir, q.path, q.file);
        if (!q.file && entry.kind === 'dir') {
          throw userError(
            'ARTIFACT_IS_FOLDER',
            `"${q.path}" is a folder`,
            'folders are downloaded one file at a time',
            'Pass file=<name> with one of the names the listing gives.',
          );
        }
        const name = (q.file ?? q.path.split('/').at(-1) ?? 'artifact').replace(/[^A-Za-z0-9._-]/g, '_');
        const ext = !q.file && entry.format !== 'text' && entry.format !== 'binary' ? `.${entry.format}` : '';
        return new Response(Readable.toWeb(createReadStream(real)) as ReadableStream, {
          headers: {
            'content-type': 'application/octet-stream',
            'content-disposition': `attachment; filename="${name}${ext}"`,
            'x-content-type-options': 'nosniff',
          },
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/plans',
      summary: 'Plans known from runs and triggers: run counts by status, last run, triggers',
      tag,
      role,
      response: { description: 'Plans, most recently run first', schema: PlanSummaries },
      errors: [],
      handler: () => {
        const all = triggers.listTriggers();
        return {
          plans: planSummaries(store, triggerList(), (name) => all.find((t) => t.planName === name)?.plan),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/plans/:name',
      summary: 'A plan: its newest definition (JSON and YAML), versions, runs with durations, triggers',
      tag,
      role,
      response: { description: 'The plan', schema: PlanDetailView },
      errors: ['PLAN_NOT_FOUND'],
      handler: (_c, { params }) => {
        const name = params.name;
        const detail = planDetail(store, name);
        const own = triggerList().filter((t) => t.planName === name);
        if (!detail && !own.length) throw planNotFound(name);
        const plan =
          detail?.plan ?? (triggers.listTriggers().find((t) => t.planName === name)?.plan as unknown);
        return {
          name,
          plan,
          yaml: yamlOf(plan),
          versions: detail?.versions ?? [],
          runs: detail?.runs ?? [],
          triggers: own,
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/console/plans/yaml',
      summary: 'A plan rendered as YAML, as the CLI writes it (the plan editor shows this)',
      tag,
      role,
      body: YamlBody,
      response: { description: 'The YAML', schema: PlanYaml },
      errors: ['PLAN_INVALID'],
      handler: (_c, { body }) => {
        const r = validatePlan(body.plan);
        if (!r.ok) throw invalidPlan(r.problems);
        return { yaml: planToYaml(r.plan) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/schedules',
      summary: 'Triggers: cron with their next fire times and time zone, watched folders, webhooks, drift',
      tag,
      role,
      response: { description: 'The triggers, and whether this server fires them', schema: Schedules },
      errors: [],
      handler: () => ({
        scheduler: { running: opts.schedulerRunning, timezone: ZONE },
        triggers: triggerList(),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/models',
      summary: 'Registered models: latest version and its metrics, aliases, active deployment',
      tag,
      role,
      response: { description: 'Every registered model', schema: ConsoleModelList },
      errors: [],
      handler: () => ({
        models: registry.listModels().map((m) => {
          const latest = m.latestVersion ? registry.getVersion(m.name, m.latestVersion) : undefined;
          const deployment = registry.activeDeployment(m.name);
          return {
            ...m,
            aliases: registry.getAliases(m.name),
            ...(latest ? { metrics: latest.metrics, latestAt: latest.createdAt } : {}),
            deployment: deployment ?? null,
          };
        }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/models/:name',
      summary: 'A model: every version with metrics, aliases and their history, deployments, drift, triages',
      tag,
      role,
      response: { description: 'The model', schema: ConsoleModelDetail },
      errors: ['MODEL_NOT_REGISTERED'],
      handler: (_c, { params }) => {
        const name = params.name;
        const versions = registry.listVersions(name).map((v) => ({
          version: v.version,
          metrics: v.metrics,
          params: v.params,
          aliases: v.aliases,
          createdAt: v.createdAt,
          createdBy: v.createdBy,
          ...(v.description ? { description: v.description } : {}),
          ...(v.runId ? { runId: v.runId, stepId: v.stepId } : {}),
          ...(v.planName ? { planName: v.planName } : {}),
          ...(v.datasetVersion ? { datasetVersion: v.datasetVersion } : {}),
          ...(v.datasetHash ? { datasetHash: v.datasetHash } : {}),
          hash: v.ref.hash,
          algorithm: (v.ref as { algorithm?: unknown }).algorithm ?? null,
          framework: (v.ref as { framework?: unknown }).framework ?? null,
          dir: relativePaths(v.ref.dir, dirs),
        }));
        const serving = registry.servingState(name);
        return {
          name,
          aliases: registry.getAliases(name),
          versions,
          aliasHistory: registry.aliasHistory(name),
          deployments: registry.listDeployments(name, 100),
          serving: {
            alias: serving.alias,
            version: serving.version ?? null,
            canary: serving.canary ?? null,
            endpoint: `/models/${name}/predict`,
          },
          drift: driftChecks(store, { model: name, limit: 20 }),
          triages: triages(triggers, name),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/drift',
      summary: 'Drift checks (monitor.drift steps), newest first, and triage verdicts, per model',
      tag,
      role,
      query: DriftQuery,
      response: { description: 'Checks and triages', schema: DriftOverview },
      errors: [],
      handler: (_c, { query: q }) => ({
        checks: driftChecks(store, { limit: q.limit, ...(q.model ? { model: q.model } : {}) }),
        triages: triages(triggers, q.model),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/lineage',
      summary: 'Lineage entities, newest first, to pick one to draw (GET /api/lineage/:entity walks it)',
      tag,
      role,
      query: EntityQuery,
      response: { description: 'Entities', schema: EntityList },
      errors: [],
      handler: (_c, { query: q }) => {
        const needle = q.q?.toLowerCase();
        const all = lineage.listEntities({
          limit: needle ? 5000 : q.limit,
          ...(q.kind ? { kind: q.kind } : {}),
        });
        const hits = needle
          ? all.filter((e) => e.id.toLowerCase().includes(needle) || e.label.toLowerCase().includes(needle))
          : all;
        return {
          entities: hits
            .slice(0, q.limit)
            .map((e) => ({ id: e.id, kind: e.kind, label: e.label, at: e.createdAt })),
        };
      },
    }),
  ];
}

/** The plan as the CLI writes it, or '' for a stored plan that no longer parses. */
function yamlOf(plan: unknown): string {
  const r = validatePlan(plan);
  return r.ok ? planToYaml(r.plan) : '';
}

function invalidPlan(problems: Problem[]) {
  return userError(
    'PLAN_INVALID',
    `The plan has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    'Fix each listed problem (POST /api/plans/validate lists them with the task catalog).',
    { problems },
  );
}

function triages(triggers: TriggerStore, model?: string) {
  return triggers.listTriages({ limit: 100, ...(model ? { model } : {}) }).map((t) => {
    const full = t.triage as {
      explanation?: string;
      verdict?: { cause?: string; reasoning?: string[]; columns?: string[] };
      proposal?: { reasons?: string[]; rollbackTo?: number };
    };
    return {
      id: t.id,
      model: t.model ?? null,
      alertRef: t.alertRef,
      classification: t.classification,
      severity: t.severity,
      action: t.action,
      status: t.status,
      createdAt: t.createdAt,
      createdBy: t.createdBy,
      runId: t.runId ?? null,
      explanation: full.explanation ?? null,
      cause: full.verdict?.cause ?? null,
      columns: full.verdict?.columns ?? [],
      reasoning: full.verdict?.reasoning ?? [],
      reasons: full.proposal?.reasons ?? [],
      ...(full.proposal?.rollbackTo !== undefined ? { rollbackTo: full.proposal.rollbackTo } : {}),
    };
  });
}

/**
 * The console's live feed: state-change events of every run (never log or progress lines), as SSE. The id
 * is the event's seq: a reconnecting EventSource sends Last-Event-ID and misses nothing. Without one, the
 * feed starts at the newest event. Events of other processes (the CLI, workers) are found by polling.
 */
function feed(c: Context, store: RunStore, after: string | undefined, opts: ConsoleOptions['sse'] = {}) {
  const header = c.req.header('last-event-id') ?? after;
  let last = header && /^\d+$/.test(header) ? Number(header) : latestSeq(store);
  const pollMs = opts.pollMs ?? 1000;
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  return streamSSE(c, async (stream) => {
    let wake: (() => void) | undefined;
    let closed = false;
    const unsubscribe = store.subscribe(() => wake?.());
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    try {
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ seq: last }) });
      let idle = 0;
      while (!closed) {
        const events = feedAfter(store, last);
        for (const e of events) {
          await stream.writeSSE({ id: String(e.seq), event: 'change', data: JSON.stringify(e) });
          last = e.seq;
        }
        if (events.length) idle = 0;
        if (events.length === 500) continue;
        const waited = await new Promise<number>((resolve) => {
          const began = Date.now();
          const timer = setTimeout(() => resolve(Date.now() - began), pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve(Date.now() - began);
          };
        });
        wake = undefined;
        idle += waited;
        if (idle >= keepAliveMs && !closed) {
          await stream.write(': keep-alive\n\n');
          idle = 0;
        }
      }
    } finally {
      unsubscribe();
    }
  });
}
