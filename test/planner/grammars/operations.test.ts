/** operations.ts: canaries, serving limits, rollbacks, report windows, outputs, and which operation a goal is. */
import { describe, expect, it } from 'vitest';
import {
  durationOf,
  parseCanaryShare,
  parseHoldFor,
  parseOutput,
  parseRollback,
  parseWatchLimits,
  parseWindow,
} from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

describe('canary share and duration', () => {
  it.each([
    ['send a quarter of the traffic to v3', 0.25],
    ['canary cars-mpg v2 at 10% for 30 minutes', 0.1],
    ['roll out the staging model to 5% of requests', 0.05],
    ['give half the requests to the new model', 0.5],
  ])('%s → %s', (text, share) => {
    expect(parseCanaryShare(text)).toBe(share);
  });

  it('reads durations in words and digits', () => {
    expect(parseHoldFor('for two hours')).toBe('2h');
    expect(parseHoldFor('for 30 minutes')).toBe('30m');
    expect(parseHoldFor('for a day')).toBe('1d');
    expect(parseHoldFor('in the next hour')).toBe('1h');
    expect(durationOf('2', 'weeks')).toBe('14d');
    expect(parseWindow('over the last 2 hours')).toBe('2h');
    expect(parseWindow('check the last 24 hours of requests')).toBe('24h');
  });
});

describe('serving limits', () => {
  it.each([
    ['promote it unless errors rise', { maxErrorRateIncrease: 0.01 }],
    ['roll back if the error rate goes above 2%', { maxErrorRate: 0.02 }],
    ['if its p95 latency doubles', { maxP95Factor: 2 }],
    ['if p95 latency stays under 1.5x', { maxP95Factor: 1.5 }],
    ['roll back if p99 is above 500 ms', { maxP99Ms: 500 }],
    ['if the p95 latency goes over 0.3 seconds', { maxP95Ms: 300 }],
  ])('%s', (text, want) => {
    expect(parseWatchLimits(text)).toEqual(want);
  });

  it('a rollback: to a version, and only on a breach when limits and a condition are said', () => {
    expect(parseRollback('roll back penguins-species to version 1 now', {})).toEqual({
      toVersion: 1,
      onBreach: false,
    });
    expect(parseRollback('take it back to its previous version if p95 doubles', { maxP95Factor: 2 })).toEqual(
      {
        onBreach: true,
      },
    );
    expect(parseRollback('roll the flights-delay model back', {})).toEqual({ onBreach: false });
    expect(parseRollback('roll out the model', {})).toBeUndefined();
  });

  it('where scored rows go', () => {
    expect(parseOutput('write the predictions to scores/')).toBe('scores/');
    expect(parseOutput('save the scores as out/cars.csv')).toBe('out/cars.csv');
    expect(parseOutput('write predictions to CSV')).toBeUndefined();
  });
});

describe('which operation a goal is', () => {
  it.each([
    ['score data/new.csv with the production cars model', 'score'],
    ['check the served traffic of the cars-mpg model for drift', 'monitor-traffic'],
    ['show me the error rate and p95 latency of cars-mpg over the last 2 hours', 'serving-metrics'],
    ["rerun yesterday's failed run", 'rerun'],
    ['promote penguins-species v3 to production', 'promote'],
    ['send a quarter of the traffic to the new penguins-species model for two hours', 'canary'],
    ['roll back cars-mpg', 'rollback'],
    ['run scripts/finetune.py on two GPUs', 'script'],
    ['predict species from data/penguins.json and deploy it', 'pipeline'],
    ['retrain the weather classifier on data/w.csv, deploy with a 10% canary', 'pipeline'],
    ['score data/a.json with a delay model trained on data/b.parquet', 'pipeline'],
  ])('%s → %s', (text, op) => {
    expect(parseGoal(text).operation).toBe(op);
  });
});
