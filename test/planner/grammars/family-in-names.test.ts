/**
 * A model family's abbreviation inside a registered model's name ("fraud-gbm", "rf_churn", "svm-v2") names that
 * model, not a family to train: the goal is an operation on it. A family said on its own, or joined by a hyphen
 * to a modifier ("xgboost-based", "knn-style"), still chooses what to train.
 */
import { describe, expect, it } from 'vitest';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

describe('a family abbreviation inside a model name', () => {
  it.each([
    ['score data/new.csv with fraud-gbm and write to out/scores.csv', 'score'],
    ['batch predict data/new.csv using the production churn-xgb model', 'score'],
    ['run rf_churn v2 over data/new.csv', 'score'],
    ['roll fraud-gbm back to version 1', 'rollback'],
    ['check the served traffic of loans-svm for drift over the last week', 'monitor-traffic'],
    ['label data/new.csv with knn-fraud@staging', 'score'],
    [
      'is the live credit-lgbm endpoint seeing data different from what it was trained on?',
      'monitor-traffic',
    ],
  ])('%s', (goal, operation) => {
    const spec = parseGoal(goal);
    expect(spec.models).toEqual([]);
    expect(spec.operation).toBe(operation);
  });
});

describe('a family said on its own or with a modifier still trains', () => {
  it.each([
    ['train an xgboost-based classifier on data/loans.csv for default', 'gradient_boosting'],
    ['fit a gbm on data/loans.csv predicting default', 'gradient_boosting'],
    ['a k-nn model for species on data/penguins.json', 'knn'],
    ['use a knn-style model for species on data/penguins.json', 'knn'],
    ['random-forest on data/penguins.json for species', 'random_forest'],
    ['train an rf, predicting species from data/penguins.json', 'random_forest'],
  ])('%s', (goal, algorithm) => {
    const spec = parseGoal(goal);
    expect(spec.models.map((m) => m.algorithm)).toEqual([algorithm]);
    expect(spec.wants.train).toBe(true);
  });
});
