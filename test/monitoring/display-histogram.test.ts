/**
 * The histograms drift reports and the console draw: a whole-number column gets one bar per value (or
 * whole-number-wide bars), never equal-width bins that leave most of them empty.
 */
import { describe, expect, it } from 'vitest';
import { compareNumeric } from '../../tools/lib/drift-compare.ts';

const ints = (values: number[], times: number) =>
  Float64Array.from(values.flatMap((v) => Array(times).fill(v)));

describe('display histograms', () => {
  it('gives a column with five whole-number values five bins centred on them', () => {
    const ref = ints([1, 2, 3, 4, 5], 40);
    const cur = ints([2, 3, 4, 5, 5], 40);
    const { display } = compareNumeric(ref, cur, { exactMaxRows: 1e9 });
    expect(display.edges).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    expect(display.reference).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(display.current).toEqual([0, 0.2, 0.2, 0.2, 0.4]);
  });

  it('makes whole-number bins wider, never fractional, when the range exceeds the bin count', () => {
    const ref = Float64Array.from({ length: 1000 }, (_, i) => i % 100);
    const cur = Float64Array.from({ length: 1000 }, (_, i) => (i * 7) % 100);
    const { display } = compareNumeric(ref, cur, { exactMaxRows: 1e9, displayBins: 24 });
    const edges = display.edges ?? [];
    const widths = edges.slice(1).map((e, i) => e - (edges[i] as number));
    expect(new Set(widths)).toEqual(new Set([5]));
    expect(edges.length - 1).toBeLessThanOrEqual(24);
    expect(edges.every((e) => e % 1 === 0.5 || e % 1 === -0.5)).toBe(true);
    expect(display.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('keeps equal-width bins for measurements with fractions', () => {
    const ref = Float64Array.from({ length: 500 }, (_, i) => i / 7);
    const { display } = compareNumeric(ref, ref.slice(), { exactMaxRows: 1e9, displayBins: 24 });
    expect(display.edges).toHaveLength(25);
  });
});
