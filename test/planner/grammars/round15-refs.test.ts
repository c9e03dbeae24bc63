/** Round 15 references, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { saysNoTraining } from '../../../agents/planner/offline/negations.ts';
import { parseWatchLimits } from '../../../agents/planner/offline/operations.ts';
import { versionDaysAgo } from '../../../agents/planner/offline/reference-words.ts';
import { parseRunReference } from '../../../agents/planner/offline/run-references.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const planner = populatedPlanner();

describe('an error-rate limit after a modal: "has to stay below", "must not over 3% go"', () => {
  it.each([
    ['one more guard: the failure rate needs to remain under 2%', 0.02],
    ['and the error rate should never exceed 4 percent', 0.04],
    ['the error rate may not above 0.5% climb', 0.005],
    ['the 5xx rate must not go over 3%', 0.03],
  ])('%s', (text, rate) => {
    expect(parseWatchLimits(text).maxErrorRate).toBe(rate);
  });
  it('unchanged: an error rate with no limit word is no limit', () => {
    expect(parseWatchLimits('tell me what the error rate must have been at 3%').maxErrorRate).toBeUndefined();
  });
});

describe('"the model of cars that is in staging": description words after the noun, then its alias', () => {
  it.each([
    [
      'score data/penguins.json using the classifier for penguins which sits on prod and save the predictions to out/p.csv',
      'penguins-species@production',
    ],
    [
      "run data/new-cars.json through the model of cars that's currently on production, predictions to out/c.csv",
      'cars-mpg@production',
    ],
    [
      'predict data/new-cars.json with the predictor for cars which is in staging and write them to out/s.csv',
      'cars-mpg@staging',
    ],
  ])('%s', async (goal, model) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'predict.batch')?.with.model).toBe(model);
    expect(taskStep(plan, 'train.tabular')).toBeUndefined();
  });
  it('unchanged: "put the model of cars in staging" names no model at an alias', async () => {
    const r = await planner.resultOf('put the model of cars in staging');
    expect(r.kind === 'plan' && taskStep(r.plan, 'predict.batch')).toBeFalsy();
  });
});

describe('a forbidding modal before training: "must not retrain", "**may not** fit a model", "never retrain it"', () => {
  it.each([
    '- [ ] **must not** retrain or redeploy anything',
    'you cannot train anything, only score.',
    'and never refit it',
    "we mustn't fit a new model, or register it",
  ])('%s', (text) => {
    expect(saysNoTraining(text)).toBe(true);
  });
  it.each([
    'the model must not overfit',
    'must not train on the test rows',
    'we must not retrain unless accuracy drops',
  ])('unchanged: %s', (text) => {
    expect(saysNoTraining(text)).toBe(false);
  });
  it('a checklist that scores with a version and forbids retraining plans the scoring only', async () => {
    const plan = await planner.planOf(
      '- [ ] grab penguins-species version 2\n- [ ] score data/penguins.json with it\n- [ ] save the output to out/p.parquet\n- [ ] **must not** retrain anything',
    );
    expect(taskStep(plan, 'predict.batch')?.with.model).toBe('penguins-species:2');
    expect(taskStep(plan, 'train.tabular')).toBeUndefined();
  });
});

describe('"the <model> version registered yesterday": the word version between the model and its day', () => {
  it.each([
    [' version published two days ago', 2],
    [' version that was registered yesterday', 1],
    [' version added to the registry today', 0],
  ])('%s', (after, days) => {
    expect(versionDaysAgo(after)).toEqual({ days, deployed: false });
  });
  it.each([
    [
      'push data/penguins.json through the penguins model version added to the registry yesterday, save the predictions to out/a.csv',
      'penguins-species:3',
    ],
    [
      'with the penguin classifier version published three days ago, generate predictions for every row of data/penguins.json',
      'penguins-species:2',
    ],
  ])('%s', async (goal, model) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'predict.batch')?.with.model).toBe(model);
  });
  it('unchanged: "version 2 registered" keeps its number', () => {
    expect(versionDaysAgo(' version 2 of it')).toBeUndefined();
  });
});

describe('"retrain the <unknown-name>", no data named: the question is about the model name', () => {
  it.each([
    ['please retrain churn-risk with the latest numbers and deploy it', 'churn-risk'],
    ['keep the demand-planner healthy: refit it on fresh numbers and ship it', 'demand-planner'],
    ['the fraud-scorer needs a retrain on this week of data, then put it live', 'fraud-scorer'],
  ])('%s', async (goal, name) => {
    const r = await planner.resultOf(goal);
    expect(r.kind).toBe('clarify');
    expect(r.kind === 'clarify' && r.question).toContain(name);
  });
  it('unchanged: naming a new model without data still asks for the data', async () => {
    const r = await planner.resultOf('train a model and register it as fraud-scorer');
    expect(r.kind === 'clarify' && r.question).toMatch(/Which data/);
  });
  it('unchanged: retraining a registered model finds its data', async () => {
    const plan = await planner.planOf('retrain cars-mpg and push it live');
    expect(taskStep(plan, 'train.tabular')).toBeDefined();
  });
});

describe('a ticket\'s "Out of scope: retraining, canary." rules those out', () => {
  it.each([
    'Out of scope: dashboards, retraining.',
    'Not in scope: new models or alerting',
    'Non-goals: docs; model fitting.\nDone when: the table exists',
  ])('%s', (text) => {
    expect(saysNoTraining(text)).toBe(true);
  });
  it('unchanged: an out-of-scope item that only mentions training data is no "no training"', () => {
    expect(saysNoTraining('Out of scope: the training data refresh.')).toBe(false);
  });
  it('a ticket to promote what staging holds, canary and retraining out of scope, promotes it', async () => {
    const plan = await planner.planOf(
      'Ask: put the penguins-species model that is in staging into production after Omar approves.\nNot in scope: a canary, any retraining.',
    );
    expect(taskStep(plan, 'train.tabular')).toBeUndefined();
    const deploy = plan.steps.filter((s) => s.kind === 'task' && s.task === 'deploy.http');
    expect(deploy).toHaveLength(1);
    expect((deploy[0] as { with: Record<string, unknown> }).with.version).toBe(3);
  });
});

describe('a cadence run followed by how it ended: "yesterday\'s cars nightly fell over", "the churn weekly crashed"', () => {
  it.each([
    ["monday's penguins weekly crashed, please run it again", 'monday', ['penguins']],
    ["yesterday's iowa hourly blew up - rerun it", 'yesterday', ['iowa']],
    ["last night's weather nightly died; redo it", 'yesterday', ['weather']],
  ])('%s', (goal, day, words) => {
    const r = parseRunReference(goal);
    expect(r?.day).toBe(day);
    expect(r?.words).toEqual(words);
  });
  it('unchanged: "the nightly schedule" is no run', () => {
    expect(parseRunReference('set up a cars nightly schedule at 2am')).toBeUndefined();
  });
  it("a rerun of yesterday's cars nightly that fell over plans the run again", async () => {
    const plan = await planner.planOf("yesterday's cars nightly crashed - please give it another go");
    expect(taskStep(plan, 'train.tabular')).toBeDefined();
    expect(plan.metadata?.basedOn).toBeDefined();
  });
});

describe('a rerun with the broken column fixed: "the filter fixed to use Horsepower", "point the filter at …"', () => {
  const filters = (plan: Awaited<ReturnType<typeof planner.planOf>>) =>
    JSON.stringify(taskStep(plan, 'prep.transform')?.with.ops);
  it.each([
    "yesterday's cars nightly crashed - point the filter at Horsepower and give it another go",
    "redo yesterday's failed cars run, the prep filter changed to use Horsepower",
    "yesterday's cars nightly blew up; fix the column to Horsepower and rerun it",
  ])('%s', async (goal) => {
    const plan = await planner.planOf(goal);
    expect(filters(plan)).toContain('"\\"Horsepower\\" IS NOT NULL"');
  });
  it("unchanged: a rerun that says no fix keeps the run's own filter", async () => {
    const plan = await planner.planOf("yesterday's cars nightly crashed - please give it another go");
    expect(filters(plan)).not.toContain('"\\"Horsepower\\" IS NOT NULL"');
  });
});
