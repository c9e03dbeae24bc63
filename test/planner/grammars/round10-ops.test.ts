/** Round 10 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../agents/planner/edits.ts';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseOutput } from '../../../agents/planner/offline/output-path.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const refs = (text: string) => parseModelReferences(maskModels(text, 'modelfamily'));

describe('where scored rows go, said with a participle or "going to"', () => {
  it.each([
    ['give me the penguin model estimates for data/p.csv, saved into the preds/ directory', 'preds/'],
    ['run the flights model over data/f.json, results placed in the results/ folder', 'results/'],
    ['its predictions for data/q.csv, written to out/q.parquet please', 'out/q.parquet'],
    ['score data/x.csv with the cars model, output going to scores/', 'scores/'],
    ['label data/t.csv using the router, predictions heading to out/labels/', 'out/labels/'],
  ])('%s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
  it('a dataset read from a folder is no output', () => {
    expect(parseOutput('train on data/cars.json, loaded from the data/ folder')).toBeUndefined();
    expect(parseOutput('the model going to production is cars-mpg')).toBeUndefined();
  });
});

describe('"the <model> model we registered N days ago" names that day\'s version', () => {
  it.each([
    ['score tx.json with the fraud-detector model we registered 2 days ago', 2],
    ['use the churn-risk classifier that they published four days ago on q.csv', 4],
    ['promote the churn-risk version someone registered ten days ago', 10],
  ])('%s', (text, days) => {
    expect(refs(text)[0]?.registeredDaysAgo).toBe(days);
  });
  it('a day about the data is no version', () => {
    expect(
      refs('score the rows we loaded 3 days ago with the churn-risk model')[0]?.registeredDaysAgo,
    ).toBeUndefined();
  });
});

describe('a canary whose rollback names a version rolls back to that version', () => {
  const planner = populatedPlanner();
  it.each([
    ['give penguins-species v3 a 5% canary for 30 minutes and roll back to v2 if p95 exceeds 300ms', 2],
    [
      'canary version 3 of penguins-species at 20% for an hour; should errors pass 2%, revert to version two',
      2,
    ],
  ])('%s', async (goal, toVersion) => {
    const plan = await planner.planOf(goal);
    expect(plan.metadata?.operation).toBe('canary');
    expect(taskStep(plan, 'model.rollback')?.with).toMatchObject({ model: 'penguins-species', toVersion });
  });
  it('without a named version the rollback only drops the canary', async () => {
    const plan = await planner.planOf(
      'canary penguins-species v3 at 10% for an hour, roll back if p95 passes 300ms',
    );
    expect(taskStep(plan, 'model.rollback')?.with.toVersion).toBeUndefined();
  });
});

describe('a rerun whose new version is parked on a non-production alias does not deploy it', () => {
  const planner = populatedPlanner();
  const run = () => (planner.ws.facts as unknown as { runs: { carsV1: { id: string } } }).runs.carsV1.id;
  const tasks = (goal: string) =>
    planner.planOf(goal).then((p) => p.steps.map((s) => (s.kind === 'task' ? s.task : s.kind)));
  it.each([
    (id: string) => `repeat ${id} exactly as it was and park the new model on the staging alias`,
    (id: string) => `do ${id} over with the same parameters and register the fresh version as staging`,
    (id: string) => `rerun ${id} unchanged, then put what it produces under the staging alias`,
  ])('%#', async (goal) => {
    const t = await tasks(goal(run()));
    expect(t).toContain('model.register');
    expect(t).not.toContain('deploy.http');
  });
  it('a plain rerun keeps the deploy the run had', async () => {
    expect(await tasks(`repeat ${run()} exactly as it was`)).toContain('deploy.http');
  });
});

describe('a registry-style name that scores rows is a model to use, even with a training word inside it', () => {
  const planner = populatedPlanner();
  it.each([
    'score data/q.csv with churn-model and write it to out/',
    'run inference on data/x.json using price-forecaster, results into preds/',
    'scoring data/t.csv through the ticket-classifier please',
  ])('%s', (goal) => {
    expect(parseGoal(goal).operation).toBe('score');
  });
  it('an unknown one is asked about by its name', async () => {
    const r = await planner.resultOf('score data/penguins.json with species-model and save to out/');
    expect(r.kind).toBe('clarify');
    if (r.kind === 'clarify') expect(r.question).toMatch(/species-model/);
  });
  it.each([
    'train a churn-model on data/q.csv',
    'forecast demand-level from data/d.csv with a random forest',
  ])('training stays training: %s', (goal) => {
    expect(parseGoal(goal).operation).toBe('pipeline');
  });
});

describe('a follow-up that sets "the window" of a traffic check or serving report', () => {
  const edit = (goal: string, then: string) => applyEdit(parseGoal(goal), then);
  it.each([
    ['check flights-delay for drift on the requests it got', 'set the window to 48 hours', '48h'],
    [
      'is cars-mpg seeing different inputs in serving than it was trained on?',
      'use a two-week window',
      '14d',
    ],
    ['drift on what penguins-species has been served', 'window of 6 hours, please', '6h'],
  ])('%s / %s', (goal, then, window) => {
    expect(edit(goal, then).trafficSince).toBe(window);
  });
  it('a serving report gets the window too', () => {
    expect(edit('p95 latency of cars-mpg in production', 'make the window 12 hours').servingWindow).toBe(
      '12h',
    );
  });
  it('a span that is no window does not change it', () => {
    expect(edit('drift on what penguins-species has been served', 'and alert slack').trafficSince).toBe(
      parseGoal('drift on what penguins-species has been served').trafficSince,
    );
  });
});

describe('a follow-up that turns a rollout into a canary', () => {
  const edit = (goal: string, then: string) => applyEdit(parseGoal(goal), then);
  it.each([
    [
      'promote penguins-species v3 to production',
      'hmm, do it as a canary with 5% for 30 minutes first',
      0.05,
      '30m',
    ],
    ['ship churn-risk version 4 to prod', 'no wait, canary it at 25% for two hours', 0.25, '2h'],
    ['put flights-delay v2 live', 'rather send only 10% of its traffic to it for 45 minutes', 0.1, '45m'],
  ])('%s / %s', (goal, then, share, duration) => {
    expect(parseGoal(goal).operation).toBe('promote');
    const f = edit(goal, then);
    expect(f.operation).toBe('canary');
    expect(f.canary).toMatchObject({ share, duration });
  });
  it('a follow-up without a canary keeps the rollout', () => {
    expect(
      edit('promote penguins-species v3 to production', 'and tell slack when it is done').operation,
    ).toBe('promote');
  });
});
