/**
 * The shape of a numeric feature on both sides, for data-quality detectors: matched quantiles, the most
 * common value, and three transforms fitted from the matched quantiles — a scale (current ≈ f·reference), an
 * offset (current ≈ reference + δ) and an affine map (current ≈ a·reference + b) — each with the two-sample
 * KS distance that is left after undoing it. A unit change leaves almost nothing once undone (the same values
 * in other units); a real shift changes the shape, so something is left.
 *
 * Works on ascending-sorted samples: the whole data in exact mode, the seeded samples in binned mode; the
 * residual KS distances on at most 5,000 evenly spaced order statistics per side.
 */
import { countAtMost, ksPValue, quantileSorted } from './drift-stats.ts';

/** Quantiles reported for both sides. */
export const QUANTILE_PROBS = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
/** Quantiles the transforms are fitted on: 5% … 95% in steps of 5%. */
const FIT_PROBS = Array.from({ length: 19 }, (_, i) => (i + 1) / 20);

export interface TransformFit {
  /** KS distance between the reference and the current data with the transform undone. */
  ks: number;
  /** Its asymptotic p-value (sizes of the samples compared). */
  pValue: number;
}

export interface NumericShape {
  probs: number[];
  quantiles: { reference: number[]; current: number[] };
  /**
   * The most common current value, its share there and in the reference, the share of the second most common
   * current value, and the reference's own top share.
   */
  mode: {
    value: number;
    share: number;
    secondShare: number;
    referenceShare: number;
    referenceTopShare: number;
  };
  /** Distinct values of the reference sample (counted up to 1000): a code column has a handful. */
  referenceDistinct: number;
  scale: (TransformFit & { factor: number }) | null;
  offset: (TransformFit & { delta: number }) | null;
  affine: (TransformFit & { a: number; b: number }) | null;
  /** Computed on seeded samples (binned mode) rather than every value. */
  sampled: boolean;
}

/** The two longest runs of equal values in a sorted sample: the longest's value and length, the second's length. */
function longestRun(sorted: Float64Array): { value: number; count: number; second: number } {
  let best = { value: Number.NaN, count: 0, second: 0 };
  let i = 0;
  while (i < sorted.length) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    if (j - i > best.count) best = { value: sorted[i] as number, count: j - i, second: best.count };
    else if (j - i > best.second) best.second = j - i;
    i = j;
  }
  return best;
}

/** How many values of a sorted sample equal x. */
function countEqual(sorted: Float64Array, x: number): number {
  const atMost = countAtMost(sorted, x);
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return atMost - lo;
}

/** Distinct values of a sorted sample, counting up to `cap`. */
function distinct(sorted: Float64Array, cap: number): number {
  let k = 0;
  for (let i = 0; i < sorted.length && k < cap; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) k++;
  return k;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Values may sit this far apart (relative) and still count as the same value once a transform is undone. */
const TOLERANCE = 0.005;

/**
 * The KS distance between the reference and `current` mapped back through an increasing function, with each
 * value allowed to sit within 0.5% of its magnitude (a Lévy-type distance): data rounded to whole units sit
 * on atoms, and a factor estimated from another sample (or merely the float rounding of ×1.852 ÷ 1.852)
 * moves every atom a hair off its place, which plain KS counts as the atom's whole mass.
 */
function residual(ref: Float64Array, cur: Float64Array, undo: (x: number) => number): TransformFit {
  const mapped = new Float64Array(cur.length);
  for (let i = 0; i < cur.length; i++) mapped[i] = undo(cur[i] as number);
  const n = ref.length;
  const m = mapped.length;
  const tol = (x: number) => TOLERANCE * Math.abs(x) + 1e-12;
  let ks = 0;
  for (let j = 0; j < m; j++) {
    const x = mapped[j] as number;
    ks = Math.max(ks, countAtMost(mapped, x) / m - countAtMost(ref, x + tol(x)) / n);
  }
  for (let i = 0; i < n; i++) {
    const x = ref[i] as number;
    ks = Math.max(ks, countAtMost(ref, x) / n - countAtMost(mapped, x + tol(x)) / m);
  }
  return { ks, pValue: ksPValue(ks, n, m) };
}

/** Every k-th value of a sorted sample, at most `max` of them: the same quantile function, sampled evenly. */
function thin(sorted: Float64Array, max: number): Float64Array {
  if (sorted.length <= max) return sorted;
  const out = new Float64Array(max);
  const step = (sorted.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out[i] = sorted[Math.round(i * step)] as number;
  return out;
}

/** Values the unit fits are checked on per side (evenly thinned order statistics above that). */
const FIT_MAX = 5_000;

/** Below this raw KS distance no unit change is looked for, so the transforms are not fitted. */
export const FIT_MIN_KS = 0.2;

/**
 * Matched quantiles, the mode and (when `fit`) the fitted transforms of two ascending-sorted, NaN-free
 * samples. The fits cost three residual distances; monitor.drift asks for them only where the raw KS
 * distance is at least FIT_MIN_KS, the least a unit change could show.
 */
export function numericShape(
  ref: Float64Array,
  cur: Float64Array,
  sampled = false,
  fit = true,
): NumericShape {
  const q = (s: Float64Array, ps: number[]) => ps.map((p) => quantileSorted(s, p));
  const top = longestRun(cur);
  const shape: NumericShape = {
    probs: QUANTILE_PROBS,
    quantiles: { reference: q(ref, QUANTILE_PROBS), current: q(cur, QUANTILE_PROBS) },
    mode: {
      value: top.value,
      share: cur.length ? top.count / cur.length : 0,
      secondShare: cur.length ? top.second / cur.length : 0,
      referenceShare: ref.length ? countEqual(ref, top.value) / ref.length : 0,
      referenceTopShare: ref.length ? longestRun(ref).count / ref.length : 0,
    },
    referenceDistinct: distinct(ref, 1000),
    scale: null,
    offset: null,
    affine: null,
    sampled,
  };
  if (!fit || ref.length < 5 || cur.length < 5) return shape;
  const qr = q(ref, FIT_PROBS);
  const qc = q(cur, FIT_PROBS);
  const fitRef = thin(ref, FIT_MAX);
  const fitCur = thin(cur, FIT_MAX);

  // Scale: the median ratio of matched quantiles with the same sign (zeros carry no scale: 0·f = 0).
  const ratios = qr.flatMap((r, i) => {
    const c = qc[i] as number;
    return Math.abs(r) > 1e-12 && Math.abs(c) > 1e-12 && Math.sign(r) === Math.sign(c) ? [c / r] : [];
  });
  if (ratios.length >= 5) {
    const factor = median(ratios);
    if (factor > 0 && Number.isFinite(factor))
      shape.scale = { factor, ...residual(fitRef, fitCur, (x) => x / factor) };
  }

  // Offset: the median difference of matched quantiles.
  const delta = median(qr.map((r, i) => (qc[i] as number) - r));
  if (Number.isFinite(delta)) shape.offset = { delta, ...residual(fitRef, fitCur, (x) => x - delta) };

  // Affine: least squares of current quantiles on reference quantiles (°C → °F is a = 1.8, b = 32).
  const mr = qr.reduce((s, x) => s + x, 0) / qr.length;
  const mc = qc.reduce((s, x) => s + x, 0) / qc.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < qr.length; i++) {
    sxy += ((qr[i] as number) - mr) * ((qc[i] as number) - mc);
    sxx += ((qr[i] as number) - mr) ** 2;
  }
  const a = sxx > 0 ? sxy / sxx : Number.NaN;
  if (a > 0 && Number.isFinite(a)) {
    const b = mc - a * mr;
    shape.affine = { a, b, ...residual(fitRef, fitCur, (x) => (x - b) / a) };
  }
  return shape;
}
