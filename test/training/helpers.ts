/** Test fixtures: vega-datasets files turned into Parquet DatasetRefs with DuckDB (no ingest tasks needed). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashFile } from '../../src/store/artifacts.ts';
import { literal, withDuckDB } from '../../tools/lib/duckdb.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a file in the vega-datasets package, e.g. "penguins.json". */
export function vegaFile(name: string): string {
  return path.join(ROOT, 'node_modules', 'vega-datasets', 'data', name);
}

/**
 * Writes `select` (SQL over the relation `src`, default every column) from a JSON or CSV file to Parquet in
 * `dir` and returns its DatasetRef.
 */
export async function datasetFrom(
  source: string,
  dir: string,
  name: string,
  select = 'SELECT * FROM src',
): Promise<DatasetRef> {
  const out = path.join(dir, `${name}.parquet`);
  const reader = source.endsWith('.csv') ? 'read_csv_auto' : 'read_json_auto';
  return withDuckDB(async (db) => {
    await db.run(`CREATE VIEW src AS SELECT * FROM ${reader}(${literal(source)})`);
    await db.run(`COPY (${select}) TO ${literal(out)} (FORMAT parquet)`);
    const columns = await db.columns(`read_parquet(${literal(out)})`);
    const [count] = await db.all(`SELECT count(*) AS n FROM read_parquet(${literal(out)})`);
    return { path: out, hash: await hashFile(out), rows: Number(count?.n), columns, name };
  });
}

export const penguins = (dir: string) => datasetFrom(vegaFile('penguins.json'), dir, 'penguins');
export const cars = (dir: string) => datasetFrom(vegaFile('cars.json'), dir, 'cars');
