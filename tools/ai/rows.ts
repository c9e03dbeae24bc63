/**
 * Rows in and out of Parquet for the AI tasks: documents, chunks and embeddings are tables with long text
 * (and vector) columns. Rows are written as NDJSON in the step's scratch folder and copied to Parquet by
 * DuckDB with declared column types, in a fixed order and on one thread, so the same rows give the same
 * bytes, the same artifact hash and therefore the same cache key downstream.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TaskContext } from '../../src/tasks/index.ts';
import { datasetRelation, materialize } from '../lib/dataset-io.ts';
import { ident, literal, withDuckDB } from '../lib/duckdb.ts';
import type { DatasetRef } from '../lib/refs.ts';

/** Column name → DuckDB type, in output order. */
export type ColumnTypes = Record<string, string>;

/** Writes rows to a Parquet artifact with the given column types, ordered by `orderBy`. */
export async function writeRows(
  rows: Iterable<Record<string, unknown>>,
  types: ColumnTypes,
  ctx: Pick<TaskContext, 'scratchDir' | 'artifacts'>,
  opts: { orderBy: string[]; name?: string },
): Promise<DatasetRef> {
  const file = path.join(ctx.scratchDir, `${randomUUID()}.ndjson`);
  const out = createWriteStream(file);
  try {
    for (const row of rows) {
      if (!out.write(`${JSON.stringify(row)}\n`))
        await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const columns = Object.entries(types)
      .map(([k, t]) => `${literal(k)}: ${literal(t)}`)
      .join(', ');
    const select = Object.keys(types).map(ident).join(', ');
    return await withDuckDB(async (db) => {
      // One thread: the Parquet writer's layout then depends only on the rows.
      await db.run('SET threads = 1');
      const source = `read_json(${literal(file)}, format = 'newline_delimited', columns = {${columns}}, maximum_object_size = 1073741824)`;
      return materialize(
        db,
        `SELECT ${select} FROM ${source} ORDER BY ${opts.orderBy.map(ident).join(', ')}`,
        ctx,
        opts.name ? { name: opts.name } : {},
      );
    });
  } finally {
    out.destroy();
    await rm(file, { force: true });
  }
}

/** The rows of a dataset (the named columns, or all), as JSON values (lists stay arrays). */
export async function readRows(
  ref: Pick<DatasetRef, 'path'>,
  opts: { columns?: string[]; what?: string } = {},
): Promise<Record<string, unknown>[]> {
  const relation = datasetRelation(ref, opts.what);
  const select = opts.columns ? opts.columns.map(ident).join(', ') : '*';
  return withDuckDB((db) => db.all(`SELECT ${select} FROM ${relation}`));
}

/** Column names of a dataset reference. */
export const columnNames = (ref: Pick<DatasetRef, 'columns'>) => ref.columns.map((c) => c.name);

/** A string column value ('' for null). */
export const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));
/** A numeric column value (BIGINT arrives as a string from DuckDB's JSON rows). */
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
