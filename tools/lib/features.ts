/**
 * Tabular feature handling shared by training and prediction: which columns a model can use, the fitted
 * preprocessing learned on training rows, and row validation. Numeric columns are imputed and standardised,
 * text/boolean ones one-hot encoded (most frequent values), dates split into year / month / day / day of
 * week (/ hour for timestamps), and free-text columns turned into TF-IDF vectors (a vocabulary and its idf,
 * as scikit-learn's TfidfVectorizer). The fitted preprocessing is plain JSON stored in model.json, so
 * prediction (serving, predict.batch, evaluate.model) replays it exactly.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';

const NUMERIC_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/i;
const CATEGORICAL_TYPE = /^(VARCHAR|BOOLEAN|ENUM.*|UUID)$/i;
const DATE_TYPE = /^(DATE|TIMESTAMP.*|DATETIME)$/i;

/** How a column is used: `text` is a VARCHAR read as words (textColumns, or detected long free text). */
export type FeatureKind = 'numeric' | 'categorical' | 'date' | 'text';

/** How a DuckDB column type is used as a feature by default, or undefined when it cannot be used. */
export function featureKind(type: string): Exclude<FeatureKind, 'text'> | undefined {
  if (NUMERIC_TYPE.test(type)) return 'numeric';
  if (CATEGORICAL_TYPE.test(type)) return 'categorical';
  if (DATE_TYPE.test(type)) return 'date';
  return undefined;
}

/** Whether a type can hold free text (a VARCHAR). */
export function isTextType(type: string): boolean {
  return /^VARCHAR$/i.test(type);
}

export const DATE_PARTS = ['year', 'month', 'day', 'dayOfWeek', 'hour'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

/** The parts a date column becomes: the hour only for timestamps. */
export function datePartsFor(type: string): DatePart[] {
  return /^(TIMESTAMP|DATETIME)/i.test(type)
    ? ['year', 'month', 'day', 'dayOfWeek', 'hour']
    : ['year', 'month', 'day', 'dayOfWeek'];
}

const ISO_DATE = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2})(?::(\d{2}))?)?/;

/**
 * Calendar parts of a date value as written (no time-zone shift for "YYYY-MM-DD[ HH:MM...]" strings, the
 * form DuckDB and most files use); other strings through Date.parse, numbers as epoch milliseconds, both
 * read in UTC. dayOfWeek is 0 = Monday … 6 = Sunday (pandas). Null when missing or not a date.
 */
export function dateParts(v: unknown): Record<DatePart, number> | null {
  if (v === null || v === undefined || v === '') return null;
  let y: number;
  let m: number;
  let d: number;
  let h = 0;
  const iso = typeof v === 'string' ? ISO_DATE.exec(v) : null;
  if (iso) {
    y = Number(iso[1]);
    m = Number(iso[2]);
    d = Number(iso[3]);
    h = iso[4] === undefined ? 0 : Number(iso[4]);
    if (m < 1 || m > 12 || d < 1 || d > 31 || h > 23) return null;
  } else {
    const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (!Number.isFinite(t)) return null;
    const date = new Date(t);
    y = date.getUTCFullYear();
    m = date.getUTCMonth() + 1;
    d = date.getUTCDate();
    h = date.getUTCHours();
  }
  const dayOfWeek = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return { year: y, month: m, day: d, dayOfWeek, hour: h };
}

const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** Words of a text as scikit-learn's default analyzer finds them: lowercased runs of 2+ word characters. */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
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
  z.object({
    name: z.string().describe('Input column'),
    kind: z.literal('date'),
    parts: z
      .array(
        z.object({
          part: z.enum(DATE_PARTS).describe('Calendar part'),
          mean: z.number().describe('Training mean, used for missing or unreadable dates and centring'),
          scale: z.number().describe('Training standard deviation (1 when constant)'),
        }),
      )
      .describe('Calendar parts the date becomes, each standardised'),
  }),
  z.object({
    name: z.string().describe('Input column'),
    kind: z.literal('text'),
    vocabulary: z.array(z.string()).describe('Terms kept (the most frequent in training), in column order'),
    idf: z.array(z.number()).describe('Smoothed inverse document frequency per term: ln((1+n)/(1+df)) + 1'),
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

export interface PreprocessingOptions {
  /** One-hot categories kept per categorical column (most frequent first; default 50). */
  maxCategories?: number;
  /** How each column is used, when not its type's default (text columns). */
  kinds?: Record<string, FeatureKind>;
  /** Terms kept per text column (default 200). */
  textMaxFeatures?: number;
}

function meanScale(xs: number[]): { mean: number; scale: number } {
  const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
  const variance = xs.length ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length : 0;
  const scale = Math.sqrt(variance);
  return { mean, scale: scale > 1e-12 ? scale : 1 };
}

/** Learns imputation values, scales, categories, date parts and text vocabularies from training rows. */
export function fitPreprocessing(
  rows: Record<string, unknown>[],
  features: { name: string; type: string }[],
  opts: PreprocessingOptions = {},
): Preprocessing {
  const maxCategories = opts.maxCategories ?? 50;
  const columns: FittedColumn[] = features.map((f) => {
    const kind = opts.kinds?.[f.name] ?? featureKind(f.type);
    if (kind === 'numeric') {
      const xs = rows.map((r) => toNumber(r[f.name])).filter((x): x is number => x !== null);
      return { name: f.name, kind: 'numeric', ...meanScale(xs) };
    }
    if (kind === 'date') {
      const parsed = rows.map((r) => dateParts(r[f.name])).filter((d) => d !== null);
      return {
        name: f.name,
        kind: 'date',
        parts: datePartsFor(f.type).map((part) => ({ part, ...meanScale(parsed.map((d) => d[part])) })),
      };
    }
    if (kind === 'text') return fitText(f.name, rows, opts.textMaxFeatures ?? 200);
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

/** TF-IDF vocabulary: the most frequent terms over the column (ties by term), sorted; smoothed idf. */
function fitText(name: string, rows: Record<string, unknown>[], maxFeatures: number): FittedColumn {
  const termCount = new Map<string, number>();
  const docCount = new Map<string, number>();
  for (const r of rows) {
    const words = tokens(toCategory(r[name]) ?? '');
    for (const w of words) termCount.set(w, (termCount.get(w) ?? 0) + 1);
    for (const w of new Set(words)) docCount.set(w, (docCount.get(w) ?? 0) + 1);
  }
  const vocabulary = [...termCount.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxFeatures)
    .map(([w]) => w)
    .sort();
  const n = rows.length;
  const idf = vocabulary.map((w) => Math.log((1 + n) / (1 + (docCount.get(w) ?? 0))) + 1);
  return { name, kind: 'text', vocabulary, idf };
}

/** Width of the encoded feature vector. */
export function encodedWidth(p: Preprocessing): number {
  return encodedNames(p).length;
}

/** Names of the encoded features, e.g. "Island=Biscoe", "date.month", "body~refund". */
export function encodedNames(p: Preprocessing): string[] {
  return p.columns.flatMap((c) => {
    if (c.kind === 'numeric') return [c.name];
    if (c.kind === 'categorical') return c.categories.map((v) => `${c.name}=${v}`);
    if (c.kind === 'date') return c.parts.map((q) => `${c.name}.${q.part}`);
    return c.vocabulary.map((w) => `${c.name}~${w}`);
  });
}

/** Term index of each text column's vocabulary, built once per fitted preprocessing. */
const vocabIndex = new WeakMap<FittedColumn, Map<string, number>>();

/** Applies the fitted preprocessing to one row. */
export function encodeRow(p: Preprocessing, row: Record<string, unknown>): number[] {
  const out: number[] = [];
  for (const c of p.columns) {
    if (c.kind === 'numeric') {
      const x = toNumber(row[c.name]) ?? c.mean;
      out.push((x - c.mean) / c.scale);
    } else if (c.kind === 'categorical') {
      const v = toCategory(row[c.name]) ?? c.mode;
      for (const cat of c.categories) out.push(cat === v ? 1 : 0);
    } else if (c.kind === 'date') {
      const d = dateParts(row[c.name]);
      for (const q of c.parts) out.push(d ? (d[q.part] - q.mean) / q.scale : 0);
    } else {
      let index = vocabIndex.get(c);
      if (!index) {
        index = new Map(c.vocabulary.map((w, i) => [w, i]));
        vocabIndex.set(c, index);
      }
      const v = new Array<number>(c.vocabulary.length).fill(0);
      for (const w of tokens(toCategory(row[c.name]) ?? '')) {
        const i = index.get(w);
        if (i !== undefined) v[i] = (v[i] as number) + 1;
      }
      let norm = 0;
      for (let i = 0; i < v.length; i++) {
        v[i] = (v[i] as number) * (c.idf[i] as number);
        norm += (v[i] as number) ** 2;
      }
      norm = Math.sqrt(norm) || 1;
      for (const x of v) out.push(x / norm);
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
      } else if (featureKind(f.type) === 'date') {
        if (dateParts(v) === null) {
          problems.push({
            path: at,
            message: `expected a date (${f.type}) such as "2024-05-31" or "2024-05-31 14:00:00", got ${JSON.stringify(v)}`,
          });
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
