/**
 * describe_dataset: the real columns, types, distinct counts and a few sample rows of a dataset a goal names,
 * read with DuckDB. The planner checks targets and prep operations against this, never against guesses.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { userError } from '../../src/errors.ts';
import { resolveInWorkspace } from '../../src/tasks/index.ts';
import { ident, literal, withDuckDB } from '../../tools/lib/duckdb.ts';

export interface ColumnInfo {
  name: string;
  type: string;
  /** Approximate number of distinct non-null values. */
  distinct: number;
  nulls: number;
}

export interface DatasetDescription {
  /** Path as the goal gave it (relative to the workspace). */
  path: string;
  format: string;
  rows: number;
  columns: ColumnInfo[];
  sample: Record<string, unknown>[];
}

export type DescribeDataset = (file: string) => Promise<DatasetDescription | undefined>;

const READERS: Record<string, (f: string) => string> = {
  '.csv': (f) => `read_csv(${literal(f)})`,
  '.tsv': (f) => `read_csv(${literal(f)}, delim = '\t')`,
  '.json': (f) => `read_json(${literal(f)}, format = 'auto')`,
  '.ndjson': (f) => `read_json(${literal(f)}, format = 'newline_delimited')`,
  '.jsonl': (f) => `read_json(${literal(f)}, format = 'newline_delimited')`,
  '.parquet': (f) => `read_parquet(${literal(f)})`,
};

export const TEXT_TYPES = /^(VARCHAR|BOOLEAN|JSON|ENUM)/;
export const NUMERIC_TYPES =
  /^(DOUBLE|FLOAT|REAL|DECIMAL|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER)/;

/**
 * Describes a workspace file. Undefined for formats DuckDB cannot read directly (Arrow): the plan is still
 * drafted, but without column checks. Throws a user error when the file cannot be read.
 */
export function createDescribeDataset(
  workspace: string,
  opts: { sampleRows?: number } = {},
): DescribeDataset {
  return async (file) => {
    const abs = resolveInWorkspace(workspace, file, 'data file');
    if (!existsSync(abs)) return undefined;
    const ext = path.extname(abs.toLowerCase().replace(/\.(gz|zst)$/, ''));
    const reader = READERS[ext];
    if (!reader) return undefined;
    const relation = reader(abs);
    try {
      return await withDuckDB(async (db) => {
        const cols = await db.columns(relation);
        const stats = cols.map(
          (c, i) =>
            `approx_count_distinct(${ident(c.name)}) AS d${i}, count(*) - count(${ident(c.name)}) AS n${i}`,
        );
        const [row] = await db.all(`SELECT count(*) AS rows, ${stats.join(', ')} FROM ${relation}`);
        const sample = await db.all(`SELECT * FROM ${relation} LIMIT ${opts.sampleRows ?? 3}`);
        return {
          path: file,
          format: ext.slice(1),
          rows: Number(row?.rows ?? 0),
          columns: cols.map((c, i) => ({
            name: c.name,
            type: c.type,
            distinct: Number(row?.[`d${i}`] ?? 0),
            nulls: Number(row?.[`n${i}`] ?? 0),
          })),
          sample,
        };
      });
    } catch (e) {
      throw userError(
        'DATA_UNREADABLE',
        `Could not read "${file}" to plan with it`,
        e instanceof Error ? e.message.split('\n')[0] : String(e),
        'Check that the file is valid for its extension.',
      );
    }
  };
}
