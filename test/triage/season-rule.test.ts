/**
 * The season rule weighs movement beyond chance: a KS distance between two samples of a few dozen rows is
 * never 0, so against a small same-months baseline part of the "remaining" movement is sampling noise.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../../agents/triage/rules.ts';
import type { Evidence } from '../../agents/triage/types.ts';

/** A 91-day window against three years (1096 rows) whose same months hold 273 rows; no model. */
function autumn(whole: [number, number], baseline: [number, number]): Evidence {
  const names = ['temp_max', 'temp_min'] as const;
  return {
    alert: {
      ref: 't',
      key: 'k',
      summary: 's',
      severity: 'warning',
      drifted: true,
      share: 0.5,
      at: '2026-11-01T00:00:00Z',
    },
    reference: { rows: 1096, hash: 'r'.repeat(64) },
    current: { rows: 91, hash: 'c'.repeat(64) },
    features: names.map((name, i) => ({
      name,
      type: 'numeric' as const,
      drifted: true,
      method: 'ks',
      statistic: 0.001,
      threshold: 0.05,
      nulls: { reference: 0, current: 0 },
      change: '',
      movement: whole[i] as number,
    })),
    findings: [],
    season: {
      column: 'date',
      currentMonths: [9, 10, 11],
      referenceMonths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      baseline: { rows: 273, years: [2012, 2013, 2014], lastYear: false, wholeReference: false },
      features: names.map((name, i) => ({ name, movement: baseline[i] as number, drifted: false })),
      drifted: [],
    },
    window: { rows: 91, nullRates: {} },
    upstream: [],
    similar: [],
  };
}

describe('the season rule', () => {
  it('calls a shift seasonal when what remains against the same months is mostly sampling noise', () => {
    // NYC autumn 2015 against 2012–2014: KS 0.27 / 0.26 against the whole reference, 0.17 / 0.13 against
    // the three earlier autumns; two samples of 91 and 273 rows differ by KS ≈ 0.11 by chance alone.
    const v = classify(autumn([0.274, 0.258], [0.168, 0.125]));
    expect(v).toMatchObject({ classification: 'real_shift', cause: 'seasonal_shift' });
    const season = v.evidence.find((e) => e.kind === 'season');
    expect(season?.value).toBeGreaterThan(0.1);
    expect(season?.value).toBeLessThan(0.35);
  });

  it('keeps a shift that stays well beyond chance against the same months', () => {
    const v = classify(autumn([0.6, 0.55], [0.45, 0.4]));
    expect(v.cause).not.toBe('seasonal_shift');
    expect(v.evidence.find((e) => e.kind === 'season')?.value).toBeGreaterThan(0.5);
  });
});
