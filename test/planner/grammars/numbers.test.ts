/** Numbers written as words wherever a number is read, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../agents/planner/edits.ts';
import { parseAi } from '../../../agents/planner/offline/ai.ts';
import { parseWatchLimits } from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseSchedule } from '../../../agents/planner/offline/schedule.ts';

const cron = (goal: string) => parseSchedule(goal)?.cron;

describe('a time of day in words', () => {
  it.each([
    ['retrain the fare model every Tuesday at five', '0 5 * * 2'],
    ['score the new rows each night at eleven pm', '0 23 * * *'],
    ['refresh the data every day at half past seven', '30 7 * * *'],
    ['rebuild the features daily at six thirty in the evening', '30 18 * * *'],
    ["every weekday at nine o'clock pull the latest file", '0 9 * * 1-5'],
    ['check for drift daily at four in the morning', '0 4 * * *'],
    ['train it every Friday at ten', '0 10 * * 5'],
  ])('%s', (goal, want) => {
    expect(cron(goal)).toBe(want);
  });
  it('a count that is no hour stays a count', () => {
    expect(cron('every morning, look at two models and keep the better')).toBe(
      cron('every morning, look at models and keep the better'),
    );
    expect(cron('every Monday retrain one model on data/x.csv')).toBe(
      cron('every Monday retrain a model on data/x.csv'),
    );
  });
});

describe('a gate threshold in words', () => {
  it.each([
    ['predict fare from data/t.csv and register it only if RMSE stays under five', 'rmse', '<', 5],
    ['predict fare from data/t.csv; deploy when the MAE is no more than twelve', 'mae', '<=', 12],
    ['predict fare from data/t.csv, do not ship it if MAE climbs above twenty-five', 'mae', '<=', 25],
    [
      'classify churn in data/c.csv and deploy if accuracy is at least zero point nine',
      'accuracy',
      '>=',
      0.9,
    ],
    ['classify churn in data/c.csv, register it when AUC tops point eight five', 'roc_auc', '>', 0.85],
    ['classify churn in data/c.csv and deploy if accuracy is above ninety percent', 'accuracy', '>', 0.9],
  ])('%s', (goal, metric, op, value) => {
    expect(parseGoal(goal).gate).toMatchObject({ kind: 'threshold', metric, op, value });
  });
  it('a count after a metric is no threshold', () => {
    expect(parseGoal('predict fare from data/t.csv and report RMSE over five folds').gate).toBeUndefined();
    expect(parseGoal('predict fare from data/t.csv and report the MAE of both models').gate).toBeUndefined();
    expect(
      parseGoal('predict fare from data/t.csv, deploy if accuracy is at least as good as production').gate,
    ).not.toMatchObject({ kind: 'threshold' });
  });
});

describe('a threshold in words weighs like digits against a champion gate', () => {
  it.each([
    ['predict fare from data/t.csv, deploy it if it beats production and RMSE is below {n}', '5', 'five'],
    [
      'predict fare from data/t.csv; ship it when MAE is under {n} and it is better than the current model',
      '3',
      'three',
    ],
  ])('%s', (goal, digits, word) => {
    expect(parseGoal(goal.replace('{n}', word)).gate).toEqual(parseGoal(goal.replace('{n}', digits)).gate);
  });
});

describe('a version in words, said alone in a follow-up', () => {
  const f = () => parseGoal('score data/shops.csv with shops-footfall version 2');
  it.each([
    ['go back to version one', 1],
    ['actually, switch to version four', 4],
    ['use version six instead', 6],
    ['hmm, version eleven please', 11],
  ])('%s', (text, version) => {
    expect(applyEdit(f(), text).refs.models[0]).toMatchObject({ words: ['shops-footfall'], version });
  });
  it('a version of the data is no model version', () => {
    expect(applyEdit(f(), 'use version one of the dataset').refs.models[0]?.version).toBe(2);
  });
});

describe('a serving limit in words', () => {
  it.each([
    ['promote fraud-model v4 and roll it back if the error rate goes above three percent', 0.03],
    ['canary fraud-model v4 for an hour; revert when the failure rate passes five per cent', 0.05],
    ['serve fraud-model v4 and keep the error rate under one percent', 0.01],
  ])('%s', (goal, rate) => {
    expect(parseWatchLimits(goal).maxErrorRate).toBeCloseTo(rate);
  });
  it('a latency in words', () => {
    expect(parseWatchLimits('roll back fraud-model if p99 latency goes over two seconds').maxP99Ms).toBe(
      2000,
    );
    expect(parseWatchLimits('roll back if the p95 is above five hundred ms').maxP95Ms).toBe(500);
  });
  it('no limit is made up from a count', () => {
    expect(parseWatchLimits('compare the error rate of both versions').maxErrorRate).toBeUndefined();
  });
});

describe('a retrieval depth in words', () => {
  it.each([
    ['index docs/**/*.md, then see whether the top five hits answer evals/q.jsonl', 5],
    ['embed notes/*.txt and test if the top-ten results answer the questions in evals/q.jsonl', 10],
    ['after indexing docs/*.md, check that the first four passages answer evals/q.jsonl', 4],
  ])('%s', (goal, k) => {
    expect(parseAi(goal)).toMatchObject({ k });
  });
  it('"the top one" and ordinals are no depth', () => {
    expect(parseAi('index docs/**/*.md and tell me the top one for evals/q.jsonl')?.k).toBeUndefined();
  });
});

describe('a new threshold in words, said in a follow-up', () => {
  const f = () => parseGoal('classify churn in data/c.csv and deploy if accuracy is at least 0.8');
  it.each([
    ['raise the bar to ninety percent', 0.9],
    ['make the threshold zero point eight five', 0.85],
    ['lower it to point seven', 0.7],
  ])('%s', (text, value) => {
    expect(applyEdit(f(), text).gate).toMatchObject({ kind: 'threshold', value });
  });
  it('a count is no new threshold', () => {
    expect(applyEdit(f(), 'raise the bar for both models').gate).toMatchObject({ value: 0.8 });
  });
});
