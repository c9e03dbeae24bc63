/**
 * Two word classes, in other words than any eval goal:
 * - a deploy verb over a registered model written bare, with nothing to train from, promotes an existing version
 *   (the newest one newer than production) instead of training a new one; training words keep training;
 * - served traffic compared with the data the model was trained on is a drift check of the served traffic even
 *   without a drift word; "traffic" for a canary and "training data" for a retrain do not change.
 */
import { describe, expect, it } from 'vitest';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const planner = populatedPlanner();
const tasks = (steps: { kind?: string; task?: string }[]) => steps.map((s) => s.task ?? s.kind);

describe('a registered model written bare with a deploy verb and no training words', () => {
  it.each([
    ['roll out cars-mpg', 'cars-mpg', 2],
    ['release penguins-species to prod', 'penguins-species', 3],
    ['push the newest penguins-species', 'penguins-species', 3],
    ['could you get cars-mpg into production?', 'cars-mpg', 2],
  ])('%s: promotes %s v%i through the approval, training nothing', async (goal, model, version) => {
    const plan = await planner.planOf(goal);
    expect(plan.metadata?.operation).toBe('promote');
    expect(tasks(plan.steps)).not.toContain('train.tabular');
    expect(plan.steps.some((s) => s.kind === 'approval')).toBe(true);
    expect(taskStep(plan, 'deploy.http')?.with).toMatchObject({ model, version });
    // Production is compared with the candidate on its held-out rows first.
    expect(taskStep(plan, 'evaluate.model')?.with.baseline).toBe(`${model}@production`);
  });
  it('a model with no version newer than production: a question about it, not about data', async () => {
    const r = await planner.resultOf('make flights-delay live');
    expect(r.kind).toBe('clarify');
    if (r.kind === 'clarify') expect(r.question).toMatch(/flights-delay/);
  });
  it.each([
    'retrain penguins-species and deploy it',
    'deploy penguins-species after fitting it on data/penguins.json',
    'train a new cars-mpg on data/cars.json and ship it',
  ])('training words keep training: %s', async (goal) => {
    const plan = await planner.planOf(goal);
    expect(tasks(plan.steps)).toContain('train.tabular');
  });
  it('a bare name that no model has is still a pipeline to build (it asks for the data)', async () => {
    const r = await planner.resultOf('deploy churn-scorer');
    expect(r.kind).toBe('clarify');
    if (r.kind === 'clarify') expect(r.question).toMatch(/Which data/);
  });
});

describe('served traffic compared with the training data, without a drift word', () => {
  it.each([
    ['has what the live penguins model sees moved away from its training data?', 'penguins-species'],
    ['is cars-mpg receiving inputs unlike the data it learned from?', 'cars-mpg'],
    ['does what penguins-species gets today still resemble what it learned from?', 'penguins-species'],
  ])('%s: a served-traffic drift check of %s', async (goal, model) => {
    const plan = await planner.planOf(goal);
    expect(plan.metadata?.operation).toBe('monitor-traffic');
    expect(taskStep(plan, 'monitor.traffic')?.with.model).toBe(model);
    expect(tasks(plan.steps)).toContain('monitor.drift');
    expect(tasks(plan.steps)).not.toContain('train.tabular');
  });
  it.each([
    'is production getting data unlike what it learned from?',
    'has the traffic moved away from what it was fit on?',
    'have the requests drifted away from what v2 was trained on?',
  ])('no model named (several are served): asks which model: %s', async (goal) => {
    expect(parseGoal(goal).operation).toBe('monitor-traffic');
    const r = await planner.resultOf(goal);
    expect(r.kind).toBe('clarify');
    if (r.kind === 'clarify') {
      expect(r.question).toMatch(/cars-mpg/);
      expect(r.question).not.toMatch(/"(?:what|which) v\d/);
    }
  });
  it.each([
    ['send 10% of penguins-species traffic to v3 for an hour', 'canary'],
    ['shift a fifth of the cars-mpg traffic to version 2 for 30 minutes', 'canary'],
    ['retrain cars-mpg on its training data', 'pipeline'],
    ['refit penguins-species on the training data it had plus data/penguins.json', 'pipeline'],
  ])('unchanged: %s', (goal, operation) => {
    expect(parseGoal(goal).operation).toBe(operation);
  });
});
