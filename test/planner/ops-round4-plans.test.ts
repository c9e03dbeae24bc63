/**
 * Round-4 operational plans on the populated workspace: a model by the role it plays now, a tag that is no
 * alias (a question naming the real ones, never a deploy), a time of day beside a model, outputs after an arrow.
 * Other words than any eval goal.
 */
import { describe, expect, it } from 'vitest';
import { dayRange } from '../../agents/planner/resolve.ts';
import { populatedPlanner, taskStep } from '../helpers/populated-planner.ts';

const planner = populatedPlanner();
const { planOf, resultOf } = planner;
const step = taskStep;

describe('round-4 operational plans', () => {
  it('scores with the model serving traffic now, written after an arrow', async () => {
    const p = await planOf(
      'run data/new-cars.json past the cars model that is currently deployed -> out/now.csv',
    );
    expect(step(p, 'predict.batch')?.with).toMatchObject({
      model: 'cars-mpg@production',
      output: 'out/now.csv',
    });
    expect(step(p, 'train.tabular')).toBeUndefined();
  });
  it('asks about a tag that is no alias, naming the real ones', async () => {
    const r = await resultOf('ship the cars-mpg version labelled nightly-candidate');
    expect(r.kind).toBe('clarify');
    const q = JSON.stringify(r);
    expect(q).toContain('nightly-candidate');
    expect(q).toContain('staging');
  });
  it('plans a schedule in a US region clock', async () => {
    const p = await planOf('weekdays at 8am Pacific time score data/new-cars.json with cars-mpg@production');
    expect(p.trigger).toMatchObject({ schedule: '0 8 * * 1-5', timezone: 'America/Los_Angeles' });
  });
  it('reads a time of day beside a model as the schedule, in a city clock', async () => {
    const p = await planOf(
      'each saturday at 7:15 (London time) score data/new-cars.json with cars-mpg@staging',
    );
    expect(p.trigger).toMatchObject({ schedule: '15 7 * * 6', timezone: 'Europe/London' });
    expect(step(p, 'predict.batch')?.with).toMatchObject({ model: 'cars-mpg@staging' });
  });
  it.each([
    [
      "if penguins-species' error rate over the past 2 hours was above 3%, revert it to v1",
      '2h',
      'errorRate > 0.03',
    ],
    [
      'roll penguins-species back should its p99 for the last hour exceed 900 ms',
      '1h',
      'latencyMs.p99 > 900',
    ],
  ])('checks a window that is behind us before a rollback: %s', async (goal, window, cond) => {
    const p = await planOf(goal);
    expect(step(p, 'serving.metrics')?.with).toMatchObject({ window });
    expect(step(p, 'serving.watch')).toBeUndefined();
    expect(p.steps.find((s) => s.id === 'rollback')?.when).toContain(cond);
  });
  it('still watches ahead when the window is to come', async () => {
    const p = await planOf(
      'keep an eye on penguins-species for the next 40 minutes and roll back if p95 tops 700 ms',
    );
    expect(step(p, 'serving.watch')?.with).toMatchObject({ duration: '40m', maxP95Ms: 700 });
  });
});

describe('round-4 promotions and reports', () => {
  it.each([
    ['roll out cars-mpg v2 to everyone', 2],
    ['roll the staging cars-mpg out to all users', 2],
    ['go ahead and roll out the cars-mpg version tagged staging', 2],
  ])('"roll out" promotes an existing version: %s', async (goal, version) => {
    const p = await planOf(goal);
    expect(step(p, 'train.tabular')).toBeUndefined();
    expect(JSON.stringify(step(p, 'deploy.http')?.with)).toContain(`"version":${version}`);
  });
  it('scores with a role phrase that also names the model', async () => {
    const p = await planOf('with the current production cars one, score data/new-cars.json into scores/');
    expect(step(p, 'predict.batch')?.with).toMatchObject({ model: 'cars-mpg@production', output: 'scores/' });
  });
  it('reads "how many predictions has <model> made" as a serving report', async () => {
    const p = await planOf(
      'how many predictions has the cars model made in the last 6 hours, and how many errored',
    );
    expect(step(p, 'serving.metrics')?.with).toMatchObject({ model: 'cars-mpg', window: '6h' });
    expect(step(p, 'train.tabular')).toBeUndefined();
  });
});

describe('round-4 drift, report days and undone promotions', () => {
  it.each([
    'is the production cars model getting different inputs than it was trained on lately',
    'are the requests to cars-mpg unlike what it trained on?',
  ])('served inputs vs what the model trained on is a drift check: %s', async (goal) => {
    const p = await planOf(goal);
    expect(step(p, 'monitor.traffic')?.with).toMatchObject({ model: 'cars-mpg' });
    expect(step(p, 'train.tabular')).toBeUndefined();
  });
  it.each([
    ["what was cars-mpg's error rate yesterday", 'yesterday'],
    ['how many requests did cars-mpg get today', 'today'],
  ] as const)('a serving report on a day reads from that day: %s', async (goal, day) => {
    const p = await planOf(goal);
    expect(step(p, 'serving.metrics')?.with.since).toBe(dayRange(day, planner.ws.now)[0].toISOString());
  });
  it.each(["undo yesterday's promotion of penguins-species", 'undo that deploy of penguins-species'])(
    'undoing a promotion is a rollback: %s',
    async (goal) => {
      const p = await planOf(goal);
      expect(step(p, 'model.rollback')?.with).toMatchObject({ model: 'penguins-species' });
      expect(step(p, 'train.tabular')).toBeUndefined();
    },
  );
});
