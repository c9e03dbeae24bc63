/**
 * Data-quality detectors of monitor.drift, grounded in statistics rather than lists: each finding names the
 * statistic it measured, the threshold it was held to and (once attachExamples ran) example rows of the
 * current data.
 *
 * - scale change: matched quantiles of the current data are one factor times the reference's, and undoing
 *   that factor leaves no more than sampling noise (two-sample KS); any factor ≥ 1.5× (or an affine unit such
 *   as °C → °F), with the unit pair named when it is a known one;
 * - offset change: the same with a constant added (kelvin, a recalibrated sensor, a time-zone error);
 * - stuck values: the spread collapsed (std ≤ 10% of the reference's), or one value that is rare in the
 *   reference dominates the current data (a binomial tail bound);
 * - null surge: the missing share grew by ≥ `nullShareIncrease` and beyond chance (two-proportion z-test);
 * - categories (drift-categories.ts): case / whitespace variants of known values, values never seen before (beyond the unseen mass
 *   the reference's singletons predict, Good–Turing), values that vanished (absent although the reference
 *   share makes that improbable), and renames (values vanished while new ones took their share), or one value
 *   taking over (≥ 95%);
 * - duplicated rows: the share of exact duplicate rows grew beyond chance.
 *
 * Whether a finding means a broken pipe or a moving world is the triage agent's call (agents/triage): e.g. a
 * vanished category next to many drifted features is a sub-population, not a bug.
 */
import type { NumericComparison } from '../lib/drift-compare.ts';
import { normalUpperTail } from '../lib/drift-stats.ts';
import { type DuckDB, ident, literal } from '../lib/duckdb.ts';
import type { DriftFinding } from './drift-alert.ts';

/** Chernoff bound on P(X ≥ k) for X ~ Binomial(n, p), k/n > p: exp(−n·KL(k/n ‖ p)). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (n === 0) return 1;
  const q = k / n;
  if (q <= p) return 1;
  if (p <= 0) return 0;
  if (q >= 1) return p ** n;
  const kl = q * Math.log(q / p) + (1 - q) * Math.log((1 - q) / (1 - p));
  return Math.exp(-n * kl);
}

/** One-sided two-proportion z-test p-value that share b (of nb) exceeds share a (of na). */
export function proportionIncreasePValue(a: number, na: number, b: number, nb: number): number {
  if (na === 0 || nb === 0) return 1;
  const pooled = (a * na + b * nb) / (na + nb);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb));
  if (se === 0) return b > a ? 0 : 1;
  return normalUpperTail((b - a) / se);
}

/** Known unit conversions by factor (current = factor × reference). */
const UNIT_FACTORS: { factor: number; unit: string }[] = [
  { factor: 3.6, unit: 'm/s logged as km/h' },
  { factor: 1 / 3.6, unit: 'km/h logged as m/s' },
  { factor: 1.609344, unit: 'miles logged as km' },
  { factor: 1 / 1.609344, unit: 'km logged as miles' },
  { factor: 2.20462, unit: 'kg logged as lb' },
  { factor: 0.453592, unit: 'lb logged as kg' },
  { factor: 0.00220462, unit: 'g logged as lb' },
  { factor: 453.592, unit: 'lb logged as g' },
  { factor: 1000, unit: 'kg logged as g, s as ms or km as m (×1000)' },
  { factor: 0.001, unit: 'g logged as kg, ms as s or m as km (÷1000)' },
  { factor: 1e6, unit: 'millions logged as units (×1,000,000)' },
  { factor: 1e-6, unit: 'units logged as millions (÷1,000,000)' },
  { factor: 2.54, unit: 'inches logged as cm' },
  { factor: 1 / 2.54, unit: 'cm logged as inches' },
  { factor: 25.4, unit: 'inches logged as mm' },
  { factor: 1 / 25.4, unit: 'mm logged as inches' },
  { factor: 0.3048, unit: 'feet logged as m' },
  { factor: 1 / 0.3048, unit: 'm logged as feet' },
  { factor: 60, unit: 'minutes logged as seconds, or hours as minutes (×60)' },
  { factor: 1 / 60, unit: 'seconds logged as minutes, or minutes as hours (÷60)' },
  { factor: 3600, unit: 'hours logged as seconds' },
  { factor: 1 / 3600, unit: 'seconds logged as hours' },
  { factor: 100, unit: 'a share logged as a percentage, or m as cm (×100)' },
  { factor: 0.01, unit: 'a percentage logged as a share, or cm as m (÷100)' },
  { factor: 10, unit: 'cm logged as mm (×10)' },
  { factor: 0.1, unit: 'mm logged as cm (÷10)' },
];

/** The known unit pair a factor matches (within 6%), if any. */
export function unitForFactor(factor: number): string | undefined {
  return UNIT_FACTORS.find((u) => Math.abs(Math.log(factor / u.factor)) < 0.06)?.unit;
}

const fmt = (x: number) =>
  Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3)
    ? x.toExponential(3)
    : Number(x.toPrecision(4)).toString();
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** KS critical distance at level α for samples of n and m (asymptotic). */
function ksCritical(alpha: number, n: number, m: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) * Math.sqrt((n + m) / (n * m));
}

export interface NumericFeatureView {
  name: string;
  cmp: NumericComparison;
}

/** Scale, offset and stuck-value findings of one numeric feature. */
export function numericFindings({ name, cmp }: NumericFeatureView): DriftFinding[] {
  const shape = cmp.shape;
  const n = cmp.reference.count;
  const m = cmp.current.count;
  if (!shape || n < 5 || m < 5) return [];
  const out: DriftFinding[] = [];
  const refStd = cmp.reference.std;
  const curStd = cmp.current.std;

  // Scale / offset / affine unit: the raw difference is large, and undoing one transform leaves only noise.
  const raw = cmp.ks.statistic;
  const unitLike = raw >= 0.2 && cmp.ks.pValue < 1e-3;
  const noise = Math.max(0.1, ksCritical(0.001, n, m));
  const explains = (ks: number) => ks <= noise && ks <= raw / 3;
  const { scale, offset, affine } = shape;
  if (unitLike && scale && explains(scale.ks) && Math.abs(Math.log(scale.factor)) >= Math.log(1.5)) {
    const unit = unitForFactor(scale.factor);
    out.push({
      kind: 'scale_change',
      column: name,
      severity: 'critical',
      message: `"${name}" is the reference scaled by ${fmt(scale.factor)} (matched quantiles; KS ${fmt(raw)} before, ${fmt(scale.ks)} once divided by it)${unit ? `: ${unit}` : ''}.`,
      evidence: {
        statistic: 'scale factor (median ratio of matched quantiles 5%…95%)',
        value: scale.factor,
        threshold: 1.5,
        test: `factor ≥ 1.5× or ≤ 1/1.5×, and the KS distance left after dividing by it ≤ ${fmt(noise)} (sampling noise at α = 0.001) and ≤ a third of the raw ${fmt(raw)}`,
        detail: {
          factor: scale.factor,
          ksBefore: raw,
          ksAfter: scale.ks,
          ksAfterPValue: scale.pValue,
          ...(unit ? { unit } : {}),
          quantiles: shape.quantiles,
          probs: shape.probs,
        },
        examples: [],
      },
    });
    return out;
  }
  const spreadKept = Math.abs(Math.log(curStd / refStd || 1)) < Math.log(1.1);
  if (
    unitLike &&
    offset &&
    explains(offset.ks) &&
    spreadKept &&
    refStd > 0 &&
    Math.abs(offset.delta) >= 0.5 * refStd
  ) {
    const unit =
      Math.abs(offset.delta - 273.15) < 1
        ? '°C logged as kelvin (+273.15)'
        : Math.abs(offset.delta + 273.15) < 1
          ? 'kelvin logged as °C (−273.15)'
          : undefined;
    out.push({
      kind: 'offset_change',
      column: name,
      severity: 'critical',
      message: `"${name}" is the reference shifted by ${offset.delta >= 0 ? '+' : ''}${fmt(offset.delta)} (${fmt(offset.delta / refStd)} reference std) with its spread unchanged (KS ${fmt(raw)} before, ${fmt(offset.ks)} once shifted back)${unit ? `: ${unit}` : ''}.`,
      evidence: {
        statistic: 'offset (median difference of matched quantiles 5%…95%)',
        value: offset.delta,
        threshold: 0.5 * refStd,
        test: `|offset| ≥ 0.5 reference std, spread within 10%, and the KS distance left after removing it ≤ ${fmt(noise)} and ≤ a third of the raw ${fmt(raw)}`,
        detail: {
          delta: offset.delta,
          ksBefore: raw,
          ksAfter: offset.ks,
          ksAfterPValue: offset.pValue,
          stdRatio: curStd / refStd,
          ...(unit ? { unit } : {}),
          quantiles: shape.quantiles,
          probs: shape.probs,
        },
        examples: [],
      },
    });
    return out;
  }
  // Affine: only the affine units there are (°C ↔ °F); a free a·x + b fits any location-scale change.
  const fahrenheit =
    affine && Math.abs(affine.a / 1.8 - 1) < 0.06 && Math.abs(affine.b - 32) <= 0.25 * curStd;
  const celsius =
    affine && Math.abs(affine.a * 1.8 - 1) < 0.06 && Math.abs(affine.b + 32 / 1.8) <= 0.25 * curStd;
  if (unitLike && affine && explains(affine.ks) && (fahrenheit || celsius)) {
    const unit = fahrenheit ? '°C logged as °F (×1.8 + 32)' : '°F logged as °C ((x − 32) ÷ 1.8)';
    out.push({
      kind: 'scale_change',
      column: name,
      severity: 'critical',
      message: `"${name}" is the reference times ${fmt(affine.a)} plus ${fmt(affine.b)} (matched quantiles; KS ${fmt(raw)} before, ${fmt(affine.ks)} once undone): ${unit}.`,
      evidence: {
        statistic: 'affine factor a in current ≈ a·reference + b (least squares on matched quantiles 5%…95%)',
        value: affine.a,
        threshold: 1.8,
        test: `a and b within 6% and a quarter std of a °C ↔ °F conversion, and the KS distance left after undoing it ≤ ${fmt(noise)} and ≤ a third of the raw ${fmt(raw)}`,
        detail: {
          factor: affine.a,
          offset: affine.b,
          ksBefore: raw,
          ksAfter: affine.ks,
          ksAfterPValue: affine.pValue,
          unit,
          quantiles: shape.quantiles,
          probs: shape.probs,
        },
        examples: [],
      },
    });
    return out;
  }
  // Stuck: one value took over — the spread collapsed onto it (≤ 10% of the reference std, ≥ 50% of the
  // rows), or a value rare in the reference (≤ 5%) holds ≥ 30% of the rows; either way the binomial tail of
  // that share under the value's reference share must be < 1e-6 (a dry fortnight is not a stuck rain gauge).
  const mode = shape.mode;
  const tail = binomialUpperTail(Math.round(mode.share * m), m, Math.max(mode.referenceShare, 0.5 / n));
  // One value, not a new range of values: it holds at least five times the share of the runner-up (a summer
  // window has three new months in equal shares; a stuck sensor has one).
  const single = mode.share >= 5 * mode.secondShare;
  const collapsed = refStd > 0 && m >= 10 && curStd <= 0.1 * refStd && mode.share >= 0.5 && tail < 1e-6;
  const dominance = m >= 10 && single && mode.share >= 0.3 && mode.referenceShare <= 0.05 ? tail : 1;
  if (collapsed || dominance < 1e-6) {
    // A numeric code (a handful of values, e.g. a cluster id) taken over by one value is what a filter on a
    // sub-population looks like too: the triage weighs it like a category (agents/triage/rules.ts).
    const code = shape.referenceDistinct <= 20;
    out.push({
      kind: 'stuck_values',
      column: name,
      severity: code ? 'warning' : 'critical',
      message: collapsed
        ? `"${name}" barely varies any more: std ${fmt(curStd)} against ${fmt(refStd)} in the reference (${pct(curStd / refStd)}); ${pct(mode.share)} of the current values are ${fmt(mode.value)}.`
        : `"${name}" is stuck at ${fmt(mode.value)} in ${pct(mode.share)} of the current rows, a value ${pct(mode.referenceShare)} of the reference has.`,
      evidence: collapsed
        ? {
            statistic: 'std ratio (current / reference)',
            value: curStd / refStd,
            threshold: 0.1,
            test: 'stuck when the current std is at most 10% of the reference std and one value holds ≥ 50% of the rows (binomial tail bound under its reference share < 1e-6)',
            pValue: tail,
            detail: {
              value: mode.value,
              share: mode.share,
              referenceShare: mode.referenceShare,
              code,
              referenceDistinct: shape.referenceDistinct,
            },
            examples: [],
          }
        : {
            statistic: `share of the current rows equal to ${fmt(mode.value)}`,
            value: mode.share,
            threshold: 0.3,
            test: 'stuck when one value rare in the reference (≤ 5%) holds ≥ 30% of the current rows and ≥ 5× the next value’s share, binomial tail bound < 1e-6',
            pValue: dominance,
            detail: {
              value: mode.value,
              referenceShare: mode.referenceShare,
              secondShare: mode.secondShare,
              code,
              referenceDistinct: shape.referenceDistinct,
            },
            examples: [],
          },
    });
    return out;
  }

  return out;
}

/** Missing values rose by at least `minIncrease` and beyond chance (one-sided two-proportion z-test). */
export function nullSurge(
  name: string,
  nulls: { reference: number; current: number },
  rows: { reference: number; current: number },
  minIncrease: number,
): DriftFinding | undefined {
  const grew = nulls.current - nulls.reference;
  if (grew < minIncrease) return undefined;
  const p = proportionIncreasePValue(nulls.reference, rows.reference, nulls.current, rows.current);
  if (p >= 1e-3) return undefined;
  return {
    kind: 'null_share_increase',
    column: name,
    severity: nulls.current >= 0.5 ? 'critical' : 'warning',
    message: `Missing values in "${name}" rose from ${pct(nulls.reference)} to ${pct(nulls.current)} of the rows.`,
    evidence: {
      statistic: 'missing share, current',
      value: nulls.current,
      threshold: nulls.reference + minIncrease,
      test: `up by ≥ ${pct(minIncrease)} on the reference's ${pct(nulls.reference)}, one-sided two-proportion z-test p < 0.001`,
      pValue: p,
      detail: { reference: nulls.reference, current: nulls.current },
      examples: [],
    },
  };
}

/** Exact duplicate rows of a Parquet file (all columns), on a hash-selected eighth above 250k rows. */
export async function duplicateShare(
  db: DuckDB,
  file: string,
  columns: string[],
  rows: number,
): Promise<{ rows: number; duplicates: number; sampled: boolean }> {
  if (columns.length === 0) return { rows, duplicates: 0, sampled: false };
  const sampled = rows > 250_000;
  const h = `hash(${columns.map(ident).join(', ')})`;
  const [r] = await db.all(
    `SELECT count(*) AS n, count(DISTINCT h) AS d FROM (SELECT ${h} AS h FROM read_parquet(${literal(file)}))${sampled ? ' WHERE h % 8 = 0' : ''}`,
  );
  const n = Number(r?.n ?? 0);
  return { rows: n, duplicates: n - Number(r?.d ?? 0), sampled };
}

/** A duplicated-row surge: the share of duplicates grew by ≥ 2 points and beyond chance. */
export function duplicateFinding(
  reference: { rows: number; duplicates: number },
  current: { rows: number; duplicates: number; sampled: boolean },
): DriftFinding | undefined {
  if (reference.rows === 0 || current.rows === 0) return undefined;
  const a = reference.duplicates / reference.rows;
  const b = current.duplicates / current.rows;
  const p = proportionIncreasePValue(a, reference.rows, b, current.rows);
  if (b - a < 0.02 || p >= 1e-4) return undefined;
  return {
    kind: 'duplicate_rows',
    column: '*',
    severity: 'warning',
    message: `${pct(b)} of the current rows are exact duplicates of another row (${pct(a)} in the reference)${current.sampled ? ', measured on a hash-selected eighth of the rows' : ''}.`,
    evidence: {
      statistic: 'share of rows that repeat an earlier row exactly',
      value: b,
      threshold: a + 0.02,
      test: 'up by ≥ 2 points, one-sided two-proportion z-test p < 1e-4',
      pValue: p,
      detail: { reference: a, current: b, sampled: current.sampled },
      examples: [],
    },
  };
}

/** Fills each finding's example rows from the current data (at most three, JSON-friendly). */
export async function attachExamples(db: DuckDB, file: string, findings: DriftFinding[]): Promise<void> {
  const src = `read_parquet(${literal(file)})`;
  for (const f of findings) {
    if (!f.evidence) continue;
    const col = f.column === '*' ? '' : ident(f.column);
    const detail = f.evidence.detail ?? {};
    const values = (xs: unknown[]) => xs.map((x) => literal(String(x))).join(', ');
    let sql: string | undefined;
    switch (f.kind) {
      case 'stuck_values':
        sql = `SELECT * FROM ${src} WHERE CAST(${col} AS VARCHAR) = ${literal(String(detail.value))} LIMIT 3`;
        if (typeof detail.value === 'number')
          sql = `SELECT * FROM ${src} WHERE ${col} = ${detail.value} LIMIT 3`;
        break;
      case 'scale_change':
      case 'offset_change':
        sql = `SELECT * FROM ${src} WHERE ${col} IS NOT NULL ORDER BY abs(${col}) DESC LIMIT 3`;
        break;
      case 'null_share_increase':
        sql = `SELECT * FROM ${src} WHERE ${col} IS NULL LIMIT 3`;
        break;
      case 'category_variant': {
        const vs = ((detail.variants as { value: string }[]) ?? []).map((v) => v.value);
        if (vs.length) sql = `SELECT * FROM ${src} WHERE CAST(${col} AS VARCHAR) IN (${values(vs)}) LIMIT 3`;
        break;
      }
      case 'category_new': {
        const vs = ((detail.values as { value: string }[]) ?? []).map((v) => v.value);
        if (vs.length) sql = `SELECT * FROM ${src} WHERE CAST(${col} AS VARCHAR) IN (${values(vs)}) LIMIT 3`;
        break;
      }
      case 'category_renamed': {
        const vs = (detail.appeared as string[]) ?? [];
        if (vs.length) sql = `SELECT * FROM ${src} WHERE CAST(${col} AS VARCHAR) IN (${values(vs)}) LIMIT 3`;
        break;
      }
      case 'type_changed':
        sql = `SELECT * FROM ${src} WHERE ${col} IS NOT NULL AND TRY_CAST(${col} AS DOUBLE) IS NULL LIMIT 3`;
        break;
      case 'new_in_current':
        sql = `SELECT * FROM ${src} WHERE ${col} IS NOT NULL LIMIT 3`;
        break;
      case 'duplicate_rows':
        sql = `SELECT *, count(*) AS "(copies)" FROM ${src} GROUP BY ALL HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT 3`;
        break;
    }
    if (!sql) continue;
    try {
      f.evidence.examples = await db.all(sql);
    } catch {
      // Examples illustrate; a column that cannot be compared that way just has none.
    }
  }
}
