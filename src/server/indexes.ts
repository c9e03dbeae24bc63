/**
 * Search index serving, as route records (route.ts) registered with the server's other routes:
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
import { Hono } from 'hono';
import { z } from 'zod';
import { embedderById } from '../../tools/ai/embedding.ts';
import { RegisteredIndexRef } from '../../tools/ai/index-register.ts';
import { openIndexTable, type SearchHit, searchIndex, sqlString } from '../../tools/ai/lance-index.ts';
import type { Config } from '../config.ts';
import { PipewrightError, userError } from '../errors.ts';
import type { Embedder } from '../lineage/embeddings.ts';
import type { ModelRegistry, ServingState } from '../store/index.ts';
import type { AuthEnv } from './auth.ts';
import { errorResponse } from './http-errors.ts';
import { logFailedRequest, PIN_HEADER, REQUEST_ID_HEADER, routeUnit } from './models.ts';
import type { PredictionErrorLine, PredictionLog, PredictionLogLine } from './prediction-log.ts';
import { type AnyRoute, defineRoute, mountRoutes, UNGUARDED } from './route.ts';
import { named } from './schema-names.ts';

export const SearchBody = named(
  'IndexSearchBody',
  z
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
    .strict(),
);

const SearchQuery = named(
  'IndexSearchQuery',
  z.object({
    version: z
      .string()
      .optional()
      .describe('Pin a version number or alias (or send x-model-version); default: the deployment'),
  }),
);

const Canary = z.object({ version: z.number().int(), share: z.number() }).describe('A canary version');

const IndexList = named(
  'IndexList',
  z.object({
    indexes: z.array(
      z.object({
        name: z.string(),
        createdAt: z.string(),
        createdBy: z.string(),
        latestVersion: z.number().int(),
      }),
    ),
  }),
);

const IndexDetail = named(
  'IndexDetail',
  z.object({
    name: z.string(),
    aliases: z.record(z.string(), z.number().int()).describe('Alias → version'),
    versions: z
      .array(
        z.object({
          version: z.number().int(),
          tableVersion: z.number().int().nullable().describe('The LanceDB table version it serves'),
          embedder: z.string().nullable().describe('The embedder its vectors came from'),
          metrics: z.record(z.string(), z.number()),
          aliases: z.array(z.string()),
          createdAt: z.string(),
          createdBy: z.string(),
          runId: z.string().optional(),
          stepId: z.string().optional(),
        }),
      )
      .describe('Newest first'),
    deployment: z.record(z.string(), z.unknown()).nullable().describe('The active deployment'),
    serving: z
      .object({
        alias: z.string(),
        version: z.number().int().nullable(),
        canary: Canary.nullable(),
        endpoint: z.string(),
      })
      .describe('What search answers with now'),
  }),
);

const SearchResult = named(
  'IndexSearchResult',
  z.object({
    index: z.string(),
    version: z.number().int().describe('The registered version that answered'),
    tableVersion: z.number().int().describe('Its LanceDB table version'),
    route: z.enum(['stable', 'canary', 'pinned']),
    results: z
      .array(z.record(z.string(), z.unknown()))
      .describe('Chunks, best first: id, path, text, heading path, score and distance'),
  }),
);

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

/** GET /indexes and /indexes/:name (viewer), POST /indexes/:name/search (under predict's serving policy). */
export function indexRecords(opts: IndexRoutesOptions): AnyRoute[] {
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

  /** A search that reached a version and failed there counts in that version's error rate. */
  const logFailure = (
    line: Pick<PredictionErrorLine, 'model' | 'version' | 'route' | 'requestId'>,
    started: number,
    e: unknown,
  ) => logFailedRequest(opts.queryLog, now(), line, started, e);

  const list = defineRoute({
    method: 'get',
    path: '/indexes',
    summary: 'Registered search indexes',
    tag: 'indexes',
    role: 'viewer',
    response: { description: 'Every registered index', schema: IndexList },
    errors: [],
    handler: () => ({
      indexes: registry
        .listModels()
        .filter((m) => registry.getVersion(m.name, m.latestVersion).ref.kind === 'index'),
    }),
  });

  const describe = defineRoute({
    method: 'get',
    path: '/indexes/:name',
    summary: 'An index: versions (with their table versions), aliases, deployment, what is served now',
    tag: 'indexes',
    role: 'viewer',
    response: { description: 'The index', schema: IndexDetail },
    errors: ['MODEL_NOT_REGISTERED'],
    handler: (_c, { params }) => {
      const name = params.name;
      const state = servingState(name);
      return {
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
          ...(v.runId ? { runId: v.runId } : {}),
          ...(v.stepId ? { stepId: v.stepId } : {}),
        })),
        deployment: (state.deployment as Record<string, unknown> | undefined) ?? null,
        serving: {
          alias: state.alias,
          version: state.version ?? null,
          canary: state.canary ?? null,
          endpoint: `/indexes/${name}/search`,
        },
      };
    },
  });

  const search = defineRoute({
    method: 'post',
    path: '/indexes/:name/search',
    summary: 'Search the deployed index version (or the canary, or a pinned version)',
    description:
      'Open unless the serving policy asks for a token or a per-model key, as predict. The x-request-id header routes canary traffic the same way every time.',
    tag: 'indexes',
    role: 'predict',
    query: SearchQuery,
    body: SearchBody,
    response: {
      description: 'The best chunks',
      schema: SearchResult,
      headers: {
        [PIN_HEADER]: 'The version that answered',
        [REQUEST_ID_HEADER]: 'The request id, as logged with the search',
      },
    },
    errors: [
      'MODEL_NOT_REGISTERED',
      'MODEL_NOT_DEPLOYED',
      'MODEL_VERSION_NOT_FOUND',
      'MODEL_ALIAS_NOT_FOUND',
      'INDEX_IS_MODEL',
      'INDEX_EMBEDDINGS_FAILED',
    ],
    handler: async (c, { params, query, body: q }) => {
      const started = performance.now();
      const name = params.name;
      const requestId = c.req.header(REQUEST_ID_HEADER) ?? c.get('requestId') ?? randomUUID();
      const state = servingState(name);
      const pin = query.version ?? c.req.header(PIN_HEADER);
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
      try {
        const { ref, table } = served(name, version);
        let embedder = embedders.get(ref.embedder);
        if (!embedder) {
          embedder = embedderFor(ref.embedder);
          embedders.set(ref.embedder, embedder);
        }
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
        return {
          index: name,
          version,
          tableVersion: ref.tableVersion,
          route,
          results: hits as unknown as Record<string, unknown>[],
        };
      } catch (e) {
        logFailure({ model: name, version, route, requestId }, started, e);
        throw e;
      }
    },
  });

  return [list, describe, search];
}

/** The index records as their own sub-app, with no access checks: for embedding and tests. */
export function indexRoutes(opts: IndexRoutesOptions): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.onError((err, c) => errorResponse(c, err));
  mountRoutes(app, indexRecords(opts), UNGUARDED);
  return app;
}
