/**
 * Models by registry reference: evaluate.model against what production serves (champion/challenger on the
 * same held-out rows, in one step) and predict.batch with "name@alias" / "name:3", on real penguins models.
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ModelRegistry, RunStore } from '../../src/store/index.ts';
import { evaluateModel } from '../../tools/evaluate/model.ts';
import { higherIsBetter } from '../../tools/lib/metrics.ts';
import { parseModelReference } from '../../tools/lib/model-reference.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { predictBatch } from '../../tools/predict/batch.ts';
import { type TrainOutput, trainTabular } from '../../tools/train/tabular.ts';
import { makeTaskContext, type TestContext } from '../helpers/task-context.ts';
import { datasetFrom, vegaFile } from './helpers.ts';

let ctx: TestContext;
let store: RunStore;
let registry: ModelRegistry;
let testSet: DatasetRef;
let good: TrainOutput;
let weak: TrainOutput;

beforeAll(async () => {
  ctx = makeTaskContext();
  const src = vegaFile('penguins.json');
  const trainSet = await datasetFrom(
    src,
    ctx.workspace,
    'train',
    'SELECT * FROM src QUALIFY row_number() OVER () % 4 <> 0',
  );
  testSet = await datasetFrom(
    src,
    ctx.workspace,
    'test',
    'SELECT * FROM src QUALIFY row_number() OVER () % 4 = 0',
  );
  const base = { dataset: trainSet, target: 'Species', folds: 0 };
  [good, weak] = await Promise.all([
    trainTabular.run(trainTabular.input.parse({ ...base, params: { nEstimators: 20 } }), ctx),
    trainTabular.run(
      trainTabular.input.parse({
        ...base,
        algorithm: 'decision_tree',
        features: ['Island'],
        params: { maxDepth: 1 },
      }),
      ctx,
    ),
  ]);
  store = new RunStore(path.join(ctx.config.stateDir, 'state.db'));
  registry = new ModelRegistry(store.db);
  // Production serves the weak model (v1); the good one is registered as v2 with a staging alias.
  registry.registerVersion({ name: 'penguins', ref: weak.model, createdBy: 'alice' });
  registry.registerVersion({ name: 'penguins', ref: good.model, createdBy: 'alice' });
  registry.deploy({ name: 'penguins', version: 1, by: 'alice' });
  registry.setAlias('penguins', 'staging', 2, 'alice');
}, 90_000);

afterAll(() => {
  store.close();
  rmSync(ctx.workspace, { recursive: true, force: true });
});

describe('model references', () => {
  test('parse "name", "name@alias", "name:3", "name@v3"', () => {
    expect(parseModelReference('churn')).toEqual({ name: 'churn', selector: { alias: 'production' } });
    expect(parseModelReference('churn@staging')).toEqual({ name: 'churn', selector: { alias: 'staging' } });
    expect(parseModelReference('cars-mpg:3')).toEqual({ name: 'cars-mpg', selector: { version: 3 } });
    expect(parseModelReference('cars.mpg@v3')).toEqual({ name: 'cars.mpg', selector: { version: 3 } });
    expect(parseModelReference('churn@12')).toEqual({ name: 'churn', selector: { version: 12 } });
    expect(() => parseModelReference('churn@@x')).toThrow(/is not a model reference/);
    expect(predictBatch.input.safeParse({ model: 'a b', dataset: testSet }).success).toBe(false);
  });

  test('higher-is-better comes from one place, including names people’s scripts report', () => {
    expect(['accuracy', 'f1_macro', 'r2', 'roc_auc'].map(higherIsBetter)).toEqual([true, true, true, true]);
    expect(
      ['rmse', 'mae', 'log_loss', 'val_loss', 'test_error', 'p95_latency_ms'].map(higherIsBetter),
    ).toEqual([false, false, false, false, false, false]);
  });
});

describe('evaluate.model against production', () => {
  test('scores the production model on the same rows in the same step and says which is better', async () => {
    const out = await evaluateModel.run(
      evaluateModel.input.parse({ model: good.model, dataset: testSet, baseline: 'penguins' }),
      ctx,
    );
    expect(out.production).toEqual({ name: 'penguins', version: 1, alias: 'production' });
    expect(out.better).toBe(true);
    expect(out.improved).toBe(true);
    expect(out.metrics.accuracy).toBeGreaterThan(out.baselineMetrics?.accuracy ?? 1);
    const acc = out.comparison.find((c) => c.metric === 'accuracy');
    expect(acc).toMatchObject({ higherIsBetter: true, better: true });
    expect(acc?.delta).toBeCloseTo((acc?.challenger ?? 0) - (acc?.production ?? 0));
    const logLoss = out.comparison.find((c) => c.metric === 'log_loss');
    expect(logLoss?.higherIsBetter).toBe(false);
    expect(logLoss?.better).toBe((logLoss?.delta ?? 0) < 0);

    // The other way round: the weak challenger against staging (the good model) loses.
    const worse = await evaluateModel.run(
      evaluateModel.input.parse({ model: weak.model, dataset: testSet, baseline: 'penguins@staging' }),
      ctx,
    );
    expect(worse).toMatchObject({ better: false, production: { version: 2, alias: 'staging' } });
  });

  test('a first deploy has nothing to beat: better, with no production, unless a baseline is required', async () => {
    const alone = await evaluateModel.run(
      evaluateModel.input.parse({ model: good.model, dataset: testSet, baseline: 'penguins-new' }),
      ctx,
    );
    expect(alone).toMatchObject({ better: true, production: null, comparison: [] });
    expect(alone.baselineMetrics).toBeUndefined();
    expect(ctx.logs.some((l) => l.level === 'warn' && /no baseline to compare with/.test(l.message))).toBe(
      true,
    );
    await expect(
      evaluateModel.run(
        evaluateModel.input.parse({
          model: good.model,
          dataset: testSet,
          baseline: 'penguins-new',
          requireBaseline: true,
        }),
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_REGISTERED' });
    await expect(
      evaluateModel.run(
        evaluateModel.input.parse({ model: good.model, dataset: testSet, baseline: 'penguins:9' }),
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'MODEL_VERSION_NOT_FOUND' });
  });
});

describe('predict.batch by reference', () => {
  test('scores with what an alias or version names and writes the file the goal asked for', async () => {
    const out = await predictBatch.run(
      predictBatch.input.parse({ model: 'penguins@staging', dataset: testSet, output: 'scores/' }),
      ctx,
    );
    expect(out.scoredWith).toEqual({ hash: good.model.hash, name: 'penguins', version: 2, alias: 'staging' });
    expect(out.written).toBe(path.join(ctx.workspace, 'scores', 'test-scored.csv'));
    const lines = readFileSync(out.written as string, 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(testSet.rows + 1);
    expect(lines[0]).toMatch(/,prediction$/);

    const byVersion = await predictBatch.run(
      predictBatch.input.parse({ model: 'penguins:1', dataset: testSet, output: 'scores/v1.parquet' }),
      ctx,
    );
    expect(byVersion.scoredWith).toMatchObject({ name: 'penguins', version: 1 });
    expect(existsSync(path.join(ctx.workspace, 'scores', 'v1.parquet'))).toBe(true);
  });

  test('refuses outputs outside the workspace or in unknown formats, and says when model files are gone', async () => {
    await expect(
      predictBatch.run(
        predictBatch.input.parse({ model: 'penguins', dataset: testSet, output: '../x.csv' }),
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(
      predictBatch.run(
        predictBatch.input.parse({ model: 'penguins', dataset: testSet, output: 'x.xlsx' }),
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'PREDICT_OUTPUT_FORMAT' });
    await expect(
      predictBatch.run(predictBatch.input.parse({ model: 'penguins@canary', dataset: testSet }), ctx),
    ).rejects.toMatchObject({ code: 'MODEL_ALIAS_NOT_FOUND', why: 'its aliases are: production, staging' });
    const moved = `${weak.model.dir}.moved`;
    renameSync(weak.model.dir, moved);
    try {
      await expect(
        predictBatch.run(predictBatch.input.parse({ model: 'penguins', dataset: testSet }), ctx),
      ).rejects.toMatchObject({
        code: 'MODEL_FILES_MISSING',
        what: 'The files of the model to score with penguins@production (version 1) are gone',
      });
    } finally {
      renameSync(moved, weak.model.dir);
    }
  });
});
