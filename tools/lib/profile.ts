/**
 * Column profiles with DuckDB: one aggregate pass for counts, nulls, distinct, min/max/mean/std, then one
 * query for all numeric histograms (fixed-width bins) and one for all categorical top-k lists.
 */
import { z } from 'zod';
import { type DuckDB, ident, literal } from './duckdb.ts';

export const ColumnProfile = z
  .object({
    name: z.string().describe('Column name'),
    type: z.string().describe('DuckDB type'),
    kind: z
      .enum(['numeric', 'categorical', 'boolean', 'temporal', 'other'])
      .describe('How the column was profiled'),
    count: z.number().int().describe('Non-null values'),
    nulls: z.number().int().describe('Null values'),
    distinct: z.number().int().optional().describe('Distinct non-null values'),
    min: z.union([z.number(), z.string()]).nullable().optional().describe('Smallest value'),
    max: z.union([z.number(), z.string()]).nullable().optional().describe('Largest value'),
    mean: z.number().nullable().optional().describe('Mean, for numeric columns'),
    std: z.number().nullable().optional().describe('Sample standard deviation, for numeric columns'),
    histogram: z
      .object({
        edges: z.array(z.number()).describe('Bin edges, one more than counts'),
        counts: z.array(z.number().int()).describe('Values per bin; the last bin includes its upper edge'),
      })
      .optional()
      .describe('Fixed-width histogram, for numeric columns'),
    top: z
      .array(z.object({ value: z.string().describe('Value'), count: z.number().int().describe('Rows') }))
      .optional()
      .describe('Most frequent values, for categorical and boolean columns'),
  })
  .describe('Summary of one column');
export type ColumnProfile = z.infer<typeof ColumnProfile>;

export const DatasetProfile = z
  .object({
    rows: z.number().int().describe('Row count'),
    columns: z.array(ColumnProfile).describe('One profile per column'),
  })
  .describe('Per-column summary statistics of a dataset');
export type DatasetProfile = z.infer<typeof DatasetProfile>;

export interface ProfileOptions {
  /** Histogram bins for numeric columns (default 10). */
  bins?: number;
  /** Most frequent values kept for categorical columns (default 5). */
  topK?: number;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/;

export function columnKind(type: string): ColumnProfile['kind'] {
  const t = type.toUpperCase();
  if (NUMERIC.test(t)) return 'numeric';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'VARCHAR' || t.startsWith('ENUM') || t === 'UUID') return 'categorical';
  if (t.startsWith('DATE') || t.startsWith('TIME') || t.startsWith('TIMESTAMP')) return 'temporal';
  return 'other';
}

export function isNumericType(type: string): boolean {
  return columnKind(type) === 'numeric';
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Profiles every column of `relation` (a table name or a table function such as read_parquet('...')). */
export async function profileRelation(
  db: DuckDB,
  relation: string,
  opts: ProfileOptions = {},
): Promise<DatasetProfile> {
  const bins = opts.bins ?? 10;
  const topK = opts.topK ?? 5;
  const columns = await db.columns(relation);
  const parts = ['count(*) AS "rows"'];
  columns.forEach((c, i) => {
    const col = ident(c.name);
    const kind = columnKind(c.type);
    parts.push(`count(${col}) AS n${i}`);
    if (kind === 'other') return;
    parts.push(`count(DISTINCT ${col}) AS d${i}`);
    if (kind === 'numeric') {
      parts.push(
        `min(${col})::DOUBLE AS lo${i}`,
        `max(${col})::DOUBLE AS hi${i}`,
        `avg(${col})::DOUBLE AS mean${i}`,
        `stddev_samp(${col})::DOUBLE AS std${i}`,
      );
    } else {
      parts.push(`min(${col})::VARCHAR AS lo${i}`, `max(${col})::VARCHAR AS hi${i}`);
    }
  });
  const [agg = {}] = await db.all(`SELECT ${parts.join(', ')} FROM ${relation}`);
  const rows = Number(agg.rows ?? 0);

  const profiles: ColumnProfile[] = columns.map((c, i) => {
    const kind = columnKind(c.type);
    const count = Number(agg[`n${i}`] ?? 0);
    const p: ColumnProfile = { name: c.name, type: c.type, kind, count, nulls: rows - count };
    if (kind === 'other') return p;
    p.distinct = Number(agg[`d${i}`] ?? 0);
    if (kind === 'numeric') {
      p.min = num(agg[`lo${i}`]);
      p.max = num(agg[`hi${i}`]);
      p.mean = num(agg[`mean${i}`]);
      p.std = num(agg[`std${i}`]);
    } else {
      p.min = (agg[`lo${i}`] as string | null) ?? null;
      p.max = (agg[`hi${i}`] as string | null) ?? null;
    }
    return p;
  });

  // Histograms: every numeric column with values, in one UNION ALL query.
  const histQueries: string[] = [];
  profiles.forEach((p, i) => {
    if (p.kind !== 'numeric' || typeof p.min !== 'number' || typeof p.max !== 'number') return;
    const col = `${ident(p.name)}::DOUBLE`;
    const width = (p.max - p.min) / bins;
    const bucket =
      width > 0 ? `LEAST(FLOOR((${col} - ${p.min}) / ${width}), ${bins - 1})::INTEGER` : '0::INTEGER';
    histQueries.push(
      `SELECT ${i} AS c, ${bucket} AS b, count(*) AS n FROM ${relation} WHERE ${ident(p.name)} IS NOT NULL GROUP BY 1, 2`,
    );
  });
  if (histQueries.length > 0) {
    const counts = new Map<number, number[]>();
    for (const r of await db.all(histQueries.join(' UNION ALL '))) {
      const c = Number(r.c);
      const p = profiles[c] as ColumnProfile;
      const n = p.min === p.max ? 1 : bins;
      const arr = counts.get(c) ?? new Array<number>(n).fill(0);
      arr[Number(r.b)] = Number(r.n);
      counts.set(c, arr);
    }
    for (const [c, arr] of counts) {
      const p = profiles[c] as ColumnProfile;
      const lo = p.min as number;
      const hi = p.max as number;
      const edges = arr.map((_, k) => lo + ((hi - lo) * k) / arr.length);
      edges.push(hi);
      p.histogram = { edges, counts: arr };
    }
  }

  // Top-k: every categorical or boolean column, in one UNION ALL query.
  const topQueries: string[] = [];
  profiles.forEach((p, i) => {
    if (p.kind !== 'categorical' && p.kind !== 'boolean') return;
    const col = ident(p.name);
    topQueries.push(
      `(SELECT ${i} AS c, ${col}::VARCHAR AS v, count(*) AS n FROM ${relation} WHERE ${col} IS NOT NULL ` +
        `GROUP BY 2 ORDER BY n DESC, v LIMIT ${topK})`,
    );
  });
  if (topQueries.length > 0) {
    for (const p of profiles) if (p.kind === 'categorical' || p.kind === 'boolean') p.top = [];
    const rowsTop = await db.all(`SELECT * FROM (${topQueries.join(' UNION ALL ')}) ORDER BY c, n DESC, v`);
    for (const r of rowsTop) {
      (profiles[Number(r.c)] as ColumnProfile).top?.push({ value: String(r.v), count: Number(r.n) });
    }
  }
  return { rows, columns: profiles };
}

/** Profiles a Parquet file. */
export function profileParquet(db: DuckDB, file: string, opts?: ProfileOptions): Promise<DatasetProfile> {
  return profileRelation(db, `read_parquet(${literal(file)})`, opts);
}
