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
import {
  datePartsFor,
  type FeatureKind,
  featureKind,
  isNumericType,
  isTextType,
  normaliseRow,
  toNumber,
} from '../lib/features.ts';
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
  /** How each feature is used (numeric, categorical, date parts, text). */
  kinds: Record<string, FeatureKind>;
  /** Why columns were left out or read a certain way, for the log and the run summary. */
  notes: string[];
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

export interface PrepareOptions {
  folds: number;
  /** Columns read as free text (TF-IDF); others that look like long free text are detected. */
  textColumns?: string[] | undefined;
  /** One-hot categories per column; a text column with more distinct values, most of them unique, is ID-like. */
  maxCategories?: number | undefined;
}

export async function prepareTraining(
  input: CommonInput,
  ctx: TaskContext,
  opts: PrepareOptions,
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
    const { features, kinds, notes } = await pickFeatures(input, columns, db, trainPath, opts);
    for (const n of notes) ctx.log.info(n);
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
      kinds,
      notes,
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

/** Shares of rows above which a text column is an identifier (with more values than maxCategories). */
const ID_DISTINCT_SHARE = 0.5;
/** Words per value, on average, from which a text column is free text rather than a category. */
const TEXT_MIN_WORDS = 5;
const TEXT_MIN_DISTINCT_SHARE = 0.2;

interface TextStats {
  n: number;
  distinct: number;
  words: number;
}

/** Non-null count, distinct values and mean words per value of each VARCHAR column, in one scan. */
async function textStats(db: DuckDB, file: string, names: string[]): Promise<Map<string, TextStats>> {
  const out = new Map<string, TextStats>();
  if (names.length === 0) return out;
  const parts = names.flatMap((c, i) => [
    `count(${ident(c)}) AS "n${i}"`,
    `count(DISTINCT ${ident(c)}) AS "d${i}"`,
    `avg(len(string_split_regex(trim(${ident(c)}), '\\s+'))) AS "w${i}"`,
  ]);
  const [row] = await db.all(`SELECT ${parts.join(', ')} FROM read_parquet(${literal(file)})`);
  names.forEach((c, i) => {
    out.set(c, {
      n: Number(row?.[`n${i}`] ?? 0),
      distinct: Number(row?.[`d${i}`] ?? 0),
      words: Number(row?.[`w${i}`] ?? 0),
    });
  });
  return out;
}

/**
 * The feature columns and how each is used. By default every numeric, text, boolean and date column except
 * the target, with two exceptions that each get a note: a near-unique text column (more distinct values
 * than maxCategories, in at least half the rows: a name or an id) is left out, and a column of long free
 * text (5+ words per value on average) is read as words (TF-IDF) instead of as categories. `textColumns`
 * are always read as words; an explicit `features` list is kept as given.
 */
async function pickFeatures(
  input: CommonInput,
  columns: { name: string; type: string }[],
  db: DuckDB,
  file: string,
  opts: PrepareOptions,
): Promise<{
  features: { name: string; type: string }[];
  kinds: Record<string, FeatureKind>;
  notes: string[];
}> {
  const maxCategories = opts.maxCategories ?? 50;
  const textColumns = opts.textColumns ?? [];
  const problems: string[] = [];
  for (const name of textColumns) {
    const col = columns.find((c) => c.name === name);
    if (!col) problems.push(`text column "${name}" is not a column`);
    else if (name === input.target) problems.push(`text column "${name}" is the target`);
    else if (!isTextType(col.type)) problems.push(`text column "${name}" has type ${col.type}, not VARCHAR`);
  }
  let chosen: { name: string; type: string }[];
  const explicit = input.features !== undefined;
  if (input.features) {
    chosen = [];
    for (const name of input.features) {
      const col = columns.find((c) => c.name === name);
      if (!col) problems.push(`"${name}" is not a column`);
      else if (name === input.target) problems.push(`"${name}" is the target`);
      else if (!featureKind(col.type))
        problems.push(`"${name}" has type ${col.type}, which cannot be a feature`);
      else chosen.push(col);
    }
    for (const name of textColumns) {
      const col = columns.find((c) => c.name === name);
      if (col && !chosen.includes(col) && name !== input.target) chosen.push(col);
    }
  } else {
    chosen = columns.filter((c) => c.name !== input.target && featureKind(c.type));
  }
  if (problems.length) {
    throw userError(
      'TRAIN_BAD_FEATURES',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} with the feature list`,
      problems.join('; '),
      `Usable columns: ${columns
        .filter((c) => featureKind(c.type) && c.name !== input.target)
        .map((c) => c.name)
        .join(', ')}. Text columns must be VARCHAR; nested types need a prep step first.`,
      { problems },
    );
  }
  const notes: string[] = [];
  const skipped = explicit ? [] : columns.filter((c) => c.name !== input.target && !featureKind(c.type));
  if (skipped.length) {
    notes.push(`not used (type not supported): ${skipped.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  }
  const kinds: Record<string, FeatureKind> = {};
  const stats = await textStats(
    db,
    file,
    chosen.filter((c) => isTextType(c.type) && !textColumns.includes(c.name)).map((c) => c.name),
  );
  const features: { name: string; type: string }[] = [];
  for (const c of chosen) {
    const kind = featureKind(c.type) as Exclude<FeatureKind, 'text'>;
    const st = stats.get(c.name);
    if (textColumns.includes(c.name)) {
      kinds[c.name] = 'text';
    } else if (
      st &&
      st.n > 0 &&
      st.words >= TEXT_MIN_WORDS &&
      st.distinct >= TEXT_MIN_DISTINCT_SHARE * st.n
    ) {
      kinds[c.name] = 'text';
      notes.push(
        `${c.name}: read as text (TF-IDF of its words): free text, ${st.words.toFixed(1)} words per value on average; list it in textColumns to say so, or cast it in a prep step to use it as a category`,
      );
    } else if (!explicit && st && st.distinct > maxCategories && st.distinct >= ID_DISTINCT_SHARE * st.n) {
      notes.push(
        `left out ${c.name}: near-unique (${st.distinct} distinct values in ${st.n} rows), an identifier rather than a feature; list it in features to use it anyway`,
      );
      continue;
    } else {
      kinds[c.name] = kind;
      if (kind === 'date') notes.push(`${c.name} (${c.type}) becomes ${datePartsFor(c.type).join(', ')}`);
    }
    features.push(c);
  }
  if (features.length === 0) {
    throw userError(
      'TRAIN_NO_FEATURES',
      'The training dataset has no usable feature columns',
      `columns: ${columns.map((c) => `${c.name} ${c.type}`).join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}`,
      'Add numeric, text, boolean or date columns, or list the columns to use in features.',
    );
  }
  return { features, kinds, notes };
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
