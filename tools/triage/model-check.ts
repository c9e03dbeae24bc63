/**
 * What the deployed model says about a drift alert: which inputs it relies on (permutation importance on a
 * seeded sample of the reference), whether the target's distribution moved (label shift) and — where the
 * current batch carries labels — whether its quality on that batch actually dropped against its holdout
 * metric. The triage agent weighs covariate shift by these importances and follows the quality
 * (agents/triage/rules.ts); the composition roots (CLI, evals) hand this function to the agent.
 */

import { existsSync } from 'node:fs';
import type { Config } from '../../src/config.ts';
import { ModelRegistry, type RunStore } from '../../src/store/index.ts';
import { compareCategorical, compareNumeric, seededRandom } from '../lib/drift-compare.ts';
import { chiSquareSurvival, normalUpperTail } from '../lib/drift-stats.ts';
import { ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { higherIsBetter } from '../lib/metrics.ts';
import { loadModel } from '../lib/model.ts';

/** The part of a loaded model (tools/lib/model.ts) the check needs. */
export interface CheckableModel {
  file: {
    target: string;
    taskType: 'classification' | 'regression';
    features: { name: string }[];
    metrics: Record<string, number>;
  };
  predict(rows: Record<string, unknown>[]): Promise<unknown[]>;
}

export interface ModelCheckOptions {
  /** The model's name (for the report). */
  name?: string;
  /** Reference rows (Parquet) with the target: importance is measured on them. */
  reference: string;
  /** Current rows (Parquet); labels have arrived when they carry the target. */
  current: string;
  /** Holdout metric the model was accepted with (default: its model file's accuracy or rmse). */
  baseline?: { metric: string; value: number };
  /** Reference rows sampled for importance (default 300); current rows scored (default 2000). */
  sampleRows?: number;
  currentRows?: number;
  seed?: number;
}

export interface ModelCheckResult {
  model?: string;
  target: string;
  task: 'classification' | 'regression';
  importance: Record<string, number>;
  labelled: boolean;
  quality?: {
    metric: string;
    higherIsBetter: boolean;
    baseline: number;
    current: number;
    rows: number;
    dropped: boolean;
    pValue: number;
    test: string;
  };
  labelShift?: { statistic: string; value: number; pValue: number; drifted: boolean; test: string };
  notes: string[];
}

type Row = Record<string, unknown>;

function metricOf(task: 'classification' | 'regression', truth: unknown[], pred: unknown[]): number {
  if (task === 'classification') {
    let ok = 0;
    for (let i = 0; i < truth.length; i++) if (String(truth[i]) === String(pred[i])) ok++;
    return truth.length ? ok / truth.length : Number.NaN;
  }
  let se = 0;
  for (let i = 0; i < truth.length; i++) se += (Number(truth[i]) - Number(pred[i])) ** 2;
  return truth.length ? Math.sqrt(se / truth.length) : Number.NaN;
}

async function readRows(file: string, columns: string[], limit: number, seed: number, where: string) {
  return withDuckDB(async (db) => {
    const cols = await db.columns(`read_parquet(${literal(file)})`);
    const types = new Map(cols.map((c) => [c.name, c.type]));
    const present = columns.filter((c) => types.has(c));
    // Integers come back from DuckDB's JSON rows as strings: read them as doubles, which models take.
    const select = present.map((c) =>
      /INT/.test(types.get(c) ?? '') ? `CAST(${ident(c)} AS DOUBLE) AS ${ident(c)}` : ident(c),
    );
    const rows = await db.all(
      `SELECT ${select.join(', ')} FROM read_parquet(${literal(file)}) ${where} USING SAMPLE ${limit} ROWS (reservoir, ${seed})`,
    );
    return { rows, present, all: cols.map((c) => c.name) };
  });
}

const numeric = (rows: Row[], col: string) =>
  Float64Array.from(rows.map((r) => (r[col] === null || r[col] === undefined ? Number.NaN : Number(r[col]))));
const counts = (rows: Row[], col: string) => {
  const m = new Map<string, number>();
  for (const r of rows)
    if (r[col] !== null && r[col] !== undefined) m.set(String(r[col]), (m.get(String(r[col])) ?? 0) + 1);
  return m;
};

/** Importance, label shift and (with labels) quality of `model` on the alert's data. */
export async function checkModel(model: CheckableModel, opts: ModelCheckOptions): Promise<ModelCheckResult> {
  const { target, taskType: task } = model.file;
  const features = model.file.features.map((f) => f.name);
  const seed = opts.seed ?? 42;
  const notes: string[] = [];
  const higher = task === 'classification';
  const metric = task === 'classification' ? 'accuracy' : 'rmse';
  const notNull = `WHERE ${ident(target)} IS NOT NULL`;

  // Permutation importance on a reference sample: how much the metric suffers when one input is shuffled.
  const ref = await readRows(opts.reference, [...features, target], opts.sampleRows ?? 300, seed, notNull);
  const refRows = ref.rows;
  const truth = refRows.map((r) => r[target]);
  const base = metricOf(task, truth, await model.predict(refRows));
  const random = seededRandom(seed);
  const raw: Record<string, number> = {};
  for (const f of features) {
    const values = refRows.map((r) => r[f]);
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [values[i], values[j]] = [values[j], values[i]];
    }
    const shuffled = refRows.map((r, i) => ({ ...r, [f]: values[i] }));
    const m = metricOf(task, truth, await model.predict(shuffled));
    raw[f] = Math.max(0, higher ? base - m : (m - base) / (base || 1));
  }
  const total = Object.values(raw).reduce((s, x) => s + x, 0);
  const importance = Object.fromEntries(
    features.map((f) => [f, total > 0 ? (raw[f] as number) / total : 1 / features.length]),
  );
  if (total === 0) notes.push('no input changed the model’s answers when shuffled: importances are even');

  const out: ModelCheckResult = {
    ...(opts.name ? { model: opts.name } : {}),
    target,
    task,
    importance,
    labelled: false,
    notes,
  };

  const cur = await readRows(opts.current, [...features, target], opts.currentRows ?? 2000, seed, '');
  const labelled =
    cur.all.includes(target) && cur.rows.some((r) => r[target] !== null && r[target] !== undefined);
  out.labelled = labelled;
  if (!labelled) return out;
  const curRows = cur.rows.filter((r) => r[target] !== null && r[target] !== undefined);

  // Label shift: the target's own distribution, reference sample against the labelled batch.
  if (task === 'classification') {
    const cmp = compareCategorical(counts(refRows, target), counts(curRows, target));
    out.labelShift = {
      statistic: 'total variation of class shares',
      value: cmp.totalVariation,
      pValue: cmp.chiSquare.pValue,
      drifted: cmp.totalVariation >= 0.1 && cmp.chiSquare.pValue < 1e-3,
      test: 'class shares moved by ≥ 10 points (total variation) and chi-square p < 0.001',
    };
  } else {
    const cmp = compareNumeric(numeric(refRows, target), numeric(curRows, target));
    out.labelShift = {
      statistic: 'KS distance of the target',
      value: cmp.ks.statistic,
      pValue: cmp.ks.pValue,
      drifted: cmp.ks.statistic >= 0.1 && cmp.ks.pValue < 1e-3,
      test: 'KS distance ≥ 0.1 and p < 0.001',
    };
  }

  // Quality on the labelled batch against the holdout metric the model was accepted with.
  const baseline =
    opts.baseline ??
    (model.file.metrics[metric] !== undefined
      ? { metric, value: model.file.metrics[metric] as number }
      : undefined);
  const current = metricOf(
    task,
    curRows.map((r) => r[target]),
    await model.predict(curRows),
  );
  const reference = baseline ?? { metric, value: base };
  if (!baseline)
    notes.push(
      `no holdout ${metric} recorded for the model: compared with its ${metric} on reference rows (optimistic)`,
    );
  const n = curRows.length;
  let pValue: number;
  let dropped: boolean;
  let test: string;
  if (task === 'classification') {
    const e0 = 1 - reference.value;
    const e1 = 1 - current;
    const se = Math.sqrt(Math.max(e0 * (1 - e0), 1e-6) / n);
    pValue = normalUpperTail((e1 - e0) / se);
    dropped = reference.value - current >= 0.05 && pValue < 0.01;
    test =
      'accuracy down by ≥ 5 points and the error rate above the holdout’s beyond chance (one-sided z-test p < 0.01)';
  } else {
    const ratio = current / (reference.value || Number.EPSILON);
    pValue = chiSquareSurvival(n * ratio * ratio, n);
    dropped = ratio >= 1.25 && pValue < 0.01;
    test = 'RMSE ≥ 1.25 × the holdout RMSE and n·(ratio)² beyond the χ²(n) 1% tail';
  }
  out.quality = {
    metric: reference.metric,
    higherIsBetter: higherIsBetter(reference.metric),
    baseline: reference.value,
    current,
    rows: n,
    dropped,
    pValue,
    test,
  };
  return out;
}

/**
 * The check for a registered model version (the deployed one), or undefined when it cannot be loaded or the
 * alert's data files are gone. Closes the model when done.
 */
export async function checkRegisteredModel(
  config: Config,
  store: RunStore,
  model: { name: string; version?: number | undefined },
  data: { reference?: string | undefined; current?: string | undefined },
): Promise<ModelCheckResult | undefined> {
  if (!data.reference || !data.current || !existsSync(data.reference) || !existsSync(data.current))
    return undefined;
  const registry = new ModelRegistry(store.db);
  if (!registry.hasModel(model.name)) return undefined;
  const version = registry.getVersion(model.name, model.version ?? 'production');
  const loaded = await loadModel(version.ref.dir, { config });
  try {
    return await checkModel(loaded, { name: model.name, reference: data.reference, current: data.current });
  } finally {
    await loaded.close();
  }
}

/**
 * The `checkModel` a composition root hands the triage agent (TriageDeps.checkModel): the alert's model
 * (the registry's deployed version, or the name the alert carries) checked on the alert's two data files.
 */
export function registeredModelChecker(config: Config, store: RunStore) {
  return async (
    input: {
      report: { reference: { path?: string | undefined }; current: { path?: string | undefined } };
      model?: string | undefined;
    },
    model: { name: string; version?: number | undefined } | undefined,
  ): Promise<ModelCheckResult | undefined> => {
    const name = model?.name ?? input.model;
    if (!name) return undefined;
    return checkRegisteredModel(
      config,
      store,
      { name, version: model?.version },
      { reference: input.report.reference.path, current: input.report.current.path },
    );
  };
}
