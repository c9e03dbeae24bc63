/**
 * Ingest throughput: flights-3m.parquet and a CSV export of it through ingest.file (read, write Parquet,
 * hash into the artifact store, profile), against the bare DuckDB read + COPY in the same process.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTaskContext } from '../../test/helpers/task-context.ts';
import { ingestFile } from '../../tools/ingest/file.ts';
import { literal, withDuckDB } from '../../tools/lib/duckdb.ts';
import type { BenchResult } from './types.ts';

const SOURCE = fileURLToPath(
  new URL('../../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url),
);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export async function benchIngest(): Promise<BenchResult[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-ingest-'));
  try {
    copyFileSync(SOURCE, path.join(workspace, 'flights.parquet'));
    const csv = path.join(workspace, 'flights.csv');
    await withDuckDB((db) =>
      db.run(`COPY (SELECT * FROM read_parquet(${literal(SOURCE)})) TO ${literal(csv)} (HEADER)`),
    );
    // Warm up (module loading, the first DuckDB instance) on a small slice so it is not billed to parquet.
    await withDuckDB((db) =>
      db.run(
        `COPY (SELECT * FROM read_parquet(${literal(SOURCE)}) LIMIT 1000) TO ${literal(path.join(workspace, 'warm.parquet'))}`,
      ),
    );
    await ingestFile.run({ path: 'warm.parquet' }, makeTaskContext({ workspace }));
    const results: BenchResult[] = [];
    for (const [format, file, reader] of [
      ['parquet', 'flights.parquet', 'read_parquet'],
      ['csv', 'flights.csv', 'read_csv'],
    ] as const) {
      const ctx = makeTaskContext({ workspace });
      const task = await timed(() => ingestFile.run({ path: file, profile: true }, ctx));
      const bare = await timed(() =>
        ingestFile.run({ path: file, profile: false }, makeTaskContext({ workspace })),
      );
      const out = path.join(workspace, `direct-${format}.parquet`);
      const direct = await timed(() =>
        withDuckDB((db) =>
          db.run(
            `COPY (SELECT * FROM ${reader}(${literal(path.join(workspace, file))})) TO ${literal(out)} (FORMAT parquet, COMPRESSION zstd)`,
          ),
        ),
      );
      const rows = task.value.rows;
      results.push(
        {
          name: `ingest.file ${format} (3M flights)`,
          value: Math.round(rows / (task.ms / 1000)),
          unit: 'rows/s',
          note: `${rows} rows in ${(task.ms / 1000).toFixed(2)}s, including artifact hashing and the profile`,
        },
        {
          name: `duckdb read+COPY ${format} (3M flights)`,
          value: Math.round(rows / (direct.ms / 1000)),
          unit: 'rows/s',
          note: `${(direct.ms / 1000).toFixed(2)}s`,
        },
        {
          name: `ingest.file ${format} overhead without the profile (wrapper cost)`,
          value: Number((bare.ms / direct.ms).toFixed(2)),
          unit: 'x',
          note: 'ingest.file (profile: false) time / bare DuckDB time; target < 1.10',
        },
        {
          name: `ingest.file ${format} overhead`,
          value: Number((task.ms / direct.ms).toFixed(2)),
          unit: 'x',
          note: 'ingest.file time / bare DuckDB time (1 = no overhead)',
        },
      );
    }
    return results;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
