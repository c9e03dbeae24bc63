/** Round 11 wordings, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { saysNoDeploy } from '../../../agents/planner/offline/negations.ts';
import { parseDeriveClip } from '../../../agents/planner/offline/prep-derive.ts';
import { parseSelect } from '../../../agents/planner/offline/prep-select.ts';
import { parseSchedule } from '../../../agents/planner/offline/schedule.ts';
import { targetBeforeSource } from '../../../agents/planner/offline/target-loose.ts';

describe('a column list kept beside a row filter is a select', () => {
  it.each([
    ['keep only month, region and sales, keep rows after 2010, save it', 'month, region and sales'],
    ['retain just day, temp and rain; then drop rows where rain is missing', 'day, temp and rain'],
    ['only keep years, country and pop, and keep rows from 1990 on', 'years, country and pop'],
  ])('%s', (goal, list) => {
    expect(parseSelect(goal).map((s) => (s.p as { list: string }).list)).toContain(list);
  });
  it.each(['keep only rows from 2005 onwards', 'keep only the last three years', 'keep only year 2005'])(
    'still rows: %s',
    (goal) => {
      expect(parseSelect(goal)).toEqual([]);
    },
  );
});

describe('a target named first, before "off/from/on <file>"', () => {
  it.each([
    ['price off data/homes.csv with gradient boosting', 'price'],
    ['churn on data/customers.parquet, random forest, 50 trees', 'churn'],
    ['Yield from data/farm.csv using xgboost please', 'Yield'],
  ])('%s', (goal, col) => {
    expect(targetBeforeSource(goal)).toEqual([col]);
  });
  it.each([
    'load data/homes.csv and train a forest',
    'read from data/farm.csv, predict yield',
    'train on data/customers.parquet',
  ])('no leading column: %s', (goal) => {
    expect(targetBeforeSource(goal)).toEqual([]);
  });
});

describe('times of day said as words', () => {
  it.each([
    ['every Monday at four am run the job', '0 4 * * 1'],
    ['nightly at two a.m. score the cars', '0 2 * * *'],
    ['daily at five pm send it', '0 17 * * *'],
    ['each day at half past six', '30 6 * * *'],
  ])('%s', (goal, cron) => {
    expect(parseSchedule(goal)?.cron).toBe(cron);
  });
});

describe('prep values said as words', () => {
  it.each([
    ['clip rain between zero and twelve', 0, 12],
    ['humidity clipped to between 0 and ten', 0, 10],
    ['cap speed between one point five and nine', 1.5, 9],
  ])('%s', (goal, lower, upper) => {
    expect(parseDeriveClip(goal).map((c) => c.p)).toContainEqual(
      expect.objectContaining({ op: 'clip', lower, upper }),
    );
  });
  it('a plain word is no bound: "clip it between the lines"', () => {
    expect(parseDeriveClip('clip rain between the lines').filter((c) => c.p.op === 'clip')).toEqual([]);
  });
});

describe('"we are not shipping it yet" means no deploy', () => {
  it.each([
    'register it as demand-gb, we are not deploying it for now',
    "train and register, we're not shipping this one yet",
    'log it in the registry; I am not releasing it',
    "the team isn't serving it yet, just register",
  ])('%s', (goal) => {
    expect(saysNoDeploy(goal)).toBe(true);
  });
  it.each([
    'the model is not deployed yet, so deploy it to staging',
    'deploy it; we are not keeping the old one',
  ])('still deploys: %s', (goal) => {
    expect(saysNoDeploy(goal)).toBe(false);
  });
});
