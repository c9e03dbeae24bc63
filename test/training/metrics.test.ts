import { describe, expect, test } from 'vitest';
import {
  accuracy,
  classificationMetrics,
  confusionMatrix,
  logLoss,
  mae,
  precisionRecallF1,
  r2,
  regressionMetrics,
  rmse,
  rocAuc,
  rocAucOvr,
} from '../../tools/lib/metrics.ts';
import { holdoutSplit, kFoldAssignment, searchCandidates } from '../../tools/lib/model-selection.ts';

describe('classification metrics (hand-computed)', () => {
  const yTrue = ['a', 'a', 'a', 'b', 'b', 'c'];
  const yPred = ['a', 'a', 'b', 'b', 'c', 'c'];
  const labels = ['a', 'b', 'c'];

  test('accuracy and confusion matrix', () => {
    expect(accuracy(yTrue, yPred)).toBeCloseTo(4 / 6);
    expect(confusionMatrix(yTrue, yPred, labels).matrix).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  test('precision, recall, F1 per class and macro', () => {
    const { perClass, macro } = precisionRecallF1(yTrue, yPred, labels);
    // a: P=2/2 R=2/3; b: P=1/2 R=1/2; c: P=1/2 R=1
    expect(perClass.a).toMatchObject({ precision: 1, support: 3 });
    expect(perClass.a?.recall).toBeCloseTo(2 / 3);
    expect(perClass.a?.f1).toBeCloseTo(0.8);
    expect(perClass.b?.f1).toBeCloseTo(0.5);
    expect(perClass.c?.f1).toBeCloseTo(2 / 3);
    expect(macro.precision).toBeCloseTo((1 + 0.5 + 0.5) / 3);
    expect(macro.f1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3);
  });

  test('binary ROC AUC counts ties as half', () => {
    // positives 0.8, 0.4; negatives 0.4, 0.1 → pairs: (0.8>0.4)(0.8>0.1)(0.4=0.4 → ½)(0.4>0.1) = 3.5/4
    expect(rocAuc([true, true, false, false], [0.8, 0.4, 0.4, 0.1])).toBeCloseTo(0.875);
    expect(rocAuc([true, false], [0.9, 0.1])).toBe(1);
    expect(Number.isNaN(rocAuc([true, true], [0.1, 0.2]))).toBe(true);
  });

  test('one-vs-rest macro AUC and log loss', () => {
    const proba = [
      [0.9, 0.05, 0.05],
      [0.1, 0.8, 0.1],
      [0.2, 0.2, 0.6],
    ];
    expect(rocAucOvr(['a', 'b', 'c'], proba, labels)).toBe(1);
    expect(logLoss(['a', 'b', 'c'], proba, labels)).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6)) / 3,
    );
    const m = classificationMetrics(['a', 'b', 'c'], ['a', 'b', 'c'], labels, proba);
    expect(m).toMatchObject({ accuracy: 1, f1_macro: 1, roc_auc: 1 });
  });
});

describe('regression metrics (hand-computed)', () => {
  test('rmse, mae, r2', () => {
    const y = [1, 2, 3, 4];
    const p = [1, 2, 3, 6];
    expect(rmse(y, p)).toBeCloseTo(1); // sqrt(4/4)
    expect(mae(y, p)).toBeCloseTo(0.5);
    expect(r2(y, p)).toBeCloseTo(1 - 4 / 5); // SS_tot = 2.25+0.25+0.25+2.25 = 5
    expect(regressionMetrics([2, 2], [2, 2]).r2).toBe(1);
  });
});

describe('model selection', () => {
  test('k-fold assignment honours k and stratifies classes', () => {
    const labels = [...Array(30).fill('x'), ...Array(15).fill('y')] as string[];
    const folds = kFoldAssignment(labels.length, 5, 7, labels);
    expect(new Set(folds)).toEqual(new Set([0, 1, 2, 3, 4]));
    for (let f = 0; f < 5; f++) {
      const inFold = labels.filter((_, i) => folds[i] === f);
      expect(inFold.filter((l) => l === 'x')).toHaveLength(6);
      expect(inFold.filter((l) => l === 'y')).toHaveLength(3);
    }
    expect(kFoldAssignment(45, 5, 7, labels)).toEqual(folds);
    expect(kFoldAssignment(45, 5, 8, labels)).not.toEqual(folds);
  });

  test('holdout split is stratified and disjoint', () => {
    const labels = [...Array(50).fill('x'), ...Array(10).fill('y')] as string[];
    const { train, holdout } = holdoutSplit(60, 0.2, 1, labels);
    expect(holdout).toHaveLength(12);
    expect(holdout.filter((i) => labels[i] === 'y')).toHaveLength(2);
    expect(new Set([...train, ...holdout]).size).toBe(60);
  });

  test('seeded random search is reproducible; grid enumerates every combination', () => {
    const search = {
      method: 'random' as const,
      space: { a: { min: 1, max: 100, integer: true }, b: ['x', 'y'] },
      trials: 5,
    };
    const one = searchCandidates({ fixed: 1 }, search, 3);
    expect(one).toHaveLength(5);
    expect(searchCandidates({ fixed: 1 }, search, 3)).toEqual(one);
    expect(searchCandidates({ fixed: 1 }, search, 4)).not.toEqual(one);
    expect(one.every((c) => c.fixed === 1 && Number.isInteger(c.a))).toBe(true);
    const grid = searchCandidates({}, { method: 'grid', space: { a: [1, 2], b: [3, 4, 5] }, trials: 10 }, 0);
    expect(grid).toHaveLength(6);
  });
});
