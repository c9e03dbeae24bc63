/**
 * Model serving routes, a hono sub-app: `app.route('/', modelRoutes({ registry }))`.
 *
 *   POST /models/:name/predict   { "instances": [{...}] } or { "instance": {...} }
 *   GET  /models                 registered models
 *   GET  /models/:name           versions, aliases, active deployment, what is served now
 *   POST /models/:name/rollback  { "alias"?, "reason"?, "by"? }
 *
 * What to serve is read from the registry on every request, cached per model and re-read when the model's
 * epoch moves (every deploy, alias move and rollback bumps it, from any process), so deploys and rollbacks
 * take effect on the next request. Loaded models are kept warm in a small LRU, one entry per version.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { validateRows } from '../../tools/lib/features.ts';
import { loadModel as loadModelFromDir } from '../../tools/lib/model.ts';
import { ModelRef } from '../../tools/lib/refs.ts';
import { PipewrightError, serializeError, userError } from '../errors.ts';
import type { Policy } from '../policy/index.ts';
import type { DeploymentRecord, ModelRegistry, ServingState } from '../store/model-registry.ts';
import { errorResponse, statusOf } from './http-errors.ts';
import { type PredictionErrorLine, PredictionLog, type PredictionLogLine } from './prediction-log.ts';

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
  /** Who rollbacks are recorded as when the body names nobody (default "api"). */
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

const Features = z.record(z.string(), z.unknown()).describe('Feature values of one row, by column name');

export const PredictBody = z.union([
  z
    .object({ instances: z.array(Features).min(1).describe('Rows to score') })
    .strict()
    .describe('A batch of rows'),
  z
    .object({ instance: Features.describe('The row to score') })
    .strict()
    .describe('One row'),
]);
export type PredictBody = z.infer<typeof PredictBody>;

export const RollbackBody = z
  .object({
    alias: z.string().min(1).optional().describe('Alias to roll back (default: the active deployment’s)'),
    reason: z.string().optional().describe('Why, recorded in the alias history and audit log'),
    by: z.string().min(1).optional().describe('Who asked for it (default: the server user)'),
  })
  .strict();

export interface Problem {
  path: string;
  message: string;
}

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

/** The routes, plus closeModels() to stop warm models (Python processes) when the server shuts down. */
export type ModelRoutesApp = Hono & { closeModels(): Promise<void> };

/** A uniform number in [0, 1) from a request id: the same id always takes the same route. */
export function routeUnit(requestId: string): number {
  return createHash('sha256').update(requestId).digest().readUIntBE(0, 6) / 2 ** 48;
}

export function modelRoutes(opts: ModelRoutesOptions): ModelRoutesApp {
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

  const app = new Hono();
  // Requests that reached a version: a failure after routing is logged as that version's error.
  const routed = new WeakMap<
    Request,
    Omit<PredictionErrorLine, 'at' | 'status' | 'code' | 'latencyMs'> & { started: number }
  >();

  app.onError((err, c) => {
    const r = routed.get(c.req.raw);
    if (r && opts.predictionLog?.sample()) {
      const { started, ...line } = r;
      opts.predictionLog.appendError({
        ...line,
        at: now().toISOString(),
        status: statusOf(serializeError(err).code, serializeError(err).category),
        code: serializeError(err).code,
        latencyMs: performance.now() - started,
      });
    }
    return errorResponse(c, err);
  });

  app.get('/models', (c) => c.json({ models: registry.listModels() }));

  app.get('/models/:name', (c) => {
    const name = c.req.param('name');
    const state = servingState(name);
    return c.json({
      name,
      aliases: registry.getAliases(name),
      versions: registry.listVersions(name).map((v) => ({
        version: v.version,
        hash: v.ref.hash,
        metrics: v.metrics,
        aliases: v.aliases,
        createdAt: v.createdAt,
        createdBy: v.createdBy,
        ...(v.runId ? { runId: v.runId, stepId: v.stepId } : {}),
        ...(v.datasetVersion ? { datasetVersion: v.datasetVersion } : {}),
      })),
      deployment: state.deployment ?? null,
      serving: {
        alias: state.alias,
        version: state.version ?? null,
        canary: state.canary ?? null,
        endpoint: `/models/${name}/predict`,
      },
    });
  });

  app.post('/models/:name/rollback', async (c) => {
    const name = c.req.param('name');
    registry.requireModel(name);
    const raw = await readJson(c, true);
    const body = RollbackBody.safeParse(raw ?? {});
    if (!body.success) throw invalidBody(body.error.issues);
    const by = body.data.by ?? opts.user ?? 'api';
    const deployment = registry.rollbackDeployment(name, by, body.data.reason, body.data.alias);
    states.delete(name);
    opts.onDeploymentChange?.(deployment);
    return c.json({
      model: name,
      alias: deployment.alias,
      version: deployment.version,
      deploymentId: deployment.id,
    });
  });

  app.post('/models/:name/predict', async (c) => {
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
    routed.set(c.req.raw, { model: name, version, route, requestId, started });

    const raw = await readJson(c, false);
    const body = PredictBody.safeParse(raw);
    if (!body.success) throw invalidBody(body.error.issues);
    const single = 'instance' in body.data;
    const rows = 'instance' in body.data ? [body.data.instance] : body.data.instances;
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
    return c.json({
      model: name,
      version,
      predictions,
      ...(probabilities ? { probabilities } : {}),
    });
  });

  const closeModels = async () => {
    const all = [...loaded.values()];
    loaded.clear();
    await Promise.allSettled(all.map(async (w) => (await w.model).close?.()));
  };
  return Object.assign(app, { closeModels });
}

/** Builds a PredictionLog under the state directory; a thin convenience for `pipewright serve`. */
export function defaultPredictionLog(stateDir: string, sampleRate = 1): PredictionLog {
  return new PredictionLog({ stateDir, sampleRate });
}

async function readJson(c: Context, optional: boolean): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (optional) return undefined;
    throw userError(
      'REQUEST_BODY_MISSING',
      'The request has no body',
      'predictions need a JSON body',
      'Send {"instances": [{...}]} or {"instance": {...}} with Content-Type: application/json.',
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw userError(
      'REQUEST_BODY_NOT_JSON',
      'The request body is not valid JSON',
      e instanceof Error ? e.message : String(e),
      'Send a JSON object, e.g. {"instance": {"x": 1}}.',
    );
  }
}

function invalidBody(issues: z.core.$ZodIssue[]) {
  const problems: Problem[] = flattenIssues(issues);
  return userError(
    'REQUEST_BODY_INVALID',
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in the request body`,
    problems.map((p) => `${p.path || '(body)'}: ${p.message}`).join('; '),
    'Send {"instances": [{...}, ...]} for a batch or {"instance": {...}} for one row.',
    { problems },
  );
}

/** Zod issues as path/message pairs; union failures are unfolded into each branch's own problems. */
function flattenIssues(issues: z.core.$ZodIssue[], prefix: PropertyKey[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest (fewest problems), not every branch's complaint.
      const branches = issue.errors.map((errs) => flattenIssues(errs, at));
      const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
      out.push(...best);
      continue;
    }
    out.push({ path: formatPath(at), message: issue.message });
  }
  return out;
}

function formatPath(p: PropertyKey[]): string {
  return p.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)),
    '',
  );
}
