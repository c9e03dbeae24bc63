/**
 * train.tabular: fits a classifier or regressor on a Parquet dataset with k-fold cross-validation, an optional
 * seeded hyperparameter search, and a holdout (or the given validation set) for the final metrics.
 * Frameworks: builtin (in-process mljs), sklearn and xgboost (runner.py), torch (torch_runner.py, a small MLP).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { z } from 'zod';
import { childEnv } from '../../src/config.ts';
import { userError } from '../../src/errors.ts';
import { defineTask, type TaskContext } from '../../src/tasks/index.ts';
import { resolveBuiltin } from '../lib/builtin-models.ts';
import { encodeRows, featureKind, fitPreprocessing } from '../lib/features.ts';
import { classificationMetrics, isBetter, regressionMetrics } from '../lib/metrics.ts';
import { BUILTIN_FILE, commitModelDir, type ModelFile, PYTHON_FILE, stagingDir } from '../lib/model.ts';
import { PYTHON_DIR, runWithProtocol } from '../lib/python-process.ts';
import { ModelRef } from '../lib/refs.ts';
import { asTrainError, CommonTrainInput, exportRows, type Prepared, prepareTraining } from './data.ts';

export const Trial = z.object({
  params: z.record(z.string(), z.unknown()).describe('Candidate hyperparameters'),
  score: z.number().nullable().describe('Mean cross-validation score (or holdout score without folds)'),
  foldScores: z.array(z.number()).describe('Score on each fold'),
});
export type Trial = z.infer<typeof Trial>;

export const TrainOutput = z.object({
  model: ModelRef,
  metrics: z
    .record(z.string(), z.number())
    .describe('Holdout (or validation set) metrics of the chosen model'),
  cvMetrics: z
    .record(z.string(), z.number())
    .describe('The scoring metric across folds for the chosen trial: <metric> (mean), <metric>_std, folds'),
  bestParams: z.record(z.string(), z.unknown()).describe('Hyperparameters of the chosen trial'),
  trials: z.array(Trial).describe('Every candidate tried, in order, with its score'),
  scoring: z.string().describe('The metric that ranked the trials'),
});
export type TrainOutput = z.infer<typeof TrainOutput>;

export const TrainTabularInput = z.object({
  ...CommonTrainInput,
  framework: z
    .enum(['builtin', 'sklearn', 'xgboost', 'torch'])
    .default('builtin')
    .describe(
      'builtin: in-process JS models; sklearn/xgboost/torch: Python (config.python). Own scripts: train.command',
    ),
  algorithm: z
    .string()
    .default('random_forest')
    .describe(
      'builtin: random_forest, decision_tree, logistic_regression, linear_regression, knn, naive_bayes; sklearn: also gradient_boosting, extra_trees, ridge, lasso, svm; xgboost: gradient_boosting; torch: mlp',
    ),
  folds: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(5)
    .describe(
      'k for k-fold cross-validation (stratified for classification); 0 scores trials on the holdout',
    ),
});
export type TrainTabularInput = z.infer<typeof TrainTabularInput>;

export const trainTabular = defineTask({
  id: 'train.tabular',
  description:
    'Train a classifier or regressor on a tabular dataset with cross-validation and optional hyperparameter search; outputs a ModelRef with holdout metrics.',
  input: TrainTabularInput,
  output: TrainOutput,
  resources: { cpu: 1 },
  async run(input, ctx) {
    ctx.progress(0, 'reading data');
    const prep = await prepareTraining(input, ctx, { folds: input.folds });
    ctx.log.info(
      `${prep.taskType}: ${prep.train.length} fitting rows, ${prep.holdout.length} holdout rows, ${prep.features.length} features, ${prep.candidates.length} candidate(s), ${prep.nFolds || 'no'} folds`,
    );
    const staging = await stagingDir(ctx.config.stateDir);
    try {
      const out =
        input.framework === 'builtin'
          ? await trainBuiltin(input, prep, ctx, staging)
          : await trainPython(input, prep, ctx, staging);
      ctx.progress(1, 'model saved');
      return out;
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw asTrainError(e, `Training ${input.algorithm} with ${input.framework} failed`);
    }
  },
});

/** Score of one metric from predicted labels/values. */
function scoreOf(
  prep: Prepared,
  metric: string,
  yTrue: (string | number)[],
  pred: unknown[],
  proba?: number[][],
) {
  return fullMetrics(prep, yTrue, pred, proba)[metric] ?? Number.NaN;
}

function fullMetrics(prep: Prepared, yTrue: (string | number)[], pred: unknown[], proba?: number[][]) {
  return prep.taskType === 'classification'
    ? classificationMetrics(yTrue.map(String), pred.map(String), prep.classes ?? [], proba)
    : regressionMetrics(yTrue.map(Number), pred.map(Number));
}

function pickBest(trials: Trial[], scoring: string): number {
  let best = 0;
  trials.forEach((t, i) => {
    const b = trials[best]?.score ?? null;
    if (t.score !== null && (b === null || isBetter(scoring, t.score, b))) best = i;
  });
  return best;
}

function cvSummary(trial: Trial | undefined, scoring: string, nFolds: number): Record<string, number> {
  if (!trial || trial.foldScores.length === 0) return {};
  const xs = trial.foldScores;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { [scoring]: mean, [`${scoring}_std`]: std, folds: nFolds };
}

const SAMPLE_ROWS = 10;

async function trainBuiltin(
  input: TrainTabularInput,
  prep: Prepared,
  ctx: TaskContext,
  staging: string,
): Promise<TrainOutput> {
  // Validate every candidate before fitting anything, so a bad value in trial 9 fails in the first second.
  const resolved = prep.candidates.map((c) => resolveBuiltin(input.algorithm, prep.taskType, c));
  const classes = prep.classes ?? [];
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const encodeY = (ys: (string | number)[]) =>
    prep.taskType === 'classification' ? ys.map((y) => classIndex.get(String(y)) ?? -1) : ys.map(Number);
  const decode = (out: number[]) =>
    prep.taskType === 'classification' ? out.map((k) => classes[k] ?? String(k)) : out;
  const needsProba = prep.scoring === 'roc_auc' || prep.scoring === 'log_loss';

  const fitOn = (
    rows: Record<string, unknown>[],
    ys: (string | number)[],
    params: Record<string, unknown>,
    i: number,
  ) => {
    const pre = fitPreprocessing(rows, prep.features, { maxCategories: input.maxCategories });
    const algo = resolved[i]?.algo;
    if (!algo) throw new Error('candidate index out of range');
    const model = algo.fit(encodeRows(pre, rows), encodeY(ys), params, prep.taskType, classes.length);
    return { pre, model };
  };
  const predictWith = (fitted: ReturnType<typeof fitOn>, rows: Record<string, unknown>[]) => {
    const x = encodeRows(fitted.pre, rows);
    const proba = fitted.model.predictProba?.(x);
    if (needsProba && !proba) {
      throw userError(
        'TRAIN_BAD_SCORING',
        `${input.algorithm} gives no class probabilities, so it cannot be scored by ${prep.scoring}`,
        undefined,
        'Use scoring: accuracy or f1_macro, or a model with probabilities (random_forest, decision_tree, logistic_regression).',
      );
    }
    return { pred: decode(fitted.model.predict(x)), proba };
  };

  const trials: Trial[] = [];
  const total = resolved.length * Math.max(prep.nFolds, 1) + 1;
  let done = 0;
  for (const [i, { params }] of resolved.entries()) {
    const foldScores: number[] = [];
    let score: number;
    if (prep.folds) {
      for (let f = 0; f < prep.nFolds; f++) {
        ctx.signal.throwIfAborted();
        const fitIdx = prep.folds.flatMap((k, j) => (k === f ? [] : [j]));
        const valIdx = prep.folds.flatMap((k, j) => (k === f ? [j] : []));
        const fitted = fitOn(
          fitIdx.map((j) => prep.train[j] as Record<string, unknown>),
          fitIdx.map((j) => prep.yTrain[j] as string | number),
          params,
          i,
        );
        const { pred, proba } = predictWith(
          fitted,
          valIdx.map((j) => prep.train[j] as Record<string, unknown>),
        );
        foldScores.push(
          scoreOf(
            prep,
            prep.scoring,
            valIdx.map((j) => prep.yTrain[j] as string | number),
            pred,
            proba,
          ),
        );
        ctx.progress(
          0.05 + (0.9 * ++done) / total,
          `trial ${i + 1}/${resolved.length} fold ${f + 1}/${prep.nFolds}`,
        );
        await tick(); // lets cancellation and other work through between fits
      }
      score = foldScores.reduce((a, b) => a + b, 0) / foldScores.length;
    } else {
      ctx.signal.throwIfAborted();
      const { pred, proba } = predictWith(fitOn(prep.train, prep.yTrain, params, i), prep.holdout);
      score = scoreOf(prep, prep.scoring, prep.yHoldout, pred, proba);
      ctx.progress(0.05 + (0.9 * ++done) / total, `trial ${i + 1}/${resolved.length}`);
      await tick();
    }
    trials.push({ params, score: Number.isFinite(score) ? score : null, foldScores });
    ctx.log.info(`trial ${i + 1}: ${prep.scoring}=${score.toFixed(4)} ${JSON.stringify(params)}`);
  }

  const best = pickBest(trials, prep.scoring);
  const bestParams = resolved[best]?.params ?? {};
  ctx.progress(0.95, 'refitting the best candidate');
  const final = fitOn(prep.train, prep.yTrain, bestParams, best);
  const { pred, proba } = predictWith(final, prep.holdout);
  const metrics = fullMetrics(prep, prep.yHoldout, pred, proba);
  await writeFile(path.join(staging, BUILTIN_FILE), JSON.stringify(final.model.toJSON()));
  const cvMetrics = cvSummary(trials[best], prep.scoring, prep.nFolds);
  const file: ModelFile = {
    format: 'pipewright-model/1',
    framework: 'builtin',
    algorithm: input.algorithm,
    taskType: prep.taskType,
    target: input.target,
    features: prep.features,
    ...(prep.classes ? { classes: prep.classes } : {}),
    preprocessing: final.pre,
    labels: 'index',
    params: bestParams,
    metrics: { ...metrics, ...prefixed(cvMetrics) },
    files: [BUILTIN_FILE],
    ...(input.transform ? { inputTransform: input.transform.spec } : {}),
    sample: { rows: prep.holdout.slice(0, SAMPLE_ROWS), predictions: pred.slice(0, SAMPLE_ROWS) },
  };
  const model = await commitModelDir(staging, ctx.config.stateDir, file);
  return { model, metrics, cvMetrics, bestParams, trials, scoring: prep.scoring };
}

function prefixed(cv: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(cv).map(([k, v]) => [`cv_${k}`, v]));
}

const RunnerResult = z.object({
  trials: z.array(
    z.object({
      params: z.record(z.string(), z.unknown()),
      score: z.number().nullable(),
      foldScores: z.array(z.number()),
    }),
  ),
  best: z.number().int(),
  holdout: z
    .object({ predictions: z.array(z.number()), proba: z.array(z.array(z.number())).nullable() })
    .nullable(),
});

/** GPU grant → CUDA_VISIBLE_DEVICES for a child process. */
export function gpuEnv(ctx: TaskContext): Record<string, string> {
  return ctx.devices?.gpus.length ? { CUDA_VISIBLE_DEVICES: ctx.devices.gpus.join(',') } : {};
}

async function trainPython(
  input: TrainTabularInput,
  prep: Prepared,
  ctx: TaskContext,
  staging: string,
): Promise<TrainOutput> {
  const work = path.join(ctx.scratchDir, 'train');
  await mkdir(work, { recursive: true });
  const cols = [...prep.features.map((f) => f.name), input.target];
  ctx.progress(0.02, 'exporting data for Python');
  const train = await exportRows(prep.trainPath, prep.trainRowNumbers, cols, path.join(work, 'train'), [
    'csv',
  ]);
  const holdout = await exportRows(
    prep.holdoutSource.path,
    prep.holdoutSource.rowNumbers,
    cols,
    path.join(work, 'holdout'),
    ['csv'],
  );
  const pythonFeatures = prep.features.map((f) => ({
    name: f.name,
    kind: featureKind(f.type) ?? 'categorical',
  }));
  const job = {
    framework: input.framework,
    algorithm: input.algorithm,
    taskType: prep.taskType,
    target: input.target,
    features: pythonFeatures,
    classes: prep.classes ?? null,
    train: train.csv,
    holdout: holdout.csv,
    folds: prep.folds ?? null,
    candidates: prep.candidates,
    scoring: prep.scoring,
    higherIsBetter: !['rmse', 'mae', 'log_loss'].includes(prep.scoring),
    seed: input.seed,
    maxCategories: input.maxCategories,
    threads: 1,
    outputDir: staging,
    result: path.join(work, 'result.json'),
  };
  const jobFile = path.join(work, 'job.json');
  await writeFile(jobFile, JSON.stringify(job));
  const script = input.framework === 'torch' ? 'torch_runner.py' : 'runner.py';
  await runWithProtocol({
    file: ctx.config.python,
    python: ctx.config.python,
    args: [path.join(PYTHON_DIR, script), jobFile],
    env: childEnv(ctx.config, { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...gpuEnv(ctx) }),
    cwd: work,
    ctx,
    writable: [staging],
    what: `The ${input.framework} training runner`,
    progressRange: [0.05, 0.95],
    ...(input.timeoutSeconds ? { timeoutMs: input.timeoutSeconds * 1000 } : {}),
  });
  const result = RunnerResult.parse(JSON.parse(await readFile(job.result, 'utf8')));
  const classes = prep.classes ?? [];
  const pred =
    prep.taskType === 'classification'
      ? (result.holdout?.predictions ?? []).map((k) => classes[k] ?? String(k))
      : (result.holdout?.predictions ?? []);
  const metrics = fullMetrics(prep, prep.yHoldout, pred, result.holdout?.proba ?? undefined);
  const trials: Trial[] = result.trials.map((t) => ({
    ...t,
    score: t.score !== null && Number.isFinite(t.score) ? t.score : null,
  }));
  const best = result.best;
  const bestParams = trials[best]?.params ?? {};
  const cvMetrics = cvSummary(trials[best], prep.scoring, prep.nFolds);
  const file: ModelFile = {
    format: 'pipewright-model/1',
    framework: input.framework,
    algorithm: input.algorithm,
    taskType: prep.taskType,
    target: input.target,
    features: prep.features,
    ...(prep.classes ? { classes: prep.classes } : {}),
    preprocessing: {
      kind: 'sklearn-pipeline',
      numeric: pythonFeatures.filter((f) => f.kind === 'numeric').map((f) => f.name),
      categorical: pythonFeatures.filter((f) => f.kind === 'categorical').map((f) => f.name),
      note: `mean/most-frequent imputation, standardisation and one-hot encoding fitted inside ${PYTHON_FILE}`,
    },
    pythonFeatures,
    labels: 'index',
    params: bestParams,
    metrics: { ...metrics, ...prefixed(cvMetrics) },
    files: [PYTHON_FILE],
    ...(input.transform ? { inputTransform: input.transform.spec } : {}),
    sample: { rows: prep.holdout.slice(0, SAMPLE_ROWS), predictions: pred.slice(0, SAMPLE_ROWS) },
  };
  const model = await commitModelDir(staging, ctx.config.stateDir, file);
  return { model, metrics, cvMetrics, bestParams, trials, scoring: prep.scoring };
}
