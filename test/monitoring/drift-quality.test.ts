/**
 * monitor.drift's data-quality detectors on synthetic samples whose truth is known: a unit change by a factor
 * no list has, a location shift that is a real change of shape, stuck values, a dry spell that is not a stuck
 * gauge, category variants, new values against the unseen mass a long-tailed reference predicts, renames that
 * must resemble the vanished value, and null surges that must be beyond chance.
 */
import { describe, expect, it } from 'vitest';
import { compareCategorical, compareNumeric, seededRandom } from '../../tools/lib/drift-compare.ts';
import { numericShape } from '../../tools/lib/drift-shape.ts';
import { categoricalFindings } from '../../tools/monitor/drift-categories.ts';
import {
  binomialUpperTail,
  duplicateFinding,
  nullSurge,
  numericFindings,
  proportionIncreasePValue,
  unitForFactor,
} from '../../tools/monitor/drift-quality.ts';

function gamma(n: number, seed: number, shape = 2, scale = 1.5): Float64Array {
  // Sum of `shape` exponentials: skewed and positive, like wind speeds or amounts.
  const r = seededRandom(seed);
  return Float64Array.from({ length: n }, () => {
    let s = 0;
    for (let k = 0; k < shape; k++) s -= Math.log(1 - r());
    return s * scale;
  });
}
const map = (xs: Float64Array, f: (x: number) => number) => Float64Array.from(xs, f);
const findings = (ref: Float64Array, cur: Float64Array) =>
  numericFindings({ name: 'x', cmp: compareNumeric(ref.slice(), cur.slice()) });

describe('tail bounds', () => {
  it('binomial Chernoff bound and the two-proportion z-test', () => {
    expect(binomialUpperTail(5, 10, 0.5)).toBe(1);
    // P(X ≥ 30 | n = 30, p = 0.05) = 0.05^30.
    expect(binomialUpperTail(30, 30, 0.05)).toBeCloseTo(0.05 ** 30, 40);
    expect(binomialUpperTail(60, 100, 0.1)).toBeLessThan(1e-20);
    expect(proportionIncreasePValue(0.01, 200, 0.067, 15)).toBeGreaterThan(1e-3);
    expect(proportionIncreasePValue(0, 700, 0.4, 365)).toBeLessThan(1e-10);
  });

  it('names known unit pairs within 6% and nothing else', () => {
    expect(unitForFactor(3.6)).toMatch(/m\/s logged as km\/h/);
    expect(unitForFactor(3.5)).toMatch(/km\/h/);
    expect(unitForFactor(0.4536)).toMatch(/lb logged as kg/);
    expect(unitForFactor(1 / 1000)).toMatch(/÷1000/);
    expect(unitForFactor(7)).toBeUndefined();
  });
});

describe('numeric shape and unit findings', () => {
  const ref = gamma(2000, 1);
  const fresh = gamma(1500, 2);

  it('recovers a scale factor no list has (×7) and names no unit for it', () => {
    const shape = numericShape(ref.slice().sort(), map(fresh, (x) => x * 7).sort());
    expect(shape.scale?.factor).toBeGreaterThan(6.5);
    expect(shape.scale?.factor).toBeLessThan(7.5);
    expect(shape.scale?.ks).toBeLessThan(0.06);
    const [f] = findings(
      ref,
      map(fresh, (x) => x * 7),
    );
    expect(f).toMatchObject({ kind: 'scale_change', column: 'x', severity: 'critical' });
    expect(f?.evidence?.value).toBeCloseTo(7, 0);
    expect(f?.evidence?.threshold).toBe(1.5);
    expect(f?.evidence?.detail?.unit).toBeUndefined();
  });

  it('names m/s → km/h, and °C → °F from the affine fit', () => {
    expect(
      findings(
        ref,
        map(fresh, (x) => x * 3.6),
      )[0]?.evidence?.detail?.unit,
    ).toMatch(/km\/h/);
    const celsius = map(gamma(1500, 3, 8, 1.5), (x) => x - 5);
    const f = findings(
      celsius,
      map(gamma(1200, 4, 8, 1.5), (x) => (x - 5) * 1.8 + 32),
    );
    expect(f[0]?.kind).toBe('scale_change');
    expect(f[0]?.evidence?.detail?.unit).toMatch(/°C logged as °F/);
  });

  it('finds a factor on data rounded to whole tens (atoms), where undoing it lands a hair off each atom', () => {
    const tens = (xs: Float64Array) => map(xs, (x) => 10 * Math.round(x * 8 + 4));
    const [f] = findings(
      tens(ref),
      map(tens(fresh), (x) => x * 1.852),
    );
    expect(f?.kind).toBe('scale_change');
    expect(f?.evidence?.value).toBeCloseTo(1.852, 2);
    expect(f?.evidence?.detail?.ksAfter).toBeLessThan(0.05);
  });

  it('finds an offset (kelvin) with its spread unchanged', () => {
    const [f] = findings(
      ref,
      map(fresh, (x) => x + 273.15),
    );
    expect(f?.kind).toBe('offset_change');
    expect(f?.evidence?.value).toBeCloseTo(273.15, 0);
    expect(f?.evidence?.detail?.unit).toMatch(/kelvin/);
  });

  it('does not call a change of shape a unit change', () => {
    // Same mean ×2 but a different shape (shape 2 → 6): the world moved, no factor explains it.
    const cur = gamma(1500, 5, 6, 1);
    const cmp = compareNumeric(ref.slice(), cur.slice());
    expect(cmp.ks.statistic).toBeGreaterThan(0.2);
    expect(numericFindings({ name: 'x', cmp })).toEqual([]);
  });

  it('finds a stuck sensor, but not a dry fortnight of a gauge that is often at zero', () => {
    const stuck = findings(ref, new Float64Array(300).fill(0));
    expect(stuck[0]).toMatchObject({ kind: 'stuck_values', severity: 'critical' });
    expect(stuck[0]?.evidence?.statistic).toMatch(/std ratio/);
    const partly = findings(
      ref,
      Float64Array.from({ length: 400 }, (_, i) => (i < 200 ? 8.3 : (fresh[i] as number))),
    );
    expect(partly[0]?.kind).toBe('stuck_values');
    expect(partly[0]?.evidence?.detail?.value).toBe(8.3);
    // Half the reference is 0 (no rain); twelve dry days in a row are not evidence of a stuck gauge.
    const rain = Float64Array.from({ length: 730 }, (_, i) => (i % 2 ? 0 : (ref[i] as number)));
    expect(findings(rain, new Float64Array(12).fill(0))).toEqual([]);
  });

  it('marks a numeric code (a handful of values) taken over by one value, for the triage to weigh', () => {
    const clusters = Float64Array.from({ length: 600 }, (_, i) => i % 6);
    const [f] = findings(clusters, new Float64Array(100).fill(3));
    expect(f).toMatchObject({ kind: 'stuck_values', severity: 'warning' });
    expect(f?.evidence?.detail).toMatchObject({ code: true, referenceDistinct: 6 });
    expect(findings(ref, new Float64Array(300).fill(0))[0]?.evidence?.detail?.code).toBe(false);
  });
});

describe('category findings', () => {
  const counts = (o: Record<string, number>) => new Map(Object.entries(o));
  const run = (r: Record<string, number>, c: Record<string, number>, nearest?: Map<string, string>) => {
    const ref = counts(r);
    const cur = counts(c);
    return categoricalFindings('c', ref, cur, compareCategorical(ref, cur), nearest);
  };

  it('tells case / whitespace variants from new values', () => {
    const f = run({ MALE: 170, FEMALE: 165 }, { male: 170, female: 165 });
    expect(f.map((x) => x.kind)).toContain('category_variant');
    expect(f[0]?.evidence?.detail?.variants).toEqual(
      expect.arrayContaining([{ value: 'male', known: 'MALE', rows: 170 }]),
    );
    expect(run({ Biscoe: 160, Dream: 120 }, { Biscoe: 100, 'Biscoe ': 60, Dream: 120 })[0]?.kind).toBe(
      'category_variant',
    );
  });

  it('a new value is flagged against the unseen mass the reference predicts (Good–Turing)', () => {
    const tail = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`A${i}`, i < 60 ? 1 : 40]));
    // A long tail: 60 singletons in ~5,700 rows predict ~1% of rows with unseen airports.
    const halves = run(tail, { ...tail, B1: 1, B2: 1, B3: 2 });
    expect(halves.filter((x) => x.kind === 'category_new')).toEqual([]);
    const flood = run({ USA: 240, Europe: 70, Japan: 80 }, { USA: 220, Europe: 63, Japan: 72, Korea: 35 });
    expect(flood[0]).toMatchObject({ kind: 'category_new', column: 'c' });
    expect(flood[0]?.evidence?.pValue).toBeLessThan(1e-6);
  });

  it('a rename needs the shares to match and the new value to resemble the vanished one', () => {
    const ref = { rain: 350, sun: 290, drizzle: 46, fog: 21, snow: 24 };
    const renamed = run(ref, { rainy: 150, sunny: 180, fog: 28, snow: 2 });
    expect(renamed[0]?.kind).toBe('category_renamed');
    // 'hail' took rain days while drizzle vanished: alike in share, but its rows look like rain.
    const cur = { rain: 120, hail: 28, sun: 187, fog: 28, snow: 2 };
    const fresh = run(ref, cur, new Map([['hail', 'rain']]));
    expect(fresh.map((x) => x.kind)).toEqual(['category_new', 'category_vanished']);
    expect(run(ref, cur, new Map([['hail', 'drizzle']]))[0]?.kind).toBe('category_renamed');
  });
});

describe('null and duplicate surges', () => {
  it('needs the increase to be beyond chance', () => {
    expect(
      nullSurge('hp', { reference: 0.01, current: 1 / 15 }, { reference: 216, current: 15 }, 0.05),
    ).toBeUndefined();
    const f = nullSurge('wind', { reference: 0, current: 0.4 }, { reference: 731, current: 365 }, 0.05);
    expect(f).toMatchObject({ kind: 'null_share_increase', severity: 'warning' });
    expect(f?.evidence?.pValue).toBeLessThan(1e-3);
  });

  it('flags a duplicated batch', () => {
    expect(
      duplicateFinding({ rows: 731, duplicates: 0 }, { rows: 487, duplicates: 122, sampled: false }),
    ).toMatchObject({
      kind: 'duplicate_rows',
      column: '*',
    });
    expect(
      duplicateFinding({ rows: 731, duplicates: 3 }, { rows: 365, duplicates: 2, sampled: false }),
    ).toBeUndefined();
  });
});
