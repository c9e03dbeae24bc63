import { describe, expect, it } from 'vitest';
import { runPlannerEval } from '../../evals/planner/harness.ts';

describe('offline planner evals', () => {
  it('meets the bar on the main set: 100% valid plans, ≥ 90% property accuracy', async () => {
    const { summary, rows } = await runPlannerEval({ provider: 'offline', file: 'goals' });
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(summary.validPlanRate).toBe(1);
    expect(summary.propertyAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(summary.clarifyRefuseCorrect).toBe(summary.clarifyRefuseCases);
  }, 60_000);

  // heldout3 and heldout4 were written before the rules that now pass them, then developed against: they guard
  // against regressions here; only a set written after the last change says how the rules generalise.
  it.each(['heldout3', 'heldout4'])(
    'keeps the %s set at the bar it reached: all plans valid, property accuracy at least 0.9',
    async (file) => {
      const { summary } = await runPlannerEval({ provider: 'offline', file });
      expect(summary.validPlanRate).toBe(1);
      expect(summary.propertyAccuracy).toBeGreaterThanOrEqual(0.9);
      expect(summary.clarifyRefuseCorrect).toBe(summary.clarifyRefuseCases);
    },
    120_000,
  );

  it.each(['heldout', 'heldout2'])(
    'runs the %s set and never emits an invalid plan there',
    async (file) => {
      const { rows } = await runPlannerEval({ provider: 'offline', file });
      expect(rows).toHaveLength(10);
      expect(rows.filter((r) => r.kind === 'plan').every((r) => r.valid && r.validFull)).toBe(true);
      expect(rows.some((r) => r.kind === 'error')).toBe(false);
    },
    60_000,
  );
});

describe('offline planner evals on a workspace with a history', () => {
  // grounded, grounded-unseen, grounded-unseen2 and grounded-dev were developed against: they guard against regressions.
  it.each(['grounded', 'grounded-unseen', 'grounded-unseen2', 'grounded-dev'])(
    'keeps %s at the bar it reached: all plans valid, property accuracy at least 0.95, every clarify right',
    async (file) => {
      const { summary } = await runPlannerEval({ provider: 'offline', file });
      expect(summary.validPlanRate).toBe(1);
      expect(summary.propertyAccuracy).toBeGreaterThanOrEqual(0.95);
      expect(summary.clarifyRefuseCorrect).toBe(summary.clarifyRefuseCases);
    },
    300_000,
  );

  // Each of these was an unseen figure once (docs/evals.md), run once when written, then developed against: they
  // now guard against regressions (grounded-dev2 was written blind and developed against from the start). None is
  // unseen now: the next set written after the last change is the honest test.
  it.each([
    'grounded-unseen3',
    'grounded-holdout',
    'grounded-holdout2',
    'grounded-holdout3',
    'grounded-holdout4',
    'grounded-holdout5',
    'grounded-holdout6',
    'grounded-holdout7',
    'grounded-holdout10',
    'grounded-holdout11',
    'grounded-holdout12',
    'grounded-dev2',
  ])(
    'keeps %s at the bar it reached after it was seen: all plans valid, property accuracy at least 0.95',
    async (file) => {
      const { summary, rows } = await runPlannerEval({ provider: 'offline', file });
      expect(rows.some((r) => r.kind === 'error')).toBe(false);
      expect(summary.validPlanRate).toBe(1);
      expect(summary.propertyAccuracy).toBeGreaterThanOrEqual(0.95);
      expect(summary.clarifyRefuseCorrect).toBe(summary.clarifyRefuseCases);
    },
    300_000,
  );
});
