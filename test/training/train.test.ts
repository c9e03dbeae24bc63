import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { isPipewrightError } from '../../src/errors.ts';
import { loadModel } from '../../tools/lib/model.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { trainCommand } from '../../tools/train/command.ts';
import { type TrainOutput, trainTabular } from '../../tools/train/tabular.ts';
import { makeTaskContext, type TestContext } from '../helpers/task-context.ts';
import { datasetFrom, penguins, vegaFile } from './helpers.ts';

const PENGUIN_FEATURES = [
  'Island',
  'Beak Length (mm)',
  'Beak Depth (mm)',
  'Flipper Length (mm)',
  'Body Mass (g)',
  'Sex',
];
const CAR_FEATURES = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'];

let ctx: TestContext;
let peng: DatasetRef;
let cars: DatasetRef;
let builtinRf: TrainOutput;
let sklearnRf: TrainOutput;

const train = (input: Record<string, unknown>, c: TestContext = ctx) =>
  trainTabular.run(trainTabular.input.parse(input), c);

async function errorOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isPipewrightError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  ctx = makeTaskContext();
  peng = await penguins(ctx.workspace);
  cars = await datasetFrom(vegaFile('cars.json'), ctx.workspace, 'cars');
  [builtinRf, sklearnRf] = await Promise.all([
    train({ dataset: peng, target: 'Species', folds: 3, params: { nEstimators: 25 } }),
    train({ dataset: peng, target: 'Species', framework: 'sklearn', folds: 4, params: { n_estimators: 50 } }),
  ]);
}, 120_000);

describe('penguin species (classification)', () => {
  test('builtin random forest reaches 90% holdout accuracy with 3-fold CV', () => {
    expect(builtinRf.model.framework).toBe('builtin');
    expect(builtinRf.model.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(builtinRf.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(builtinRf.cvMetrics.folds).toBe(3);
    expect(builtinRf.trials[0]?.foldScores).toHaveLength(3);
    expect(builtinRf.model.features.map((f) => f.name).sort()).toEqual([...PENGUIN_FEATURES].sort());
    expect(existsSync(path.join(builtinRf.model.dir, 'model.json'))).toBe(true);
    expect(builtinRf.model.hash).toMatch(/^[a-f0-9]{64}$/);
  });

  test('sklearn random forest reaches 90% holdout accuracy with 4-fold CV', () => {
    expect(sklearnRf.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(sklearnRf.metrics.roc_auc).toBeGreaterThan(0.9);
    expect(sklearnRf.cvMetrics.folds).toBe(4);
    expect(sklearnRf.trials[0]?.foldScores).toHaveLength(4);
    expect(existsSync(path.join(sklearnRf.model.dir, 'model.joblib'))).toBe(true);
  });

  test('loadModel replays the builtin preprocessing: same predictions as at training time', async () => {
    const model = await loadModel(builtinRf.model.dir, { config: ctx.config });
    const sample = model.file.sample;
    expect(sample?.rows.length).toBeGreaterThan(0);
    expect(await model.predict(sample?.rows ?? [])).toEqual(sample?.predictions);
    const [proba] = (await model.predictProba?.(sample?.rows.slice(0, 1) ?? [])) ?? [];
    expect(Object.values(proba ?? {}).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(model.ref.hash).toBe(builtinRf.model.hash);
  });

  test('the warm Python predictor answers several calls from one process, matching training', async () => {
    const model = await loadModel(sklearnRf.model.dir, { config: ctx.config });
    try {
      const rows = model.file.sample?.rows ?? [];
      const pid = model.processId;
      expect(pid).toBeGreaterThan(0);
      const first = await model.predict(rows);
      expect(first).toEqual(model.file.sample?.predictions);
      const again = await Promise.all([model.predict(rows.slice(0, 1)), model.predict(rows.slice(1, 3))]);
      expect(again.flat()).toEqual(first.slice(0, 3));
      const proba = await model.predictProba?.(rows.slice(0, 2));
      expect(Object.keys(proba?.[0] ?? {})).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
      // One process served every call and is still up; close() ends it.
      expect(model.processId).toBe(pid);
      expect(process.kill(pid as number, 0)).toBe(true);
    } finally {
      await model.close();
    }
    expect(() => process.kill(model.processId as number, 0)).toThrow();
  });

  test('rows that do not fit the feature schema are refused with every problem listed', async () => {
    const model = await loadModel(builtinRf.model.dir, { config: ctx.config });
    const err = await errorOf(
      model.predict([
        { Island: 'Dream', 'Beak Length (mm)': 'long' },
        { Island: 3 } as Record<string, unknown>,
      ]),
    );
    expect(err.code).toBe('PREDICT_INVALID_ROWS');
    const problems = (err.details as { problems: { path: string }[] }).problems.map((p) => p.path);
    expect(problems).toContain('rows[0].Beak Length (mm)');
    expect(problems).toContain('rows[0].Sex');
    expect(problems).toContain('rows[1].Body Mass (g)');
    // row 0: a text beak length and four missing fields; row 1: five missing fields (3 is fine as a category)
    expect(problems.length).toBe(5 + 5);
  });
});

describe('car fuel economy (regression)', () => {
  test('builtin random forest and xgboost both reach R² > 0.6', async () => {
    const [rf, xgb] = await Promise.all([
      train({
        dataset: cars,
        target: 'Miles_per_Gallon',
        features: CAR_FEATURES,
        folds: 3,
        params: { nEstimators: 20 },
      }),
      train({
        dataset: cars,
        target: 'Miles_per_Gallon',
        features: CAR_FEATURES,
        framework: 'xgboost',
        algorithm: 'gradient_boosting',
        folds: 3,
        params: { n_estimators: 100, max_depth: 3 },
      }),
    ]);
    expect(rf.model.taskType).toBe('regression');
    expect(rf.metrics.r2).toBeGreaterThan(0.6);
    expect(xgb.metrics.r2).toBeGreaterThan(0.6);
    expect(rf.metrics.rmse).toBeGreaterThan(0);
  }, 90_000);
});

describe('hyperparameter search', () => {
  test('a seeded random search is reproducible and the best trial is refit', async () => {
    const input = {
      dataset: peng,
      target: 'Species',
      algorithm: 'decision_tree',
      folds: 3,
      search: {
        method: 'random',
        space: { maxDepth: { min: 1, max: 6, integer: true }, minNumSamples: [2, 5, 10] },
        trials: 4,
      },
      seed: 11,
    };
    const a = await train(input);
    const b = await train(input);
    expect(a.trials).toHaveLength(4);
    expect(b.trials).toEqual(a.trials);
    const best = Math.max(...a.trials.map((t) => t.score ?? -1));
    expect(a.cvMetrics.accuracy).toBeCloseTo(best);
    expect(a.bestParams).toEqual(a.trials.find((t) => t.score === best)?.params);
    expect(a.model.params).toEqual(a.bestParams);
  }, 60_000);
});

describe('bad input', () => {
  const modelsDir = () => path.join(ctx.config.stateDir, 'models');
  const snapshot = () => (existsSync(modelsDir()) ? readdirSync(modelsDir()).sort() : []);
  const staging = () => {
    const d = path.join(modelsDir(), '.staging');
    return existsSync(d) ? readdirSync(d) : [];
  };
  const tiny = (name: string, select: string) =>
    datasetFrom(vegaFile('penguins.json'), ctx.workspace, name, select);

  test('each case gets a clear user error and nothing is written', async () => {
    const before = snapshot();
    const cases: [string, () => Promise<unknown>][] = [
      ['TRAIN_TARGET_MISSING', () => train({ dataset: peng, target: 'species' })],
      [
        'TRAIN_TARGET_CONSTANT',
        async () =>
          train({ dataset: await tiny('constant', "SELECT *, 'x' AS label FROM src"), target: 'label' }),
      ],
      [
        'TRAIN_TARGET_EMPTY',
        async () =>
          train({
            dataset: await tiny('nulls', 'SELECT *, CAST(NULL AS VARCHAR) AS label FROM src'),
            target: 'label',
          }),
      ],
      [
        'TRAIN_TOO_FEW_ROWS',
        async () =>
          train({
            dataset: await tiny(
              'few',
              "(FROM src WHERE Species = 'Adelie' LIMIT 4) UNION ALL (FROM src WHERE Species = 'Gentoo' LIMIT 4)",
            ),
            target: 'Species',
            folds: 5,
          }),
      ],
      [
        'TRAIN_TOO_MANY_CLASSES',
        async () =>
          train({
            dataset: await tiny('ids', 'SELECT *, CAST(row_number() OVER () AS VARCHAR) AS id FROM src'),
            target: 'id',
          }),
      ],
      ['TRAIN_TARGET_NOT_NUMERIC', () => train({ dataset: peng, target: 'Species', taskType: 'regression' })],
      ['TRAIN_BAD_PARAMS', () => train({ dataset: peng, target: 'Species', params: { nTrees: 3 } })],
      [
        'TRAIN_ALGORITHM_TASK_MISMATCH',
        () => train({ dataset: peng, target: 'Species', algorithm: 'linear_regression' }),
      ],
    ];
    for (const [code, p] of cases) {
      const err = await errorOf(p());
      expect(err.code, code).toBe(code);
      expect(err.category).toBe('user');
      expect(err.fix, code).toBeTruthy();
    }
    const missing = await errorOf(train({ dataset: peng, target: 'species' }));
    expect(missing.why).toContain('Species');
    expect(missing.why).toContain('Island');
    expect(snapshot()).toEqual(before);
    expect(staging()).toEqual([]);
  }, 60_000);

  test('trains a PyTorch MLP (on CPU here; CUDA on GPU workers) behind the same preprocessing', async () => {
    const out = await train({
      dataset: peng,
      target: 'Species',
      framework: 'torch',
      algorithm: 'mlp',
      params: { epochs: 60 },
      folds: 2,
    });
    expect(out.model.framework).toBe('torch');
    expect(out.metrics.accuracy).toBeGreaterThan(0.8);
    const model = await loadModel(out.model.dir, { config: ctx.config });
    try {
      const rows = (model.file.sample?.rows ?? []).slice(0, 5);
      expect(rows.length).toBeGreaterThan(0);
      expect(
        (await model.predict(rows)).every((p) => ['Adelie', 'Chinstrap', 'Gentoo'].includes(String(p))),
      ).toBe(true);
    } finally {
      await model.close();
    }
  }, 120_000);

  test('an interpreter without PyTorch fails with TRAIN_FRAMEWORK_MISSING and says how to install it', async () => {
    // An interpreter whose `import torch` fails, whatever is installed on this machine.
    const fake = path.join(ctx.workspace, 'no-torch');
    mkdirSync(fake, { recursive: true });
    writeFileSync(
      path.join(fake, 'torch.py'),
      "raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n",
    );
    const python = path.join(fake, 'python3');
    writeFileSync(python, `#!/bin/sh\nPYTHONPATH=${fake} exec ${ctx.config.python} "$@"\n`, { mode: 0o755 });
    const c = makeTaskContext({ workspace: ctx.workspace, config: { ...ctx.config, python } });
    const err = await errorOf(
      train({ dataset: peng, target: 'Species', framework: 'torch', algorithm: 'mlp', folds: 2 }, c),
    );
    expect(err.code).toBe('TRAIN_FRAMEWORK_MISSING');
    expect(err.fix).toContain('torch');
    expect(staging()).toEqual([]);
  }, 60_000);

  test('a missing Python interpreter is named with an install hint', async () => {
    const c = makeTaskContext({
      workspace: ctx.workspace,
      config: { ...ctx.config, python: '/nonexistent/python3' },
    });
    const err = await errorOf(train({ dataset: peng, target: 'Species', framework: 'sklearn', folds: 2 }, c));
    expect(err.code).toBe('TRAIN_PYTHON_MISSING');
    expect(err.fix).toContain('PIPEWRIGHT_PYTHON');
  });
});

describe('train.command', () => {
  test('runs the user script per candidate under the contract and keeps the best output', async () => {
    const script = path.join(ctx.workspace, 'train.py');
    await writeFile(
      script,
      [
        'import json, os, csv',
        'params = json.loads(os.environ["PIPEWRIGHT_PARAMS"])',
        'rows = list(csv.DictReader(open(os.environ["PIPEWRIGHT_TRAIN_DATA"])))',
        'assert os.path.exists(os.environ["PIPEWRIGHT_VALIDATION_PARQUET"])',
        'print("::progress 0.5 halfway", flush=True)',
        'out = os.environ["PIPEWRIGHT_OUTPUT_DIR"]',
        'json.dump({"accuracy": params["quality"], "rows": len(rows)}, open(os.path.join(out, "metrics.json"), "w"))',
        'open(os.path.join(out, "weights.txt"), "w").write(str(params["quality"]))',
      ].join('\n'),
    );
    await chmod(script, 0o755);
    expect(trainCommand.needsApproval).toBe(true);
    const out = await trainCommand.run(
      trainCommand.input.parse({
        dataset: peng,
        target: 'Species',
        command: [ctx.config.python, 'train.py'],
        search: { method: 'grid', space: { quality: [0.5, 0.9, 0.7] } },
      }),
      ctx,
    );
    expect(out.trials.map((t) => t.score)).toEqual([0.5, 0.9, 0.7]);
    expect(out.bestParams).toEqual({ quality: 0.9 });
    expect(out.model.framework).toBe('command');
    expect(out.metrics.rows).toBeGreaterThan(200);
    expect(existsSync(path.join(out.model.dir, 'weights.txt'))).toBe(true);
    expect(ctx.progressReports.some((p) => p.message === 'halfway')).toBe(true);
  }, 60_000);
});
