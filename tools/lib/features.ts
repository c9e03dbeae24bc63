/**
 * Tabular feature handling shared by training and prediction: which columns a model can use, the fitted
 * preprocessing (imputation, scaling, one-hot encoding) learned on training rows, and row validation.
 * The fitted preprocessing is plain JSON stored in model.json, so prediction replays it exactly.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/i;
const CATEGORICAL_TYPE = /^(VARCHAR|BOOLEAN|ENUM.*|UUID)$/i;

export type FeatureKind = 'numeric' | 'categorical';

/** How a DuckDB column type is used as a feature, or undefined when it cannot be used directly. */
export function featureKind(type: string): FeatureKind | undefined {
  if (NUMERIC_TYPE.test(type)) return 'numeric';
  if (CATEGORICAL_TYPE.test(type)) return 'categorical';
  return undefined;
}

export function isNumericType(type: string): boolean {
  return NUMERIC_TYPE.test(type);
}

export const FittedColumn = z.discriminatedUnion('kind', [
  z.object({
    name: z.string().describe('Input column'),
    kind: z.literal('numeric'),
    mean: z.number().describe('Training mean, used for missing values and centring'),
    scale: z.number().describe('Training standard deviation (1 when constant)'),
  }),
  z.object({
    name: z.string().describe('Input column'),
    kind: z.literal('categorical'),
    mode: z.string().describe('Most frequent training value, used for missing values'),
    categories: z
      .array(z.string())
      .describe('One-hot categories learned on training rows; others encode as zeros'),
  }),
]);
export type FittedColumn = z.infer<typeof FittedColumn>;

export const Preprocessing = z.object({
  kind: z.literal('tabular-v1'),
  columns: z.array(FittedColumn),
});
export type Preprocessing = z.infer<typeof Preprocessing>;

/** Turns a raw cell into a number, or null when missing/not a finite number. */
export function toNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n =
    typeof v === 'number' ? v : typeof v === 'string' || typeof v === 'bigint' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

export function toCategory(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return String(v);
}

/** Learns imputation values, scales and categories from training rows. */
export function fitPreprocessing(
  rows: Record<string, unknown>[],
  features: { name: string; type: string }[],
  opts: { maxCategories?: number } = {},
): Preprocessing {
  const maxCategories = opts.maxCategories ?? 50;
  const columns: FittedColumn[] = features.map((f) => {
    if (featureKind(f.type) === 'numeric') {
      const xs = rows.map((r) => toNumber(r[f.name])).filter((x): x is number => x !== null);
      const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
      const variance = xs.length ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length : 0;
      const scale = Math.sqrt(variance);
      return { name: f.name, kind: 'numeric', mean, scale: scale > 1e-12 ? scale : 1 };
    }
    const counts = new Map<string, number>();
    for (const r of rows) {
      const c = toCategory(r[f.name]);
      if (c !== null) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    // Most frequent first; ties broken by value so the same data always gives the same encoding.
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const categories = ranked
      .slice(0, maxCategories)
      .map(([c]) => c)
      .sort();
    return { name: f.name, kind: 'categorical', mode: ranked[0]?.[0] ?? '', categories };
  });
  return { kind: 'tabular-v1', columns };
}

/** Width of the encoded feature vector. */
export function encodedWidth(p: Preprocessing): number {
  return p.columns.reduce((n, c) => n + (c.kind === 'numeric' ? 1 : c.categories.length), 0);
}

/** Names of the encoded features, e.g. "Island=Biscoe". */
export function encodedNames(p: Preprocessing): string[] {
  return p.columns.flatMap((c) =>
    c.kind === 'numeric' ? [c.name] : c.categories.map((v) => `${c.name}=${v}`),
  );
}

/** Applies the fitted preprocessing to one row. */
export function encodeRow(p: Preprocessing, row: Record<string, unknown>): number[] {
  const out: number[] = [];
  for (const c of p.columns) {
    if (c.kind === 'numeric') {
      const x = toNumber(row[c.name]) ?? c.mean;
      out.push((x - c.mean) / c.scale);
    } else {
      const v = toCategory(row[c.name]) ?? c.mode;
      for (const cat of c.categories) out.push(cat === v ? 1 : 0);
    }
  }
  return out;
}

export function encodeRows(p: Preprocessing, rows: Record<string, unknown>[]): number[][] {
  return rows.map((r) => encodeRow(p, r));
}

export interface RowProblem {
  path: string;
  message: string;
}

/**
 * Checks rows against a model's feature schema: every feature present (null means "missing value" and is
 * imputed), numbers for numeric features, scalars for categorical ones. Reports every problem at once.
 */
export function validateRows(features: { name: string; type: string }[], rows: unknown[]): RowProblem[] {
  const problems: RowProblem[] = [];
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      problems.push({ path: `rows[${i}]`, message: 'must be an object of feature values' });
      return;
    }
    const rec = row as Record<string, unknown>;
    for (const f of features) {
      const v = rec[f.name];
      const at = `rows[${i}].${f.name}`;
      if (!(f.name in rec)) {
        problems.push({ path: at, message: `missing (expected ${f.type}; send null for an unknown value)` });
      } else if (v === null) {
        // null is a missing value: the fitted preprocessing imputes it
      } else if (featureKind(f.type) === 'numeric') {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          problems.push({ path: at, message: `expected a number (${f.type}), got ${JSON.stringify(v)}` });
        }
      } else if (!['string', 'number', 'boolean'].includes(typeof v)) {
        problems.push({ path: at, message: `expected a string (${f.type}), got ${JSON.stringify(v)}` });
      }
    }
  });
  return problems;
}

/** Throws a userError listing every problem, or returns when the rows fit the schema. */
export function assertRows(features: { name: string; type: string }[], rows: unknown[]): void {
  const problems = validateRows(features, rows);
  if (problems.length === 0) return;
  const shown = problems
    .slice(0, 20)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
  throw userError(
    'PREDICT_INVALID_ROWS',
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in the rows to score`,
    shown + (problems.length > 20 ? `; and ${problems.length - 20} more` : ''),
    `Send one object per row with these fields: ${features.map((f) => `${f.name} (${f.type})`).join(', ')}.`,
    { problems },
  );
}

/** Converts DuckDB JSON cells (BIGINT arrives as a string) to the JS types a model expects. */
export function normaliseRow(
  features: { name: string; type: string }[],
  row: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of features) {
    const v = row[f.name];
    out[f.name] = featureKind(f.type) === 'numeric' ? toNumber(v) : toCategory(v);
  }
  return out;
}
