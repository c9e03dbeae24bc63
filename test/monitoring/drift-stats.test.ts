/**
 * Drift statistics against hand-computed values and values printed by scipy 1.17 (stats.kstwobign,
 * stats.chi2, special.gammaincc, stats.wasserstein_distance, spatial.distance.jensenshannon,
 * stats.chi2_contingency(correction=False)).
 */
import { describe, expect, it } from 'vitest';
import { compareCategorical, compareNumeric, seededRandom } from '../../tools/lib/drift-compare.ts';
import {
  binSample,
  chiSquareSurvival,
  chiSquareTest,
  jensenShannonDistance,
  kolmogorovSurvival,
  ksPValue,
  ksTestBinned,
  ksTestSorted,
  populationStabilityIndex,
  quantileSorted,
  regularizedGammaQ,
  wassersteinBinned,
  wassersteinSorted,
} from '../../tools/lib/drift-stats.ts';

const f64 = (xs: number[]) => Float64Array.from(xs).sort();

function normalSample(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const r = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

describe('Kolmogorov distribution', () => {
  it('matches scipy kstwobign.sf on both series branches', () => {
    expect(kolmogorovSurvival(0.5)).toBeCloseTo(0.9639452436648751, 12);
    expect(kolmogorovSurvival(1.0)).toBeCloseTo(0.26999967167735456, 12);
    expect(kolmogorovSurvival(1.18)).toBeCloseTo(0.1234538094297657, 12);
    expect(kolmogorovSurvival(1.36)).toBeCloseTo(0.049485876755377876, 12);
    expect(kolmogorovSurvival(2.0)).toBeCloseTo(0.0006709252557796953, 14);
    expect(kolmogorovSurvival(0)).toBe(1);
  });

  it('is continuous where the two series meet', () => {
    expect(Math.abs(kolmogorovSurvival(1.18 - 1e-9) - kolmogorovSurvival(1.18 + 1e-9))).toBeLessThan(1e-8);
  });
});

describe('chi-square distribution', () => {
  it('matches scipy chi2.sf and gammaincc', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(0.5, 3)).toBeCloseTo(0.9188914116546758, 12);
    expect(chiSquareSurvival(10, 3)).toBeCloseTo(0.01856613546304325, 12);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(100, 50) / 3.454931382984871e-5).toBeCloseTo(1, 9);
    expect(chiSquareSurvival(2000, 1800) / 0.0006225977842750463).toBeCloseTo(1, 8);
    expect(regularizedGammaQ(0.5, 0.1)).toBeCloseTo(0.6547208460185768, 12);
    expect(regularizedGammaQ(7.5, 3)).toBeCloseTo(0.9797477467178134, 12);
    expect(regularizedGammaQ(30, 45)).toBeCloseTo(0.007337199297796568, 13);
  });

  it('matches the closed form for even degrees of freedom, sf(x, 2k) = e^(-x/2) Σ (x/2)^i / i!', () => {
    for (const x of [0.01, 0.7, 3, 9.5, 40]) {
      expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 13);
      expect(chiSquareSurvival(x, 4)).toBeCloseTo(Math.exp(-x / 2) * (1 + x / 2), 13);
    }
  });
});

describe('two-sample Kolmogorov–Smirnov', () => {
  it('gives D = 0 and p = 1 for identical samples', () => {
    const a = f64([3, 1, 2, 2, 5]);
    const r = ksTestSorted(a, a.slice());
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
  });

  it('gives D = 1 for disjoint samples', () => {
    expect(ksTestSorted(f64([1, 2, 3, 4, 5]), f64([6, 7, 8, 9, 10])).statistic).toBe(1);
  });

  it('finds D = 0.5 for [1,2,3,4] vs [3,4,5,6] (F_a − F_b = 0.5 at x = 2, 3 and 4)', () => {
    const r = ksTestSorted(f64([1, 2, 3, 4]), f64([3, 4, 5, 6]));
    expect(r.statistic).toBe(0.5);
    // √nₑ = √(16/8) = √2; λ = (√2 + 0.12 + 0.11/√2)·0.5
    const lambda = (Math.SQRT2 + 0.12 + 0.11 / Math.SQRT2) * 0.5;
    expect(r.pValue).toBeCloseTo(kolmogorovSurvival(lambda), 15);
    expect(ksPValue(0.5, 4, 4)).toBe(r.pValue);
  });

  it('agrees with scipy ks_2samp on a 25 vs 20 sample (D = 0.23, p within 0.03 of scipy 0.532)', () => {
    const x = [0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64];
    x.push(-0.82, 0.37, 1.77, 1.09, -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47);
    const y = [2.2, 1.66, 1.38, 0.2, 0.36, 0, 0.96, 1.56, 0.44, 1.5, -0.3, 0.66, 2.31, 3.29, -0.27];
    y.push(-0.37, 0.38, 0.7, 0.52, -0.72);
    const r = ksTestSorted(f64(x), f64(y));
    expect(r.statistic).toBeCloseTo(0.23, 12);
    expect(Math.abs(r.pValue - 0.5318713439638902)).toBeLessThan(0.03);
    expect(wassersteinSorted(f64(x), f64(y))).toBeCloseTo(0.6066, 12);
  });
});

describe('Wasserstein-1', () => {
  it('matches scipy wasserstein_distance examples', () => {
    expect(wassersteinSorted(f64([0, 1, 3]), f64([5, 6, 8]))).toBeCloseTo(5, 12);
    // scipy: wasserstein_distance([0, 1], [0, 1], [3, 1], [2, 2]) = 0.25
    expect(wassersteinSorted(f64([0, 0, 0, 1]), f64([0, 0, 1, 1]))).toBeCloseTo(0.25, 12);
    expect(wassersteinSorted(f64([2, 7]), f64([7, 2]))).toBe(0);
  });
});

describe('binned statistics', () => {
  it('stay within 1/bins of the exact KS and close to the exact Wasserstein on 200k values', () => {
    const a = normalSample(200_000, 1);
    const b = normalSample(200_000, 2, 0.1, 1.2);
    const exact = compareNumeric(a.slice(), b.slice(), { exactMaxRows: 1e9 });
    const binned = compareNumeric(a.slice(), b.slice(), { exactMaxRows: 1000, bins: 1000 });
    expect(exact.computation).toBe('exact');
    expect(binned.computation).toBe('binned');
    expect(Math.abs(binned.ks.statistic - exact.ks.statistic)).toBeLessThan(2e-3);
    expect(Math.abs(binned.wasserstein - exact.wasserstein) / exact.wasserstein).toBeLessThan(0.02);
    expect(Math.abs(binned.psi - exact.psi)).toBeLessThan(0.01);
  });

  it('is exact for atoms at bin edges and for values beyond the reference range', () => {
    const edges = Float64Array.from([0, 1, 2]);
    const ref = binSample(Float64Array.from([0, 1, 1, 2]), edges);
    const cur = binSample(Float64Array.from([-1, 1, 3, 5]), edges);
    expect(Array.from(ref.counts)).toEqual([1, 2, 1, 0]);
    expect(Array.from(ref.equal)).toEqual([1, 2, 1]);
    expect(cur.below).toEqual({ count: 1, sum: -1 });
    expect(cur.above).toEqual({ count: 2, sum: 8 });
    // Exact: F_ref jumps ¼,½,¼ at 0,1,2; F_cur jumps ¼ at −1, 1, 3, 5.
    const exact = ksTestSorted(f64([0, 1, 1, 2]), f64([-1, 1, 3, 5]));
    expect(ksTestBinned(ref, cur).statistic).toBeCloseTo(exact.statistic, 12);
    // Tails beyond [0, 2] are exact; inside, this case has all mass on the edges, so also exact.
    expect(wassersteinBinned(ref, cur, edges)).toBeCloseTo(
      wassersteinSorted(f64([0, 1, 1, 2]), f64([-1, 1, 3, 5])),
      12,
    );
  });
});

describe('distances between binned distributions', () => {
  it('Jensen–Shannon distance, base 2: 0 for equal, 1 for disjoint, scipy for the rest', () => {
    expect(jensenShannonDistance([1, 0, 0], [0, 1, 0])).toBeCloseTo(1, 14);
    expect(jensenShannonDistance([3, 5, 2], [30, 50, 20])).toBe(0);
    expect(jensenShannonDistance([1, 0], [0.5, 0.5])).toBeCloseTo(0.5579230452841438, 14);
  });

  it('PSI: Σ (c − r) ln(c / r), by hand', () => {
    // (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5)
    expect(populationStabilityIndex([50, 50], [25, 75])).toBeCloseTo(
      0.25 * Math.log(2) + 0.25 * Math.log(1.5),
      14,
    );
    expect(populationStabilityIndex([1, 1], [1, 1])).toBe(0);
    // An empty bin counts as epsilon = 1e-4, not as infinity.
    expect(populationStabilityIndex([1, 0], [0, 1])).toBeCloseTo(2 * (1 - 1e-4) * Math.log(1e4), 10);
  });

  it('chi-square test of homogeneity matches scipy chi2_contingency(correction=False)', () => {
    const r = chiSquareTest([10, 20], [20, 10]);
    expect(r.statistic).toBeCloseTo(20 / 3, 12);
    expect(r.df).toBe(1);
    expect(r.pValue).toBeCloseTo(0.009823274507519235, 12);
    const r3 = chiSquareTest([30, 50, 20], [20, 50, 35]);
    expect(r3.statistic).toBeCloseTo(5.972510822510822, 12);
    expect(r3.pValue).toBeCloseTo(0.050476095497455006, 12);
    expect(chiSquareTest([5, 5], [50, 50]).pValue).toBeCloseTo(1, 12);
  });

  it('compares categories over the union, so a renamed category is visible on both sides', () => {
    const ref = new Map([
      ['sun', 60],
      ['rain', 40],
    ]);
    const cur = new Map([
      ['sunny', 60],
      ['rain', 40],
    ]);
    const c = compareCategorical(ref, cur);
    expect(c.categories).toEqual(['rain', 'sun', 'sunny']);
    expect(c.chiSquare.df).toBe(2);
    expect(c.chiSquare.pValue).toBeLessThan(1e-10);
    expect(c.jensenShannon).toBeCloseTo(Math.sqrt(0.6), 12);
  });
});

describe('quantiles', () => {
  it('interpolates linearly like numpy', () => {
    const s = f64([1, 2, 3, 4]);
    expect(quantileSorted(s, 0)).toBe(1);
    expect(quantileSorted(s, 0.5)).toBe(2.5);
    expect(quantileSorted(s, 1)).toBe(4);
    expect(quantileSorted(s, 0.1)).toBeCloseTo(1.3, 14);
  });
});
