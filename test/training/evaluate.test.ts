import { beforeAll, describe, expect, test } from 'vitest';
import { evaluateModel } from '../../tools/evaluate/model.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { predictBatch } from '../../tools/predict/batch.ts';
import { type TrainOutput, trainTabular } from '../../tools/train/tabular.ts';
import { makeTaskContext, type TestContext } from '../helpers/task-context.ts';
import { datasetFrom, vegaFile } from './helpers.ts';

let ctx: TestContext;
let trainSet: DatasetRef;
let testSet: DatasetRef;
let good: TrainOutput;
let weak: TrainOutput;

beforeAll(async () => {
  ctx = makeTaskContext();
  const src = vegaFile('penguins.json');
  // A fixed 75/25 split by row position, so the test rows were never seen in training.
  trainSet = await datasetFrom(
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
}, 90_000);

describe('evaluate.model', () => {
  test('measures the model on test rows, with flat metrics and a confusion matrix', async () => {
    const out = await evaluateModel.run(
      evaluateModel.input.parse({ model: good.model, dataset: testSet }),
      ctx,
    );
    expect(out.rows).toBeGreaterThan(70);
    expect(out.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(out.metrics.roc_auc).toBeGreaterThan(0.9);
    expect(out.primaryMetric).toBe('accuracy');
    expect(out.improved).toBe(true);
    const cm = out.confusionMatrix;
    expect(cm?.labels).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(cm?.matrix.flat().reduce((a, b) => a + b, 0)).toBe(out.rows);
    expect(out.perClass?.Gentoo?.support).toBeGreaterThan(0);
  });

  test('champion/challenger: improved and per-metric delta against a baseline', async () => {
    const better = await evaluateModel.run(
      evaluateModel.input.parse({ model: good.model, dataset: testSet, baseline: weak.model }),
      ctx,
    );
    expect(better.improved).toBe(true);
    expect(better.delta?.accuracy).toBeCloseTo(
      (better.metrics.accuracy ?? 0) - (better.baselineMetrics?.accuracy ?? 0),
    );
    expect(better.delta?.accuracy).toBeGreaterThan(0);
    const worse = await evaluateModel.run(
      evaluateModel.input.parse({ model: weak.model, dataset: testSet, baseline: good.model }),
      ctx,
    );
    expect(worse.improved).toBe(false);
    const same = await evaluateModel.run(
      evaluateModel.input.parse({
        model: good.model,
        dataset: testSet,
        baseline: good.model,
        primaryMetric: 'f1_macro',
      }),
      ctx,
    );
    expect(same.delta?.f1_macro).toBe(0);
    expect(same.improved).toBe(false);
  });
});

describe('predict.batch', () => {
  test('writes the rows plus a prediction column as Parquet, matching loadModel predictions', async () => {
    const out = await predictBatch.run(
      predictBatch.input.parse({ model: good.model, dataset: testSet, probabilities: true, csv: true }),
      ctx,
    );
    expect(out.dataset.rows).toBe(testSet.rows);
    const names = out.dataset.columns.map((c) => c.name);
    expect(names).toContain('prediction');
    expect(names).toContain('prediction_Gentoo');
    expect(names).toContain('Species');
    expect(out.csvPath).toBeTruthy();
    const rows = await withDuckDB((db) =>
      db.all(`SELECT Species, prediction FROM read_parquet('${out.dataset.path}')`),
    );
    const hits = rows.filter((r) => r.Species === r.prediction).length;
    expect(hits / rows.length).toBeGreaterThanOrEqual(0.9);
  });
});
