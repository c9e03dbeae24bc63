/**
 * Category detectors of monitor.drift (see drift-quality.ts for the numeric ones and the rules they share):
 * case / whitespace variants, values never seen (beyond the Good–Turing unseen mass), vanished values,
 * renames (the new value's rows resemble the vanished value's), and one value taking over.
 */
import type { CategoricalComparison } from '../lib/drift-compare.ts';
import { type DuckDB, ident, literal } from '../lib/duckdb.ts';
import type { DriftFinding } from './drift-alert.ts';
import { binomialUpperTail } from './drift-quality.ts';

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** A category value with case, surrounding and repeated whitespace folded. */
export const foldCategory = (v: string) => v.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

/** Variant, new, vanished, renamed and dominating categories of one categorical feature. */
export function categoricalFindings(
  name: string,
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
  cmp: CategoricalComparison,
  /** For values unseen in the reference: the reference value whose rows theirs resemble most (nearestCategories). */
  nearest?: ReadonlyMap<string, string>,
): DriftFinding[] {
  const nr = cmp.counts.reference;
  const nc = cmp.counts.current;
  if (nr === 0 || nc === 0) return [];
  const out: DriftFinding[] = [];
  const folded = new Map<string, string>();
  for (const k of reference.keys()) folded.set(foldCategory(k), k);
  const unseen = [...current.entries()].filter(([k]) => !reference.has(k));

  // Variants: unseen spellings of known values.
  const variants = unseen.filter(([k]) => folded.has(foldCategory(k)));
  const variantRows = variants.reduce((s, [, c]) => s + c, 0);
  if (variants.length && (variantRows >= 2 || variantRows / nc >= 0.01)) {
    const pairs = variants.map(([k, c]) => ({
      value: k,
      known: folded.get(foldCategory(k)) as string,
      rows: c,
    }));
    out.push({
      kind: 'category_variant',
      column: name,
      severity: 'warning',
      message: `"${name}" has ${pairs.length} new spelling(s) of known values in ${pct(variantRows / nc)} of the current rows: ${pairs
        .slice(0, 5)
        .map((p) => `${JSON.stringify(p.value)} for ${JSON.stringify(p.known)}`)
        .join(', ')} (case or whitespace differs).`,
      evidence: {
        statistic: 'share of current rows whose value differs from a known value only in case or whitespace',
        value: variantRows / nc,
        threshold: 0.01,
        test: 'a variant when at least 2 rows (or 1%) carry a case / whitespace variant of a reference value',
        detail: { variants: pairs.slice(0, 20) },
        examples: [],
      },
    });
  }

  // New values beyond the unseen mass the reference predicts (Good–Turing: singletons / rows).
  const fresh = unseen.filter(([k]) => !folded.has(foldCategory(k)));
  const freshRows = fresh.reduce((s, [, c]) => s + c, 0);
  const singletons = [...reference.values()].filter((c) => c === 1).length;
  const expectedUnseen = Math.max(singletons / nr, 1 / nr);
  const pNew = binomialUpperTail(freshRows, nc, expectedUnseen);
  const isNew = fresh.length > 0 && freshRows / nc >= 0.01 && pNew < 1e-6;

  // Vanished values: absent although their reference share makes that improbable (Bonferroni over values).
  const k = reference.size;
  const vanished = [...reference.entries()].filter(([v, c]) => {
    if (current.has(v) || c < 5) return false;
    const share = c / nr;
    return share >= 0.01 && nc * Math.log1p(-Math.min(share, 0.999999)) < Math.log(1e-6 / k);
  });
  const vanishedShare = vanished.reduce((s, [, c]) => s + c, 0) / nr;
  const newShare = freshRows / nc;

  // A rename moves rows from old labels to new ones: the shares match, and (where other columns tell) the new
  // value's rows look like the vanished value's rows rather than like those of a value still present.
  const looksRenamed = fresh.every(([v]) => {
    const like = nearest?.get(v);
    return like === undefined || vanished.some(([old]) => old === like);
  });
  if (
    isNew &&
    vanished.length &&
    looksRenamed &&
    Math.abs(vanishedShare - newShare) <= Math.max(0.1, 0.5 * vanishedShare)
  ) {
    const from = vanished.sort((a, b) => b[1] - a[1]).map(([v]) => v);
    const to = fresh.sort((a, b) => b[1] - a[1]).map(([v]) => v);
    out.push({
      kind: 'category_renamed',
      column: name,
      severity: 'warning',
      message: `"${name}": ${from.map((v) => JSON.stringify(v)).join(', ')} vanished (${pct(vanishedShare)} of the reference) while ${to
        .slice(0, 5)
        .map((v) => JSON.stringify(v))
        .join(', ')} appeared with about the same share (${pct(newShare)}).`,
      evidence: {
        statistic: 'share of current rows with values never seen in the reference',
        value: newShare,
        threshold: 0.01,
        test: `renamed when values vanished (absence improbable at < 1e-6 / ${k} values) and new ones (≥ 1% of rows, binomial bound vs the ${pct(expectedUnseen)} unseen mass the reference predicts < 1e-6) took about their share (within max(10 pts, half))`,
        pValue: pNew,
        detail: {
          vanished: from,
          appeared: to.slice(0, 20),
          vanishedShare,
          newShare,
          ...(nearest?.size ? { resembles: Object.fromEntries(nearest) } : {}),
        },
        examples: [],
      },
    });
    return out;
  }
  if (isNew) {
    const to = fresh.sort((a, b) => b[1] - a[1]);
    out.push({
      kind: 'category_new',
      column: name,
      severity: 'warning',
      message: `"${name}" has ${to.length} value(s) never seen in the reference, in ${pct(newShare)} of the current rows: ${to
        .slice(0, 5)
        .map(([v, c]) => `${JSON.stringify(v)} (${c})`)
        .join(', ')}.`,
      evidence: {
        statistic: 'share of current rows with values never seen in the reference',
        value: newShare,
        threshold: 0.01,
        test: `new when ≥ 1% of rows carry unseen values and the binomial bound against the unseen mass the reference predicts (${pct(expectedUnseen)}, Good–Turing) is < 1e-6`,
        pValue: pNew,
        detail: {
          values: to.slice(0, 20).map(([v, c]) => ({ value: v, rows: c })),
          expectedUnseenShare: expectedUnseen,
        },
        examples: [],
      },
    });
  }
  if (vanished.length) {
    out.push({
      kind: 'category_vanished',
      column: name,
      severity: 'warning',
      message: `"${name}": ${vanished.map(([v]) => JSON.stringify(v)).join(', ')} (${pct(vanishedShare)} of the reference) never occur in the ${nc} current rows.`,
      evidence: {
        statistic: 'reference share of the values absent from the current data',
        value: vanishedShare,
        threshold: 0.01,
        test: `vanished when a value with ≥ 1% of the reference (and ≥ 5 rows) is absent and (1 − share)^n < 1e-6 / ${k} values`,
        detail: { values: vanished.map(([v, c]) => ({ value: v, referenceRows: c })) },
        examples: [],
      },
    });
  }

  // One value took over.
  let top: [string, number] | undefined;
  for (const e of current) if (!top || e[1] > top[1]) top = e;
  if (top && nc >= 20) {
    const share = top[1] / nc;
    const before = (reference.get(top[0]) ?? 0) / nr;
    const p = binomialUpperTail(top[1], nc, Math.max(before, 0.5 / nr));
    if (share >= 0.95 && before <= 0.6 && p < 1e-6) {
      out.push({
        kind: 'stuck_values',
        column: name,
        severity: 'warning',
        message: `"${name}" is ${JSON.stringify(top[0])} in ${pct(share)} of the current rows (${pct(before)} of the reference).`,
        evidence: {
          statistic: `share of the current rows equal to ${JSON.stringify(top[0])}`,
          value: share,
          threshold: 0.95,
          test: 'one value holds ≥ 95% of the current rows while it held ≤ 60% of the reference (binomial bound < 1e-6)',
          pValue: p,
          detail: { value: top[0], referenceShare: before },
          examples: [],
        },
      });
    }
  }
  return out;
}

/**
 * For each of `values` (of `column`, unseen in the reference): the reference value whose rows it resembles
 * most, by the means of the numeric columns in reference standard deviations. Empty without numeric columns.
 */
export async function nearestCategories(
  db: DuckDB,
  refPath: string,
  curPath: string,
  column: string,
  numeric: string[],
  values: string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (numeric.length === 0 || values.length === 0) return out;
  const col = `CAST(${ident(column)} AS VARCHAR)`;
  const means = numeric.map((c, i) => `avg(CAST(${ident(c)} AS DOUBLE)) AS m${i}`).join(', ');
  const [spread] = await db.all(
    `SELECT ${numeric.map((c, i) => `stddev_pop(CAST(${ident(c)} AS DOUBLE)) AS s${i}`).join(', ')} FROM read_parquet(${literal(refPath)})`,
  );
  const ref = await db.all(
    `SELECT ${col} AS v, ${means} FROM read_parquet(${literal(refPath)}) WHERE ${ident(column)} IS NOT NULL GROUP BY 1`,
  );
  const cur = await db.all(
    `SELECT ${col} AS v, ${means} FROM read_parquet(${literal(curPath)}) WHERE ${col} IN (${values.map((v) => literal(v)).join(', ')}) GROUP BY 1`,
  );
  for (const c of cur) {
    let best: { v: string; d: number } | undefined;
    for (const r of ref) {
      let d = 0;
      let used = 0;
      numeric.forEach((_, i) => {
        const a = Number(c[`m${i}`]);
        const b = Number(r[`m${i}`]);
        const s = Number(spread?.[`s${i}`]);
        if (Number.isFinite(a) && Number.isFinite(b) && s > 0) {
          d += ((a - b) / s) ** 2;
          used++;
        }
      });
      if (used && (!best || d < best.d)) best = { v: String(r.v), d };
    }
    if (best) out.set(String(c.v), best.v);
  }
  return out;
}
