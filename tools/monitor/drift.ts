/**
 * monitor.drift: compares the distribution of each feature in a current batch (logged traffic, a new
 * extract) with the reference (training) data, Evidently-style, and raises a DriftAlert.
 *
 * DuckDB reads the Parquet files; numeric columns come over as Float64Arrays in bulk and category counts
 * as GROUP BY rows, so a million rows per side stays cheap (see tools/lib/drift-stats.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import {
  defineTask,
  isWithin,
  realPathOf,
  resolveInWorkspace,
  type TaskContext,
} from '../../src/tasks/index.ts';
import { type DriftReportView, renderDriftReportHtml } from '../lib/drift-report-html.ts';
import {
  type CategoricalComparison,
  compareCategorical,
  compareNumeric,
  type DisplayHistogram,
  type NumericComparison,
} from '../lib/drift-stats.ts';
import { type DuckDB, ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { DatasetRef } from '../lib/refs.ts';
import {
  DatasetBrief,
  DriftAlert,
  type DriftFinding,
  DriftFinding as DriftFindingSchema,
  DriftMethod,
} from './drift-alert.ts';
import { loadNumeric } from './drift-load.ts';
import { DriftWorkerPool } from './drift-pool.ts';

const FeatureType = z.enum(['numeric', 'categorical']).describe('How a column is compared');
type FeatureType = z.infer<typeof FeatureType>;

const Thresholds = z
  .object({
    smallSampleRows: z
      .number()
      .int()
      .nonnegative()
      .default(1000)
      .describe('Reference row count up to which the default tests are p-value tests (ks, chisquare)'),
    pValue: z.number().gt(0).lt(1).default(0.05).describe('ks / chisquare: drift when p-value < this'),
    wasserstein: z
      .number()
      .positive()
      .default(0.1)
      .describe('wasserstein: drift when Wasserstein-1 / reference std ≥ this'),
    jensenShannon: z.number().positive().default(0.1).describe('jensenshannon: drift when distance ≥ this'),
    psi: z.number().positive().default(0.1).describe('psi: drift when PSI ≥ this'),
    datasetShare: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('Dataset drift when at least this share of checked features drifted'),
    nullShareIncrease: z
      .number()
      .positive()
      .max(1)
      .default(0.05)
      .describe('Data-quality finding when a column’s missing share grows by at least this much'),
  })
  .describe('Drift thresholds; defaults follow Evidently');

const FeatureOverride = z
  .object({
    method: DriftMethod.optional().describe('Test to decide drift for this feature'),
    threshold: z.number().positive().optional().describe('Threshold for that test'),
    type: FeatureType.optional().describe('Compare as numeric or categorical regardless of the column type'),
  })
  .describe('Per-feature settings');

const Input = z.object({
  reference: DatasetRef.describe('Reference data: what the model was trained on'),
  current: DatasetRef.describe('Current data: logged traffic or a new batch, same columns'),
  columns: z
    .array(z.string())
    .optional()
    .describe('Columns to check (default: every reference column except dates and times)'),
  thresholds: Thresholds.prefault({}),
  features: z
    .record(z.string(), FeatureOverride)
    .default({})
    .describe('Per-feature overrides by column name, e.g. { "age": { "method": "psi", "threshold": 0.2 } }'),
  exactMaxRows: z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe('Numeric statistics are exact when both sides have at most this many rows, else binned'),
  bins: z
    .number()
    .int()
    .min(10)
    .max(10_000)
    .default(1000)
    .describe('Reference-quantile bins for binned statistics (KS error ≈ 1/bins)'),
  parallel: z
    .enum(['auto', 'always', 'never'])
    .default('auto')
    .describe('Compare numeric columns on worker threads: auto above 16 MB of Parquet, always, or never'),
  seed: z.number().int().default(42).describe('Seed for the samples behind bin edges and plots'),
  title: z.string().optional().describe('Report title (default "Drift report: <reference> → <current>")'),
});

const Num = z.number().nullable();

const NumericSummary = z
  .object({
    mean: Num.describe('Mean'),
    std: Num.describe('Population standard deviation'),
    min: Num.describe('Minimum'),
    max: Num.describe('Maximum'),
  })
  .describe('Summary of the non-missing values');

const FeatureResult = z
  .object({
    name: z.string().describe('Column name'),
    type: FeatureType,
    method: DriftMethod,
    statistic: Num.describe('Value of the deciding test statistic (null when the column has no values)'),
    pValue: Num.optional().describe('p-value, for ks and chisquare'),
    threshold: z.number().describe('Threshold the statistic was compared with'),
    drifted: z.boolean().describe('Whether this feature drifted'),
    computation: z.enum(['exact', 'binned']).describe('Whether numeric statistics were exact or binned'),
    stats: z
      .object({
        ks: Num.optional().describe('KS statistic D'),
        ksPValue: Num.optional().describe('KS asymptotic p-value'),
        wasserstein: Num.optional().describe('Wasserstein-1 distance in column units'),
        wassersteinNormalized: Num.optional().describe('Wasserstein-1 / reference std'),
        chiSquare: Num.optional().describe('Chi-square statistic (test of homogeneity)'),
        chiSquarePValue: Num.optional().describe('Chi-square p-value'),
        chiSquareDf: Num.optional().describe('Chi-square degrees of freedom'),
        psi: Num.describe('Population stability index (reference deciles or categories)'),
        jensenShannon: Num.describe('Jensen–Shannon distance, base 2 (reference deciles or categories)'),
      })
      .describe('Every statistic computed for this feature'),
    nulls: z
      .object({
        reference: z.number().describe('Share of missing values in the reference'),
        current: z.number().describe('Share of missing values in the current data'),
      })
      .describe('Missing-value shares'),
    values: z
      .object({
        reference: z.number().int().describe('Non-missing values in the reference'),
        current: z.number().int().describe('Non-missing values in the current data'),
      })
      .describe('How many values were compared'),
    summary: z
      .object({
        reference: NumericSummary,
        current: NumericSummary,
      })
      .optional()
      .describe('Numeric summaries'),
  })
  .describe('Drift result for one feature');
export type FeatureResult = z.infer<typeof FeatureResult>;

const Output = z.object({
  drifted: z.boolean().describe('Dataset drift: share of drifted features ≥ thresholds.datasetShare'),
  share: z.number().min(0).max(1).describe('Share of checked features that drifted'),
  driftedFeatures: z.array(z.string()).describe('Names of drifted features'),
  features: z.array(FeatureResult).describe('Per-feature results, in column order'),
  findings: z
    .array(DriftFindingSchema)
    .describe('Data-quality findings: schema mismatches, new missing values'),
  reference: DatasetBrief,
  current: DatasetBrief,
  reportJson: z.string().describe('Path of the JSON report artifact (results plus plotted histograms)'),
  reportHtml: z.string().describe('Path of the self-contained HTML report artifact'),
  alert: DriftAlert.nullable().describe('Alert to pass to notify.send, or null when nothing drifted'),
});
export type DriftOutput = z.infer<typeof Output>;

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
  const { plan, findings } = await withDuckDB(async (db) => {
    const refCols = await db.columns(`read_parquet(${literal(refPath)})`);
    const curCols = await db.columns(`read_parquet(${literal(curPath)})`);
    return planColumns(input, refCols, curCols);
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
      const method = override.method ?? (smallReference ? 'ks' : 'wasserstein');
      result = numericResult(col.name, method, override.threshold, input.thresholds, cmp, {
        reference: cmp.missing.reference / loaded.rows.reference,
        current: cmp.missing.current / loaded.rows.current,
      });
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
    }
    features.push(result);
    findings.push(...valueFindings(result, input.thresholds.nullShareIncrease));
    ctx.progress(0.5 + (0.4 * (i + 1)) / plan.length, `compared ${col.name}`);
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
    JSON.stringify({ ...view, thresholds: input.thresholds, overrides: input.features }, null, 2),
    { mediaType: 'application/json' },
  );
  const htmlRef = await ctx.artifacts.putBytes(renderDriftReportHtml(view), { mediaType: 'text/html' });

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
    report: { json: jsonRef.path, html: htmlRef.path },
  });
  const seconds = (performance.now() - t0) / 1000;
  const level = alert ? (alert.severity === 'critical' ? 'warn' : 'info') : 'info';
  ctx.log[level](`drift: ${summary} (${seconds.toFixed(2)} s)`, {
    reportHtml: htmlRef.path,
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
    reference,
    current,
    reportJson: jsonRef.path,
    reportHtml: htmlRef.path,
    alert,
  };
}

/** Combined Parquet size from which the numeric columns are loaded and compared on worker threads. */
const POOL_MIN_BYTES = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------

interface PlannedColumn {
  name: string;
  type: FeatureType;
  /** SQL that yields the column as DOUBLE (numeric) or VARCHAR (categorical). */
  expr: string;
}

type ColumnKind = FeatureType | 'temporal';

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;
const TEMPORAL_TYPE = /^(DATE|TIME.*|TIMESTAMP.*|INTERVAL)$/;

function kindOf(duckType: string): ColumnKind {
  if (NUMERIC_TYPE.test(duckType)) return 'numeric';
  if (TEMPORAL_TYPE.test(duckType)) return 'temporal';
  return 'categorical';
}

/** Decides which columns to compare and how; schema differences become findings, not errors. */
function planColumns(
  input: z.output<typeof Input>,
  refCols: { name: string; type: string }[],
  curCols: { name: string; type: string }[],
): { plan: PlannedColumn[]; findings: DriftFinding[] } {
  const refTypes = new Map(refCols.map((c) => [c.name, c.type]));
  const curTypes = new Map(curCols.map((c) => [c.name, c.type]));
  const findings: DriftFinding[] = [];

  const problems: string[] = [];
  for (const name of input.columns ?? []) {
    if (!refTypes.has(name)) problems.push(`columns: "${name}" is not a reference column`);
  }
  for (const [name, o] of Object.entries(input.features)) {
    if (!refTypes.has(name)) problems.push(`features.${name}: not a reference column`);
    const type = o.type ?? (refTypes.has(name) ? kindOf(refTypes.get(name) as string) : undefined);
    if (o.method === 'ks' || o.method === 'wasserstein') {
      if (type === 'categorical')
        problems.push(`features.${name}.method: ${o.method} needs a numeric column`);
    }
    if (o.method === 'chisquare' && type !== 'categorical') {
      problems.push(`features.${name}.method: chisquare needs a categorical column`);
    }
  }
  if (problems.length > 0) {
    throw userError(
      'DRIFT_BAD_COLUMNS',
      `monitor.drift settings name ${problems.length} problem(s)`,
      problems.join('; '),
      `Reference columns are: ${refCols.map((c) => c.name).join(', ')}.`,
      { problems: problems.map((p) => ({ path: p.split(':')[0], message: p })) },
    );
  }

  const explicit = input.columns !== undefined;
  const names = input.columns ?? refCols.filter((c) => kindOf(c.type) !== 'temporal').map((c) => c.name);
  const plan: PlannedColumn[] = [];
  for (const name of names) {
    const refType = refTypes.get(name) as string;
    const curType = curTypes.get(name);
    if (curType === undefined) {
      findings.push({
        kind: 'missing_in_current',
        column: name,
        severity: 'critical',
        message: `Column "${name}" (${refType}) is in the reference but missing from the current data.`,
      });
      continue;
    }
    const override = input.features[name]?.type;
    const refKind = kindOf(refType);
    const curKind = kindOf(curType);
    if (refKind !== curKind && !override) {
      findings.push({
        kind: 'type_changed',
        column: name,
        severity: 'critical',
        message: `Column "${name}" changed type from ${refType} (${refKind}) to ${curType} (${curKind}); not compared.`,
      });
      continue;
    }
    if (refType !== curType) {
      findings.push({
        kind: 'type_changed',
        column: name,
        severity: 'warning',
        message: `Column "${name}" changed type from ${refType} to ${curType}; compared as ${override ?? refKind}.`,
      });
    }
    const type: FeatureType = override ?? (refKind === 'categorical' ? 'categorical' : 'numeric');
    const col = ident(name);
    const asNumber = refKind === 'temporal' ? `epoch(${col})` : `CAST(${col} AS DOUBLE)`;
    plan.push({
      name,
      type,
      expr: type === 'numeric' ? `coalesce(${asNumber}, 'NaN'::DOUBLE)` : `CAST(${col} AS VARCHAR)`,
    });
  }
  if (!explicit) {
    for (const c of curCols) {
      if (!refTypes.has(c.name)) {
        findings.push({
          kind: 'new_in_current',
          column: c.name,
          severity: 'warning',
          message: `Column "${c.name}" (${c.type}) appears in the current data but not in the reference.`,
        });
      }
    }
  }
  return { plan, findings };
}

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

type ThresholdsT = z.output<typeof Thresholds>;

function defaultThreshold(method: DriftMethod, t: ThresholdsT): number {
  switch (method) {
    case 'ks':
    case 'chisquare':
      return t.pValue;
    case 'wasserstein':
      return t.wasserstein;
    case 'jensenshannon':
      return t.jensenShannon;
    case 'psi':
      return t.psi;
  }
}

/** NaN and ±Infinity are not JSON: report them as null. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function decide(
  method: DriftMethod,
  threshold: number,
  statistic: number | null,
  pValue: number | null,
  anyValues: boolean,
): boolean {
  // A column whose values all went missing has drifted as far as a column can.
  if (!anyValues) return true;
  if (method === 'ks' || method === 'chisquare') return pValue !== null && pValue < threshold;
  return statistic !== null && statistic >= threshold;
}

function numericResult(
  name: string,
  method: DriftMethod,
  thresholdOverride: number | undefined,
  t: ThresholdsT,
  cmp: NumericComparison,
  nulls: { reference: number; current: number },
): FeatureResult {
  const threshold = thresholdOverride ?? defaultThreshold(method, t);
  const stats = {
    ks: num(cmp.ks.statistic),
    ksPValue: num(cmp.ks.pValue),
    wasserstein: num(cmp.wasserstein),
    wassersteinNormalized: num(cmp.wassersteinNormalized),
    psi: num(cmp.psi),
    jensenShannon: num(cmp.jensenShannon),
  };
  const statistic =
    method === 'ks'
      ? stats.ks
      : method === 'wasserstein'
        ? stats.wassersteinNormalized
        : method === 'psi'
          ? stats.psi
          : stats.jensenShannon;
  const pValue = method === 'ks' ? stats.ksPValue : undefined;
  const anyValues = cmp.reference.count > 0 && cmp.current.count > 0;
  const s = (x: NumericComparison['reference']) => ({
    mean: num(x.mean),
    std: num(x.std),
    min: num(x.min),
    max: num(x.max),
  });
  return {
    name,
    type: 'numeric',
    method,
    statistic,
    ...(pValue !== undefined ? { pValue } : {}),
    threshold,
    drifted: decide(method, threshold, statistic, pValue ?? null, anyValues),
    computation: cmp.computation,
    stats,
    nulls,
    values: { reference: cmp.reference.count, current: cmp.current.count },
    summary: { reference: s(cmp.reference), current: s(cmp.current) },
  };
}

function categoricalResult(
  name: string,
  method: DriftMethod,
  thresholdOverride: number | undefined,
  t: ThresholdsT,
  cmp: CategoricalComparison,
  nulls: { reference: number; current: number },
): FeatureResult {
  const threshold = thresholdOverride ?? defaultThreshold(method, t);
  const stats = {
    chiSquare: num(cmp.chiSquare.statistic),
    chiSquarePValue: num(cmp.chiSquare.pValue),
    chiSquareDf: cmp.chiSquare.df,
    psi: num(cmp.psi),
    jensenShannon: num(cmp.jensenShannon),
  };
  const statistic =
    method === 'chisquare' ? stats.chiSquare : method === 'psi' ? stats.psi : stats.jensenShannon;
  const pValue = method === 'chisquare' ? stats.chiSquarePValue : undefined;
  const refValues = cmp.counts.reference;
  const curValues = cmp.counts.current;
  return {
    name,
    type: 'categorical',
    method,
    statistic,
    ...(pValue !== undefined ? { pValue } : {}),
    threshold,
    drifted: decide(method, threshold, statistic, pValue ?? null, refValues > 0 && curValues > 0),
    computation: 'exact',
    stats,
    nulls,
    values: { reference: refValues, current: curValues },
  };
}

function valueFindings(f: FeatureResult, nullShareIncrease: number): DriftFinding[] {
  if (f.values.current === 0 && f.values.reference > 0) {
    return [
      {
        kind: 'no_values',
        column: f.name,
        severity: 'critical',
        message: `Column "${f.name}" has no values in the current data (all missing).`,
      },
    ];
  }
  const grew = f.nulls.current - f.nulls.reference;
  if (grew >= nullShareIncrease) {
    return [
      {
        kind: 'null_share_increase',
        column: f.name,
        severity: 'warning',
        message:
          `Missing values in "${f.name}" rose from ${(f.nulls.reference * 100).toFixed(1)}% to ` +
          `${(f.nulls.current * 100).toFixed(1)}%.`,
      },
    ];
  }
  return [];
}

function brief(ref: DatasetRef, rows: number): z.infer<typeof DatasetBrief> {
  return { ...(ref.name ? { name: ref.name } : {}), hash: ref.hash, path: ref.path, rows };
}

function summaryLine(
  features: FeatureResult[],
  driftedFeatures: string[],
  share: number,
  drifted: boolean,
  findings: DriftFinding[],
): string {
  const head = `${driftedFeatures.length} of ${features.length} features drifted (${(share * 100).toFixed(0)}%)`;
  const verdict = drifted ? 'dataset drift' : 'no dataset drift';
  const detail = features
    .filter((f) => f.drifted)
    .slice(0, 5)
    .map((f) => `${f.name} ${f.method}=${f.statistic === null ? 'n/a' : Number(f.statistic.toPrecision(3))}`)
    .join(', ');
  const more = driftedFeatures.length > 5 ? `, +${driftedFeatures.length - 5} more` : '';
  const quality = findings.length
    ? `; ${findings.length} data-quality finding(s): ${findings
        .slice(0, 3)
        .map((f) => `${f.column} ${f.kind}`)
        .join(', ')}`
    : '';
  return `${head}${detail ? `: ${detail}${more}` : ''} → ${verdict}${quality}`;
}

function makeAlert(a: {
  drifted: boolean;
  features: FeatureResult[];
  findings: DriftFinding[];
  share: number;
  reference: z.infer<typeof DatasetBrief>;
  current: z.infer<typeof DatasetBrief>;
  at: string;
  summary: string;
  report: { json: string; html: string };
}): DriftAlert | null {
  const driftedFeatures = a.features.filter((f) => f.drifted);
  if (!a.drifted && driftedFeatures.length === 0 && a.findings.length === 0) return null;
  const critical = a.drifted || a.findings.some((f) => f.severity === 'critical');
  return {
    kind: 'drift',
    severity: critical ? 'critical' : 'warning',
    summary: a.summary,
    features: driftedFeatures.map((f) => ({
      name: f.name,
      method: f.method,
      statistic: f.statistic,
      threshold: f.threshold,
    })),
    findings: a.findings,
    share: a.share,
    reference: a.reference,
    current: a.current,
    report: a.report,
    at: a.at,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
