/**
 * Whole-feature drift comparisons: every statistic of tools/lib/drift-stats.ts for one numeric feature
 * (exact or binned) or one categorical feature, plus the numeric shape the data-quality detectors read
 * (tools/lib/drift-shape.ts) and the display histograms of the report.
 */
import { FIT_MIN_KS, type NumericShape, numericShape } from './drift-shape.ts';
import {
  type BinnedSample,
  binSample,
  type ChiSquareResult,
  chiSquareTest,
  countAtMost,
  jensenShannonDistance,
  type KsResult,
  ksTestBinned,
  ksTestSorted,
  populationStabilityIndex,
  quantileSorted,
  sumOf,
  wassersteinBinned,
  wassersteinSorted,
} from './drift-stats.ts';

// ---------------------------------------------------------------------------------------------------------
// Whole-feature comparisons

export interface Summary {
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface DisplayHistogram {
  /** Bin labels (categories) or numeric bin edges (length bins + 1). */
  edges?: number[];
  categories?: string[];
  reference: number[];
  current: number[];
}

export interface NumericComparison {
  computation: 'exact' | 'binned';
  /** NaN values dropped from each side before comparing. */
  missing: { reference: number; current: number };
  ks: KsResult;
  wasserstein: number;
  wassersteinNormalized: number;
  psi: number;
  jensenShannon: number;
  reference: Summary;
  current: Summary;
  display: DisplayHistogram;
  /** Matched quantiles, the most common value and fitted unit transforms (null without values). */
  shape: NumericShape | null;
}

export interface NumericCompareOptions {
  /** Compare exactly (sorting) when both samples have at most this many values. */
  exactMaxRows?: number;
  /** Quantile bins of the reference in binned mode. */
  bins?: number;
  /** Sample size for binned-mode edges and display histograms. */
  sampleSize?: number;
  /** Bins of the display histogram. */
  displayBins?: number;
  seed?: number;
}

/** Mean, population std, min and max (shifted sums, one pass; NaN must be removed first). */
export function summarize(values: Float64Array): Summary {
  return dropNaNAndSummarize(values).summary;
}

/**
 * Moves the non-NaN values of `values` to its front, in place, and summarises them in the same pass.
 * Returns the compacted view, how many NaN were dropped, and mean / population std / min / max.
 */
export function dropNaNAndSummarize(values: Float64Array): {
  values: Float64Array;
  missing: number;
  summary: Summary;
} {
  const n = values.length;
  let w = 0;
  let shift = Number.NaN;
  let sum = 0;
  let sumSq = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    if (Number.isNaN(x)) continue;
    if (w === 0) shift = x;
    // Until the first NaN every value is already in place: skip the write.
    if (w !== i) values[w] = x;
    w++;
    // Sums of x − shift keep the variance accurate when the mean is large relative to the spread.
    const d = x - shift;
    sum += d;
    sumSq += d * d;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const kept = values.subarray(0, w);
  if (w === 0) {
    return {
      values: kept,
      missing: n,
      summary: { count: 0, mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN },
    };
  }
  const meanShifted = sum / w;
  const variance = Math.max(0, sumSq / w - meanShifted * meanShifted);
  return {
    values: kept,
    missing: n - w,
    summary: { count: w, mean: shift + meanShifted, std: Math.sqrt(variance), min, max },
  };
}

/** Removes NaN in place; returns the compacted view and how many were removed. */
export function dropNaN(values: Float64Array): { values: Float64Array; missing: number } {
  const r = dropNaNAndSummarize(values);
  return { values: r.values, missing: r.missing };
}

/** mulberry32: a small seeded PRNG, so samples (and so reports) are reproducible. */
export function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function sortedSample(values: Float64Array, size: number, random: () => number): Float64Array {
  if (values.length <= size) return values.slice().sort();
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = values[Math.floor(random() * values.length)] as number;
  return out.sort();
}

function uniqueSorted(xs: number[]): Float64Array {
  const sorted = Float64Array.from(xs).sort();
  let w = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (w === 0 || sorted[i] !== sorted[w - 1]) sorted[w++] = sorted[i] as number;
  }
  return sorted.slice(0, w);
}

const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Bin counts of a sorted sample over right-closed bins (−∞, e₀], (e₀, e₁], …, (e_last, ∞). */
function countsFromSorted(sorted: Float64Array, cuts: Float64Array): number[] {
  const out: number[] = [];
  let prev = 0;
  for (const c of cuts) {
    const at = countAtMost(sorted, c);
    out.push(at - prev);
    prev = at;
  }
  out.push(sorted.length - prev);
  return out;
}

/**
 * Equal-width display bins over the central 98% of both samples (outliers land in the end bins). When every
 * value is a whole number, bins are whole numbers wide and centred on them (edges at k ± ½): a column with
 * five distinct counts gets five bars, never 24 bins of which most are empty.
 */
function displayHistogram(ref: Float64Array, cur: Float64Array, bins: number): DisplayHistogram {
  const pool = [ref, cur].filter((s) => s.length > 0);
  let lo = Math.min(...pool.map((s) => quantileSorted(s, 0.01)));
  let hi = Math.max(...pool.map((s) => quantileSorted(s, 0.99)));
  if (!(hi > lo)) {
    lo = Math.min(...pool.map((s) => s[0] as number));
    hi = Math.max(...pool.map((s) => s[s.length - 1] as number));
  }
  let edges: number[];
  if (pool.length && pool.every(allIntegers)) {
    const first = Math.floor(lo);
    const width = Math.max(1, Math.ceil((Math.ceil(hi) - first + 1) / bins));
    const n = Math.max(1, Math.ceil((Math.ceil(hi) - first + 1) / width));
    edges = Array.from({ length: n + 1 }, (_, i) => first - 0.5 + i * width);
  } else {
    if (!(hi > lo)) {
      lo -= 0.5;
      hi += 0.5;
    }
    edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  }
  const shares = (s: Float64Array): number[] => {
    const counts = countsFromSorted(s, Float64Array.from(edges.slice(1, -1)));
    return counts.map((c) => (s.length ? c / s.length : 0));
  };
  return { edges, reference: shares(ref), current: shares(cur) };
}

function allIntegers(values: Float64Array): boolean {
  for (const v of values) if (!Number.isInteger(v)) return false;
  return true;
}

/**
 * Compares two numeric samples with every statistic. NaN counts as missing and is dropped. Reuses both
 * arrays as scratch space (compacts and, in exact mode, sorts them in place).
 * PSI and Jensen–Shannon use right-closed bins at the reference deciles.
 */
export function compareNumeric(
  referenceRaw: Float64Array,
  currentRaw: Float64Array,
  opts: NumericCompareOptions = {},
): NumericComparison {
  const refPrep = dropNaNAndSummarize(referenceRaw);
  const curPrep = dropNaNAndSummarize(currentRaw);
  const reference = refPrep.values;
  const current = curPrep.values;
  const refSummary = refPrep.summary;
  const curSummary = curPrep.summary;
  const missing = { reference: refPrep.missing, current: curPrep.missing };
  const exactMaxRows = opts.exactMaxRows ?? 100_000;
  const bins = opts.bins ?? 1000;
  const sampleSize = opts.sampleSize ?? 50_000;
  const displayBins = opts.displayBins ?? 24;
  const random = seededRandom(opts.seed ?? 42);
  const scale =
    refSummary.std > 0 ? refSummary.std : Math.abs(refSummary.mean) > 0 ? Math.abs(refSummary.mean) : 1;

  if (reference.length === 0 || current.length === 0) {
    return {
      computation: 'exact',
      missing,
      ks: { statistic: Number.NaN, pValue: Number.NaN },
      wasserstein: Number.NaN,
      wassersteinNormalized: Number.NaN,
      psi: Number.NaN,
      jensenShannon: Number.NaN,
      reference: refSummary,
      current: curSummary,
      display: displayHistogram(reference.slice().sort(), current.slice().sort(), displayBins),
      shape: null,
    };
  }

  if (reference.length <= exactMaxRows && current.length <= exactMaxRows) {
    reference.sort();
    current.sort();
    const deciles = uniqueSorted(DECILES.map((p) => quantileSorted(reference, p)));
    const rc = countsFromSorted(reference, deciles);
    const cc = countsFromSorted(current, deciles);
    const w = wassersteinSorted(reference, current);
    const ks = ksTestSorted(reference, current);
    return {
      computation: 'exact',
      missing,
      ks,
      wasserstein: w,
      wassersteinNormalized: w / scale,
      psi: populationStabilityIndex(rc, cc),
      jensenShannon: jensenShannonDistance(rc, cc),
      reference: refSummary,
      current: curSummary,
      display: displayHistogram(reference, current, displayBins),
      shape: numericShape(reference, current, false, ks.statistic >= FIT_MIN_KS),
    };
  }

  const refSample = sortedSample(reference, sampleSize, random);
  // The current sample only feeds the plot.
  const curSample = sortedSample(current, Math.min(sampleSize, 20_000), random);
  const deciles = uniqueSorted(DECILES.map((p) => quantileSorted(refSample, p)));
  const edges = uniqueSorted([
    refSummary.min,
    refSummary.max,
    ...deciles,
    ...Array.from({ length: bins - 1 }, (_, i) => quantileSorted(refSample, (i + 1) / bins)),
  ]);
  const a = binSample(reference, edges);
  const b = binSample(current, edges);
  const decileCounts = (s: BinnedSample): number[] => {
    const out: number[] = [];
    let prev = 0;
    let k = 0;
    let cum = 0;
    for (const d of deciles) {
      while (k < edges.length && (edges[k] as number) <= d) cum += s.counts[k++] as number;
      out.push(cum - prev);
      prev = cum;
    }
    out.push(s.n - prev);
    return out;
  };
  const rc = decileCounts(a);
  const cc = decileCounts(b);
  const w = wassersteinBinned(a, b, edges);
  const ks = ksTestBinned(a, b);
  return {
    computation: 'binned',
    missing,
    ks,
    wasserstein: w,
    wassersteinNormalized: w / scale,
    psi: populationStabilityIndex(rc, cc),
    jensenShannon: jensenShannonDistance(rc, cc),
    reference: refSummary,
    current: curSummary,
    display: displayHistogram(refSample, curSample, displayBins),
    shape: numericShape(refSample, curSample, true, ks.statistic >= FIT_MIN_KS),
  };
}

export interface CategoricalComparison {
  chiSquare: ChiSquareResult;
  /** Total variation distance of the shares, ½·Σ|c − r| (0 = same, 1 = disjoint), comparable to KS D. */
  totalVariation: number;
  jensenShannon: number;
  psi: number;
  categories: string[];
  /** Non-missing values on each side. */
  counts: { reference: number; current: number };
  display: DisplayHistogram;
}

/** Compares category counts (missing values excluded). Categories are the union of both sides. */
export function compareCategorical(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
  opts: { displayCategories?: number } = {},
): CategoricalComparison {
  const categories = [...new Set([...reference.keys(), ...current.keys()])].sort();
  const rc = categories.map((c) => reference.get(c) ?? 0);
  const cc = categories.map((c) => current.get(c) ?? 0);
  const nr = sumOf(rc);
  const nc = sumOf(cc);
  // Display: the most frequent categories overall, the rest folded into "(other)".
  const limit = opts.displayCategories ?? 20;
  const order = categories
    .map((c, i) => ({ c, i, n: (rc[i] as number) / (nr || 1) + (cc[i] as number) / (nc || 1) }))
    .sort((x, y) => y.n - x.n);
  const shown = order.slice(0, limit);
  const rest = order.slice(limit);
  const share = (counts: number[], n: number, idx: number[]) =>
    idx.reduce((s, i) => s + (counts[i] as number), 0) / (n || 1);
  const display: DisplayHistogram = {
    categories: shown.map((o) => o.c),
    reference: shown.map((o) => share(rc, nr, [o.i])),
    current: shown.map((o) => share(cc, nc, [o.i])),
  };
  if (rest.length > 0) {
    display.categories?.push('(other)');
    display.reference.push(
      share(
        rc,
        nr,
        rest.map((o) => o.i),
      ),
    );
    display.current.push(
      share(
        cc,
        nc,
        rest.map((o) => o.i),
      ),
    );
  }
  let tv = 0;
  for (let i = 0; i < categories.length; i++)
    tv += Math.abs((rc[i] as number) / (nr || 1) - (cc[i] as number) / (nc || 1));
  return {
    chiSquare: chiSquareTest(rc, cc),
    totalVariation: nr && nc ? tv / 2 : Number.NaN,
    jensenShannon: jensenShannonDistance(rc, cc),
    psi: populationStabilityIndex(rc, cc),
    categories,
    counts: { reference: nr, current: nc },
    display,
  };
}
