/**
 * train.tabular: fits a classifier or regressor on a Parquet dataset with k-fold cross-validation, an optional
 * seeded hyperparameter search, and a holdout (or the given validation set) for the final metrics.
 * Frameworks: builtin (in-process: pipewright's histogram trees, forests and boosting, naive Bayes, mljs
 * linear models and kNN), sklearn and xgboost (runner.py), torch (torch_runner.py, a small MLP). Every path
 * ends in finish(): the same metrics, fit checks, model.json and output.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { z } from 'zod';
import { childEnv } from '../../src/config.ts';
import { userError } from '../../src/errors.ts';
import { defineTask, type TaskContext } from '../../src/tasks/index.ts';
import { matrixRank, resolveBuiltin } from '../lib/builtin-models.ts';
import {
  datePartsFor,
  encodeRows,
  fitPreprocessing,
  type Preprocessing,
  toCategory,
} from '../lib/features.ts';
import { classificationMetrics, higherIsBetter, isBetter, regressionMetrics } from '../lib/metrics.ts';
import { BUILTIN_FILE, commitModelDir, type ModelFile, PYTHON_FILE, stagingDir } from '../lib/model.ts';
import { PYTHON_DIR, runWithProtocol } from '../lib/python-process.ts';
import { ModelRef } from '../lib/refs.ts';
import { asTrainError, CommonTrainInput, exportRows, type Prepared, prepareTraining } from './data.ts';
import { etaProgress } from './progress.ts';

export const Trial = z.object({
  params: z.record(z.string(), z.unknown()).describe('Candidate hyperparameters'),
  score: z.number().nullable().describe('Mean cross-validation score (or holdout score without folds)'),
  foldScores: z.array(z.number()).describe('Score on each fold'),
});
export type Trial = z.infer<typeof Trial>;

export const UsedFeature = z.object({
  name: z.string().describe('Input column'),
  type: z.string().describe('DuckDB type'),
  kind: z
    .enum(['numeric', 'categorical', 'date', 'text'])
    .describe('How it is used: standardised, one-hot, calendar parts, or TF-IDF of its words'),
});

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
  features: z.array(UsedFeature).optional().describe('The features the model uses, and how'),
  notes: z.array(z.string()).optional().describe('Columns left out or read a particular way, and why'),
  warnings: z
    .array(z.string())
    .optional()
    .describe('Signs of a degenerate fit: one class predicted, a singular design, worse than a baseline'),
  summary: z.string().optional().describe('One line for people: model, features, scores'),
});
export type TrainOutput = z.infer<typeof TrainOutput>;

export const TrainTabularInput = z.object({
  ...CommonTrainInput,
  framework: z
    .enum(['builtin', 'sklearn', 'xgboost', 'torch'])
    .default('builtin')
    .describe(
      'builtin: in-process JS models (no Python needed); sklearn/xgboost/torch: Python (config.python). Own scripts: train.command',
    ),
  algorithm: z
    .string()
    .default('random_forest')
    .describe(
      'builtin: random_forest, gradient_boosting, decision_tree, logistic_regression, linear_regression, knn, naive_bayes; sklearn: also extra_trees, ridge, lasso, svm; xgboost: gradient_boosting; torch: mlp',
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
  textColumns: z
    .array(z.string())
    .optional()
    .describe(
      'Free-text columns used as features through TF-IDF of their words (e.g. a ticket body); long free-text columns are also detected',
    ),
  textMaxFeatures: z
    .number()
    .int()
    .min(1)
    .max(5000)
    .default(200)
    .describe('Terms kept per text column (the most frequent in training)'),
});
export type TrainTabularInput = z.infer<typeof TrainTabularInput>;

export const trainTabular = defineTask({
  id: 'train.tabular',
  description:
    'Train a classifier or regressor on a tabular dataset with cross-validation and optional hyperparameter search; numeric, categorical, date and free-text columns become features; outputs a ModelRef with holdout metrics and the features used.',
  input: TrainTabularInput,
  output: TrainOutput,
  resources: { cpu: 1 },
  async run(input, ctx) {
    ctx.progress(0, 'reading data');
    const prep = await prepareTraining(input, ctx, {
      folds: input.folds,
      textColumns: input.textColumns,
      maxCategories: input.maxCategories,
    });
    ctx.log.info(
      `${prep.taskType}: ${prep.train.length} fitting rows, ${prep.holdout.length} holdout rows, ${prep.features.length} features, ${prep.candidates.length} candidate(s), ${prep.nFolds || 'no'} folds`,
    );
    const staging = await stagingDir(ctx.config.stateDir);
    try {
      const fit =
        input.framework === 'builtin'
          ? await trainBuiltin(input, prep, ctx, staging)
          : await trainPython(input, prep, ctx, staging);
      const out = await finish(input, prep, ctx, staging, fit);
      ctx.progress(1, 'model saved');
      return out;
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw asTrainError(e, `Training ${input.algorithm} with ${input.framework} failed`);
    }
  },
});

/** What a framework path hands back: the trials, and the chosen model's holdout predictions and files. */
interface Fitted {
  trials: Trial[];
  best: number;
  /** Holdout predictions: labels (classification) or numbers. */
  pred: unknown[];
  proba: number[][] | undefined;
  preprocessing: ModelFile['preprocessing'];
  pythonFeatures?: ModelFile['pythonFeatures'];
  files: string[];
  /** Rank of the design matrix (linear regression), when it was checked. */
  design?: { rank: number; expected: number; columns: number };
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
/** A regression error this many times the mean baseline's fails the step. */
const DEGENERATE_ERROR_RATIO = 10;

/**
 * Signs that the fit is degenerate, checked on the holdout: a warning when one class is predicted for every
 * row, when a classifier is no better than always predicting the most frequent class, when a regressor is
 * worse than predicting the training mean, or when the design matrix is singular; a TRAIN_DEGENERATE error
 * when the regression error is an order of magnitude above that mean baseline.
 */
export function checkFit(
  prep: Pick<Prepared, 'taskType' | 'yTrain' | 'yHoldout'>,
  pred: unknown[],
  metrics: Record<string, number>,
  design?: Fitted['design'],
): string[] {
  const warnings: string[] = [];
  if (prep.taskType === 'classification') {
    const predicted = new Set(pred.map(String));
    const actual = new Set(prep.yHoldout.map(String));
    if (predicted.size === 1 && actual.size > 1) {
      warnings.push(
        `predicts one class ("${[...predicted][0]}") for every holdout row although the holdout has ${actual.size}: the model separates nothing`,
      );
    }
    const counts = new Map<string, number>();
    for (const y of prep.yTrain) counts.set(String(y), (counts.get(String(y)) ?? 0) + 1);
    const [major] = [...counts].sort((a, b) => b[1] - a[1]);
    const majorShare =
      prep.yHoldout.filter((y) => String(y) === major?.[0]).length / (prep.yHoldout.length || 1);
    if (predicted.size > 1 && (metrics.accuracy ?? 1) <= majorShare - 1e-9) {
      warnings.push(
        `holdout accuracy ${(metrics.accuracy ?? 0).toFixed(3)} is no better than always predicting "${major?.[0]}" (${majorShare.toFixed(3)})`,
      );
    }
  } else {
    const ys = prep.yTrain.map(Number);
    const mean = ys.reduce((a, b) => a + b, 0) / (ys.length || 1);
    const hold = prep.yHoldout.map(Number);
    const baseline = Math.sqrt(hold.reduce((a, y) => a + (y - mean) ** 2, 0) / (hold.length || 1));
    const rmse = metrics.rmse ?? Number.NaN;
    if (!Number.isFinite(rmse) || (baseline > 0 && rmse >= DEGENERATE_ERROR_RATIO * baseline)) {
      throw userError(
        'TRAIN_DEGENERATE',
        `The model's holdout RMSE (${Number.isFinite(rmse) ? rmse.toPrecision(3) : rmse}) is ${Number.isFinite(rmse) ? `${(rmse / baseline).toPrecision(2)} ×` : 'far above'} that of predicting the training mean (${baseline.toPrecision(3)})`,
        design && design.rank < design.expected
          ? `the design matrix is singular (rank ${design.rank} of ${design.expected}): some features are combinations of others, often a near-unique column one-hot encoded`
          : 'the fit is degenerate: features that identify rows (ids, names) or that are collinear make the solution meaningless',
        'Leave identifier columns out (features: [...]), use fewer one-hot categories (maxCategories), or a regularised or tree model (ridge, random_forest).',
        { rmse, baseline },
      );
    }
    if (baseline > 0 && rmse > baseline) {
      warnings.push(
        `holdout RMSE ${rmse.toPrecision(3)} is worse than predicting the training mean (${baseline.toPrecision(3)})`,
      );
    }
  }
  if (design && design.rank < design.expected) {
    warnings.push(
      `singular design: rank ${design.rank} of ${design.expected} expected (${design.columns} columns): some features are linear combinations of others, so coefficients are not unique`,
    );
  }
  return warnings;
}

/** One line for people: the scores, the model, its features, what was left out. */
function summarize(
  input: TrainTabularInput,
  prep: Prepared,
  cv: Record<string, number>,
  metrics: Record<string, number>,
) {
  const kinds = prep.features.map((f) => {
    const k = prep.kinds[f.name];
    return k === 'numeric' || k === 'categorical' ? f.name : `${f.name} (${k})`;
  });
  const shown = kinds.length > 6 ? [...kinds.slice(0, 6), `${kinds.length - 6} more`] : kinds;
  const cvText =
    cv[prep.scoring] !== undefined
      ? `cv ${prep.scoring} ${cv[prep.scoring]?.toFixed(3)}±${(cv[`${prep.scoring}_std`] ?? 0).toFixed(3)} · `
      : '';
  const left = prep.notes.filter((n) => n.startsWith('left out ')).map((n) => n.slice(9, n.indexOf(':')));
  // Scores first: narrow views (pipewright show) cut the line.
  return (
    `${cvText}holdout ${prep.scoring} ${(metrics[prep.scoring] ?? Number.NaN).toFixed(3)} · ` +
    `${input.algorithm}/${input.framework} on ${prep.features.length} features: ${shown.join(', ')}` +
    `${left.length ? ` (left out: ${left.join(', ')})` : ''}`
  );
}

/** Metrics, fit checks, model.json and the step output, the same for every framework. */
async function finish(
  input: TrainTabularInput,
  prep: Prepared,
  ctx: TaskContext,
  staging: string,
  fit: Fitted,
): Promise<TrainOutput> {
  const metrics = fullMetrics(prep, prep.yHoldout, fit.pred, fit.proba);
  const warnings = checkFit(prep, fit.pred, metrics, fit.design);
  for (const w of warnings) ctx.log.warn(w);
  const bestParams = fit.trials[fit.best]?.params ?? {};
  const cvMetrics = cvSummary(fit.trials[fit.best], prep.scoring, prep.nFolds);
  const features = prep.features.map((f) => ({ ...f, kind: prep.kinds[f.name] ?? 'categorical' }));
  const file: ModelFile = {
    format: 'pipewright-model/1',
    framework: input.framework,
    algorithm: input.algorithm,
    taskType: prep.taskType,
    target: input.target,
    features: prep.features,
    featureKinds: features.map(({ name, kind }) => ({ name, kind })),
    ...(prep.notes.length ? { featureNotes: prep.notes } : {}),
    ...(warnings.length ? { warnings } : {}),
    ...(prep.classes ? { classes: prep.classes } : {}),
    preprocessing: fit.preprocessing,
    ...(fit.pythonFeatures ? { pythonFeatures: fit.pythonFeatures } : {}),
    labels: 'index',
    params: bestParams,
    metrics: { ...metrics, ...prefixed(cvMetrics) },
    files: fit.files,
    ...(input.transform ? { inputTransform: input.transform.spec } : {}),
    sample: { rows: prep.holdout.slice(0, SAMPLE_ROWS), predictions: fit.pred.slice(0, SAMPLE_ROWS) },
  };
  const model = await commitModelDir(staging, ctx.config.stateDir, file);
  const summary = summarize(input, prep, cvMetrics, metrics);
  ctx.log.info(summary);
  return {
    model,
    metrics,
    cvMetrics,
    bestParams,
    trials: fit.trials,
    scoring: prep.scoring,
    features,
    notes: prep.notes,
    warnings,
    summary,
  };
}

async function trainBuiltin(
  input: TrainTabularInput,
  prep: Prepared,
  ctx: TaskContext,
  staging: string,
): Promise<Fitted> {
  // Validate every candidate before fitting anything, so a bad value in trial 9 fails in the first second.
  const resolved = prep.candidates.map((c) => resolveBuiltin(input.algorithm, prep.taskType, c));
  const classes = prep.classes ?? [];
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const encodeY = (ys: (string | number)[]) =>
    prep.taskType === 'classification' ? ys.map((y) => classIndex.get(String(y)) ?? -1) : ys.map(Number);
  const decode = (out: number[]) =>
    prep.taskType === 'classification' ? out.map((k) => classes[k] ?? String(k)) : out;
  const needsProba = prep.scoring === 'roc_auc' || prep.scoring === 'log_loss';
  const preOptions = {
    maxCategories: input.maxCategories,
    kinds: prep.kinds,
    textMaxFeatures: input.textMaxFeatures,
  };

  const fitOn = (
    rows: Record<string, unknown>[],
    ys: (string | number)[],
    params: Record<string, unknown>,
    i: number,
  ) => {
    const pre = fitPreprocessing(rows, prep.features, preOptions);
    const algo = resolved[i]?.algo;
    if (!algo) throw new Error('candidate index out of range');
    const x = encodeRows(pre, rows);
    const model = algo.fit(x, encodeY(ys), params, prep.taskType, classes.length);
    return { pre, model, x };
  };
  const predictWith = (fitted: ReturnType<typeof fitOn>, rows: Record<string, unknown>[]) => {
    const x = encodeRows(fitted.pre, rows);
    const proba = fitted.model.predictProba?.(x);
    if (needsProba && !proba) {
      throw userError(
        'TRAIN_BAD_SCORING',
        `${input.algorithm} gives no class probabilities, so it cannot be scored by ${prep.scoring}`,
        undefined,
        'Use scoring: accuracy or f1_macro, or a model with probabilities (random_forest, gradient_boosting, decision_tree, logistic_regression, naive_bayes).',
      );
    }
    return { pred: decode(fitted.model.predict(x)), proba };
  };

  const trials: Trial[] = [];
  const progress = etaProgress(ctx, resolved.length * Math.max(prep.nFolds, 1) + 1, [0.05, 0.95]);
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
        const yVal = valIdx.map((j) => prep.yTrain[j] as string | number);
        foldScores.push(fullMetrics(prep, yVal, pred, proba)[prep.scoring] ?? Number.NaN);
        progress.done(`trial ${i + 1}/${resolved.length} fold ${f + 1}/${prep.nFolds}`);
        await tick(); // lets cancellation and other work through between fits
      }
      score = foldScores.reduce((a, b) => a + b, 0) / foldScores.length;
    } else {
      ctx.signal.throwIfAborted();
      const { pred, proba } = predictWith(fitOn(prep.train, prep.yTrain, params, i), prep.holdout);
      score = fullMetrics(prep, prep.yHoldout, pred, proba)[prep.scoring] ?? Number.NaN;
      progress.done(`trial ${i + 1}/${resolved.length}`);
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
  progress.done('refit');
  await writeFile(path.join(staging, BUILTIN_FILE), JSON.stringify(final.model.toJSON()));
  return {
    trials,
    best,
    pred,
    proba,
    preprocessing: final.pre,
    files: [BUILTIN_FILE],
    ...(input.algorithm === 'linear_regression' ? { design: designOf(final.x, final.pre, prep.train) } : {}),
  };
}

/**
 * Rank of [1 | X] for the builtin linear regression, and the rank it should have: one less for each one-hot
 * group that covers every training row (its columns then sum to the intercept's) and for each constant
 * column (a date part that never changes), which are harmless.
 */
function designOf(x: number[][], pre: Preprocessing, rows: Record<string, unknown>[]) {
  const groups = pre.columns.filter(
    (c) =>
      c.kind === 'categorical' && rows.every((r) => c.categories.includes(toCategory(r[c.name]) ?? c.mode)),
  ).length;
  const width = x[0]?.length ?? 0;
  let constant = 0;
  for (let j = 0; j < width; j++) if (x.every((r) => r[j] === (x[0] as number[])[j])) constant++;
  const columns = width + 1;
  return { rank: matrixRank(x.map((r) => [1, ...r])), expected: columns - groups - constant, columns };
}

function prefixed(cv: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(cv).map(([k, v]) => [`cv_${k}`, v]));
}

const RunnerResult = z.object({
  trials: z.array(Trial),
  best: z.number().int(),
  holdout: z
    .object({ predictions: z.array(z.number()), proba: z.array(z.array(z.number())).nullable() })
    .nullable(),
  design: z.object({ rank: z.number(), expected: z.number(), columns: z.number() }).optional(),
});

/** GPU grant → CUDA_VISIBLE_DEVICES for a child process. */
export function gpuEnv(ctx: TaskContext): Record<string, string> {
  return ctx.devices?.gpus.length ? { CUDA_VISIBLE_DEVICES: ctx.devices.gpus.join(',') } : {};
}

/** Threads the Python libraries may use: the step asks for one CPU (OpenMP would otherwise take them all). */
const PYTHON_THREADS = '1';

async function trainPython(
  input: TrainTabularInput,
  prep: Prepared,
  ctx: TaskContext,
  staging: string,
): Promise<Fitted> {
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
  const pythonFeatures = prep.features.map((f) => {
    const kind = prep.kinds[f.name] ?? 'categorical';
    return {
      name: f.name,
      kind,
      ...(kind === 'date' ? { hour: datePartsFor(f.type).includes('hour') } : {}),
    };
  });
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
    higherIsBetter: higherIsBetter(prep.scoring),
    seed: input.seed,
    maxCategories: input.maxCategories,
    textMaxFeatures: input.textMaxFeatures,
    threads: Number(PYTHON_THREADS),
    outputDir: staging,
    result: path.join(work, 'result.json'),
  };
  const jobFile = path.join(work, 'job.json');
  await writeFile(jobFile, JSON.stringify(job));
  const script = input.framework === 'torch' ? 'torch_runner.py' : 'runner.py';
  const threads = {
    OMP_NUM_THREADS: PYTHON_THREADS,
    OPENBLAS_NUM_THREADS: PYTHON_THREADS,
    MKL_NUM_THREADS: PYTHON_THREADS,
  };
  await runWithProtocol({
    file: ctx.config.python,
    python: ctx.config.python,
    args: [path.join(PYTHON_DIR, script), jobFile],
    env: childEnv(ctx.config, {
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...threads,
      ...gpuEnv(ctx),
    }),
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
  const trials: Trial[] = result.trials.map((t) => ({
    ...t,
    score: t.score !== null && Number.isFinite(t.score) ? t.score : null,
  }));
  const ofKind = (k: string) => pythonFeatures.filter((f) => f.kind === k).map((f) => f.name);
  return {
    trials,
    best: result.best,
    pred,
    proba: result.holdout?.proba ?? undefined,
    preprocessing: {
      kind: 'sklearn-pipeline',
      numeric: ofKind('numeric'),
      categorical: ofKind('categorical'),
      date: ofKind('date'),
      text: ofKind('text'),
      note: `imputation, standardisation, one-hot encoding, date parts and TF-IDF fitted inside ${PYTHON_FILE}`,
    },
    pythonFeatures,
    files: [PYTHON_FILE],
    ...(result.design ? { design: result.design } : {}),
  };
}
