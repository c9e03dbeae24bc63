/**
 * The seasonal baseline of monitor.drift: when both sides carry a time column (a DATE / TIMESTAMP, or an
 * integer `month` column), the current window is also compared with the reference rows of the same months —
 * the same dates in every earlier year of the reference when they hold enough rows (a summer against all
 * earlier summers), else the same months of every reference year. Whatever the window's length: a summer
 * window is compared with earlier summers, a six-month window with the same six months. A shift that
 * disappears against that baseline is the calendar, not the world; one that stays is not seasonal; months the
 * reference never saw cannot be told apart (the triage agent reads all three, agents/triage/rules.ts).
 */
import { z } from 'zod';
import type { CategoricalComparison, NumericComparison } from '../lib/drift-compare.ts';
import { type DuckDB, ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { loadNumeric, type NumericColumn } from './drift-load.ts';

export const SeasonalBaseline = z
  .object({
    column: z.string().describe('The time column the months were read from'),
    currentMonths: z.array(z.number().int()).describe('Months (1–12) the current window covers'),
    referenceMonths: z.array(z.number().int()).describe('Months (1–12) the reference covers'),
    baseline: z
      .object({
        rows: z.number().int().describe('Reference rows in the same months'),
        years: z.array(z.number().int()).describe('Years they come from (empty for a month column)'),
        lastYear: z
          .boolean()
          .describe(
            'Whether they all come from the year before the window (the only earlier year with these dates)',
          ),
        wholeReference: z.boolean().describe('The same months are the whole reference: nothing to narrow'),
      })
      .nullable()
      .describe('The same-months baseline; null when the reference has none of these months'),
    features: z
      .array(
        z.object({
          name: z.string().describe('Feature'),
          method: z.string().describe('Test used (the same as against the whole reference)'),
          statistic: z.number().nullable().describe('Statistic against the baseline'),
          movement: z
            .number()
            .nullable()
            .describe(
              'KS distance (numeric) or total variation of shares (categorical) against the baseline',
            ),
          drifted: z.boolean().describe('Drifted against the baseline (same thresholds, beyond chance)'),
        }),
      )
      .describe('Every checked feature against the same-months baseline'),
    drifted: z.array(z.string()).describe('Features that drift against the same-months baseline too'),
  })
  .describe('The current window against the same months of the reference');
export type SeasonalBaseline = z.infer<typeof SeasonalBaseline>;

export interface SeasonColumn {
  name: string;
  type: 'numeric' | 'categorical';
  expr: string;
}

export interface SeasonDeps {
  /** Decides drift of one feature against the baseline, as the main comparison does (before the chance guard). */
  decide(
    col: SeasonColumn,
    cmp: { numeric: NumericComparison } | { categorical: CategoricalComparison },
    rows: { reference: number; current: number },
  ): { method: string; statistic: number | null; drifted: boolean; guardP: number | null };
  compareNumeric(ref: Float64Array, cur: Float64Array): NumericComparison;
  compareCategorical(ref: Map<string, number>, cur: Map<string, number>): CategoricalComparison;
  /** p-value below which a drifted feature is beyond chance (pValue ÷ features checked). */
  chanceLevel: number;
}

const TEMPORAL = /^(DATE|TIMESTAMP.*)$/;
const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/;

/** The time column both sides share: a date / timestamp, else an integer column named "month". */
export function timeColumn(
  refCols: { name: string; type: string }[],
  curCols: { name: string; type: string }[],
): { name: string; temporal: boolean } | undefined {
  const cur = new Map(curCols.map((c) => [c.name, c.type]));
  const date = refCols.find((c) => TEMPORAL.test(c.type) && TEMPORAL.test(cur.get(c.name) ?? ''));
  if (date) return { name: date.name, temporal: true };
  const month = refCols.find(
    (c) => /^month$/i.test(c.name) && INTEGER.test(c.type) && INTEGER.test(cur.get(c.name) ?? ''),
  );
  return month ? { name: month.name, temporal: false } : undefined;
}

async function months(db: DuckDB, file: string, expr: string): Promise<number[]> {
  const rows = await db.all(
    `SELECT DISTINCT m FROM (SELECT ${expr} AS m FROM read_parquet(${literal(file)})) WHERE m BETWEEN 1 AND 12 ORDER BY m`,
  );
  return rows.map((r) => Number(r.m));
}

async function categories(
  db: DuckDB,
  file: string,
  col: SeasonColumn,
  where?: string,
): Promise<Map<string, number>> {
  const rows = await db.all(
    `SELECT ${col.expr} AS v, count(*) AS n FROM read_parquet(${literal(file)})${where ? ` WHERE ${where}` : ''} GROUP BY 1`,
  );
  const out = new Map<string, number>();
  for (const r of rows) if (r.v !== null && r.v !== undefined) out.set(String(r.v), Number(r.n));
  return out;
}

/**
 * For a window shorter than a year: the same dates in every earlier year of the reference (a summer against
 * all earlier summers, not one that may have been unusual), when they hold at least 30 rows. `lastYear`
 * when they all come from the year before the window (a reference with one earlier year).
 */
async function earlierYears(
  db: DuckDB,
  refPath: string,
  curPath: string,
  t: string,
): Promise<{ where: string; lastYear: boolean } | undefined> {
  const [span] = await db.all(
    `SELECT min(${t})::VARCHAR AS lo, max(${t})::VARCHAR AS hi, CAST(max(${t}) AS TIMESTAMP) - CAST(min(${t}) AS TIMESTAMP) < INTERVAL 360 DAY AS short FROM read_parquet(${literal(curPath)})`,
  );
  if (!span?.short) return undefined;
  const lo = `CAST(${literal(String(span.lo))} AS TIMESTAMP)`;
  const hi = `CAST(${literal(String(span.hi))} AS TIMESTAMP)`;
  const [first] = await db.all(
    `SELECT year(${lo}) - year(min(${t})) AS back FROM read_parquet(${literal(refPath)})`,
  );
  // One year further back than the reference starts: a window across new year reaches into it.
  const back = Math.min(Number(first?.back ?? 0) + 1, 100);
  if (back < 1) return undefined;
  const yearsBack = (k: number) => `${t} BETWEEN ${lo} - INTERVAL ${k} YEAR AND ${hi} - INTERVAL ${k} YEAR`;
  const where = `(${Array.from({ length: back }, (_, i) => yearsBack(i + 1)).join(' OR ')})`;
  const [n] = await db.all(
    `SELECT count(*) AS n, count(*) FILTER (WHERE ${yearsBack(1)}) AS prior FROM read_parquet(${literal(refPath)}) WHERE ${where}`,
  );
  if (Number(n?.n ?? 0) < 30) return undefined;
  return { where, lastYear: Number(n?.prior) === Number(n?.n) };
}

/** The current window against the same months of the reference (null without a shared time column). */
export async function seasonalBaseline(
  refPath: string,
  curPath: string,
  time: { name: string; temporal: boolean },
  columns: SeasonColumn[],
  deps: SeasonDeps,
): Promise<SeasonalBaseline | null> {
  const t = ident(time.name);
  const monthExpr = time.temporal ? `month(${t})` : `CAST(${t} AS INTEGER)`;
  return withDuckDB(async (db) => {
    const currentMonths = await months(db, curPath, monthExpr);
    const referenceMonths = await months(db, refPath, monthExpr);
    // Yearly data stamped on one day (1 January) has no season to compare.
    if (currentMonths.length === 0 || referenceMonths.length < 3) return null;
    const base = { column: time.name, currentMonths, referenceMonths };
    if (!currentMonths.some((m) => referenceMonths.includes(m)))
      return { ...base, baseline: null, features: [], drifted: [] };
    const inMonths = `${monthExpr} IN (${currentMonths.join(', ')})`;
    let where = inMonths;
    let lastYear = false;
    let years: number[] = [];
    if (time.temporal) {
      const earlier = await earlierYears(db, refPath, curPath, t);
      if (earlier) ({ where, lastYear } = earlier);
      years = (
        await db.all(
          `SELECT DISTINCT year(${t}) AS y FROM read_parquet(${literal(refPath)}) WHERE ${where} ORDER BY y`,
        )
      ).map((r) => Number(r.y));
    }
    const [counted] = await db.all(
      `SELECT count(*) AS n FROM read_parquet(${literal(refPath)}) WHERE ${where}`,
    );
    const [all] = await db.all(`SELECT count(*) AS n FROM read_parquet(${literal(refPath)})`);
    const [cur] = await db.all(`SELECT count(*) AS n FROM read_parquet(${literal(curPath)})`);
    const rows = { reference: Number(counted?.n ?? 0), current: Number(cur?.n ?? 0) };
    const wholeReference = rows.reference === Number(all?.n ?? 0);
    const baseline = { rows: rows.reference, years, lastYear, wholeReference };
    if (rows.reference === 0) return { ...base, baseline: null, features: [], drifted: [] };

    const numeric: NumericColumn[] = columns.filter((c) => c.type === 'numeric');
    const [refNum, curNum] = [
      await loadNumeric(db, refPath, numeric, 'reference', where),
      await loadNumeric(db, curPath, numeric, 'current'),
    ];
    const decided = [];
    for (const col of columns) {
      const cmp =
        col.type === 'numeric'
          ? {
              numeric: deps.compareNumeric(
                refNum.get(col.name) as Float64Array,
                curNum.get(col.name) as Float64Array,
              ),
            }
          : {
              categorical: deps.compareCategorical(
                await categories(db, refPath, col, where),
                await categories(db, curPath, col),
              ),
            };
      const d = deps.decide(col, cmp, rows);
      const drifted = d.drifted && d.guardP !== null && d.guardP < deps.chanceLevel;
      const movement =
        'numeric' in cmp && cmp.numeric
          ? cmp.numeric.ks.statistic
          : 'categorical' in cmp && cmp.categorical
            ? cmp.categorical.totalVariation
            : Number.NaN;
      decided.push({
        name: col.name,
        method: d.method,
        statistic: d.statistic,
        movement: Number.isFinite(movement) ? movement : null,
        drifted,
      });
    }
    return {
      ...base,
      baseline,
      features: decided,
      drifted: decided.filter((f) => f.drifted).map((f) => f.name),
    };
  });
}
