/**
 * monitor.drift: compares the distribution of each feature in a current batch (logged traffic, a new
 * extract) with the reference (training) data, Evidently-style, and raises a DriftAlert.
 *
 * DuckDB reads the Parquet files; numeric columns come over as Float64Arrays in bulk and category counts
 * as GROUP BY rows, so a million rows per side stays cheap (see tools/lib/drift-stats.ts).
 *
 * The parts: drift-schema.ts (inputs and outputs), drift-plan.ts (which columns, how), drift-results.ts
 * (verdict per feature, the beyond-chance guard, the alert), drift-quality.ts and drift-categories.ts
 * (data-quality detectors with evidence), drift-season.ts (the same months of the reference),
 * drift-pool.ts / drift-worker.ts (worker threads for large data).
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { userError } from '../../src/errors.ts';
import {
  defineTask,
  isWithin,
  realPathOf,
  resolveInWorkspace,
  type TaskContext,
} from '../../src/tasks/index.ts';
import {
  type CategoricalComparison,
  compareCategorical,
  compareNumeric,
  type DisplayHistogram,
  type NumericComparison,
} from '../lib/drift-compare.ts';
import { type DriftReportView, renderDriftReportHtml } from '../lib/drift-report-html.ts';
import { type DuckDB, ident, literal, withDuckDB } from '../lib/duckdb.ts';
import type { DatasetRef } from '../lib/refs.ts';
import type { DriftFinding } from './drift-alert.ts';
import { categoricalFindings, nearestCategories } from './drift-categories.ts';
import { loadNumeric } from './drift-load.ts';
import { type PlannedColumn, planColumns } from './drift-plan.ts';
import { DriftWorkerPool } from './drift-pool.ts';
import { attachExamples, duplicateFinding, duplicateShare, numericFindings } from './drift-quality.ts';
import {
  brief,
  categoricalResult,
  guardChance,
  keepUnitFindingsThatMovedAlone,
  makeAlert,
  numericResult,
  round,
  summaryLine,
  valueFindings,
} from './drift-results.ts';
import { type DriftOutput, type FeatureResult, Input, Output } from './drift-schema.ts';
import type { SeasonalBaseline, SeasonColumn } from './drift-season.ts';
import { seasonalBaseline, timeColumn } from './drift-season.ts';

export type { DriftOutput, FeatureResult } from './drift-schema.ts';

export const monitorDrift = defineTask({
  id: 'monitor.drift',
  description:
    'Checks a current batch (served traffic, a new extract) against the reference (training) data for ' +
    'data drift, per feature (KS / Wasserstein for numbers, chi-square / Jensen–Shannon for categories, ' +
    'PSI for both) and for the dataset, plus schema and missing-value changes. Writes JSON and HTML ' +
    'reports and returns an alert for notify.send when something drifted.',
  // An alert is an event stamped with the time of the check: do not replay an old one from cache.
  cacheable: false,
  input: Input,
  output: Output,
  async run(input, ctx) {
    const refPath = datasetPath(ctx, input.reference, 'reference');
    const curPath = datasetPath(ctx, input.current, 'current');
    const t0 = performance.now();
    // Large files: start the worker threads now, so that their start-up overlaps the planning below.
    const threads = Math.min(2, availableParallelism());
    const large = statSync(refPath).size + statSync(curPath).size > POOL_MIN_BYTES;
    const parallel = input.parallel === 'always' || (input.parallel === 'auto' && large && threads > 1);
    const pool = parallel ? new DriftWorkerPool(Math.max(threads, 2)) : null;
    try {
      return await check(input, ctx, refPath, curPath, t0, pool);
    } finally {
      pool?.close();
    }
  },
});

async function check(
  input: z.output<typeof Input>,
  ctx: TaskContext,
  refPath: string,
  curPath: string,
  t0: number,
  pool: DriftWorkerPool | null,
): Promise<DriftOutput> {
  const { plan, findings, refCols, curCols } = await withDuckDB(async (db) => {
    const refCols = await db.columns(`read_parquet(${literal(refPath)})`);
    const curCols = await db.columns(`read_parquet(${literal(curPath)})`);
    return { ...planColumns(input, refCols, curCols), refCols, curCols };
  });
  // Exact duplicate rows, counted while the columns load: the current side first, and the reference only
  // when the current has enough duplicates for a surge (≥ 2%): a clean batch costs one scan.
  const duplicates = withDuckDB(async (db) => {
    const names = (cols: { name: string }[]) => cols.map((c) => c.name);
    const cur = await duplicateShare(db, curPath, names(curCols), await countRows(db, curPath));
    const ref =
      cur.rows > 0 && cur.duplicates / cur.rows >= 0.02
        ? await duplicateShare(db, refPath, names(refCols), await countRows(db, refPath))
        : { rows: 0, duplicates: 0, sampled: false };
    return [ref, cur] as const;
  });

  const features: FeatureResult[] = [];
  const displays = new Map<string, DisplayHistogram>();
  const numericPlan = plan.filter((p) => p.type === 'numeric');
  const categoricalPlan = plan.filter((p) => p.type === 'categorical');

  // Large data: worker threads load and compare the numeric columns (each its share, both sides) while
  // this thread counts categories; small data, or a worker that fails, take the path below.
  const inWorkers =
    pool && numericPlan.length > 1 && (await largestSide(refPath, curPath)) > input.exactMaxRows
      ? pool.compare(
          {
            reference: refPath,
            current: curPath,
            columns: numericPlan.map((c) => ({
              name: c.name,
              expr: c.expr,
              seed: input.seed + plan.indexOf(c),
            })),
            exactMaxRows: input.exactMaxRows,
            bins: input.bins,
          },
          ctx.signal,
        )
      : Promise.resolve(null);
  // Both sides load at once, each in its own DuckDB, so one side's scan overlaps the other's transfer.
  const [refData, curData, workerResults] = await Promise.all([
    loadSide(refPath, 'reference', [], categoricalPlan),
    loadSide(curPath, 'current', [], categoricalPlan),
    inWorkers,
  ]);
  if (workerResults !== null) ctx.log.debug(`numeric columns loaded and compared on worker threads`);
  else if (pool) ctx.log.debug('worker threads unavailable or not needed: numeric columns compared here');
  if (workerResults === null && numericPlan.length > 0) {
    const [refNumeric, curNumeric] = await Promise.all([
      withDuckDB((db) => loadNumeric(db, refPath, numericPlan, 'reference')),
      withDuckDB((db) => loadNumeric(db, curPath, numericPlan, 'current')),
    ]);
    refData.numeric = refNumeric;
    curData.numeric = curNumeric;
  }
  const loaded = {
    rows: { reference: refData.rows, current: curData.rows },
    numeric: { reference: refData.numeric, current: curData.numeric },
    categorical: { reference: refData.categorical, current: curData.categorical },
  };
  const loadSeconds = (performance.now() - t0) / 1000;
  ctx.progress(0.5, 'data loaded');

  const smallReference = loaded.rows.reference <= input.thresholds.smallSampleRows;
  // A feature drifts when its test says so and the difference is beyond chance over all features checked.
  const chanceLevel = input.thresholds.pValue / Math.max(1, plan.length);
  const numericCmp = new Map<string, NumericComparison>();
  const categorical: {
    name: string;
    ref: Map<string, number>;
    cur: Map<string, number>;
    cmp: CategoricalComparison;
  }[] = [];
  plan.forEach((col, i) => {
    ctx.signal.throwIfAborted();
    const override = input.features[col.name] ?? {};
    let result: FeatureResult;
    if (col.type === 'numeric') {
      const cmp =
        workerResults?.get(col.name) ??
        compareNumeric(
          loaded.numeric.reference.get(col.name) as Float64Array,
          loaded.numeric.current.get(col.name) as Float64Array,
          {
            exactMaxRows: input.exactMaxRows,
            bins: input.bins,
            seed: input.seed + i,
          },
        );
      displays.set(col.name, cmp.display);
      numericCmp.set(col.name, cmp);
      const method = override.method ?? (smallReference ? 'ks' : 'wasserstein');
      result = numericResult(col.name, method, override.threshold, input.thresholds, cmp, {
        reference: cmp.missing.reference / loaded.rows.reference,
        current: cmp.missing.current / loaded.rows.current,
      });
      findings.push(...numericFindings({ name: col.name, cmp }));
    } else {
      const ref = loaded.categorical.reference.get(col.name) ?? { counts: new Map(), missing: 0 };
      const cur = loaded.categorical.current.get(col.name) ?? { counts: new Map(), missing: 0 };
      const cmp = compareCategorical(ref.counts, cur.counts);
      displays.set(col.name, cmp.display);
      const method = override.method ?? (smallReference ? 'chisquare' : 'jensenshannon');
      result = categoricalResult(col.name, method, override.threshold, input.thresholds, cmp, {
        reference: ref.missing / loaded.rows.reference,
        current: cur.missing / loaded.rows.current,
      });
      categorical.push({ name: col.name, ref: ref.counts, cur: cur.counts, cmp });
    }
    guardChance(result, chanceLevel, override.method === undefined && override.threshold === undefined);
    features.push(result);
    findings.push(...valueFindings(result, loaded.rows, input.thresholds.nullShareIncrease));
    ctx.progress(0.5 + (0.4 * (i + 1)) / plan.length, `compared ${col.name}`);
  });

  // Category findings: values unseen in the reference are matched to the reference value their rows resemble.
  await withDuckDB(async (db) => {
    for (const c of categorical) {
      const unseen = [...c.cur.keys()].filter((v) => !c.ref.has(v));
      const nearest = unseen.length
        ? await nearestCategories(
            db,
            refPath,
            curPath,
            c.name,
            numericPlan.map((p) => p.name),
            unseen.slice(0, 50),
          )
        : undefined;
      findings.push(...categoricalFindings(c.name, c.ref, c.cur, c.cmp, nearest));
    }
  });
  keepUnitFindingsThatMovedAlone(findings, features);
  const [refDup, curDup] = await duplicates;
  const dup = duplicateFinding(refDup, curDup);
  if (dup) findings.push(dup);
  const season = await seasonOf(input, refPath, curPath, refCols, curCols, plan, smallReference, chanceLevel);
  await withDuckDB(async (db) => {
    await typeEvidence(db, curPath, findings);
    await attachExamples(db, curPath, findings);
  });

  const driftedFeatures = features.filter((f) => f.drifted).map((f) => f.name);
  const share = features.length ? driftedFeatures.length / features.length : 0;
  const drifted = features.length > 0 && share >= input.thresholds.datasetShare;
  const reference = brief(input.reference, loaded.rows.reference);
  const current = brief(input.current, loaded.rows.current);
  const at = new Date().toISOString();
  const title =
    input.title ??
    `Drift report: ${input.reference.name ?? path.basename(refPath)} → ${input.current.name ?? path.basename(curPath)}`;

  const view: DriftReportView = {
    title,
    at,
    reference,
    current,
    drifted,
    share,
    datasetShareThreshold: input.thresholds.datasetShare,
    findings,
    features: features.map((f) => ({
      ...f,
      stats: f.stats,
      ...(displays.has(f.name) ? { display: displays.get(f.name) } : {}),
    })),
  };
  const jsonRef = await ctx.artifacts.putBytes(
    JSON.stringify({ ...view, season, thresholds: input.thresholds, overrides: input.features }, null, 2),
    { mediaType: 'application/json' },
  );
  const htmlRef = await ctx.artifacts.putBytes(renderDriftReportHtml(view), { mediaType: 'text/html' });
  // Named copies with an extension: a browser opens the .html, `pipewright triage <path>.json` reads the JSON.
  const reportJson = namedReport(ctx, jsonRef, 'json');
  const reportHtml = namedReport(ctx, htmlRef, 'html');

  const summary = summaryLine(features, driftedFeatures, share, drifted, findings);
  const alert = makeAlert({
    drifted,
    features,
    findings,
    share,
    reference,
    current,
    at,
    summary,
    report: { json: reportJson, html: reportHtml },
  });
  const seconds = (performance.now() - t0) / 1000;
  const level = alert ? (alert.severity === 'critical' ? 'warn' : 'info') : 'info';
  ctx.log[level](`drift: ${summary} (${seconds.toFixed(2)} s)`, {
    reportHtml,
    loadSeconds: round(loadSeconds),
    seconds: round(seconds),
  });
  ctx.progress(1, 'done');
  return {
    drifted,
    share,
    driftedFeatures,
    features,
    findings,
    season,
    reference,
    current,
    reportJson,
    reportHtml,
    alert,
  };
}

/**
 * `<state>/artifacts/reports/drift-<hash>.<ext>`: the content-addressed artifact under a name with an
 * extension (a hard link, or a copy where links do not work), so that it opens by type and can be passed
 * around by path; inside the artifact folder, where the web page reads reports from.
 */
function namedReport(ctx: TaskContext, ref: { hash: string; path: string }, ext: 'json' | 'html'): string {
  const dir = path.join(ctx.config.stateDir, 'artifacts', 'reports');
  const file = path.join(dir, `drift-${ref.hash.slice(0, 16)}.${ext}`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  try {
    linkSync(ref.path, file);
  } catch {
    copyFileSync(ref.path, file);
  }
  return file;
}

/** The seasonal baseline, when both sides share a time column (see drift-season.ts). */
async function seasonOf(
  input: z.output<typeof Input>,
  refPath: string,
  curPath: string,
  refCols: { name: string; type: string }[],
  curCols: { name: string; type: string }[],
  plan: PlannedColumn[],
  smallReference: boolean,
  chanceLevel: number,
): Promise<SeasonalBaseline | null> {
  const time = timeColumn(refCols, curCols);
  if (!time) return null;
  const columns: SeasonColumn[] = plan.filter((c) => c.name !== time.name);
  if (columns.length === 0) return null;
  return seasonalBaseline(refPath, curPath, time, columns, {
    chanceLevel,
    compareNumeric: (r, c) =>
      compareNumeric(r, c, { exactMaxRows: input.exactMaxRows, bins: input.bins, seed: input.seed }),
    compareCategorical: (r, c) => compareCategorical(r, c),
    decide(col, cmp, rows) {
      const override = input.features[col.name] ?? {};
      const nulls = { reference: 0, current: 0 };
      const f =
        'numeric' in cmp
          ? numericResult(
              col.name,
              override.method ?? (smallReference ? 'ks' : 'wasserstein'),
              override.threshold,
              input.thresholds,
              cmp.numeric,
              nulls,
            )
          : categoricalResult(
              col.name,
              override.method ?? (smallReference ? 'chisquare' : 'jensenshannon'),
              override.threshold,
              input.thresholds,
              cmp.categorical,
              nulls,
            );
      void rows;
      return {
        method: f.method,
        statistic: f.statistic,
        drifted: f.drifted,
        guardP: f.type === 'numeric' ? (f.stats.ksPValue ?? null) : (f.stats.chiSquarePValue ?? null),
      };
    },
  });
}

/** Evidence for type changes: the share of current values that no longer read as the reference's kind. */
async function typeEvidence(db: DuckDB, file: string, findings: DriftFinding[]): Promise<void> {
  for (const f of findings) {
    if (f.kind === 'missing_in_current') {
      f.evidence = {
        statistic: 'column present in the current data',
        value: 0,
        threshold: 1,
        test: 'every reference column the check reads must be in the current data',
        examples: [],
      };
    } else if (f.kind === 'new_in_current') {
      f.evidence = {
        statistic: 'column present in the reference',
        value: 0,
        threshold: 1,
        test: 'a current column the reference lacks is a change of the feed’s contract',
        examples: [],
      };
    } else if (f.kind === 'type_changed' && f.severity === 'critical') {
      const col = ident(f.column);
      const [r] = await db.all(
        `SELECT avg(CASE WHEN TRY_CAST(${col} AS DOUBLE) IS NULL THEN 1.0 ELSE 0.0 END) AS bad FROM read_parquet(${literal(file)}) WHERE ${col} IS NOT NULL`,
      );
      f.evidence = {
        statistic: 'share of current values that do not read as numbers',
        value: Number(r?.bad ?? 0),
        threshold: 0,
        test: 'the column’s kind (number, text, time) must match the reference’s',
        examples: [],
      };
    }
  }
}

/** Combined Parquet size from which the numeric columns are loaded and compared on worker threads. */
const POOL_MIN_BYTES = 16 * 1024 * 1024;

function datasetPath(ctx: TaskContext, ref: DatasetRef, label: string): string {
  let p: string;
  // realpath first: a symlink planted in the state folder (a step's staging dir) must not lead outside it.
  const real = realPathOf('/', ref.path);
  if (isWithin(realPathOf('/', ctx.config.stateDir), real)) p = real;
  else p = resolveInWorkspace(ctx.workspace, ref.path, `${label} dataset`);
  if (!existsSync(p)) {
    throw userError(
      'DRIFT_DATASET_NOT_FOUND',
      `The ${label} dataset file does not exist: ${ref.path}`,
      'monitor.drift reads the Parquet file the DatasetRef points at',
      'Run the step that produces it first, or fix the path.',
    );
  }
  return p;
}

async function loadSide(
  file: string,
  side: 'reference' | 'current',
  numericPlan: PlannedColumn[],
  categoricalPlan: PlannedColumn[],
) {
  return withDuckDB(async (db) => {
    const rows = await countRows(db, file);
    if (rows === 0) {
      throw userError(
        'DRIFT_EMPTY_DATASET',
        `The ${side} dataset has no rows`,
        'drift needs values on both sides to compare',
        side === 'current'
          ? 'Check that the traffic logger or the batch extract wrote rows for this period.'
          : 'Point reference at the training data.',
      );
    }
    const numeric = await loadNumeric(db, file, numericPlan, side);
    const categorical = await loadCategories(db, file, categoricalPlan);
    return { rows, numeric, categorical };
  });
}

/** Row count of the larger dataset (0 when either is empty or unreadable: loadSide reports that). */
async function largestSide(refPath: string, curPath: string): Promise<number> {
  return withDuckDB(async (db) => {
    try {
      const rows = [await countRows(db, refPath), await countRows(db, curPath)];
      return Math.min(...rows) > 0 ? Math.max(...rows) : 0;
    } catch {
      return 0;
    }
  });
}

async function countRows(db: DuckDB, file: string): Promise<number> {
  const rows = await db.all(`SELECT count(*) AS n FROM read_parquet(${literal(file)})`);
  return Number(rows[0]?.n ?? 0);
}

/** Category counts per categorical column (missing values counted apart). */
async function loadCategories(
  db: DuckDB,
  file: string,
  plan: PlannedColumn[],
): Promise<Map<string, { counts: Map<string, number>; missing: number }>> {
  const out = new Map<string, { counts: Map<string, number>; missing: number }>();
  for (const c of plan) {
    const rows = await db.all(
      `SELECT ${c.expr} AS v, count(*) AS n FROM read_parquet(${literal(file)}) GROUP BY 1`,
    );
    const counts = new Map<string, number>();
    let missing = 0;
    for (const r of rows) {
      if (r.v === null || r.v === undefined) missing += Number(r.n);
      else counts.set(String(r.v), Number(r.n));
    }
    out.set(c.name, { counts, missing });
  }
  return out;
}
