/**
 * Loading numeric columns from DuckDB for monitor.drift, shared by the task and its worker threads
 * (tools/monitor/drift-worker.ts).
 */
import type { DuckDBDoubleVector } from '@duckdb/node-api';
import { systemError } from '../../src/errors.ts';
import { type DuckDB, literal } from '../lib/duckdb.ts';

/** A numeric column to load: its name and SQL that yields it as DOUBLE (missing values as NaN). */
export interface NumericColumn {
  name: string;
  expr: string;
}

/**
 * Every numeric column as a Float64Array in one scan; missing values arrive as NaN (SQL coalesce), so every
 * slot of every vector is valid. The result is streamed chunk by chunk into arrays sized by a count first:
 * DuckDB does not materialise it, which saves a copy of every value.
 */
export async function loadNumeric(
  db: DuckDB,
  file: string,
  plan: NumericColumn[],
  side: string,
  /** SQL condition restricting the rows (e.g. the months of a seasonal baseline). */
  where?: string,
): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  if (plan.length === 0) return out;
  // Loaded here, not at module load: the CLI starts without the native module.
  const { DuckDBDoubleVector } = await import('@duckdb/node-api');
  const source = `read_parquet(${literal(file)})${where ? ` WHERE ${where}` : ''}`;
  const counted = await db.all(`SELECT count(*) AS n FROM ${source}`);
  let capacity = Number(counted[0]?.n ?? 0);
  let arrays = plan.map(() => new Float64Array(capacity));
  const result = await db.conn.stream(`SELECT ${plan.map((c) => c.expr).join(', ')} FROM ${source}`);
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    if (offset + rows > capacity) {
      // More rows than counted (the file changed under us): grow rather than fail.
      capacity = Math.max(2 * capacity, offset + rows);
      arrays = arrays.map((a) => {
        const grown = new Float64Array(capacity);
        grown.set(a.subarray(0, offset));
        return grown;
      });
    }
    for (let j = 0; j < arrays.length; j++) {
      const vector = chunk.getColumnVector(j);
      if (!(vector instanceof DuckDBDoubleVector)) {
        throw systemError(
          'DRIFT_LOAD',
          `Column "${plan[j]?.name}" of the ${side} data did not load as DOUBLE`,
        );
      }
      const target = arrays[j] as Float64Array;
      const items = doubleItems(vector);
      if (items && items.length === rows) target.set(items, offset);
      else for (let i = 0; i < rows; i++) target[offset + i] = vector.getItem(i) ?? Number.NaN;
    }
    offset += rows;
  }
  plan.forEach((c, j) => {
    out.set(c.name, (arrays[j] as Float64Array).subarray(0, offset));
  });
  return out;
}

/**
 * The Float64Array view a DuckDBDoubleVector keeps over DuckDB's buffer (private in the typings). Copying
 * it whole is several times faster than a getItem call per value; callers fall back to getItem without it.
 */
function doubleItems(vector: DuckDBDoubleVector): Float64Array | undefined {
  const items: unknown = Reflect.get(vector, 'items');
  return items instanceof Float64Array ? items : undefined;
}
