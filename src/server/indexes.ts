/**
 * Search index serving, a hono sub-app mounted with `mountIndexRoutes(app, deps)`:
 *
 *   POST /indexes/:name/search   { "query": "...", "k"?: 5, "mode"?: "hybrid" | "vector" | "text", "path"?: "docs/" }
 *   GET  /indexes                registered indexes (viewer token)
 *   GET  /indexes/:name          versions, aliases, what is served now (viewer token)
 *
 * An index is served like a model: index.register puts a version (a pinned LanceDB table version) in the
 * model registry, deploy.http moves its alias with an optional canary share, `POST /models/:name/rollback`
 * (or `pipewright models rollback`) goes back; each request routes stable / canary / pinned (?version=N or
 * x-model-version) exactly as predictions do, and is logged to the prediction log
 * (`<state>/predictions/<name>/`: query, k, mode, result ids and the nearest distance) for monitor.retrieval.
 * Search is open unless the policy closes predict (the same serving policy and model keys).
 */
import { randomUUID } from 'node:crypto';
import type { Table } from '@lancedb/lancedb';
import { type Hono, Hono as HonoApp } from 'hono';
import { z } from 'zod';
import { embedderById } from '../../tools/ai/embedding.ts';
import { RegisteredIndexRef } from '../../tools/ai/index-register.ts';
import { openIndexTable, type SearchHit, searchIndex, sqlString } from '../../tools/ai/lance-index.ts';
import type { Config } from '../config.ts';
import { PipewrightError, serializeError, userError } from '../errors.ts';
import type { Embedder } from '../lineage/embeddings.ts';
import type { Policy } from '../policy/index.ts';
import type { AuthStore, ModelRegistry, ServingState } from '../store/index.ts';
import { authenticate, requireRole } from './auth.ts';
import { errorResponse, statusOf } from './http-errors.ts';
import { PIN_HEADER, REQUEST_ID_HEADER, routeUnit } from './models.ts';
import { predictAccess } from './predict-access.ts';
import type { PredictionErrorLine, PredictionLog, PredictionLogLine } from './prediction-log.ts';

export const SearchBody = z
  .object({
    query: z.string().min(1).max(4000).describe('What to search for'),
    k: z.number().int().min(1).max(100).default(5).describe('How many chunks to return'),
    mode: z
      .enum(['hybrid', 'vector', 'text'])
      .default('hybrid')
      .describe('hybrid (vector + full text, fused), vector or text'),
    path: z
      .string()
      .max(500)
      .optional()
      .describe('Only chunks of documents whose path starts with this, e.g. "docs/"'),
  })
  .strict();

export interface IndexRoutesOptions {
  registry: ModelRegistry;
  config: Config;
  /** Where searches are logged (the prediction log); omit to log nothing. */
  queryLog?: PredictionLog;
  /** The embedder for an index's embedder id (default: tools/ai embedderById over the config). */
  embedder?: (id: string) => Embedder;
  /** Open table versions kept (default 8). */
  maxOpen?: number;
  random?: () => number;
  clock?: () => Date;
}

interface Served {
  ref: RegisteredIndexRef;
  table: Promise<Table>;
}

export function indexRoutes(opts: IndexRoutesOptions): Hono {
  const { registry } = opts;
  const embedderFor = opts.embedder ?? ((id: string) => embedderById(opts.config, id));
  const random = opts.random ?? Math.random;
  const now = opts.clock ?? (() => new Date());
  const maxOpen = opts.maxOpen ?? 8;
  const states = new Map<string, ServingState>();
  const open = new Map<string, Served>();
  const embedders = new Map<string, Embedder>();

  const servingState = (name: string): ServingState => {
    const epoch = registry.epoch(name);
    if (epoch === undefined) registry.requireModel(name);
    const cached = states.get(name);
    if (cached && cached.epoch === epoch) return cached;
    const fresh = registry.servingState(name);
    states.set(name, fresh);
    return fresh;
  };

  /** The registered index version, its table opened at the pinned table version (kept open, a few at a time). */
  const served = (name: string, version: number): Served => {
    const key = `${name}@${version}`;
    const hit = open.get(key);
    if (hit) {
      open.delete(key);
      open.set(key, hit);
      return hit;
    }
    const record = registry.getVersion(name, version);
    const parsed = RegisteredIndexRef.safeParse(record.ref);
    if (!parsed.success) {
      throw userError(
        'INDEX_IS_MODEL',
        `"${name}" is a model, not a search index`,
        'models answer predictions, indexes answer searches',
        `POST /models/${name}/predict instead.`,
      );
    }
    const entry: Served = {
      ref: parsed.data,
      table: openIndexTable(parsed.data.dir, parsed.data.tableVersion),
    };
    entry.table.catch(() => {
      if (open.get(key) === entry) open.delete(key);
    });
    open.set(key, entry);
    while (open.size > maxOpen) {
      const [oldest, old] = open.entries().next().value as [string, Served];
      open.delete(oldest);
      void old.table.then((t) => t.close()).catch(() => {});
    }
    return entry;
  };

  // Searches that reached a version: a failure after routing is logged as that version's error (serving
  // metrics count them, as for predictions).
  const routed = new WeakMap<
    Request,
    Omit<PredictionErrorLine, 'at' | 'status' | 'code' | 'latencyMs'> & { started: number }
  >();
  const app = new HonoApp();
  app.onError((err, c) => {
    const r = routed.get(c.req.raw);
    if (r && opts.queryLog?.sample()) {
      const { started, ...line } = r;
      const e = serializeError(err);
      opts.queryLog.appendError({
        ...line,
        at: now().toISOString(),
        status: statusOf(e.code, e.category),
        code: e.code,
        latencyMs: performance.now() - started,
      });
    }
    return errorResponse(c, err);
  });

  app.get('/indexes', (c) =>
    c.json({
      indexes: registry
        .listModels()
        .filter((m) => registry.getVersion(m.name, m.latestVersion).ref.kind === 'index'),
    }),
  );

  app.get('/indexes/:name', (c) => {
    const name = c.req.param('name');
    const state = servingState(name);
    return c.json({
      name,
      aliases: registry.getAliases(name),
      versions: registry.listVersions(name).map((v) => ({
        version: v.version,
        tableVersion: (v.ref as { tableVersion?: number }).tableVersion ?? null,
        embedder: (v.ref as { embedder?: string }).embedder ?? null,
        metrics: v.metrics,
        aliases: v.aliases,
        createdAt: v.createdAt,
        createdBy: v.createdBy,
        ...(v.runId ? { runId: v.runId, stepId: v.stepId } : {}),
      })),
      deployment: state.deployment ?? null,
      serving: {
        alias: state.alias,
        version: state.version ?? null,
        canary: state.canary ?? null,
        endpoint: `/indexes/${name}/search`,
      },
    });
  });

  app.post('/indexes/:name/search', async (c) => {
    const started = performance.now();
    const name = c.req.param('name');
    const requestId =
      c.req.header(REQUEST_ID_HEADER) ?? (c.var as { requestId?: string }).requestId ?? randomUUID();
    const state = servingState(name);
    const pin = c.req.query('version') ?? c.req.header(PIN_HEADER);
    let version: number;
    let route: PredictionLogLine['route'];
    if (pin !== undefined && pin !== '') {
      version = registry.resolveVersion(name, pin);
      route = 'pinned';
    } else if (state.version === undefined) {
      throw userError(
        'MODEL_NOT_DEPLOYED',
        `Index "${name}" is not deployed`,
        `no active deployment, and its "${state.alias}" alias is not set`,
        `Deploy it with deploy.http, or pin a version with ?version=N (versions: ${registry
          .listVersions(name)
          .map((v) => v.version)
          .join(', ')}).`,
      );
    } else if (
      state.canary &&
      (c.req.header(REQUEST_ID_HEADER) ? routeUnit(requestId) : random()) < state.canary.share
    ) {
      version = state.canary.version;
      route = 'canary';
    } else {
      version = state.version;
      route = 'stable';
    }
    routed.set(c.req.raw, { model: name, version, route, requestId, started });
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch (e) {
      throw userError(
        'REQUEST_BODY_NOT_JSON',
        'The request body is not valid JSON',
        (e as Error).message,
        'Send {"query": "how do approvals time out?", "k": 5}.',
      );
    }
    const body = SearchBody.safeParse(raw);
    if (!body.success) {
      const problems = body.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw userError(
        'REQUEST_BODY_INVALID',
        `${problems.length} problem${problems.length === 1 ? '' : 's'} in the request body`,
        problems.map((p) => `${p.path || '(body)'}: ${p.message}`).join('; '),
        'Send {"query": "...", "k": 5, "mode": "hybrid"}.',
        { problems },
      );
    }
    const { ref, table } = served(name, version);
    let embedder = embedders.get(ref.embedder);
    if (!embedder) {
      embedder = embedderFor(ref.embedder);
      embedders.set(ref.embedder, embedder);
    }
    const q = body.data;
    let vector: number[] | undefined;
    if (q.mode !== 'text') {
      try {
        [vector] = await embedder.embed([q.query]);
      } catch (e) {
        throw new PipewrightError({
          code: 'INDEX_EMBEDDINGS_FAILED',
          category: 'third-party',
          what: `The query could not be embedded with ${ref.embedder}`,
          why: (e as Error).message.split('\n')[0],
          fix: 'Check the embedding server (PIPEWRIGHT_LLM_BASE_URL), or search with "mode": "text".',
          cause: e,
        });
      }
    }
    const hits: SearchHit[] = await searchIndex(
      await table,
      { embedder: ref.embedder, dims: ref.dims, distance: ref.distance },
      {
        text: q.query,
        vector,
        k: q.k,
        mode: q.mode,
        ...(q.path ? { where: `starts_with(path, ${sqlString(q.path)})` } : {}),
      },
    );
    const latencyMs = performance.now() - started;
    if (opts.queryLog?.sample()) {
      const distances = hits.map((h) => h.distance).filter((d): d is number => typeof d === 'number');
      opts.queryLog.append([
        {
          at: now().toISOString(),
          model: name,
          version,
          requestId,
          index: 0,
          route,
          input: { query: q.query, k: q.k, mode: q.mode },
          prediction: {
            ids: hits.map((h) => h.id),
            paths: hits.map((h) => h.path),
            ...(distances.length ? { nearest: Math.min(...distances) } : {}),
          },
          latencyMs,
        },
      ]);
    }
    c.header(REQUEST_ID_HEADER, requestId);
    c.header(PIN_HEADER, String(version));
    return c.json({
      index: name,
      version,
      tableVersion: ref.tableVersion,
      route,
      results: hits,
    });
  });

  return app;
}

export interface MountIndexDeps {
  auth: AuthStore;
  registry: ModelRegistry;
  config: Config;
  serving: () => Policy['serving'];
  queryLog?: PredictionLog;
}

/** Index routes on the server: listing with a viewer token, search under the serving policy of predict. */
export function mountIndexRoutes(app: Hono, deps: MountIndexDeps): void {
  app.get('/indexes', authenticate(deps.auth), requireRole('viewer'));
  app.get('/indexes/:name', authenticate(deps.auth), requireRole('viewer'));
  app.post('/indexes/:name/search', predictAccess(deps.auth, deps.serving));
  app.route(
    '/',
    indexRoutes({
      registry: deps.registry,
      config: deps.config,
      ...(deps.queryLog ? { queryLog: deps.queryLog } : {}),
    }),
  );
}
