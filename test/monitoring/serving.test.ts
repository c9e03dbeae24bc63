/**
 * serving.metrics, serving.watch, model.rollback and model.dataset against a real model server: registered
 * toy models served by modelRoutes with a real PredictionLog, traffic sent through its predict route.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalEvidence, Engine } from '../../src/engine/index.ts';
import { parsePlanText } from '../../src/plan/index.ts';
import { serverLog, setServerLog } from '../../src/server/http-errors.ts';
import { modelRoutes, type Predictor, routeUnit } from '../../src/server/models.ts';
import { PredictionLog } from '../../src/server/prediction-log.ts';
import { ModelRegistry, RunStore } from '../../src/store/index.ts';
import { modelRollback } from '../../tools/deploy/rollback.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { literal, withDuckDB } from '../../tools/lib/duckdb.ts';
import { loadModel } from '../../tools/lib/model.ts';
import { modelDataset } from '../../tools/monitor/serving-dataset.ts';
import { servingMetrics } from '../../tools/monitor/serving-metrics.ts';
import { breached, servingWatch } from '../../tools/monitor/serving-watch.ts';
import { monitorTraffic } from '../../tools/monitor/traffic.ts';
import { toyModel } from '../deploy/helpers.ts';
import { makeTaskContext, type TestContext } from '../helpers/task-context.ts';

const ROW = { x: 0.9, color: 'red' };

interface Fixture {
  ctx: TestContext;
  store: RunStore;
  registry: ModelRegistry;
  log: PredictionLog;
  app: ReturnType<typeof modelRoutes>;
  /** Behaviour per version: extra latency and whether it throws. */
  behaviour: Record<number, { delayMs?: number; fail?: boolean }>;
  dirs: Record<number, string>;
  /** What the server logged: a version set to fail answers 500, and each 500 is logged here. */
  serverLog: string[];
}

const stderrLog = serverLog;

/** toy v1 and v2 registered, v1 deployed to production; predictors wrapped so a test can slow or break one. */
async function setup(): Promise<Fixture> {
  const ctx = makeTaskContext();
  const stateDir = ctx.config.stateDir;
  const store = new RunStore(path.join(stateDir, 'state.db'));
  const registry = new ModelRegistry(store.db);
  const v1 = await toyModel(stateDir);
  const v2 = await toyModel(stateDir, { inverted: true });
  const datasetFile = path.join(ctx.workspace, 'toy.parquet');
  await withDuckDB((db) =>
    db.run(
      `COPY (SELECT range / 10.0 AS x, 'red' AS color FROM range(10)) TO ${literal(datasetFile)} (FORMAT parquet)`,
    ),
  );
  const dataset = {
    path: datasetFile,
    hash: 'toy-hash',
    rows: 10,
    columns: [],
    name: 'toy-train',
    version: 'ds-1',
  };
  registry.registerVersion({ name: 'toy', ref: v1, dataset, createdBy: 'alice' });
  registry.registerVersion({ name: 'toy', ref: v2, createdBy: 'alice' });
  registry.deploy({ name: 'toy', version: 1, by: 'alice' });
  const behaviour: Fixture['behaviour'] = {};
  const dirs = { 1: v1.dir, 2: v2.dir };
  const logged: string[] = [];
  setServerLog((line) => logged.push(line));
  const log = new PredictionLog({ stateDir, flushIntervalMs: 20 });
  const app = modelRoutes({
    registry,
    predictionLog: log,
    loadModel: async (dir): Promise<Predictor> => {
      const real = await loadModel(dir);
      const version = dir === v1.dir ? 1 : 2;
      return {
        async predict(rows) {
          const b = behaviour[version] ?? {};
          if (b.delayMs) await sleep(b.delayMs);
          if (b.fail) throw new Error(`version ${version} crashed`);
          return real.predict(rows);
        },
        close: () => real.close(),
      };
    },
  });
  return { ctx, store, registry, log, app, behaviour, dirs, serverLog: logged };
}

const predict = (f: Fixture, body: unknown, requestId?: string) =>
  f.app.request('/models/toy/predict', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
  });

/** Sends n requests with distinct request ids (so canary routing splits them by share). */
async function traffic(f: Fixture, n: number, prefix: string, body: unknown = { instance: ROW }) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await predict(f, body, `${prefix}-${i}`)).status);
  await f.log.flush();
  return statuses;
}

let f: Fixture;
beforeEach(async () => {
  f = await setup();
});
afterEach(async () => {
  setServerLog(stderrLog);
  await f.log.close();
  await f.app.closeModels();
  f.store.close();
  rmSync(f.ctx.workspace, { recursive: true, force: true });
});

describe('serving.metrics', () => {
  it('counts requests, instances, failed requests and latency per version and route', async () => {
    f.registry.deploy({ name: 'toy', version: 1, canary: { version: 2, share: 0.5 }, by: 'alice' });
    f.behaviour[2] = { fail: true };
    const ok = await traffic(f, 30, 'a', { instances: [ROW, ROW] });
    const bad = await traffic(f, 3, 'b', { instance: { x: 'not a number', color: 'red' } });
    expect(bad.every((s) => s === 400)).toBe(true);

    const m = await servingMetrics.run(servingMetrics.input.parse({ model: 'toy', window: '1h' }), f.ctx);
    const canary = ok.filter((s) => s === 500).length;
    expect(canary).toBeGreaterThan(3); // routeUnit splits 30 ids roughly in half
    expect(canary).toBeLessThan(27);
    const badToCanary = [0, 1, 2].filter((i) => routeUnit(`b-${i}`) < 0.5).length;
    expect(m.requests).toBe(33);
    expect(m.errors).toBe(canary + 3);
    expect(m.errorRate).toBeCloseTo((canary + 3) / 33);
    expect(m.instances).toBe(2 * (30 - canary));
    expect(m.byRoute.canary).toMatchObject({ errors: canary + badToCanary, errorRate: 1, instances: 0 });
    expect(m.byRoute.canary?.latencyMs.p95).toBeNull(); // no successful canary request
    const stable = m.byRoute.stable;
    expect(stable?.requests).toBe(33 - canary - badToCanary);
    expect(stable?.errors).toBe(3 - badToCanary);
    expect(stable?.latencyMs.p50).toBeGreaterThan(0);
    expect(stable?.latencyMs.p99).toBeGreaterThanOrEqual(stable?.latencyMs.p50 ?? Number.NaN);
    expect(Object.keys(m.byVersion).sort()).toEqual(['1', '2']);
    expect(m.byVersion['2']?.requests).toBe(canary + badToCanary);
    // Each canary crash is a 500 the server logs (the 400s are not): expected here, so captured, not printed.
    expect(f.serverLog).toHaveLength(canary);
    expect(f.serverLog.every((l) => / POST \/models\/toy\/predict failed \(500\)/.test(l))).toBe(true);
    expect(f.serverLog[0]).toContain('version 2 crashed');
    expect(m.serving).toEqual({ alias: 'production', version: 1, canary: { version: 2, share: 0.5 } });
    // The instance log that drift checks read holds no error lines.
    const logged = await withDuckDB((db) =>
      db.all(
        `SELECT count(*) AS n FROM read_json_auto(${literal(path.join(f.ctx.config.stateDir, 'predictions', 'toy', '*.jsonl'))})`,
      ),
    );
    expect(Number(logged[0]?.n)).toBe(2 * (30 - canary));
  });

  it('measures only the asked period and version', async () => {
    await traffic(f, 5, 'a');
    const later = new Date(Date.now() + 60_000).toISOString();
    const empty = await servingMetrics.run(servingMetrics.input.parse({ model: 'toy', since: later }), f.ctx);
    expect(empty).toMatchObject({ requests: 0, errors: 0, errorRate: 0, byVersion: {}, byRoute: {} });
    expect(empty.latencyMs.p95).toBeNull();
    const v2 = await servingMetrics.run(servingMetrics.input.parse({ model: 'toy', version: 2 }), f.ctx);
    expect(v2.requests).toBe(0);
    const v1 = await servingMetrics.run(servingMetrics.input.parse({ model: 'toy', version: 1 }), f.ctx);
    expect(v1.requests).toBe(5);
  });

  it('says what is wrong with an unknown model or a bad window', async () => {
    await expect(
      servingMetrics.run(servingMetrics.input.parse({ model: 'nope' }), f.ctx),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_REGISTERED', why: 'registered models: toy' });
    await expect(
      servingMetrics.run(servingMetrics.input.parse({ model: 'toy', window: 'two hours' }), f.ctx),
    ).rejects.toMatchObject({ code: 'SERVING_BAD_DURATION' });
  });
});

describe('serving.watch', () => {
  it('ends early when the canary fails more than the stable route', async () => {
    f.registry.deploy({ name: 'toy', version: 1, canary: { version: 2, share: 0.5 }, by: 'alice' });
    f.behaviour[2] = { fail: true };
    const started = Date.now();
    const watch = servingWatch.run(
      servingWatch.input.parse({ model: 'toy', duration: '20s', pollEvery: '100ms', minRequests: 5 }),
      f.ctx,
    );
    let stop = false;
    const sender = (async () => {
      for (let i = 0; !stop && i < 400; i++) {
        await predict(f, { instance: ROW }, `w-${i}`);
        if (i % 10 === 0) await f.log.flush();
      }
    })();
    const out = await watch;
    stop = true;
    await sender;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(out).toMatchObject({ judged: 'canary', regressed: true, healthy: false, endedEarly: true });
    expect(out.errorRate).toBe(1);
    expect(out.baseline?.errorRate).toBe(0);
    expect(out.reasons[0]).toMatch(/^error rate 100\.00% \(\d+\/\d+\) > baseline 0\.00% \+ 1\.00%$/);
    expect(out.serving.canary).toEqual({ version: 2, share: 0.5 });
  });

  it('stays the whole duration and reports healthy when the canary behaves', async () => {
    f.registry.deploy({ name: 'toy', version: 1, canary: { version: 2, share: 0.5 }, by: 'alice' });
    const started = Date.now();
    const watch = servingWatch.run(
      servingWatch.input.parse({ model: 'toy', duration: '1500ms', pollEvery: '200ms', minRequests: 3 }),
      f.ctx,
    );
    await traffic(f, 40, 'h');
    const out = await watch;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(out).toMatchObject({
      judged: 'canary',
      regressed: false,
      healthy: true,
      endedEarly: false,
      reasons: [],
    });
    expect(out.checks).toBeGreaterThan(1);
    expect(out.requests).toBeGreaterThanOrEqual(3);
  });

  // Failed in full runs on two loaded cores (baseline 18 of 21 requests), never alone; the cause is not found.
  // Retried, and a failure shows the watch's start beside every logged time.
  it('without a canary, compares with the time before the watch and catches a doubled p95', {
    retry: 2,
  }, async () => {
    // Warm the model first (a pinned request is logged but not routed): a cold start is not the baseline.
    await f.app.request('/models/toy/predict?version=1', {
      method: 'POST',
      body: JSON.stringify({ instance: ROW }),
    });
    await traffic(f, 20, 'before');
    f.behaviour[1] = { delayMs: 150 };
    const watchStart = new Date().toISOString();
    const watch = servingWatch.run(
      servingWatch.input.parse({
        model: 'toy',
        duration: '20s',
        pollEvery: '100ms',
        minRequests: 5,
        maxP95Factor: 2,
        baselineWindow: '10m',
      }),
      f.ctx,
    );
    await traffic(f, 8, 'after');
    const out = await watch;
    expect(out).toMatchObject({ judged: 'all', regressed: true, endedEarly: true });
    const dir = path.join(f.ctx.config.stateDir, 'predictions', 'toy');
    const logged = () =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .flatMap((e) => readFileSync(path.join(dir, e.name), 'utf8').trim().split('\n'))
        .map((l) => (JSON.parse(l) as { at: string }).at);
    expect(out.baseline?.requests, `watch started ${watchStart}; logged at ${logged().join(', ')}`).toBe(21); // 20 and the pinned warm-up
    expect(out.reasons, JSON.stringify(out)).toEqual([expect.stringMatching(/^p95 latency .* > 2×$/)]);
    expect(out.latencyMs.p95).toBeGreaterThan(2 * (out.baseline?.latencyMs.p95 ?? Number.POSITIVE_INFINITY));
  });

  it('is not healthy when too few requests arrived, and says so', async () => {
    const out = await servingWatch.run(
      servingWatch.input.parse({ model: 'toy', duration: '300ms', pollEvery: '100ms', minRequests: 5 }),
      f.ctx,
    );
    expect(out).toMatchObject({
      healthy: false,
      regressed: false,
      reasons: ['only 0 judged requests (minRequests 5)'],
    });
  });

  it('judges each condition with its figures', () => {
    const slice = (errors: number, requests: number, p95: number | null) => ({
      requests,
      instances: requests,
      errors,
      errorRate: errors / requests,
      latencyMs: { p50: p95, p90: p95, p95, p99: p95, mean: p95, max: p95 },
    });
    const input = servingWatch.input.parse({
      model: 'toy',
      duration: '1h',
      maxErrorRate: 0.05,
      maxP95Ms: 100,
    });
    expect(breached(input, slice(1, 100, 50), slice(0, 100, 40))).toEqual([]);
    expect(breached(input, slice(6, 100, 150), slice(5, 100, 40))).toEqual([
      'error rate 6.00% > 5.00%',
      'p95 latency 150.0 ms > 100 ms',
    ]);
    expect(breached(input, slice(3, 100, 50), slice(1, 100, 40))).toEqual([
      'error rate 3.00% (3/100) > baseline 1.00% + 1.00%',
    ]);
  });
});

describe('monitor.traffic with a relative window', () => {
  it('collects only the traffic of the last period', async () => {
    await traffic(f, 3, 'now');
    const dir = path.join(f.ctx.config.stateDir, 'predictions', 'toy');
    const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
    writeFileSync(
      path.join(dir, `${old.slice(0, 10)}.jsonl`),
      `${JSON.stringify({ at: old, model: 'toy', version: 1, requestId: 'old', index: 0, route: 'stable', input: ROW, prediction: 'hi', latencyMs: 1 })}\n`,
    );
    const all = await monitorTraffic.run(monitorTraffic.input.parse({ model: 'toy' }), f.ctx);
    expect(all.rows).toBe(4);
    const day = await monitorTraffic.run(monitorTraffic.input.parse({ model: 'toy', window: '24h' }), f.ctx);
    expect(day.rows).toBe(3);
    await expect(
      monitorTraffic.run(monitorTraffic.input.parse({ model: 'toy', window: 'a day' }), f.ctx),
    ).rejects.toMatchObject({ code: 'SERVING_BAD_DURATION' });
  });
});

describe('model.rollback', () => {
  it('drops an active canary, keeping the stable version', async () => {
    f.registry.deploy({ name: 'toy', version: 1, canary: { version: 2, share: 0.25 }, by: 'alice' });
    const out = await modelRollback.run(
      modelRollback.input.parse({ model: 'toy', reason: 'canary errors' }),
      f.ctx,
    );
    expect(out).toMatchObject({
      action: 'canary-dropped',
      alias: 'production',
      fromVersion: 2,
      toVersion: 1,
    });
    expect(f.registry.servingState('toy')).toMatchObject({ version: 1 });
    expect(f.registry.servingState('toy').canary).toBeUndefined();
    expect(f.registry.getDeployment(out.deploymentId)?.reason).toMatch(
      /canary version 2 dropped: canary errors/,
    );
  });

  it('moves production back to the previous version, or to a named one', async () => {
    f.registry.deploy({ name: 'toy', version: 2, by: 'alice' });
    const back = await modelRollback.run(
      modelRollback.input.parse({ model: 'toy', reason: 'p95 doubled' }),
      f.ctx,
    );
    expect(back).toMatchObject({ action: 'rollback', fromVersion: 2, toVersion: 1, version: 1 });
    expect(f.registry.getAliases('toy').production).toBe(1);
    const forward = await modelRollback.run(
      modelRollback.input.parse({ model: 'toy', toVersion: 2, reason: 'fixed' }),
      f.ctx,
    );
    expect(forward).toMatchObject({ fromVersion: 1, toVersion: 2 });
    await expect(
      modelRollback.run(modelRollback.input.parse({ model: 'toy', toVersion: 2, reason: 'again' }), f.ctx),
    ).rejects.toMatchObject({ code: 'MODEL_ROLLBACK_SAME_VERSION' });
    expect(modelRollback.input.safeParse({ model: 'toy' }).success).toBe(false); // a reason is required
    expect(modelRollback).toMatchObject({ needsApproval: true, cacheable: false });
  });
});

describe('model.dataset', () => {
  it('finds the training data of what production serves, and fails clearly when it is gone', async () => {
    const out = await modelDataset.run(modelDataset.input.parse({ model: 'toy' }), f.ctx);
    expect(out).toMatchObject({ model: { name: 'toy', version: 1 }, datasetVersion: 'ds-1' });
    expect(out.dataset.name).toBe('toy-train');
    await expect(modelDataset.run(modelDataset.input.parse({ model: 'toy:2' }), f.ctx)).rejects.toMatchObject(
      {
        code: 'MODEL_DATASET_MISSING',
        why: 'it was registered without a dataset (model.register `dataset`)',
      },
    );
    rmSync(out.dataset.path);
    await expect(
      modelDataset.run(modelDataset.input.parse({ model: 'toy@production' }), f.ctx),
    ).rejects.toMatchObject({
      code: 'MODEL_DATASET_MISSING',
      what: 'The training data of toy@production (version 1) is gone',
    });
  });
});

describe('a canary plan (examples/penguins-canary.yaml, shortened)', () => {
  /** The example plan for the toy model, with a watch of three seconds (long enough for canary traffic on a busy machine). */
  function canaryPlan() {
    const text = readFileSync(new URL('../../examples/penguins-canary.yaml', import.meta.url), 'utf8')
      .replaceAll('penguins-species', 'toy')
      .replace('duration: 2h', 'duration: 3s')
      .replace('pollEvery: 1m', 'pollEvery: 100ms')
      .replace('minRequests: 50', 'minRequests: 4')
      // Sub-millisecond latencies jitter by more than 2× on a busy machine: judge errors only here.
      .replace('maxP95Factor: 2', 'maxP95Ms: 5000');
    return parsePlanText(text, 'yaml');
  }

  async function runWithTraffic() {
    f.registry.setAlias('toy', 'staging', 2, 'alice');
    // Load both versions first (pinned requests are not judged), so a cold start does not read as latency.
    for (const v of [1, 2])
      await f.app.request(`/models/toy/predict?version=${v}`, {
        method: 'POST',
        body: JSON.stringify({ instance: ROW }),
      });
    const engine = new Engine({
      store: f.store,
      registry: builtinRegistry(),
      config: f.ctx.config,
      pollMs: 20,
    });
    const first = await engine.run(canaryPlan(), { createdBy: 'alice' });
    expect(first.status).toBe('waiting');
    // One approval covers the whole procedure; its evidence names every change and its condition.
    const evidence = ApprovalEvidence.parse(f.store.getApproval(first.runId, 'approve-canary')?.evidence);
    expect(evidence.summary).toBe(
      'send 25% of toy traffic to v2 (production stays v1); deploy toy v2 as production (now v1) — if steps.watch.outputs.healthy == true; drop the v2 canary of toy (production stays v1) — if steps.watch.outputs.regressed == true',
    );
    engine.decide({ runId: first.runId, stepId: 'approve-canary', approved: true, by: 'bob', via: 'cli' });
    const running = engine.execute(first.runId);
    let done = false;
    void running.finally(() => {
      done = true;
    });
    for (let i = 0; !done && i < 300; i++) {
      await predict(f, { instance: ROW }, `c-${i}`);
      if (i % 5 === 0) await f.log.flush();
      await sleep(5);
    }
    return running;
  }

  it('promotes a healthy canary', async () => {
    const out = await runWithTraffic();
    expect(out.status).toBe('succeeded');
    expect(out.results.watch?.output).toMatchObject({ judged: 'canary', healthy: true });
    expect(out.results.promote?.status).toBe('succeeded');
    expect(out.results.rollback).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^condition is false: regressed is false/),
    });
    expect(f.registry.servingState('toy')).toMatchObject({ version: 2 });
    expect(f.registry.servingState('toy').canary).toBeUndefined();
  }, 60_000);

  it('rolls a failing canary back, and the run says why it did not promote', async () => {
    f.behaviour[2] = { fail: true };
    const out = await runWithTraffic();
    expect(out.status).toBe('succeeded');
    expect(out.results.watch?.output).toMatchObject({ regressed: true, endedEarly: true });
    expect(out.results.rollback?.output).toMatchObject({
      action: 'canary-dropped',
      fromVersion: 2,
      toVersion: 1,
    });
    expect(out.results.promote).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^condition is false: healthy is false/),
    });
    expect(f.registry.servingState('toy')).toMatchObject({ version: 1 });
    expect(f.registry.servingState('toy').canary).toBeUndefined();
  }, 60_000);
});
