/**
 * Read routes of the web console under /api/console (bearer token, viewer role): runs searched and paged,
 * plans with their runs and triggers, a run's timeline and a step's artifacts, the model registry in one
 * answer per model, schedules with their next fire times, drift checks with triage verdicts, lineage
 * entities, and one live feed (SSE) of state changes across runs. Each route is one record (method, path,
 * role, query schema, handler) registered in one loop, so the role check and the query parsing cannot drift
 * from the list in docs/web.md. Writes (starting runs, decisions, rollbacks) stay on the API's routes.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { isPipewrightError, userError } from '../errors.ts';
import { type Problem, planToYaml, validatePlan } from '../plan/index.ts';
import {
  type AuthStore,
  ENTITY_KINDS,
  LineageStore,
  type ModelRegistry,
  ROLES,
  type Role,
  type RunStore,
  TriggerStore,
} from '../store/index.ts';
import { cronOf } from '../triggers/schema.ts';
import { type AuthEnv, authenticate, identityOf, requireRole } from './auth.ts';
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
import { errorJson, errorResponse, invalid } from './http-errors.ts';

export interface ConsoleOptions {
  store: RunStore;
  auth: AuthStore;
  registry: ModelRegistry;
  config: Pick<Config, 'stateDir' | 'workspace'>;
  /** Whether this server fires triggers (it does when it owns its engine). */
  schedulerRunning: boolean;
  /** Feed tuning (tests): how often to look for events of other processes, keep-alive interval. */
  sse?: { pollMs?: number; keepAliveMs?: number };
}

type Handler = (c: Context<AuthEnv>, input: { query: unknown; body: unknown }) => unknown;

/** A handler returns a Response as it is, anything else as JSON. */
export interface ConsoleRoute {
  method: 'get' | 'post';
  path: string;
  summary: string;
  role: Role;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Content type of the answer (default application/json). */
  produces?: string;
}

const ArtifactQuery = z
  .object({
    path: z.string().min(1).max(1000).describe('The artifact, as the step listing gave it'),
    file: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe("A file inside a folder artifact (the listing's names)"),
  })
  .strict();
const DriftQuery = z
  .object({
    model: z.string().min(1).max(200).optional().describe('Only checks and triages of this model'),
    limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many checks'),
  })
  .strict();
const EntityQuery = z
  .object({
    q: z.string().trim().max(200).optional().describe('Text in the entity id or label'),
    kind: z.enum(ENTITY_KINDS).optional().describe('Only this kind (run, dataset, model, deployment, …)'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const YamlBody = z
  .object({ plan: z.record(z.string(), z.unknown()).describe('A plan as JSON') })
  .strict()
  .describe('A plan to render as YAML');

const NOT_FOUND = new Set(['PLAN_NOT_FOUND', 'ARTIFACT_NOT_FOUND']);

/**
 * The console's routes: one record each (method, path, role, schemas), registered in one loop with their
 * role check and parsing, and described in the API's OpenAPI document (consoleOpenApiPaths).
 */
export const CONSOLE_ROUTES: ConsoleRoute[] = [
  {
    method: 'get',
    path: '/api/console/events',
    summary:
      'Live state changes of every run (SSE; id = event seq, resume with Last-Event-ID; ?access_token= accepted)',
    role: 'viewer',
    produces: 'text/event-stream',
  },
  {
    method: 'get',
    path: '/api/console/me',
    summary: 'Who the token belongs to and its role (the console shows only what the role may do)',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/console/runs',
    summary: 'Runs, newest first: search (q), filters (status, plan, who, trigger, from, to) and paging',
    role: 'viewer',
    query: RunSearchQuery,
  },
  {
    method: 'get',
    path: '/api/console/runs/facets',
    summary: 'The values the run filters offer: plans, people, triggers',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/console/runs/:id/timeline',
    summary: "A run's timeline: per step its attempts, retry waits, approval wait and time queued",
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/console/runs/:id/steps/:step',
    summary: 'One step: its record (paths relative) and the artifacts its output names',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/console/runs/:id/steps/:step/artifact',
    summary: 'A preview of one artifact: the first rows of a dataset, the text of a text file',
    role: 'viewer',
    query: ArtifactQuery,
  },
  {
    method: 'get',
    path: '/api/console/runs/:id/steps/:step/download',
    summary: 'One artifact file as it is (attachment)',
    role: 'viewer',
    query: ArtifactQuery,
  },
  {
    method: 'get',
    path: '/api/console/plans',
    summary: 'Plans known from runs and triggers: run counts by status, last run, triggers',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/console/plans/:name',
    summary: 'A plan: its newest definition (JSON and YAML), versions, runs with durations, triggers',
    role: 'viewer',
  },
  {
    method: 'post',
    path: '/api/console/plans/yaml',
    summary: 'A plan rendered as YAML, as the CLI writes it (the plan editor shows this)',
    role: 'viewer',
    body: YamlBody,
  },
  {
    method: 'get',
    path: '/api/console/schedules',
    summary: 'Triggers: cron with their next fire times and time zone, watched folders, webhooks, drift',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/console/models',
    summary: 'Registered models: latest version and its metrics, aliases, active deployment',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/console/models/:name',
    summary: 'A model: every version with metrics, aliases and their history, deployments, drift, triages',
    role: 'viewer',
  },
  {
    method: 'get',
    path: '/api/console/drift',
    summary: 'Drift checks (monitor.drift steps), newest first, and triage verdicts, per model',
    role: 'viewer',
    query: DriftQuery,
  },
  {
    method: 'get',
    path: '/api/console/lineage',
    summary: 'Lineage entities, newest first, to pick one to draw (GET /api/lineage/:entity walks it)',
    role: 'viewer',
    query: EntityQuery,
  },
];

const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function consoleRoutes(opts: ConsoleOptions): Hono<AuthEnv> {
  const { store, registry } = opts;
  const app = new Hono<AuthEnv>();
  // Unknown plans and artifacts are the caller's 404, as unknown runs are.
  app.onError((e, c) =>
    isPipewrightError(e) && NOT_FOUND.has(e.code) ? c.json(errorJson(e).body, 404) : errorResponse(c, e),
  );
  const triggers = new TriggerStore(store.db);
  const lineage = new LineageStore(store.db);

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

  const handlers: Record<string, Handler> = {
    'get /api/console/me': (c) => ({ ...identityOf(c), roles: ROLES }),
    'get /api/console/runs': (_c, { query }) => searchRuns(store, query as RunSearchQuery),
    'get /api/console/runs/facets': () => runFacets(store),
    'get /api/console/runs/:id/timeline': (c) => runTimeline(store, c.req.param('id') ?? ''),
    'get /api/console/runs/:id/steps/:step': (c) => {
      const { run, rec } = step(c.req.param('id') ?? '', c.req.param('step') ?? '');
      const dirs = { stateDir: opts.config.stateDir, workspace: opts.config.workspace };
      return {
        runId: run.id,
        step: { ...rec, input: relativePaths(rec.input, dirs), output: relativePaths(rec.output, dirs) },
        artifacts: rec.output === undefined ? [] : stepArtifacts(rec.output, opts.config.stateDir),
      };
    },
    'get /api/console/runs/:id/steps/:step/artifact': async (c, { query }) => {
      const q = query as z.infer<typeof ArtifactQuery>;
      const { rec } = step(c.req.param('id') ?? '', c.req.param('step') ?? '');
      const entries = stepArtifacts(rec.output, opts.config.stateDir);
      const { real } = resolveArtifact(entries, opts.config.stateDir, q.path, q.file);
      return previewArtifact(real, q.path, q.file);
    },
    'get /api/console/runs/:id/steps/:step/download': (c, { query }) => {
      const q = query as z.infer<typeof ArtifactQuery>;
      const { rec } = step(c.req.param('id') ?? '', c.req.param('step') ?? '');
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
    'get /api/console/plans': () => {
      const all = triggers.listTriggers();
      return {
        plans: planSummaries(store, triggerList(), (name) => all.find((t) => t.planName === name)?.plan),
      };
    },
    'get /api/console/plans/:name': (c) => {
      const name = c.req.param('name') ?? '';
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
    'post /api/console/plans/yaml': (_c, { body }) => {
      const r = validatePlan((body as z.infer<typeof YamlBody>).plan);
      if (!r.ok) throw invalidPlan(r.problems);
      return { yaml: planToYaml(r.plan) };
    },
    'get /api/console/schedules': () => ({
      scheduler: { running: opts.schedulerRunning, timezone: ZONE },
      triggers: triggerList(),
    }),
    'get /api/console/models': () => ({
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
    'get /api/console/models/:name': (c) => {
      const name = c.req.param('name') ?? '';
      const dirs = { stateDir: opts.config.stateDir, workspace: opts.config.workspace };
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
    'get /api/console/drift': (_c, { query }) => {
      const q = query as z.infer<typeof DriftQuery>;
      return {
        checks: driftChecks(store, { limit: q.limit, ...(q.model ? { model: q.model } : {}) }),
        triages: triages(triggers, q.model),
      };
    },
    'get /api/console/lineage': (_c, { query }) => {
      const q = query as z.infer<typeof EntityQuery>;
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
  };

  // EventSource cannot send headers: the feed also takes ?access_token= (as /api/runs/:id/events does).
  app.use('/api/console/events', async (c, next) => {
    const q = c.req.query('access_token');
    if (q && !c.req.header('authorization')) c.req.raw.headers.set('authorization', `Bearer ${q}`);
    await next();
  });
  app.use('/api/console/*', authenticate(opts.auth));
  app.get('/api/console/events', requireRole('viewer'), (c) => feed(c, store, opts.sse));

  for (const r of CONSOLE_ROUTES) {
    if (r.produces === 'text/event-stream') continue; // the feed, registered above
    const handler = handlers[`${r.method} ${r.path}`];
    if (!handler) throw new Error(`console route ${r.method} ${r.path} has no handler`);
    app.on(r.method.toUpperCase(), r.path, requireRole(r.role), async (c) => {
      const query = r.query ? parsed(r.query, c.req.query(), 'The query parameters are invalid') : undefined;
      const body = r.body
        ? parsed(
            r.body,
            await c.req.json().catch(() => undefined),
            'The request body does not fit its schema',
          )
        : undefined;
      const out = await handler(c, { query, body });
      return out instanceof Response ? out : c.json(out as object);
    });
  }
  return app;
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

const json = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

/** The console's routes as OpenAPI path items, for the API's document (GET /api/openapi.json). */
export function consoleOpenApiPaths(): Record<string, Record<string, unknown>> {
  const error = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of CONSOLE_ROUTES) {
    const openPath = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: Record<string, unknown>[] = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (r.query) {
      const q = json(r.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {}))
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
    paths[openPath] ??= {};
    (paths[openPath] as Record<string, unknown>)[r.method] = {
      summary: r.summary,
      tags: ['console'],
      operationId: `${r.method}${openPath.replace(/[{}]/g, '').replace(/[/_-]+(\w)/g, (_, c: string) => c.toUpperCase())}`,
      'x-required-role': r.role,
      security: [{ bearerAuth: [] }],
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: json(r.body) } } } }
        : {}),
      responses: {
        200: { description: r.summary, content: { [r.produces ?? 'application/json']: { schema: {} } } },
        ...(r.query || r.body
          ? { 400: { description: 'Invalid query or body (every problem listed)', ...error } }
          : {}),
        401: { description: 'No token, or not a valid one', ...error },
        403: { description: 'The token’s role may not do this', ...error },
        ...(r.path.includes(':')
          ? { 404: { description: 'No such run, step, plan, model or artifact', ...error } }
          : {}),
      },
    };
  }
  return paths;
}

function parsed(schema: z.ZodType, raw: unknown, what: string): unknown {
  const r = schema.safeParse(raw);
  if (!r.success) throw invalid(what, r.error.issues);
  return r.data;
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
function feed(c: Context, store: RunStore, opts: ConsoleOptions['sse'] = {}) {
  const header = c.req.header('last-event-id') ?? c.req.query('after');
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
