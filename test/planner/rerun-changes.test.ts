/**
 * Reruns with changes said beside them: a parameter replaced ("with 60 trees rather than 25"), a new gate replacing
 * the run's own, the result parked on an alias, no deploy, today's refreshed file; and retraining "the way the
 * production version was trained" as a rerun of the run behind production. Other words than any eval goal.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/index.ts';
import { populatedPlanner, taskStep } from '../helpers/populated-planner.ts';

const planner = populatedPlanner();
const { planOf } = planner;
const step = taskStep;
const basedOn = (p: Plan) =>
  (p.metadata as { basedOn?: { runId?: string; dataVersions?: string[] } }).basedOn;

describe('a rerun with changes', () => {
  it.each([
    (id: string) => `${id} again, this time with 60 trees rather than 25`,
    (id: string) => `redo ${id} but use 60 trees`,
  ])('replaces a parameter (%#)', async (goal) => {
    const p = await planOf(goal(planner.ws.facts.runs.penguinsV1.id));
    expect(basedOn(p)?.runId).toBe(planner.ws.facts.runs.penguinsV1.id);
    expect(step(p, 'train.tabular')?.with).toMatchObject({
      algorithm: 'random_forest',
      params: { nEstimators: 60 },
    });
  });
  it('replaces the gate of the run with the one said', async () => {
    const p = await planOf(
      `rerun ${planner.ws.facts.runs.weatherTuesday.id} and register it if accuracy reaches 0.8`,
    );
    const when = step(p, 'model.register')?.when ?? '';
    expect(when).toContain('accuracy >= 0.8');
    expect(when).not.toContain('0.99');
  });
  it('keeps the run as it was when nothing is changed', async () => {
    const p = await planOf(`rerun ${planner.ws.facts.runs.weatherTuesday.id} exactly as it was`);
    expect(step(p, 'model.register')?.when).toContain('accuracy >= 0.99');
    expect(step(p, 'train.tabular')?.with.params).toEqual({ nEstimators: 30, maxDepth: 8 });
  });
  it('reads the updated file of today as the newest data', async () => {
    const p = await planOf("rerun last tuesday's weather training on today's updated file");
    expect(basedOn(p)?.dataVersions?.[0]).toContain('seattle-weather@');
  });
});

describe('retraining the way a model was trained', () => {
  it.each([
    'retrain penguins-species just like the production version was built, stage the result, no deploy',
    'train penguins-species again the same way the version in production was trained; put it on staging and do not deploy',
  ])('%s', async (goal) => {
    const p = await planOf(goal);
    expect(basedOn(p)?.runId).toBe(planner.ws.facts.runs.penguinsV2.id);
    expect(step(p, 'train.tabular')?.with).toMatchObject({ algorithm: 'logistic_regression' });
    expect(step(p, 'model.register')?.with).toMatchObject({ alias: 'staging' });
    expect(step(p, 'deploy.http')).toBeUndefined();
  });
});

describe('training on the newest version of a named dataset', () => {
  it.each([
    'fit a random forest for the weather column on the latest version of the seattle-weather dataset',
    'train a knn classifier predicting weather from the most recent seattle-weather data',
  ])('%s', async (goal) => {
    const p = await planOf(goal);
    const newest = planner.ws.facts.datasets['seattle-weather']?.at(-1) as string;
    expect(step(p, 'ingest.file')?.with).toMatchObject({ path: 'data/seattle-weather.csv' });
    expect(JSON.stringify(p.metadata)).toContain(newest);
  });
});

describe('which run and which data, said loosely', () => {
  it('retrains the way a numbered version was trained', async () => {
    const p = await planOf('retrain penguins-species exactly as v1 was trained, but do not deploy');
    expect(basedOn(p)?.runId).toBe(planner.ws.facts.runs.penguinsV1.id);
    expect(step(p, 'deploy.http')).toBeUndefined();
  });
  it('reads a dataset by a word of its name when only one dataset has it', async () => {
    const p = await planOf('redo the run that produced penguins-species v2 with the newest penguins data');
    expect(basedOn(p)?.dataVersions?.[0]).toMatch(/^penguins-clean@/);
  });
});

describe('a rerun that adds a deploy or a message', () => {
  it('deploys a run that did not, when asked', async () => {
    const p = await planOf(`${planner.ws.facts.runs.carsV2.id} again, and ship it to production this time`);
    const deploys = p.steps.filter((s) => s.kind === 'task' && s.task === 'deploy.http');
    expect(deploys).toHaveLength(1);
    expect(step(p, 'deploy.http')?.with).toMatchObject({ model: 'cars-mpg' });
  });
  it('keeps one deploy when the run deployed already', async () => {
    const p = await planOf(`redo ${planner.ws.facts.runs.penguinsV1.id} and deploy it`);
    expect(p.steps.filter((s) => s.kind === 'task' && s.task === 'deploy.http')).toHaveLength(1);
  });
  it('messages slack after a rerun when asked', async () => {
    const p = await planOf(
      `rerun ${planner.ws.facts.runs.weatherTuesday.id} and ping slack when it finishes`,
    );
    expect(step(p, 'notify.send')?.with).toMatchObject({ channel: 'slack' });
  });
});

describe('a rerun with a column put right', () => {
  it.each([
    (id: string) => `give ${id} another go, but with Horsepower instead of Horsepwr`,
    (id: string) => `retry ${id}; the correct column is Horsepower`,
  ])('renames the column in the run plan (%#)', async (goal) => {
    const p = await planOf(goal(planner.ws.facts.runs.failedYesterday.id));
    const text = JSON.stringify(p.steps);
    expect(text).toContain('\\"Horsepower\\"');
    expect(text).not.toContain('Horsepwr');
  });
  it('leaves the plan alone when the old name is not in it', async () => {
    const p = await planOf(`redo ${planner.ws.facts.runs.penguinsV1.id} with Island instead of Sex`);
    expect(JSON.stringify(p.steps)).not.toContain('Island');
  });
});
