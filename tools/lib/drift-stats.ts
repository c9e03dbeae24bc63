/**
 * Per-feature drift statistics on typed arrays: two-sample Kolmogorov–Smirnov, Wasserstein-1 (raw and
 * normalised by the reference standard deviation, as Evidently does), PSI and Jensen–Shannon distance on
 * reference-decile bins, and Pearson's chi-square test of homogeneity for category counts.
 *
 * Numeric comparisons run in one of two modes:
 * - exact: both samples sorted; KS and Wasserstein from the merged empirical CDFs.
 * - binned: for large samples. Bin edges are ~`bins` quantiles of a seeded random sample of the reference,
 *   plus its exact min and max; every value is counted (ties at an edge separately). The KS statistic is
 *   then within about 1/bins of the exact value and Wasserstein integrates piecewise-linear CDFs between
 *   edges (exact in the tails beyond the reference range, where the reference CDF is 0 or 1).
 */
import { gammaln } from 'simple-statistics';

// ---------------------------------------------------------------------------------------------------------
// Distribution functions

/**
 * Survival function of the Kolmogorov distribution, Q(λ) = P(K > λ) (scipy's `kstwobign.sf`).
 * Uses the alternating series for λ ≥ 1.18 and the Jacobi-theta form below, so both converge in a few terms.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1.18) {
    // 1 - sqrt(2π)/λ · Σ exp(-(2k-1)²π²/(8λ²))
    const w = -(Math.PI * Math.PI) / (8 * lambda * lambda);
    let s = 0;
    for (let k = 1; k <= 20; k++) {
      const term = Math.exp((2 * k - 1) * (2 * k - 1) * w);
      s += term;
      if (term < 1e-17 * s) break;
    }
    return clamp01(1 - (Math.sqrt(2 * Math.PI) / lambda) * s);
  }
  const w = -2 * lambda * lambda;
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(k * k * w);
    s += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return clamp01(2 * s);
}

/**
 * Asymptotic two-sided p-value of a two-sample KS statistic `d` for sample sizes n and m, with Stephens'
 * small-sample correction: Q((√nₑ + 0.12 + 0.11/√nₑ)·d), nₑ = nm/(n+m) (Numerical Recipes `kstwo`).
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0) return Number.NaN;
  const en = Math.sqrt((n * m) / (n + m));
  return kolmogorovSurvival((en + 0.12 + 0.11 / en) * d);
}

/**
 * Regularised upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a), a > 0, x ≥ 0.
 * Series for x < a + 1, Lentz's continued fraction otherwise (Numerical Recipes §6.2), to ~1e-15.
 */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || x < 0 || Number.isNaN(x)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const lnPrefix = a * Math.log(x) - x - gammaln(a);
  if (x < a + 1) {
    // P(a, x) = e^{-x} x^a / Γ(a+1) · Σ x^n / ((a+1)…(a+n))
    let ap = a;
    let term = 1 / a;
    let sum = term;
    for (let n = 0; n < 10_000; n++) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return clamp01(1 - sum * Math.exp(lnPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return clamp01(Math.exp(lnPrefix) * h);
}

/** P(Z > z) for a standard normal (Abramowitz–Stegun 7.1.26 on erfc, |error| < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = y * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** P(X > x) for X ~ χ²(df). */
export function chiSquareSurvival(x: number, df: number): number {
  if (df <= 0) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

// ---------------------------------------------------------------------------------------------------------
// Tests on sorted samples (exact)

export interface KsResult {
  statistic: number;
  pValue: number;
}

/** Two-sample KS on ascending-sorted samples: D = sup |F_a − F_b|, ties handled, with asymptotic p-value. */
export function ksTestSorted(a: Float64Array, b: Float64Array): KsResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { statistic: Number.NaN, pValue: Number.NaN };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const ai = a[i] as number;
    const bj = b[j] as number;
    const x = Math.min(ai, bj);
    while (i < n && (a[i] as number) <= x) i++;
    while (j < m && (b[j] as number) <= x) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  return { statistic: d, pValue: ksPValue(d, n, m) };
}

/** Wasserstein-1 distance between the empirical distributions of two ascending-sorted samples: ∫|F_a − F_b|. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(a[0] as number, b[0] as number);
  while (i < n || j < m) {
    const ai = i < n ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const bj = j < m ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const x = Math.min(ai, bj);
    total += Math.abs(i / n - j / m) * (x - prev);
    prev = x;
    while (i < n && (a[i] as number) <= x) i++;
    while (j < m && (b[j] as number) <= x) j++;
  }
  return total;
}

/** numpy's default (linear) quantile of an ascending-sorted sample. */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const vlo = sorted[lo] as number;
  if (lo >= n - 1) return sorted[n - 1] as number;
  return vlo + (h - lo) * ((sorted[lo + 1] as number) - vlo);
}

/** Number of elements ≤ x in an ascending-sorted array. */
export function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------------------
// Binned samples (large data)

/** Counts of one sample against shared ascending edges E[0..m-1]. */
export interface BinnedSample {
  n: number;
  /** counts[k] = #{E[k-1] < x ≤ E[k]} for k < m; counts[m] = #{x > E[m-1]}. */
  counts: Float64Array;
  /** equal[k] = #{x = E[k]}. */
  equal: Float64Array;
  below: { count: number; sum: number };
  above: { count: number; sum: number };
}

/** Index of the first element ≥ x in edges[lo..hi] (hi inclusive; returns hi + 1 when none). */
function lowerBound(edges: Float64Array, x: number, lo: number, hi: number): number {
  let l = lo;
  let h = hi + 1;
  while (l < h) {
    const mid = (l + h) >>> 1;
    if ((edges[mid] as number) < x) l = mid + 1;
    else h = mid;
  }
  return l;
}

/**
 * Counts every value of `values` into the bins of `edges` (ascending, unique). One pass; a uniform grid over
 * the edge range narrows each lookup to the few edges in one grid cell.
 */
export function binSample(values: Float64Array, edges: Float64Array): BinnedSample {
  const m = edges.length;
  const counts = new Float64Array(m + 1);
  const equal = new Float64Array(m);
  const first = edges[0] as number;
  const last = edges[m - 1] as number;
  const cells = 4 * m;
  const inv = last > first ? cells / (last - first) : 0;
  // cellStart[c] = first edge ≥ the left boundary of cell c.
  const cellStart = new Int32Array(cells + 2);
  for (let c = 0; c <= cells; c++) cellStart[c] = lowerBound(edges, first + c / inv, 0, m - 1);
  if (inv === 0) cellStart.fill(0);
  cellStart[cells + 1] = m - 1;
  cellStart[cells] = Math.min(cellStart[cells] as number, m - 1);
  let belowCount = 0;
  let belowSum = 0;
  let aboveCount = 0;
  let aboveSum = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    if (x < first) {
      belowCount++;
      belowSum += x;
      counts[0] = (counts[0] as number) + 1;
      continue;
    }
    if (x > last) {
      aboveCount++;
      aboveSum += x;
      counts[m] = (counts[m] as number) + 1;
      continue;
    }
    const c = Math.floor((x - first) * inv);
    let k = cellStart[c] as number;
    const hi = cellStart[c + 1] ?? m - 1;
    if (hi - k > 8) k = lowerBound(edges, x, k, Math.min(hi, m - 1));
    // Step to the exact lower bound: also corrects a cell that rounding put one off.
    while (k > 0 && (edges[k - 1] as number) >= x) k--;
    while ((edges[k] as number) < x) k++;
    counts[k] = (counts[k] as number) + 1;
    if (edges[k] === x) equal[k] = (equal[k] as number) + 1;
  }
  return {
    n,
    counts,
    equal,
    below: { count: belowCount, sum: belowSum },
    above: { count: aboveCount, sum: aboveSum },
  };
}

/** F(E[k]) and F(E[k]⁻) for every edge. */
function cdfAtEdges(s: BinnedSample): { le: Float64Array; lt: Float64Array } {
  const m = s.equal.length;
  const le = new Float64Array(m);
  const lt = new Float64Array(m);
  let cum = 0;
  for (let k = 0; k < m; k++) {
    cum += s.counts[k] as number;
    le[k] = cum / s.n;
    lt[k] = (cum - (s.equal[k] as number)) / s.n;
  }
  return { le, lt };
}

/** KS statistic over binned samples: the largest CDF gap at each edge and just below it. */
export function ksTestBinned(a: BinnedSample, b: BinnedSample): KsResult {
  if (a.n === 0 || b.n === 0) return { statistic: Number.NaN, pValue: Number.NaN };
  const fa = cdfAtEdges(a);
  const fb = cdfAtEdges(b);
  let d = 0;
  for (let k = 0; k < fa.le.length; k++) {
    d = Math.max(d, Math.abs((fa.le[k] as number) - (fb.le[k] as number)));
    d = Math.max(d, Math.abs((fa.lt[k] as number) - (fb.lt[k] as number)));
  }
  return { statistic: d, pValue: ksPValue(d, a.n, b.n) };
}

/** ∫|d| over an interval of width w where d is linear from d0 to d1. */
function absLinearIntegral(d0: number, d1: number, w: number): number {
  if (d0 * d1 >= 0) return (w * (Math.abs(d0) + Math.abs(d1))) / 2;
  return (w * (d0 * d0 + d1 * d1)) / (2 * (Math.abs(d0) + Math.abs(d1)));
}

/** Wasserstein-1 over binned samples (CDFs linear inside each bin; tails from exact tail sums). */
export function wassersteinBinned(a: BinnedSample, b: BinnedSample, edges: Float64Array): number {
  if (a.n === 0 || b.n === 0) return Number.NaN;
  const m = edges.length;
  const first = edges[0] as number;
  const last = edges[m - 1] as number;
  const fa = cdfAtEdges(a);
  const fb = cdfAtEdges(b);
  // ∫_{-∞}^{E0} F = E[(E0 − X)⁺]; ∫_{E_last}^{∞} (1 − F) = E[(X − E_last)⁺].
  const lowA = (a.below.count * first - a.below.sum) / a.n;
  const lowB = (b.below.count * first - b.below.sum) / b.n;
  const highA = (a.above.sum - a.above.count * last) / a.n;
  const highB = (b.above.sum - b.above.count * last) / b.n;
  let total = Math.abs(lowA - lowB) + Math.abs(highA - highB);
  for (let k = 0; k < m - 1; k++) {
    const d0 = (fa.le[k] as number) - (fb.le[k] as number);
    const d1 = (fa.lt[k + 1] as number) - (fb.lt[k + 1] as number);
    total += absLinearIntegral(d0, d1, (edges[k + 1] as number) - (edges[k] as number));
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------
// Distances between binned distributions

/** Jensen–Shannon distance (square root of the divergence), base 2: 0 for equal, 1 for disjoint. */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const sp = sumOf(p);
  const sq = sumOf(q);
  if (sp === 0 || sq === 0) return Number.NaN;
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    const mi = (pi + qi) / 2;
    if (pi > 0) js += 0.5 * pi * Math.log2(pi / mi);
    if (qi > 0) js += 0.5 * qi * Math.log2(qi / mi);
  }
  return Math.sqrt(Math.max(0, js));
}

/**
 * Population Stability Index Σ (c − r)·ln(c/r) over shares, with empty bins set to `epsilon` (Evidently's
 * 0.0001) so that a bin seen on one side only counts heavily instead of being infinite.
 */
export function populationStabilityIndex(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  epsilon = 1e-4,
): number {
  const sr = sumOf(reference);
  const sc = sumOf(current);
  if (sr === 0 || sc === 0) return Number.NaN;
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max((reference[i] as number) / sr, epsilon);
    const c = Math.max((current[i] as number) / sc, epsilon);
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  df: number;
}

/**
 * Pearson's chi-square test of homogeneity on a 2×k table of category counts (reference row, current row).
 * Categories empty on both sides are dropped; df = k − 1. Unlike a goodness-of-fit test against reference
 * shares, a category seen only in the current data gives a finite, large statistic.
 */
export function chiSquareTest(reference: ArrayLike<number>, current: ArrayLike<number>): ChiSquareResult {
  const nr = sumOf(reference);
  const nc = sumOf(current);
  const total = nr + nc;
  if (nr === 0 || nc === 0) return { statistic: Number.NaN, pValue: Number.NaN, df: 0 };
  let stat = 0;
  let k = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const c = current[i] as number;
    const col = r + c;
    if (col === 0) continue;
    k++;
    const er = (nr * col) / total;
    const ec = (nc * col) / total;
    stat += ((r - er) * (r - er)) / er + ((c - ec) * (c - ec)) / ec;
  }
  const df = k - 1;
  if (df === 0) return { statistic: 0, pValue: 1, df: 0 };
  return { statistic: stat, pValue: chiSquareSurvival(stat, df), df };
}

export function sumOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
