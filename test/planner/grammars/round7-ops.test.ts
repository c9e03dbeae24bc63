/** Round 7 operations, in other words than any eval goal: fractional spans, "maximal", sign-off obtained, country clocks, word percents. */
import { describe, expect, it } from 'vitest';
import { metricMentions, parseGate } from '../../../agents/planner/offline/gate.ts';
import { parseDrift } from '../../../agents/planner/offline/monitoring.ts';
import { parseHoldFor, parseWatchLimits } from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseApprovers } from '../../../agents/planner/offline/resources.ts';
import { parseTimezone } from '../../../agents/planner/offline/schedule.ts';

describe('a span said as a fraction of an hour', () => {
  it.each([
    ['canary churn-risk v4 at 10% for half an hour', '30m'],
    ['send a fifth of requests to fraud v2 for a quarter of an hour', '15m'],
    ['hold the canary for an hour and a half before promoting', '90m'],
    ['keep it on 10% for one and a half hours', '90m'],
  ])('%s', (text, d) => {
    expect(parseHoldFor(text)).toBe(d);
  });
  it('a whole hour is unchanged', () => {
    expect(parseHoldFor('canary churn-risk v4 at 10% for an hour')).toBe('1h');
    expect(parseHoldFor('canary it for 2 hours')).toBe('2h');
  });
});

describe('"maximal" and "at maximum" as at most', () => {
  const g = (t: string) => parseGate(t, metricMentions(t));
  it.each([
    ['register it only if the mae is maximal 2.5', 'mae', 2.5],
    ['deploy when log loss is at maximum 0.4', 'log_loss', 0.4],
    ['promote it if rmse is maximally 7', 'rmse', 7],
  ])('%s', (text, metric, value) => {
    expect(g(text)).toEqual({ kind: 'threshold', metric, op: '<=', value });
  });
  it('"at most" and "above" are unchanged', () => {
    expect(g('deploy if rmse is at most 4')).toMatchObject({ op: '<=', value: 4 });
    expect(g('deploy if accuracy is above 0.9')).toMatchObject({ op: '>', value: 0.9 });
  });
});

describe('a sign-off obtained from named people', () => {
  it.each([
    ['promote it once approval has been received from both mia and tom', ['mia', 'tom']],
    ['ship v3 after sign-off is given by kim', ['kim']],
    ['release it when the go-ahead has been granted by lee and ana', ['lee', 'ana']],
  ])('%s', (text, names) => {
    expect(parseApprovers(text)).toEqual(names);
  });
  it('a sign-off from a pronoun names no one', () => {
    expect(parseApprovers('deploy it after approval has been given by me')).toEqual([]);
  });
});

describe('a country as a clock', () => {
  it.each([
    ['run it every day at 7am, Japan time', 'Asia/Tokyo'],
    ['retrain weekly on Fridays at 5pm Germany time', 'Europe/Berlin'],
    ['only weekdays, India time', 'Asia/Kolkata'],
  ])('%s', (text, zone) => {
    expect(parseTimezone(text)).toBe(zone);
  });
  it('a country that is no clock is no zone', () => {
    expect(parseTimezone('train a model on data/india.csv every day')).toBeUndefined();
    expect(parseTimezone('predict sales in Japan every day at 6')).toBeUndefined();
  });
});

describe('an error rate limit written in words', () => {
  it.each([
    ['roll it back if the error rate climbs above two percent', 0.02],
    ['revert when the failure rate passes five per cent', 0.05],
    ['and should the error rate top 4 percent, undo it', 0.04],
  ])('%s', (text, rate) => {
    expect(parseWatchLimits(text).maxErrorRate).toBe(rate);
  });
  it('a digit percent is unchanged', () => {
    expect(parseWatchLimits('roll back if the error rate goes over 3%').maxErrorRate).toBe(0.03);
  });
});

describe('a drift statistic with its threshold said after "with"', () => {
  it.each([
    ['check churn inputs for drift using psi with a threshold of 0.15', 0.15],
    ['compare last week to training with PSI, threshold 0.3, and alert me', 0.3],
    ['run a PSI check with a cutoff at 0.25 every day', 0.25],
  ])('%s', (text, psi) => {
    expect(parseDrift(text)?.psi).toBe(psi);
  });
  it('a PSI limit said plainly is unchanged', () => {
    expect(parseDrift('alert if PSI goes over 0.2')?.psi).toBe(0.2);
    expect(parseDrift('check drift with a threshold of 0.2')?.psi).toBeUndefined();
  });
});

describe('a rollback said as putting a version back', () => {
  it.each([
    ['churn-risk is broken since the upgrade. Bring the very first version back online.', 1],
    ['fraud-detector misbehaves; put version 2 back in front of customers', 2],
    ['please put the second version of churn-risk back live', 2],
  ])('%s', (text, version) => {
    const g = parseGoal(text);
    expect(g.operation).toBe('rollback');
    expect(g.rollback?.toVersion).toBe(version);
  });
  it('a version put on traffic is no rollback', () => {
    expect(parseGoal('put the second version of churn-risk on 10% of traffic').operation).not.toBe(
      'rollback',
    );
  });
});
