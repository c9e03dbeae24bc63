/**
 * Every builtin learner against scikit-learn on the same folds: train.tabular with framework builtin and
 * with framework sklearn gets the same rows, the same 5 folds (seed 42) and the same preprocessing, so the
 * mean cross-validation scores must agree. Tolerances (absolute, on mean 5-fold accuracy or R²):
 *   - 0.001 for the deterministic ones with the same maths (Gaussian naive Bayes, linear regression);
 *   - 0.005 for logistic regression (the same objective, L-BFGS in both, stopped at slightly different points);
 *   - 0.02 for forests, gradient boosting and kNN (different random streams, tie-breaking; measured
 *     differences are under 0.01);
 *   - 0.03 for a single decision tree (one unlucky split moves a fold by several points).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { type TrainOutput, trainTabular } from '../../tools/train/tabular.ts';
import { makeTaskContext, type TestContext } from '../helpers/task-context.ts';
import { cars, penguins } from './helpers.ts';

let ctx: TestContext;
let peng: DatasetRef;
let car: DatasetRef;

beforeAll(async () => {
  ctx = makeTaskContext();
  [peng, car] = await Promise.all([penguins(ctx.workspace), cars(ctx.workspace)]);
}, 60_000);
afterAll(() => rmSync(ctx.workspace, { recursive: true, force: true }));

const train = (input: Record<string, unknown>): Promise<TrainOutput> =>
  trainTabular.run(trainTabular.input.parse({ folds: 5, seed: 42, ...input }), ctx);

interface Case {
  algorithm: string;
  data: 'penguins' | 'cars';
  tolerance: number;
  builtin?: Record<string, unknown>;
  sklearn?: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    algorithm: 'random_forest',
    data: 'penguins',
    tolerance: 0.02,
    builtin: { nEstimators: 50 },
    sklearn: { n_estimators: 50 },
  },
  { algorithm: 'gradient_boosting', data: 'penguins', tolerance: 0.02 },
  { algorithm: 'decision_tree', data: 'penguins', tolerance: 0.03 },
  { algorithm: 'logistic_regression', data: 'penguins', tolerance: 0.005 },
  { algorithm: 'knn', data: 'penguins', tolerance: 0.02 },
  { algorithm: 'naive_bayes', data: 'penguins', tolerance: 0.001 },
  {
    algorithm: 'random_forest',
    data: 'cars',
    tolerance: 0.02,
    builtin: { nEstimators: 50 },
    sklearn: { n_estimators: 50 },
  },
  { algorithm: 'gradient_boosting', data: 'cars', tolerance: 0.02 },
  { algorithm: 'decision_tree', data: 'cars', tolerance: 0.03 },
  { algorithm: 'linear_regression', data: 'cars', tolerance: 0.001 },
];

describe('builtin learners agree with scikit-learn on the same folds', () => {
  for (const c of CASES) {
    test(`${c.algorithm} on ${c.data} within ${c.tolerance}`, async () => {
      const data =
        c.data === 'penguins'
          ? { dataset: peng, target: 'Species' }
          : { dataset: car, target: 'Miles_per_Gallon' };
      const [ours, theirs] = await Promise.all([
        train({ ...data, algorithm: c.algorithm, params: c.builtin ?? {} }),
        train({ ...data, algorithm: c.algorithm, framework: 'sklearn', params: c.sklearn ?? {} }),
      ]);
      const metric = ours.scoring;
      expect(theirs.scoring).toBe(metric);
      expect(ours.trials[0]?.foldScores).toHaveLength(5);
      const a = ours.cvMetrics[metric] as number;
      const b = theirs.cvMetrics[metric] as number;
      expect(
        Math.abs(a - b),
        `${metric}: builtin ${a.toFixed(4)}, scikit-learn ${b.toFixed(4)}`,
      ).toBeLessThanOrEqual(c.tolerance);
      // Both are real models, not baselines.
      expect(a).toBeGreaterThan(c.data === 'penguins' ? 0.7 : 0.6);
      expect(ours.warnings).toEqual([]);
    }, 120_000);
  }

  test('naive Bayes no longer predicts one class on penguins (was 0.444 with ml-naivebayes)', async () => {
    const nb = await train({ dataset: peng, target: 'Species', algorithm: 'naive_bayes' });
    expect(nb.cvMetrics.accuracy).toBeGreaterThan(0.75);
    // One class for every row would give a macro F1 of at most 1/3, and a warning.
    expect(nb.metrics.f1_macro).toBeGreaterThan(0.7);
    expect(nb.warnings).toEqual([]);
  }, 60_000);
});
