/** Round 14 (lead): column lists with bracketed units, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../agents/planner/edits.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { versionDaysAgo } from '../../../agents/planner/offline/reference-words.ts';
import { parseSchedule } from '../../../agents/planner/offline/schedule.ts';
import { parseSources } from '../../../agents/planner/offline/sources.ts';
import { versionDeployedDaysAgo, versionRegisteredDaysAgo } from '../../../agents/planner/registered-day.ts';
import type { ModelFacts } from '../../../src/lineage/resolve.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const of = (goal: string, op: string) => parsePrep(goal).filter((p) => p.op === op);

describe('a select list keeps bracketed units: "keep only Height (cm) and Weight (kg)"', () => {
  it.each([
    [
      'keep only Name, Height (cm) and Weight (kg), then save it as people-slim',
      'Name, Height (cm) and Weight (kg)',
    ],
    [
      'select the columns Price (USD), Rooms and Area (m2) from data/flats.csv',
      'Price (USD), Rooms and Area (m2)',
    ],
    ['retain just Speed (km/h) and Distance (km) before versioning', 'Speed (km/h) and Distance (km)'],
  ])('%s', (goal, list) => {
    expect(of(goal, 'select')).toEqual([{ op: 'select', list }]);
  });
  it.each([
    ['keep only Name and Age (the rest is noise), then save it', 'Name and Age'],
    ['keep only Title and Year (as columns); drop duplicates', 'Title and Year'],
  ])('a bracketed remark still ends the list: %s', (goal, list) => {
    expect(of(goal, 'select')).toEqual([{ op: 'select', list }]);
  });
});

describe('a version by the day it went live reads the alias history, not the registration day', () => {
  const now = new Date('2026-06-10T15:00:00');
  const iso = (daysBack: number) => new Date(now.getTime() - daysBack * 86_400_000).toISOString();
  // v2 was registered five days ago and promoted two days ago; v1 went live eight days ago and came back today.
  const model = {
    name: 'churn',
    versions: [2, 1].map((version) => ({ version, createdAt: iso(version === 2 ? 5 : 9) })),
    aliases: { production: 1 },
    productionHistory: [1, 2, 1],
    productionMoves: [
      { version: 1, at: iso(8) },
      { version: 2, at: iso(2) },
      { version: 1, at: iso(0) },
    ],
  } as unknown as ModelFacts;
  const look = { runs: () => [], now: () => now } as unknown as Parameters<typeof versionDeployedDaysAgo>[2];

  it.each([
    [2, 2],
    [8, 1],
    [0, 1],
  ])('went live %i days ago → v%i', (days, version) => {
    expect(versionDeployedDaysAgo(model, days, look)).toEqual({ version });
  });
  it('registered five days ago is still v2 by registration', () => {
    expect(versionRegisteredDaysAgo(model, 5, look)).toEqual({ version: 2 });
  });
  it('a day production did not move asks, with the days it did', () => {
    const r = versionDeployedDaysAgo(model, 5, look);
    expect(r).toHaveProperty('question');
    expect((r as { question: string }).question).toMatch(/No version of churn went live 5 days ago.*v2 on/);
  });
  it.each([
    [' that went live 2 days back', { days: 2, deployed: true }],
    [' we shipped three days ago', { days: 3, deployed: true }],
    [' which was registered 4 days ago', { days: 4, deployed: false }],
  ])('the verb says which day: %s', (after, want) => {
    expect(versionDaysAgo(after)).toEqual(want);
  });
});

describe('a path that does not exist, after a verb that writes, is where results go (another source is read)', () => {
  const planner = populatedPlanner();
  it.each([
    [
      'score data/penguins.json with penguins-species and keep whatever comes out in out/birds.csv',
      'out/birds.csv',
    ],
    [
      'score data/new-cars.json with cars-mpg, then save everything it gives back to reports/mpg-today.csv',
      'reports/mpg-today.csv',
    ],
    [
      'predict with the production cars model on data/new-cars.json and store what we get back at preds/today.parquet',
      'preds/today.parquet',
    ],
  ])('%s', async (goal, output) => {
    const plan = await planner.planOf(goal);
    expect(JSON.stringify(taskStep(plan, 'predict.batch')?.with)).toContain(output);
  });
  it.each([
    ['score data/missing-cars.json with cars-mpg', 'data/missing-cars.json'],
    ['predict mpg from data/nothing-here.csv and save the model to out/', 'data/nothing-here.csv'],
    [
      'score data/new-cars.json with cars-mpg and compare it with data/old-cars-gone.json',
      'data/old-cars-gone.json',
    ],
  ])('a missing input still asks: %s', async (goal, path) => {
    const r = await planner.resultOf(goal);
    expect(r.kind).toBe('clarify');
    expect(JSON.stringify(r)).toContain(path);
  });
});

describe('a weekday said of the past ("last Tuesday", "Friday\'s run") is no schedule', () => {
  it.each([
    'retrain the weather model from last Tuesday on data/seattle-weather.csv',
    "redo Friday's cars training on data/cars.json",
    'the run from this past Monday failed; run it again on data/cars.json',
    'compare it with the model we trained on the previous Wednesday',
  ])('%s', (goal) => {
    expect(parseSchedule(goal)).toBeUndefined();
  });
  it.each([
    ['retrain on data/cars.json every Tuesday at 6am', '0 6 * * 2'],
    ['on Mondays, retrain it; the last run was fine', '0 0 * * 1'],
    ['every Friday retrain it like last Tuesday', '0 0 * * 5'],
  ])('a recurring day still schedules: %s', (goal, cron) => {
    expect(parseSchedule(goal)?.cron).toBe(cron);
  });
});

describe('a URL that is told something (a webhook) is no data source', () => {
  it.each([
    'check data/cars.json for drift against data/new-cars.json and post to the webhook https://hooks.example.ng/drift when it drifts',
    'notify https://hooks.slack.com/services/T0/B0/x on failure; train on data/cars.json for mpg',
    'train on data/cars.json for mpg and call https://ops.example.com/api/notify when it is done',
    'retrain data/cars.json for mpg, on failure send a POST to https://alerts.example.com/pw',
  ])('%s', (goal) => {
    expect(parseSources(goal).filter((s) => s.kind === 'url')).toEqual([]);
  });
  it.each([
    ['predict species from https://example.com/penguins.csv', 'https://example.com/penguins.csv'],
    ['load https://data.example.org/x.json and version it', 'https://data.example.org/x.json'],
  ])('a URL that is read still is: %s', (goal, url) => {
    expect(parseSources(goal)).toEqual([{ kind: 'url', url }]);
  });
});

describe('a follow-up that swaps the version: "actually v2, not prod"', () => {
  const edit = (goal: string, then: string) => applyEdit(parseGoal(goal), then);
  it.each([
    ['score data/new-cars.json with cars-mpg prod', 'actually v2, not prod', 2],
    ['score data/new-cars.json with the production cars-mpg', 'sorry, version 2 rather than production', 2],
    [
      'score data/penguins.json with penguins-species in production',
      'use version 3 instead of the production one',
      3,
    ],
  ])('%s / %s', (goal, then, version) => {
    const refs = edit(goal, then).refs.models.filter((r) => r.role !== 'baseline');
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ version });
    expect(refs[0]?.alias).toBeUndefined();
  });
  it.each([
    ['score data/new-cars.json with cars-mpg prod', 'actually v2', 'cars-mpg', 2],
    ['score data/penguins.json with penguins-species', 'sorry, make it version 1', 'penguins-species', 1],
    ['score data/new-cars.json with cars-mpg', 'oh wait, v2 please', 'cars-mpg', 2],
  ])('words that open a correction keep the model: %s / %s', (goal, then, name, version) => {
    const refs = edit(goal, then).refs.models.filter((r) => r.role !== 'baseline');
    expect(refs).toHaveLength(1);
    expect(refs[0]).toMatchObject({ words: [name], version });
  });
  it('a follow-up without a negation keeps its model words', () => {
    const refs = edit('score data/new-cars.json with cars-mpg prod', 'use the staging one').refs.models;
    expect(refs.some((r) => r.alias === 'staging')).toBe(true);
  });
});
