/**
 * Worker thread for monitor.drift on large data: loads its share of the numeric columns from both Parquet
 * files (its own DuckDB per side) and compares them, so that loading and comparing run on every core and no
 * column crosses threads. Started through drift-worker-entry.mjs; the task falls back to its own thread when
 * a worker fails.
 */
import { parentPort } from 'node:worker_threads';
import { compareNumeric, type NumericComparison } from '../lib/drift-compare.ts';
import { withDuckDB } from '../lib/duckdb.ts';
import { loadNumeric, type NumericColumn } from './drift-load.ts';

export interface NumericJob {
  reference: string;
  current: string;
  /** Columns to compare; `seed` is the per-feature seed the task would use on its own thread. */
  columns: (NumericColumn & { seed: number })[];
  exactMaxRows: number;
  bins: number;
}

export type NumericJobReply =
  | { ok: true; results: [string, NumericComparison][] }
  | { ok: false; message: string };

/** Loads and compares the job's columns; the same results as compareNumeric on the task's thread. */
export async function runNumericJob(job: NumericJob): Promise<[string, NumericComparison][]> {
  const load = (file: string, side: string) => withDuckDB((db) => loadNumeric(db, file, job.columns, side));
  const [ref, cur] = await Promise.all([load(job.reference, 'reference'), load(job.current, 'current')]);
  return job.columns.map((c) => [
    c.name,
    compareNumeric(ref.get(c.name) as Float64Array, cur.get(c.name) as Float64Array, {
      exactMaxRows: job.exactMaxRows,
      bins: job.bins,
      seed: c.seed,
    }),
  ]);
}

parentPort?.on('message', (job: NumericJob) => {
  runNumericJob(job).then(
    (results) => parentPort?.postMessage({ ok: true, results } satisfies NumericJobReply),
    (e: unknown) =>
      parentPort?.postMessage({
        ok: false,
        message: (e as Error)?.message ?? String(e),
      } satisfies NumericJobReply),
  );
});
