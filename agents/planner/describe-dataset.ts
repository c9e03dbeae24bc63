/**
 * describe_dataset: the real columns, types, distinct counts and a few sample rows of a dataset a goal names,
 * read with DuckDB. The planner checks targets and prep operations against this, never against guesses.
 * Paths are confined to the workspace; hidden files and folders (.env, .ssh, the .pipewright state) and
 * secret-looking files are never read, and sample values that look like secrets are redacted.
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
  /** Every value of a text column that has few (most frequent first): what a class label can be. */
  values?: string[];
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

/** Paths the planner never reads: hidden files and folders, key files, credentials. */
const SECRET_PATH =
  /(^|[\\/])\.[^.\\/]|\b(id_rsa|id_ed25519|credentials?|secrets?|passwords?|private[_-]?keys?)\b|\.(pem|key|p12|pfx)$/i;
/** A text column with at most this many distinct values lists them (for at most this many columns). */
const MAX_VALUES = 20;
const MAX_VALUE_COLUMNS = 12;

/** Columns whose sample values are never shown. */
const SECRET_COLUMN =
  /pass(word|wd)|secret|api[_-]?key|private[_-]?key|credential|authorization|(access|auth|refresh|bearer)[_-]?token|^tokens?$|^ssn$/i;
/** Values that look like keys or tokens, whatever their column. */
const SECRET_VALUE =
  /\b(sk-[\w-]{8,}|gh[pousr]_\w{16,}|xox[abpr]-[\w-]{8,}|AKIA[0-9A-Z]{16}|eyJ[\w-]{10,}\.[\w-]{10,})|-----BEGIN [A-Z ]*PRIVATE KEY|\bBearer\s+\S{8,}/;

export const REDACTED = '[redacted]';

/** Throws a user error for a path the planner must not read (a hidden or secret-looking file). */
export function assertReadablePath(file: string): void {
  if (SECRET_PATH.test(file.replace(/^\.\//, ''))) {
    throw userError(
      'DATA_PATH_FORBIDDEN',
      `The planner does not read "${file}"`,
      'hidden files and folders, key files and credentials may hold secrets',
      'Name a data file (csv, tsv, json, ndjson, parquet) that is not hidden, e.g. data/train.csv.',
    );
  }
}

/** Sample rows without secrets: values of secret-named columns and key-like values become "[redacted]". */
export function redactSample(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        SECRET_COLUMN.test(k) || (typeof v === 'string' && SECRET_VALUE.test(v)) ? REDACTED : v,
      ]),
    ),
  );
}

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
    assertReadablePath(file);
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
        const values = new Map<string, string[]>();
        for (const [i, c] of cols.entries()) {
          if (values.size >= MAX_VALUE_COLUMNS || !TEXT_TYPES.test(c.type) || SECRET_COLUMN.test(c.name))
            continue;
          if (Number(row?.[`d${i}`] ?? 0) > MAX_VALUES) continue;
          const top = await db.all(
            `SELECT CAST(${ident(c.name)} AS VARCHAR) AS v FROM ${relation} WHERE ${ident(c.name)} IS NOT NULL
             GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ${MAX_VALUES + 1}`,
          );
          const list = top.map((r) => String(r.v));
          if (list.length <= MAX_VALUES && !list.some((v) => SECRET_VALUE.test(v))) values.set(c.name, list);
        }
        return {
          path: file,
          format: ext.slice(1),
          rows: Number(row?.rows ?? 0),
          columns: cols.map((c, i) => ({
            name: c.name,
            type: c.type,
            distinct: Number(row?.[`d${i}`] ?? 0),
            nulls: Number(row?.[`n${i}`] ?? 0),
            ...(values.has(c.name) ? { values: values.get(c.name) } : {}),
          })),
          sample: redactSample(sample),
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
