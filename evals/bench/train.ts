/**
 * Benchmark: train.tabular against the scikit-learn script a person would write instead (train-direct.py:
 * the same model family, parameters, features, 5 folds, seed and 20 % holdout), side by side in one run, on
 * penguins (random forest, classification), cars (random forest, regression) and a 100,000-row sample of
 * flights (gradient boosting, late > 15 min). Every framework of train.tabular that has the family is timed:
 * the step as it runs in a pipeline (in this process: data read with DuckDB, folds, refit, model saved);
 * the script from its start to its exit (Python start and imports included), with one thread, as the step.
 * Rounds are interleaved; figures are medians; the note gives the CPU-time ratio too (this process and its
 * children), steadier than wall time on a shared machine. Also: builtin model serving latency and throughput.
 *
 *   npm run bench -- train          (or: npx tsx evals/bench/train.ts)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { loadConfig } from '../../src/config.ts';
import { hashFile } from '../../src/store/artifacts.ts';
import { makeTaskContext } from '../../test/helpers/task-context.ts';
import { datasetFrom, vegaFile } from '../../test/training/helpers.ts';
import { literal, withDuckDB } from '../../tools/lib/duckdb.ts';
import { loadModel } from '../../tools/lib/model.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { type TrainOutput, trainTabular } from '../../tools/train/tabular.ts';
import { totalCpuMs } from './cpu.ts';
import { type BenchResult, quantile } from './types.ts';

const DIRECT = path.join(import.meta.dirname, 'train-direct.py');
const FLIGHTS = vegaFile('flights-3m.parquet');
/** Equal or better quality: the mean CV score may trail the script's by this much (split noise). */
const QUALITY_MARGIN = 0.01;
const GOAL_RATIO = 1.5;

interface Suite {
  name: string;
  dataset: DatasetRef;
  target: string;
  task: 'classification' | 'regression';
  family: 'random_forest' | 'gradient_boosting';
  frameworks: { framework: string; params: Record<string, unknown> }[];
  /** The script's estimator parameters. */
  direct: Record<string, unknown>;
  rounds: number;
}

async function csvOf(ds: DatasetRef, dir: string): Promise<string> {
  const out = path.join(dir, `${ds.name ?? 'data'}.csv`);
  await withDuckDB((db) =>
    db.run(
      `COPY (SELECT * FROM read_parquet(${literal(ds.path)})) TO ${literal(out)} (FORMAT csv, HEADER true)`,
    ),
  );
  return out;
}

async function flights(dir: string, rows: number): Promise<DatasetRef> {
  const out = path.join(dir, 'flights.parquet');
  return withDuckDB(async (db) => {
    await db.run(
      `COPY (SELECT date, distance, origin, destination, delay > 15 AS late FROM read_parquet(${literal(FLIGHTS)}) USING SAMPLE reservoir(${rows} ROWS) REPEATABLE (42)) TO ${literal(out)} (FORMAT parquet)`,
    );
    const columns = await db.columns(`read_parquet(${literal(out)})`);
    return { path: out, hash: await hashFile(out), rows, columns, name: 'flights' };
  });
}

export async function benchTrain(): Promise<BenchResult[]> {
  const ctx = makeTaskContext();
  const work = mkdtempSync(path.join(tmpdir(), 'pw-bench-train-'));
  const python = loadConfig({ workspace: ctx.workspace }, {}).python;
  const oneThread = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  try {
    const suites: Suite[] = [
      {
        name: 'penguins',
        dataset: await datasetFrom(vegaFile('penguins.json'), ctx.workspace, 'penguins'),
        target: 'Species',
        task: 'classification',
        family: 'random_forest',
        frameworks: [
          { framework: 'builtin', params: { nEstimators: 50 } },
          { framework: 'sklearn', params: { n_estimators: 50 } },
        ],
        direct: { n_estimators: 50 },
        rounds: 3,
      },
      {
        name: 'cars',
        dataset: await datasetFrom(vegaFile('cars.json'), ctx.workspace, 'cars'),
        target: 'Miles_per_Gallon',
        task: 'regression',
        family: 'random_forest',
        frameworks: [
          { framework: 'builtin', params: { nEstimators: 50 } },
          { framework: 'sklearn', params: { n_estimators: 50 } },
        ],
        direct: { n_estimators: 50 },
        rounds: 3,
      },
      {
        name: 'flights-100k',
        dataset: await flights(ctx.workspace, 100_000),
        target: 'late',
        task: 'classification',
        family: 'gradient_boosting',
        frameworks: [
          { framework: 'builtin', params: {} },
          { framework: 'sklearn', params: { early_stopping: false } },
          { framework: 'xgboost', params: { n_estimators: 100, learning_rate: 0.1, tree_method: 'hist' } },
        ],
        // HistGradientBoosting's defaults, with the early stopping it turns on above 10,000 rows off (the
        // builtin boosting has none), here and in the sklearn framework's run.
        direct: { early_stopping: false },
        rounds: 1,
      },
    ];
    const results: BenchResult[] = [];
    for (const s of suites) {
      process.stderr.write(`  train: ${s.name}\n`);
      const csv = await csvOf(s.dataset, work);
      const ours = new Map<string, { ms: number[]; cpu: number[]; out?: TrainOutput }>(
        s.frameworks.map((f) => [f.framework, { ms: [], cpu: [] }]),
      );
      const direct = { ms: [] as number[], cpu: [] as number[], cv: Number.NaN, holdout: 0 };
      for (let round = 0; round < s.rounds; round++) {
        for (const f of s.frameworks) {
          const t0 = performance.now();
          const c0 = totalCpuMs();
          const out = await trainTabular.run(
            trainTabular.input.parse({
              dataset: s.dataset,
              target: s.target,
              framework: f.framework,
              algorithm: s.family,
              params: f.params,
              folds: 5,
              seed: 42,
            }),
            ctx,
          );
          const entry = ours.get(f.framework);
          entry?.ms.push(performance.now() - t0);
          entry?.cpu.push(totalCpuMs() - c0);
          if (entry) entry.out = out;
        }
        // The script gets the features train.tabular chose (the same columns, the same kinds).
        const used = ours.get('builtin')?.out?.features ?? [];
        const job = path.join(work, `${s.name}.json`);
        writeFileSync(
          job,
          JSON.stringify({
            csv,
            target: s.target,
            task: s.task,
            family: s.family,
            params: s.direct,
            numeric: used.filter((u) => u.kind === 'numeric').map((u) => u.name),
            categorical: used.filter((u) => u.kind === 'categorical').map((u) => u.name),
            dates: used.filter((u) => u.kind === 'date').map((u) => u.name),
            hour: used.some((u) => u.kind === 'date' && /TIMESTAMP/i.test(u.type)),
            folds: 5,
            seed: 42,
          }),
        );
        const t0 = performance.now();
        const c0 = totalCpuMs();
        const r = await execa(python, [DIRECT, job], { env: { ...process.env, ...oneThread } });
        direct.ms.push(performance.now() - t0);
        direct.cpu.push(totalCpuMs() - c0);
        const parsed = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
          cv: number;
          holdout: number;
        };
        direct.cv = parsed.cv;
        direct.holdout = parsed.holdout;
      }
      const directMs = quantile(direct.ms, 0.5);
      const directCpu = quantile(direct.cpu, 0.5);
      results.push({
        name: `train.direct-sklearn.${s.family}.${s.name}`,
        value: directMs / 1000,
        unit: 's',
        note: `${(directCpu / 1000).toFixed(2)} s CPU; cv ${direct.cv.toFixed(3)}, holdout ${direct.holdout.toFixed(3)} (median of ${s.rounds})`,
      });
      for (const f of s.frameworks) {
        const entry = ours.get(f.framework);
        const out = entry?.out;
        if (!entry || !out) continue;
        const ms = quantile(entry.ms, 0.5);
        const cpu = quantile(entry.cpu, 0.5);
        const metric = out.scoring;
        const cv = out.cvMetrics[metric] ?? Number.NaN;
        const ratio = ms / directMs;
        const quality = cv >= direct.cv - QUALITY_MARGIN;
        results.push({
          name: `train.tabular.${f.framework}.${s.family}.${s.name}`,
          value: ratio,
          unit: '× direct script',
          note:
            `${(ms / 1000).toFixed(2)} s vs ${(directMs / 1000).toFixed(2)} s (CPU ${(cpu / directCpu).toFixed(2)} ×); cv ${metric} ${cv.toFixed(3)} vs ${direct.cv.toFixed(3)}, ` +
            `holdout ${(out.metrics[metric] ?? Number.NaN).toFixed(3)} vs ${direct.holdout.toFixed(3)}; goal ≤ ${GOAL_RATIO} × at equal quality ` +
            `(${ratio <= GOAL_RATIO && quality ? 'met' : 'NOT met'})`,
        });
      }
    }
    results.push(...(await servingFigures(ctx, suites[0]?.dataset as DatasetRef)));
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(ctx.workspace, { recursive: true, force: true });
  }
}

/** Builtin model serving speed: single-row predict latency (p50/p99) and batch throughput. */
async function servingFigures(ctx: ReturnType<typeof makeTaskContext>, dataset: DatasetRef) {
  const trained = await trainTabular.run(
    trainTabular.input.parse({ dataset, target: 'Species', folds: 5 }),
    ctx,
  );
  const model = await loadModel(trained.model.dir, { config: ctx.config });
  const rows = model.file.sample?.rows ?? [];
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const row = rows[i % rows.length] as Record<string, unknown>;
    const s = performance.now();
    await model.predict([row]);
    times.push((performance.now() - s) * 1000);
  }
  const batch = Array.from({ length: 10_000 }, (_, i) => rows[i % rows.length] as Record<string, unknown>);
  const s = performance.now();
  await model.predict(batch);
  const perSec = batch.length / ((performance.now() - s) / 1000);
  const note = 'penguins, builtin random_forest (50 trees)';
  return [
    { name: 'predict.builtin.single.p50', value: Math.round(quantile(times, 0.5)), unit: 'µs', note },
    { name: 'predict.builtin.single.p99', value: Math.round(quantile(times, 0.99)), unit: 'µs', note },
    { name: 'predict.builtin.batch.throughput', value: Math.round(perSec), unit: 'rows/s', note },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await benchTrain())
    console.log(`${r.name.padEnd(52)} ${r.value.toFixed(3)} ${r.unit}  ${r.note ?? ''}`);
}
