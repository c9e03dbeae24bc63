import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelRoutes, type Predictor, routeUnit } from '../../src/server/models.ts';
import { PredictionLog, predictionLogGlob, predictionLogPath } from '../../src/server/prediction-log.ts';
import { ModelRegistry, RunStore } from '../../src/store/index.ts';
import { literal, withDuckDB } from '../../tools/lib/duckdb.ts';
import { loadModel } from '../../tools/lib/model.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { toyModel } from './helpers.ts';

const HI = { x: 0.9, color: 'red' };
const LO = { x: 0.1, color: 'blue' };

interface Fixture {
  stateDir: string;
  store: RunStore;
  registry: ModelRegistry;
  log: PredictionLog;
  loads: string[];
  app: ReturnType<typeof modelRoutes>;
}

/** v1 predicts "hi" for x > 0.5; v2 is inverted; v1 is deployed to production. */
async function setup(): Promise<Fixture> {
  const stateDir = path.join(makeWorkspace(), '.pipewright');
  const store = new RunStore(path.join(stateDir, 'state.db'));
  const registry = new ModelRegistry(store.db);
  registry.registerVersion({ name: 'toy', ref: await toyModel(stateDir), createdBy: 'alice' });
  registry.registerVersion({
    name: 'toy',
    ref: await toyModel(stateDir, { inverted: true }),
    createdBy: 'alice',
  });
  registry.deploy({ name: 'toy', version: 1, by: 'alice' });
  const log = new PredictionLog({ stateDir });
  const loads: string[] = [];
  const app = modelRoutes({
    registry,
    predictionLog: log,
    user: 'server',
    loadModel: async (dir): Promise<Predictor> => {
      loads.push(dir);
      return loadModel(dir);
    },
  });
  return { stateDir, store, registry, log, loads, app };
}

const post = (app: Fixture['app'], url: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('model serving routes', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await setup();
  });
  afterEach(() => f.store.close());

  it('answers one instance and a batch with predictions and class probabilities', async () => {
    const one = await post(f.app, '/models/toy/predict', { instance: HI });
    expect(one.status).toBe(200);
    expect(one.headers.get('x-model-version')).toBe('1');
    expect(await one.json()).toEqual({
      model: 'toy',
      version: 1,
      predictions: ['hi'],
      probabilities: [{ lo: 0, hi: 1 }],
    });

    const batch = await post(f.app, '/models/toy/predict', {
      instances: [HI, LO, { x: null, color: 'red' }],
    });
    const body = (await batch.json()) as { predictions: unknown[]; probabilities: unknown[] };
    expect(body.predictions.slice(0, 2)).toEqual(['hi', 'lo']);
    expect(body.predictions).toHaveLength(3);
    expect(body.probabilities).toHaveLength(3);
    // Loaded once, then kept warm.
    expect(f.loads).toHaveLength(1);
  });

  it('rejects missing and mistyped fields with 400 and every problem listed', async () => {
    const res = await post(f.app, '/models/toy/predict', {
      instances: [{ x: 'high', color: 'red' }, { color: 'blue' }, { x: 0.3, color: { nested: true } }],
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { code: string; problems: { path: string }[]; fix: string };
    };
    expect(error.code).toBe('PREDICT_INVALID_INSTANCES');
    expect(error.problems.map((p) => p.path)).toEqual([
      'instances[0].x',
      'instances[1].x',
      'instances[2].color',
    ]);
    expect(error.fix).toMatch(/null for an unknown value/);

    const single = await post(f.app, '/models/toy/predict', { instance: { x: true } });
    const e2 = ((await single.json()) as { error: { problems: { path: string }[] } }).error;
    expect(e2.problems.map((p) => p.path)).toEqual(['instance.x', 'instance.color']);

    const envelope = await post(f.app, '/models/toy/predict', { instances: [HI, 'row'] });
    expect(envelope.status).toBe(400);
    const e3 = ((await envelope.json()) as { error: { code: string; problems: { path: string }[] } }).error;
    expect(e3.code).toBe('REQUEST_INVALID');
    expect(e3.problems.map((p) => p.path)).toEqual(['instances[1]']);

    const notJson = await post(f.app, '/models/toy/predict', '{"instance": ');
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('BODY_NOT_JSON');
    expect(f.loads).toHaveLength(0);
  });

  it('pins a version by query or header, and 404s unknown models and versions with the known ones', async () => {
    const byQuery = await post(f.app, '/models/toy/predict?version=2', { instance: HI });
    expect(await byQuery.json()).toMatchObject({ version: 2, predictions: ['lo'] });
    const byHeader = await post(f.app, '/models/toy/predict', { instance: HI }, { 'x-model-version': '2' });
    expect(await byHeader.json()).toMatchObject({ version: 2, predictions: ['lo'] });
    const byAlias = await post(f.app, '/models/toy/predict?version=production', { instance: HI });
    expect(await byAlias.json()).toMatchObject({ version: 1 });

    const noVersion = await post(f.app, '/models/toy/predict?version=9', { instance: HI });
    expect(noVersion.status).toBe(404);
    expect(await noVersion.json()).toMatchObject({
      error: { code: 'MODEL_VERSION_NOT_FOUND', why: 'its versions are: 1, 2' },
    });
    const noModel = await post(f.app, '/models/tyo/predict', { instance: HI });
    expect(noModel.status).toBe(404);
    expect(await noModel.json()).toMatchObject({
      error: { code: 'MODEL_NOT_REGISTERED', why: 'registered models: toy' },
    });
  });

  it('sends the canary share of traffic to the canary, the same way for the same request id', async () => {
    f.registry.deploy({ name: 'toy', version: 1, canary: { version: 2, share: 0.2 }, by: 'alice' });
    let canary = 0;
    for (let i = 0; i < 1000; i++) {
      const res = await post(f.app, '/models/toy/predict', { instance: HI });
      if (((await res.json()) as { version: number }).version === 2) canary++;
    }
    expect(canary).toBeGreaterThan(150);
    expect(canary).toBeLessThan(250);

    const ids = ['req-a', 'req-b', 'req-c', 'req-d', 'req-e', 'req-f'];
    for (const id of ids) {
      const expected = routeUnit(id) < 0.2 ? 2 : 1;
      for (let k = 0; k < 3; k++) {
        const res = await post(f.app, '/models/toy/predict', { instance: HI }, { 'x-request-id': id });
        expect(res.headers.get('x-request-id')).toBe(id);
        expect(((await res.json()) as { version: number }).version).toBe(expected);
      }
    }
  });

  it('serves a new deployment and a rollback on the very next request', async () => {
    const v = async () =>
      ((await (await post(f.app, '/models/toy/predict', { instance: HI })).json()) as { version: number })
        .version;
    expect(await v()).toBe(1);
    // Another process (deploy.http) writes through its own connection.
    const other = new ModelRegistry(new RunStore(f.store.file).db);
    other.deploy({ name: 'toy', version: 2, by: 'bob' });
    expect(await v()).toBe(2);

    const res = await post(f.app, '/models/toy/rollback', { reason: 'bad predictions' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ model: 'toy', alias: 'production', version: 1 });
    expect(await v()).toBe(1);
    expect(f.registry.aliasHistory('toy', 'production').at(-1)).toMatchObject({
      action: 'rollback',
      by: 'server',
      reason: 'bad predictions',
    });
    const again = await post(f.app, '/models/toy/rollback', {});
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'MODEL_ROLLBACK_NOTHING' } });
    other.db.close();
  });

  it('describes a model: versions, aliases, active deployment and what is served', async () => {
    f.registry.deploy({ name: 'toy', version: 1, canary: { version: 2, share: 0.25 }, by: 'alice' });
    const res = await f.app.request('/models/toy');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      name: 'toy',
      aliases: { production: 1 },
      deployment: { alias: 'production', version: 1, status: 'active', canary: { version: 2, share: 0.25 } },
      serving: {
        alias: 'production',
        version: 1,
        canary: { version: 2, share: 0.25 },
        endpoint: '/models/toy/predict',
      },
    });
    expect((body.versions as { version: number }[]).map((v) => v.version)).toEqual([2, 1]);
    expect(await (await f.app.request('/models')).json()).toMatchObject({
      models: [{ name: 'toy', latestVersion: 2 }],
    });
  });

  it('appends sampled predictions with their inputs to a JSONL log that DuckDB reads', async () => {
    await post(f.app, '/models/toy/predict', { instances: [HI, LO] }, { 'x-request-id': 'r1' });
    await post(f.app, '/models/toy/predict?version=2', { instance: HI });
    await f.log.flush();
    const dir = predictionLogPath(f.stateDir, 'toy');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const lines = readFileSync(path.join(dir, files[0] as string), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      model: 'toy',
      version: 1,
      requestId: 'r1',
      index: 0,
      route: 'stable',
      input: HI,
      prediction: 'hi',
      probabilities: { hi: 1 },
    });
    expect(lines[1]).toMatchObject({ index: 1, input: LO, prediction: 'lo' });
    expect(lines[2]).toMatchObject({ version: 2, route: 'pinned', prediction: 'lo' });

    const rows = await withDuckDB((db) =>
      db.all(
        `SELECT input.x AS x, input.color AS color, prediction FROM read_json_auto(${literal(predictionLogGlob(f.stateDir, 'toy'))}) ORDER BY requestId, index`,
      ),
    );
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.color).sort()).toEqual(['blue', 'red', 'red']);
  });

  it('logs only the sampled share of requests', async () => {
    let n = 0;
    const log = new PredictionLog({
      stateDir: f.stateDir,
      sampleRate: 0.5,
      random: () => (n++ % 2 ? 0.9 : 0.1),
    });
    const app = modelRoutes({ registry: f.registry, predictionLog: log });
    for (let i = 0; i < 10; i++) await post(app, '/models/toy/predict', { instance: HI });
    await log.flush();
    const dir = predictionLogPath(f.stateDir, 'toy');
    const text = readFileSync(path.join(dir, readdirSync(dir)[0] as string), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(5);
  });

  it('keeps a few versions warm and closes the least recently used', async () => {
    const closed: string[] = [];
    const app = modelRoutes({
      registry: f.registry,
      maxLoaded: 1,
      loadModel: async (dir) => {
        const m = await loadModel(dir);
        return { predict: (rows) => m.predict(rows), close: () => void closed.push(dir) };
      },
    });
    await post(app, '/models/toy/predict?version=1', { instance: HI });
    await post(app, '/models/toy/predict?version=1', { instance: HI });
    expect(closed).toHaveLength(0);
    await post(app, '/models/toy/predict?version=2', { instance: HI });
    await new Promise((r) => setTimeout(r, 10));
    expect(closed).toEqual([f.registry.getVersion('toy', 1).ref.dir]);
    await app.closeModels();
    expect(closed).toEqual([
      f.registry.getVersion('toy', 1).ref.dir,
      f.registry.getVersion('toy', 2).ref.dir,
    ]);
  });
});
