/**
 * Training data preparation shared by train.tabular and train.command: reads the Parquet datasets, checks the
 * target, picks features, drops rows without a target, holds out validation rows, assigns folds and lists
 * the hyperparameter candidates. Every bad-input case fails here, before anything is written.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PipewrightError, userError } from '../../src/errors.ts';
import { resolveInWorkspace, type TaskContext } from '../../src/tasks/index.ts';
import { type DuckDB, ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { featureKind, isNumericType, normaliseRow, toNumber } from '../lib/features.ts';
import { higherIsBetter } from '../lib/metrics.ts';
import { holdoutSplit, kFoldAssignment, SearchSpec, searchCandidates } from '../lib/model-selection.ts';
import { DatasetRef } from '../lib/refs.ts';
import { TransformSpec } from '../lib/transforms.ts';

export const MAX_CLASSES = 100;
export const CLASSIFICATION_SCORING = [
  'accuracy',
  'f1_macro',
  'precision_macro',
  'recall_macro',
  'roc_auc',
  'log_loss',
];
export const REGRESSION_SCORING = ['r2', 'rmse', 'mae'];

/** Input fields shared by the training tasks. */
export const CommonTrainInput = {
  dataset: DatasetRef.describe('Training rows (Parquet)'),
  validation: DatasetRef.optional().describe(
    'Rows for the final metrics; when absent, holdoutFraction of the training rows is held out (stratified)',
  ),
  target: z.string().min(1).describe('Column to predict'),
  transform: z
    .object({ spec: TransformSpec.describe('The fitted transform') })
    .optional()
    .describe(
      'The fitted transform of the prep.transform step that produced the data (its `transform` output): saved with the model and replayed on raw rows at serving time',
    ),
  features: z
    .array(z.string())
    .optional()
    .describe('Input columns (default: every numeric, text or boolean column except the target)'),
  taskType: z
    .enum(['classification', 'regression'])
    .optional()
    .describe('Default: classification for text/boolean targets, regression for numeric ones'),
  params: z
    .record(z.string(), z.unknown())
    .default({})
    .describe('Fixed hyperparameters, e.g. { nEstimators: 100 }'),
  search: SearchSpec.optional(),
  scoring: z
    .string()
    .optional()
    .describe(
      `Metric that ranks trials: ${CLASSIFICATION_SCORING.join(', ')} (default accuracy) or ${REGRESSION_SCORING.join(', ')} (default r2)`,
    ),
  holdoutFraction: z
    .number()
    .min(0.05)
    .max(0.5)
    .default(0.2)
    .describe('Share of rows held out without validation'),
  seed: z.number().int().default(42).describe('Seed for splits, folds, search and models'),
  maxCategories: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(50)
    .describe('Most frequent values one-hot encoded per text column'),
  timeoutSeconds: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Kill the training process after this long'),
};

export interface Prepared {
  taskType: 'classification' | 'regression';
  features: { name: string; type: string }[];
  classes: string[] | undefined;
  /** Training rows (normalised features + target), with their Parquet row numbers. */
  train: Record<string, unknown>[];
  trainRowNumbers: number[];
  holdout: Record<string, unknown>[];
  /** Where holdout rows come from: the training file (row numbers) or the validation dataset. */
  holdoutSource: { path: string; rowNumbers: number[] | undefined };
  trainPath: string;
  /** Labels (classification) or numbers (regression) aligned with train / holdout. */
  yTrain: (string | number)[];
  yHoldout: (string | number)[];
  /** Fold per training row; undefined when folds < 2. */
  folds: number[] | undefined;
  nFolds: number;
  candidates: Record<string, unknown>[];
  scoring: string;
}

type CommonInput = {
  dataset: DatasetRef;
  validation?: DatasetRef | undefined;
  target: string;
  features?: string[] | undefined;
  taskType?: 'classification' | 'regression' | undefined;
  params: Record<string, unknown>;
  search?: SearchSpec | undefined;
  scoring?: string | undefined;
  holdoutFraction: number;
  seed: number;
};

/** A dataset path from a plan: inside the workspace, or a file pipewright itself wrote under its state folder. */
export function resolveDataPath(ctx: TaskContext, p: string, what: string): string {
  const state = path.resolve(ctx.config.stateDir);
  const abs = path.resolve(ctx.workspace, p);
  if (abs === state || abs.startsWith(state + path.sep)) return abs;
  return resolveInWorkspace(ctx.workspace, p, what);
}

async function columnsOf(db: DuckDB, file: string, what: string) {
  try {
    return await db.columns(`read_parquet(${literal(file)})`);
  } catch (e) {
    throw userError(
      'TRAIN_DATASET_UNREADABLE',
      `The ${what} file ${file} could not be read as Parquet`,
      e instanceof Error ? e.message : String(e),
      'Pass a DatasetRef produced by an ingest or prep step.',
    );
  }
}

export async function prepareTraining(
  input: CommonInput,
  ctx: TaskContext,
  opts: { folds: number },
): Promise<Prepared> {
  const trainPath = resolveDataPath(ctx, input.dataset.path, 'training dataset');
  const validPath = input.validation
    ? resolveDataPath(ctx, input.validation.path, 'validation dataset')
    : undefined;
  return withDuckDB(async (db) => {
    const columns = await columnsOf(db, trainPath, 'training dataset');
    const targetCol = columns.find((c) => c.name === input.target);
    if (!targetCol) {
      throw userError(
        'TRAIN_TARGET_MISSING',
        `The target column "${input.target}" is not in the training dataset`,
        `its columns are: ${columns.map((c) => c.name).join(', ')}`,
        'Set target to one of those columns (names are case-sensitive).',
        { columns: columns.map((c) => c.name) },
      );
    }
    const taskType = input.taskType ?? (isNumericType(targetCol.type) ? 'regression' : 'classification');
    if (taskType === 'regression' && !isNumericType(targetCol.type)) {
      throw userError(
        'TRAIN_TARGET_NOT_NUMERIC',
        `Regression needs a numeric target, but "${input.target}" is ${targetCol.type}`,
        undefined,
        'Use taskType: classification for labels, or cast the column to a number in a prep step.',
      );
    }
    const features = pickFeatures(input, columns, ctx);
    const scoring = input.scoring ?? (taskType === 'classification' ? 'accuracy' : 'r2');
    const allowed = taskType === 'classification' ? CLASSIFICATION_SCORING : REGRESSION_SCORING;
    if (!allowed.includes(scoring)) {
      throw userError(
        'TRAIN_BAD_SCORING',
        `"${scoring}" is not a ${taskType} metric`,
        undefined,
        `Use one of: ${allowed.join(', ')}.`,
      );
    }

    const load = async (file: string) => {
      const cols = [...features.map((f) => f.name), input.target].map(ident).join(', ');
      const rows = await db.all(
        `SELECT ${cols}, file_row_number AS "__pw_row" FROM read_parquet(${literal(file)}, file_row_number = true) ORDER BY file_row_number`,
      );
      const kept: Record<string, unknown>[] = [];
      const y: (string | number)[] = [];
      const rowNumbers: number[] = [];
      for (const r of rows) {
        const t = r[input.target];
        const v = taskType === 'regression' ? toNumber(t) : t === null || t === undefined ? null : String(t);
        if (v === null) continue;
        kept.push(normaliseRow(features, r));
        y.push(v);
        rowNumbers.push(Number(r.__pw_row));
      }
      return { rows: kept, y, rowNumbers, dropped: rows.length - kept.length };
    };

    const all = await load(trainPath);
    if (all.dropped) ctx.log.info(`dropped ${all.dropped} training rows without a ${input.target} value`);
    checkTarget(input.target, all.y, taskType);

    let trainIdx: number[];
    let holdout: { rows: Record<string, unknown>[]; y: (string | number)[] };
    let holdoutSource: Prepared['holdoutSource'];
    const labels = taskType === 'classification' ? (all.y as string[]) : undefined;
    if (validPath) {
      const vcols = await columnsOf(db, validPath, 'validation dataset');
      const missing = [...features.map((f) => f.name), input.target].filter(
        (n) => !vcols.some((c) => c.name === n),
      );
      if (missing.length) {
        throw userError(
          'TRAIN_VALIDATION_SCHEMA',
          `The validation dataset lacks ${missing.map((m) => `"${m}"`).join(', ')}`,
          'validation rows need the same feature and target columns as the training rows',
          'Split both datasets from the same source (e.g. with a split step).',
        );
      }
      const v = await load(validPath);
      trainIdx = all.rows.map((_, i) => i);
      holdout = { rows: v.rows, y: v.y };
      holdoutSource = { path: validPath, rowNumbers: v.dropped ? v.rowNumbers : undefined };
    } else {
      const split = holdoutSplit(all.rows.length, input.holdoutFraction, input.seed, labels);
      trainIdx = split.train;
      holdout = {
        rows: split.holdout.map((i) => all.rows[i] as Record<string, unknown>),
        y: split.holdout.map((i) => all.y[i] as string | number),
      };
      holdoutSource = { path: trainPath, rowNumbers: split.holdout.map((i) => all.rowNumbers[i] as number) };
    }
    const train = trainIdx.map((i) => all.rows[i] as Record<string, unknown>);
    const yTrain = trainIdx.map((i) => all.y[i] as string | number);
    const minRows = Math.max(4, 2 * Math.max(opts.folds, 1));
    if (train.length < minRows || holdout.rows.length === 0) {
      throw userError(
        'TRAIN_TOO_FEW_ROWS',
        `Too few rows to train: ${train.length} for fitting and ${holdout.rows.length} for validation`,
        opts.folds >= 2
          ? `${opts.folds}-fold cross-validation needs at least ${minRows} fitting rows, and the holdout at least one`
          : `training needs at least ${minRows} fitting rows and one validation row`,
        'Use more data, fewer folds (folds: 2, or 0 to skip cross-validation), or a smaller holdoutFraction.',
        { trainRows: train.length, holdoutRows: holdout.rows.length, folds: opts.folds },
      );
    }
    let classes: string[] | undefined;
    if (taskType === 'classification') {
      classes = [...new Set(yTrain as string[])].sort();
      const known = new Set(classes);
      const unknown = holdout.y.filter((y) => !known.has(String(y)));
      if (unknown.length) {
        ctx.log.warn(
          `${unknown.length} validation rows have labels never seen in training; they count as errors`,
        );
      }
    }
    const folds =
      opts.folds >= 2
        ? kFoldAssignment(train.length, opts.folds, input.seed, labels ? (yTrain as string[]) : undefined)
        : undefined;
    if (folds && classes) {
      const counts = new Map<string, number>();
      for (const y of yTrain) counts.set(String(y), (counts.get(String(y)) ?? 0) + 1);
      const rare = [...counts].filter(([, n]) => n < opts.folds).map(([c]) => c);
      if (rare.length) ctx.log.warn(`classes with fewer rows than folds: ${rare.join(', ')}`);
    }
    return {
      taskType,
      features,
      classes,
      train,
      trainRowNumbers: trainIdx.map((i) => all.rowNumbers[i] as number),
      holdout: holdout.rows,
      holdoutSource,
      trainPath,
      yTrain,
      yHoldout: holdout.y,
      folds,
      nFolds: folds ? opts.folds : 0,
      candidates: searchCandidates(input.params, input.search, input.seed),
      scoring,
    };
  });
}

function pickFeatures(
  input: CommonInput,
  columns: { name: string; type: string }[],
  ctx: TaskContext,
): { name: string; type: string }[] {
  if (input.features) {
    const problems: string[] = [];
    const out: { name: string; type: string }[] = [];
    for (const name of input.features) {
      const col = columns.find((c) => c.name === name);
      if (!col) problems.push(`"${name}" is not a column`);
      else if (name === input.target) problems.push(`"${name}" is the target`);
      else if (!featureKind(col.type))
        problems.push(`"${name}" has type ${col.type}, which cannot be a feature`);
      else out.push(col);
    }
    if (problems.length) {
      throw userError(
        'TRAIN_BAD_FEATURES',
        `${problems.length} problem${problems.length === 1 ? '' : 's'} with the feature list`,
        problems.join('; '),
        `Usable columns: ${columns
          .filter((c) => featureKind(c.type) && c.name !== input.target)
          .map((c) => c.name)
          .join(', ')}. Dates and nested types need a prep step first.`,
        { problems },
      );
    }
    return out;
  }
  const out = columns.filter((c) => c.name !== input.target && featureKind(c.type));
  const skipped = columns.filter((c) => c.name !== input.target && !featureKind(c.type));
  if (skipped.length) {
    ctx.log.info(
      `not used as features (type not supported): ${skipped.map((c) => `${c.name} ${c.type}`).join(', ')}`,
    );
  }
  if (out.length === 0) {
    throw userError(
      'TRAIN_NO_FEATURES',
      'The training dataset has no usable feature columns',
      `columns: ${columns.map((c) => `${c.name} ${c.type}`).join(', ')}`,
      'Add numeric, text or boolean columns, or convert dates in a prep step.',
    );
  }
  return out;
}

function checkTarget(
  target: string,
  y: (string | number)[],
  taskType: 'classification' | 'regression',
): void {
  if (y.length === 0) {
    throw userError(
      'TRAIN_TARGET_EMPTY',
      `The target column "${target}" has no values`,
      'every row has a null target',
      'Check the ingest and prep steps, or choose another target.',
    );
  }
  const distinct = new Set(y.map(String));
  if (distinct.size === 1) {
    throw userError(
      'TRAIN_TARGET_CONSTANT',
      `The target column "${target}" has one value only (${JSON.stringify([...distinct][0])})`,
      'a model cannot learn anything from a constant target',
      'Check the filters in earlier steps, or choose another target.',
    );
  }
  if (taskType === 'classification' && distinct.size > MAX_CLASSES) {
    throw userError(
      'TRAIN_TOO_MANY_CLASSES',
      `The target column "${target}" has ${distinct.size} distinct values`,
      `classification supports at most ${MAX_CLASSES} classes`,
      'Use taskType: regression for a numeric target, or group rare labels in a prep step.',
    );
  }
}

export function isHigherBetter(scoring: string): boolean {
  return higherIsBetter(scoring);
}

/**
 * Writes the chosen rows of a Parquet file (all rows when rowNumbers is undefined) to CSV, and optionally
 * Parquet, with DuckDB. Empty CSV cells mean missing values.
 */
export async function exportRows(
  file: string,
  rowNumbers: number[] | undefined,
  columns: string[],
  outBase: string,
  formats: ('csv' | 'parquet')[],
): Promise<Record<'csv' | 'parquet', string>> {
  await mkdir(path.dirname(outBase), { recursive: true });
  const out = { csv: `${outBase}.csv`, parquet: `${outBase}.parquet` };
  await withDuckDB(async (db) => {
    let where = '';
    if (rowNumbers) {
      await db.run('CREATE TEMP TABLE pick (i BIGINT)');
      for (let i = 0; i < rowNumbers.length; i += 5000) {
        await db.run(
          `INSERT INTO pick VALUES ${rowNumbers
            .slice(i, i + 5000)
            .map((n) => `(${n})`)
            .join(',')}`,
        );
      }
      where = 'WHERE file_row_number IN (SELECT i FROM pick)';
    }
    const select = `SELECT ${columns.map(ident).join(', ')} FROM read_parquet(${literal(file)}, file_row_number = true) ${where} ORDER BY file_row_number`;
    for (const f of formats) {
      const opts = f === 'csv' ? "(FORMAT csv, HEADER true, NULLSTR '')" : '(FORMAT parquet)';
      await db.run(`COPY (${select}) TO ${literal(out[f])} ${opts}`);
    }
  });
  return out;
}

/** Re-throws anything that is not already a PipewrightError as a system error naming the step. */
export function asTrainError(e: unknown, what: string): unknown {
  if (e instanceof Error && !(e as { isPipewrightError?: boolean }).isPipewrightError) {
    return new PipewrightError({ code: 'TRAIN_FAILED', category: 'system', what, why: e.message, cause: e });
  }
  return e;
}
