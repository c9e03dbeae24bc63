/**
 * Shared plumbing for the data tasks: write a DuckDB query to Parquet in the artifact store and describe it
 * as a DatasetRef, open a DatasetRef again, and turn DuckDB failures into errors a person can act on.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isPipewrightError, userError } from '../../src/errors.ts';
import { closest } from '../../src/plan/index.ts';
import type { TaskContext } from '../../src/tasks/index.ts';
import { type DuckDB, literal } from './duckdb.ts';
import type { DatasetRef } from './refs.ts';

export interface MaterializeOptions {
  name?: string;
  version?: string;
  /** Sort by every column before writing, so equal data gives equal bytes (dataset.version). */
  canonical?: boolean;
}

/** Writes the rows of `query` to Parquet, stores the file as an artifact and returns its DatasetRef. */
export async function materialize(
  db: DuckDB,
  query: string,
  ctx: Pick<TaskContext, 'scratchDir' | 'artifacts'>,
  opts: MaterializeOptions = {},
): Promise<DatasetRef> {
  const file = path.join(ctx.scratchDir, `${randomUUID()}.parquet`);
  const body = opts.canonical ? `SELECT * FROM (${query}) ORDER BY ALL` : query;
  try {
    await db.run(`COPY (${body}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`);
    const stored = await ctx.artifacts.putFile(file, { mediaType: 'application/vnd.apache.parquet' });
    const relation = `read_parquet(${literal(stored.path)})`;
    const [count] = await db.all(`SELECT count(*) AS n FROM ${relation}`);
    const ref: DatasetRef = {
      path: stored.path,
      hash: stored.hash,
      rows: Number(count?.n ?? 0),
      columns: await db.columns(relation),
    };
    if (opts.name) ref.name = opts.name;
    if (opts.version) ref.version = opts.version;
    return ref;
  } finally {
    await rm(file, { force: true });
  }
}

/** The SQL relation that reads a dataset, after checking its file is still there. */
export function datasetRelation(ref: Pick<DatasetRef, 'path'>, what = 'dataset'): string {
  if (!existsSync(ref.path)) {
    throw userError(
      'DATA_FILE_NOT_FOUND',
      `The ${what} file "${ref.path}" does not exist`,
      'the artifact it points to was removed or the reference comes from another machine',
      'Re-run the step that produced the dataset, or pass a DatasetRef from this workspace.',
    );
  }
  return `read_parquet(${literal(ref.path)})`;
}

/** Error for a column that is not in the table, naming the columns that are and the closest match. */
export function columnNotFound(column: string, existing: readonly string[], where: string) {
  const guess = closest(column, existing);
  return userError(
    'DATA_COLUMN_NOT_FOUND',
    `${where}: column "${column}" does not exist${guess ? ` (did you mean "${guess}"?)` : ''}`,
    `the columns are: ${existing.map((c) => `"${c}"`).join(', ')}`,
    guess ? `Use "${guess}".` : 'Use one of the existing column names (they are case-sensitive).',
    { column, existing, ...(guess ? { suggestion: guess } : {}) },
  );
}

export function requireColumns(columns: readonly string[], existing: readonly string[], where: string): void {
  for (const c of columns) if (!existing.includes(c)) throw columnNotFound(c, existing, where);
}

/** Message of a DuckDB error without its SQL echo ("LINE 1: ..."). */
export function duckMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n\nLINE')[0]?.split('\nLINE ')[0]?.trim() ?? msg;
}

/**
 * Converts a DuckDB failure in a user-supplied expression into a user error: unknown columns become
 * DATA_COLUMN_NOT_FOUND with a did-you-mean, anything else `code` with DuckDB's reason.
 */
export function explainSqlError(
  e: unknown,
  where: string,
  existing: readonly string[],
  code = 'DATA_SQL',
  fix = 'Check the expression: it is DuckDB SQL evaluated against the columns listed.',
) {
  if (isPipewrightError(e)) return e;
  const msg = duckMessage(e);
  const missing = /Referenced column "([^"]+)" not found/.exec(msg);
  if (missing?.[1]) return columnNotFound(missing[1], existing, where);
  return userError(code, `${where} failed`, msg, fix, { columns: existing });
}

/** Rejects text that is more than one SQL expression (statement separators, comments). */
export function checkSingleExpression(expr: string, where: string): void {
  const stripped = expr.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
  if (stripped.includes(';') || stripped.includes('--') || stripped.includes('/*')) {
    throw userError(
      'DATA_EXPRESSION',
      `${where}: "${expr}" is not a single SQL expression`,
      'statement separators (;) and comments are not allowed in expressions',
      'Write one expression, e.g. "species = \'Adelie\' AND body_mass > 3000".',
    );
  }
  if (stripped.trim() === '') {
    throw userError(
      'DATA_EXPRESSION',
      `${where}: the expression is empty`,
      undefined,
      'Write an expression.',
    );
  }
}
