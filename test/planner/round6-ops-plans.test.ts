/**
 * Round 6 operational plans on the populated workspace, in other words than any eval goal: the training data of a
 * version named by number in a drift check is that version's.
 */
import { describe, expect, it } from 'vitest';
import { populatedPlanner, taskStep } from '../helpers/populated-planner.ts';

const { planOf, resultOf } = populatedPlanner();
const step = taskStep;

describe('drift against the training data of a version said by number', () => {
  it.each([
    [
      'is penguins-species traffic from the past day drifting from the rows penguins-species v1 was fit on?',
      'penguins-species:1',
    ],
    [
      'check drift of cars-mpg requests over the last 3 hours against the training data of cars-mpg version 2',
      'cars-mpg:2',
    ],
  ])('%s', async (goal, model) => {
    const p = await planOf(goal);
    expect(step(p, 'model.dataset')?.with.model).toBe(model);
    expect(step(p, 'monitor.traffic')?.with.model).toBe(model.split(':')[0]);
  });
  it('without a version the served version is compared with its own training data', async () => {
    const p = await planOf('is the cars-mpg traffic of the last day drifting from its training data?');
    expect(step(p, 'model.dataset')?.with.model).toBe('cars-mpg@production');
  });
});

describe('a rollback to an alias', () => {
  it('asks when the model has no such alias, naming it', async () => {
    const r = await resultOf('take cars-mpg back to whatever the golden alias is on');
    expect(r.kind).toBe('clarify');
    expect(JSON.stringify(r)).toContain('golden');
  });
  it('goes back to the version an existing alias names', async () => {
    const p = await planOf(
      'roll penguins-species production back to the version the staging alias points at',
    );
    expect(step(p, 'model.rollback')?.with).toMatchObject({ model: 'penguins-species', toVersion: 3 });
  });
});

describe('a version by the day it was registered', () => {
  it('scores with the version registered that day', async () => {
    const p = await planOf(
      'use the cars-mpg model which got registered 5 days ago to score data/new-cars.json',
    );
    expect(step(p, 'predict.batch')?.with.model).toBe('cars-mpg:1');
  });
  it('asks when no version was registered that day', async () => {
    const r = await resultOf('score data/new-cars.json with the cars-mpg version registered 20 days ago');
    expect(r.kind).toBe('clarify');
  });
});
