/**
 * Model serving, as route records (route.ts), served at /models and again under /api/models:
 *
 *   POST /models/:name/predict   { "instances": [{...}] } or { "instance": {...} }
 *   GET  /models                 registered models
 *   GET  /models/:name           versions, aliases, active deployment, what is served now
 *   POST /models/:name/rollback  { "alias"?, "reason"? }
 *
 * Predict is open unless the serving policy closes it; listing needs a viewer token; a rollback is an
 * operator's deployment change, audited as the caller. modelRoutes() mounts the /models records alone,
 * without access checks, for embedding (tests, benchmarks).
 *
 * What to serve is read from the registry on every request, cached per model and re-read when the model's
 * epoch moves (every deploy, alias move and rollback bumps it, from any process), so deploys and rollbacks
 * take effect on the next request. Loaded models are kept warm in a small LRU, one entry per version.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { validateRows } from '../../tools/lib/features.ts';
import { loadModel as loadModelFromDir } from '../../tools/lib/model.ts';
import { ModelRef } from '../../tools/lib/refs.ts';
import { PipewrightError, serializeError, userError } from '../errors.ts';
import type { Policy } from '../policy/index.ts';
import type { DeploymentRecord, ModelRegistry, ServingState } from '../store/model-registry.ts';
import type { AuthEnv } from './auth.ts';
import { statusOf } from './error-codes.ts';
import { errorResponse, type Problem } from './http-errors.ts';
import { type PredictionErrorLine, PredictionLog, type PredictionLogLine } from './prediction-log.ts';
import { type Access, type AnyRoute, defineRoute, mountRoutes, UNGUARDED } from './route.ts';
import {
  ModelDetail,
  ModelList,
  PredictBody,
  PredictQuery,
  PredictResult,
  RollbackBody,
  RollbackResult,
} from './schemas-models.ts';

export { PredictBody } from './schemas-models.ts';

/** What serving needs from a loaded model (tools/lib/model.ts LoadedModel satisfies it). */
export interface Predictor {
  predict(rows: Record<string, unknown>[]): Promise<unknown[]>;
  predictProba?(rows: Record<string, unknown>[]): Promise<Record<string, number>[]>;
  close?(): Promise<void> | void;
}

export interface ModelRoutesOptions {
  registry: ModelRegistry;
  /** Opens a model folder (default: tools/lib/model.ts loadModel). */
  loadModel?: (dir: string) => Promise<Predictor>;
  /** Where sampled predictions go; omit to log nothing. */
  predictionLog?: PredictionLog;
  /** Loaded versions kept warm (default 4); the least recently used is closed beyond that. */
  maxLoaded?: number;
  /** Largest batch accepted in one request (default 1000). */
  maxInstances?: number;
  /** Who rollbacks are recorded as when no token names the caller (unguarded use; default "api"). */
  user?: string;
  /** Told of every deployment change made here (a rollback), e.g. to record it in the lineage graph. */
  onDeploymentChange?: (d: DeploymentRecord) => void;
  /**
   * The serving policy, read on every request (default: predict open, unknown fields rejected). Unknown
   * fields are refused (400) or dropped; only the model's features are ever logged.
   */
  serving?: () => Pick<Policy['serving'], 'unknownFields'>;
  /** Random source for canary routing of requests without an x-request-id (default Math.random). */
  random?: () => number;
  clock?: () => Date;
}

export const PIN_HEADER = 'x-model-version';
export const REQUEST_ID_HEADER = 'x-request-id';

interface VersionEntry {
  ref: ModelRef;
}

interface Warm {
  model: Promise<Predictor>;
  inUse: number;
  evicted: boolean;
}

function closeWarm(w: Warm): void {
  void w.model.then((p) => p.close?.()).catch(() => {});
}

/** The route records, plus closeModels() to stop warm models (Python processes) when the server shuts down. */
export interface ModelServing {
  /** GET /models, GET /models/:name, POST /models/:name/predict and /rollback (with `api`: under /api too). */
  records(opts?: { api?: boolean }): AnyRoute[];
  closeModels(): Promise<void>;
}

/** The /models records as a sub-app without access checks (tests, benchmarks). */
export type ModelRoutesApp = Hono<AuthEnv> & { closeModels(): Promise<void> };

/** A uniform number in [0, 1) from a request id: the same id always takes the same route. */
/**
 * A failed request that had been routed to a version, in the failed-request log (same sampling as the
 * log's successes), so it counts in that version's error rate. Shared by /models and /indexes.
 */
export function logFailedRequest(
  log: PredictionLog | undefined,
  at: Date,
  line: Pick<PredictionErrorLine, 'model' | 'version' | 'route' | 'requestId'>,
  started: number,
  e: unknown,
): void {
  if (!log?.sample()) return;
  const { code, category } = serializeError(e);
  log.appendError({
    ...line,
    at: at.toISOString(),
    status: statusOf(code, category),
    code,
    latencyMs: performance.now() - started,
  });
}

export function routeUnit(requestId: string): number {
  return createHash('sha256').update(requestId).digest().readUIntBE(0, 6) / 2 ** 48;
}

export function modelServing(opts: ModelRoutesOptions): ModelServing {
  const { registry } = opts;
  const load = opts.loadModel ?? ((dir: string) => loadModelFromDir(dir));
  const maxLoaded = opts.maxLoaded ?? 4;
  const maxInstances = opts.maxInstances ?? 1000;
  const random = opts.random ?? Math.random;
  const now = opts.clock ?? (() => new Date());
  const serving = opts.serving ?? (() => ({ unknownFields: 'reject' as const }));

  const states = new Map<string, ServingState>();
  const versions = new Map<string, VersionEntry>();
  const loaded = new Map<string, Warm>();

  /** Serving state for a model, re-read only when its epoch moved. */
  const servingState = (name: string): ServingState => {
    const epoch = registry.epoch(name);
    if (epoch === undefined) registry.requireModel(name);
    const cached = states.get(name);
    if (cached && cached.epoch === epoch) return cached;
    const fresh = registry.servingState(name);
    states.set(name, fresh);
    return fresh;
  };

  /** Versions never change once registered, so their refs are cached for good. */
  const versionEntry = (name: string, version: number): VersionEntry => {
    const key = `${name}@${version}`;
    const hit = versions.get(key);
    if (hit) return hit;
    const record = registry.getVersion(name, version);
    if (record.ref.kind === 'index') {
      throw userError(
        'MODEL_IS_INDEX',
        `"${name}" is a search index, not a model`,
        'indexes answer searches, not predictions',
        `POST /indexes/${name}/search with {"query": "...", "k": 5}.`,
      );
    }
    const parsed = ModelRef.safeParse(record.ref);
    if (!parsed.success) {
      throw new PipewrightError({
        code: 'MODEL_REF_INVALID',
        category: 'system',
        what: `Version ${version} of model "${name}" has an unreadable model reference`,
        why: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        fix: 'Register the model again from a ModelRef produced by a training task.',
      });
    }
    const entry = { ref: parsed.data };
    versions.set(key, entry);
    return entry;
  };

  /**
   * Runs fn with the warm model for a version: loaded once, the most recently used kept, the rest closed
   * once no request is using them.
   */
  const withPredictor = async <T>(
    name: string,
    version: number,
    ref: ModelRef,
    fn: (p: Predictor) => Promise<T>,
  ): Promise<T> => {
    const key = `${name}@${version}`;
    let warm = loaded.get(key);
    if (warm) {
      loaded.delete(key);
      loaded.set(key, warm);
    } else {
      const created: Warm = { model: load(ref.dir), inUse: 0, evicted: false };
      created.model.catch(() => {
        if (loaded.get(key) === created) loaded.delete(key);
      });
      loaded.set(key, created);
      warm = created;
      while (loaded.size > maxLoaded) {
        const [oldest, entry] = loaded.entries().next().value as [string, Warm];
        loaded.delete(oldest);
        entry.evicted = true;
        if (entry.inUse === 0) closeWarm(entry);
      }
    }
    warm.inUse++;
    try {
      return await fn(await warm.model);
    } finally {
      warm.inUse--;
      if (warm.evicted && warm.inUse === 0) closeWarm(warm);
    }
  };

  const logFailure = (
    line: Pick<PredictionErrorLine, 'model' | 'version' | 'route' | 'requestId'>,
    started: number,
    e: unknown,
  ) => logFailedRequest(opts.predictionLog, now(), line, started, e);

  const list = defineRoute({
    method: 'get',
    path: '/models',
    summary: 'Registered models',
    tag: 'models',
    role: 'viewer',
    response: { description: 'Every registered model', schema: ModelList },
    errors: [],
    handler: () => ({ models: registry.listModels() }),
  });

  const describe = defineRoute({
    method: 'get',
    path: '/models/:name',
    summary: 'A model: versions, aliases, deployment, what is served now',
    tag: 'models',
    role: 'viewer',
    response: { description: 'The model', schema: ModelDetail },
    errors: ['MODEL_NOT_REGISTERED'],
    handler: (_c, { params }) => {
      const name = params.name;
      const state = servingState(name);
      return {
        name,
        aliases: registry.getAliases(name),
        versions: registry.listVersions(name).map((v) => ({
          version: v.version,
          hash: v.ref.hash,
          metrics: v.metrics,
          aliases: v.aliases,
          createdAt: v.createdAt,
          createdBy: v.createdBy,
          ...(v.runId ? { runId: v.runId } : {}),
          ...(v.stepId ? { stepId: v.stepId } : {}),
          ...(v.datasetVersion ? { datasetVersion: v.datasetVersion } : {}),
        })),
        deployment: state.deployment ?? null,
        serving: {
          alias: state.alias,
          version: state.version ?? null,
          canary: state.canary ?? null,
          endpoint: `/models/${name}/predict`,
        },
      };
    },
  });

  const rollback = defineRoute({
    method: 'post',
    path: '/models/:name/rollback',
    summary: 'Roll the deployment back to the previous version (audited as the caller)',
    tag: 'models',
    role: 'operator',
    body: RollbackBody,
    response: { description: 'What is served now', schema: RollbackResult },
    errors: ['MODEL_NOT_REGISTERED', 'MODEL_ALIAS_NOT_FOUND', 'MODEL_ROLLBACK_NOTHING'],
    handler: (c, { params, body }) => {
      const name = params.name;
      registry.requireModel(name);
      const by = c.get('identity')?.name ?? opts.user ?? 'api';
      const deployment = registry.rollbackDeployment(name, by, body?.reason, body?.alias);
      states.delete(name);
      opts.onDeploymentChange?.(deployment);
      return {
        model: name,
        alias: deployment.alias,
        version: deployment.version,
        deploymentId: deployment.id,
      };
    },
  });

  const predict = defineRoute({
    method: 'post',
    path: '/models/:name/predict',
    summary: 'Score rows with the deployed version (or the canary, or a pinned version)',
    description:
      'Open unless the serving policy asks for a token (serving.predict: token) or a per-model key (serving.keys). The x-request-id header routes canary traffic the same way every time.',
    tag: 'models',
    role: 'predict',
    query: PredictQuery,
    body: PredictBody,
    response: {
      description: 'Predictions, one per row',
      schema: PredictResult,
      headers: {
        [PIN_HEADER]: 'The version that answered',
        [REQUEST_ID_HEADER]: 'The request id, as logged with the predictions',
      },
    },
    errors: [
      'MODEL_NOT_REGISTERED',
      'MODEL_NOT_DEPLOYED',
      'MODEL_VERSION_NOT_FOUND',
      'MODEL_ALIAS_NOT_FOUND',
      'PREDICT_INVALID_INSTANCES',
      'PREDICT_UNKNOWN_FIELDS',
      'PREDICT_TOO_MANY_INSTANCES',
      'MODEL_IS_INDEX',
    ],
    handler: async (c, { params, query, body }) => {
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
          `Model "${name}" is not deployed`,
          `no active deployment, and its "${state.alias}" alias is not set`,
          `Deploy it with the deploy.http task, or pin a version with ?version=N (versions: ${registry
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

      // A request that reached a version and failed there counts in that version's error rate (serving
      // metrics read errors/ beside the instance log); its fields are never logged.
      try {
        const single = 'instance' in body;
        const rows = 'instance' in body ? [body.instance] : body.instances;
        if (rows.length > maxInstances) {
          throw userError(
            'PREDICT_TOO_MANY_INSTANCES',
            `${rows.length} instances in one request; at most ${maxInstances} are accepted`,
            'large batches hold the server for everyone else',
            'Split the batch, or score files offline with the predict.batch task.',
          );
        }

        const { ref } = versionEntry(name, version);
        // Fields that are not features: refused by default; dropped when the policy says so. Either way only
        // features reach the model and the prediction log (the data drift checks read).
        const known = new Set(ref.features.map((f) => f.name));
        const unknown: Problem[] = [];
        rows.forEach((row, i) => {
          for (const k of Object.keys(row)) {
            if (known.has(k)) continue;
            unknown.push({
              path: single ? `instance.${k}` : `instances[${i}].${k}`,
              message: `"${k}" is not a feature of this model`,
            });
            if (unknown.length >= 20) return;
          }
        });
        if (unknown.length > 0 && serving().unknownFields === 'reject') {
          throw userError(
            'PREDICT_UNKNOWN_FIELDS',
            `The request sends fields that version ${version} of "${name}" does not use`,
            `its features are ${ref.features.map((f) => f.name).join(', ')}`,
            'Send only the features (the policy can set serving.unknownFields: ignore to drop extra fields instead).',
            { problems: unknown },
          );
        }
        if (unknown.length > 0) {
          for (const [i, row] of rows.entries())
            rows[i] = Object.fromEntries(Object.entries(row).filter(([k]) => known.has(k)));
        }
        const problems = validateRows(ref.features, rows).map((p) => ({
          path: single ? p.path.replace(/^rows\[0\]/, 'instance') : p.path.replace(/^rows/, 'instances'),
          message: p.message,
        }));
        if (problems.length > 0) {
          throw userError(
            'PREDICT_INVALID_INSTANCES',
            `${problems.length} problem${problems.length === 1 ? '' : 's'} in the request body`,
            `version ${version} of "${name}" expects ${ref.features.map((f) => `${f.name} (${f.type})`).join(', ')}`,
            'Send every feature in each instance (null for an unknown value), with numbers for numeric features.',
            { problems },
          );
        }

        const [predictions, probabilities] = await withPredictor(name, version, ref, (model) =>
          Promise.all([
            model.predict(rows),
            model.predictProba ? model.predictProba(rows) : Promise.resolve(undefined),
          ]),
        );
        const latencyMs = performance.now() - started;

        const log = opts.predictionLog;
        if (log?.sample()) {
          const at = now().toISOString();
          log.append(
            rows.map((input, index) => {
              const line: PredictionLogLine = {
                at,
                model: name,
                version,
                requestId,
                index,
                route,
                input,
                prediction: predictions[index] ?? null,
                latencyMs,
              };
              const p = probabilities?.[index];
              if (p) line.probabilities = p;
              return line;
            }),
          );
        }

        c.header(REQUEST_ID_HEADER, requestId);
        c.header(PIN_HEADER, String(version));
        return { model: name, version, predictions, ...(probabilities ? { probabilities } : {}) };
      } catch (e) {
        logFailure({ model: name, version, route, requestId }, started, e);
        throw e;
      }
    },
  });

  /** The same record under /api, with the API's role. */
  const underApi = (r: AnyRoute, role: Access): AnyRoute => ({ ...r, path: `/api${r.path}`, role });

  return {
    records: (o = {}) => [
      list,
      describe,
      predict,
      rollback,
      ...(o.api
        ? [
            underApi(list, 'viewer'),
            underApi(describe, 'viewer'),
            underApi(predict, 'operator'),
            underApi(rollback, 'operator'),
          ]
        : []),
    ],
    closeModels: async () => {
      const all = [...loaded.values()];
      loaded.clear();
      await Promise.allSettled(all.map(async (w) => (await w.model).close?.()));
    },
  };
}

/** The /models routes as their own sub-app, with no access checks: for embedding and tests. */
export function modelRoutes(opts: ModelRoutesOptions): ModelRoutesApp {
  const serving = modelServing(opts);
  const app = new Hono<AuthEnv>();
  app.onError((err, c) => errorResponse(c, err));
  mountRoutes(app, serving.records(), UNGUARDED);
  return Object.assign(app, { closeModels: serving.closeModels });
}

/** Builds a PredictionLog under the state directory; a thin convenience for `pipewright serve`. */
export function defaultPredictionLog(stateDir: string, sampleRate = 1): PredictionLog {
  return new PredictionLog({ stateDir, sampleRate });
}
