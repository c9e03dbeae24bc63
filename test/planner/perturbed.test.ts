/**
 * Metamorphic evals: every goal and follow-up of a cheap set, rewritten in a meaning-preserving way
 * (evals/planner/perturb.ts: case, courtesy, greetings, spacing, spelling), must still plan as expected.
 */
import { describe, expect, it } from 'vitest';
import { runPlannerEval } from '../../evals/planner/harness.ts';
import { PERTURBATIONS } from '../../evals/planner/perturb.ts';

const SETS = ['heldout4', 'grounded'];

describe('plans do not depend on how a goal is typed', () => {
  it.each(SETS.flatMap((file) => Object.keys(PERTURBATIONS).map((perturb) => [file, perturb])))(
    '%s under --perturb %s: all plans valid, property accuracy at least 0.95',
    async (file, perturb) => {
      const { summary } = await runPlannerEval({ provider: 'offline', file, perturb });
      expect(summary.validPlanRate).toBe(1);
      expect(summary.propertyAccuracy).toBeGreaterThanOrEqual(0.95);
      expect(summary.clarifyRefuseCorrect).toBe(summary.clarifyRefuseCases);
    },
    // A grounded run builds its populated workspace for real: minutes when the whole suite shares two cores.
    300_000,
  );
});
