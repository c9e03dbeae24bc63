/** Round 14 references, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { saysNoRegister, saysNoTraining } from '../../../agents/planner/offline/negations.ts';
import { parseOutput } from '../../../agents/planner/offline/output-path.ts';
import { aliasNamedAfter, versionDaysAgo } from '../../../agents/planner/offline/reference-words.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const planner = populatedPlanner();

describe('"save what it says in <file>": the model\'s answers are the output', () => {
  it.each([
    ['feed data/x.json through churn-model and save what it says in out/churn.csv', 'out/churn.csv'],
    [
      'run data/p.csv past the price model, then store what the model predicts in preds/p.parquet',
      'preds/p.parquet',
    ],
    ['apply m to data/a.csv and write what they return to results/a.csv', 'results/a.csv'],
  ])('%s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
  it('unchanged: a text column said as "what the customer wrote in body" is no output', () => {
    expect(parseOutput('classify tickets by what the customer wrote in body')).toBeUndefined();
  });
});

describe('a version by the day it was made: "built yesterday", "trained two days ago"', () => {
  it.each([
    [' that was made yesterday', 1],
    [' built the day before yesterday', 2],
    [' we trained 3 days ago', 3],
    [' which got created earlier today', 0],
  ])('%s', (after, days) => {
    expect(versionDaysAgo(after)).toEqual({ days, deployed: false });
  });
  it('unchanged: a training wish with a day is no dated version', () => {
    expect(versionDaysAgo(' on yesterday’s data')).toBeUndefined();
  });
  it.each([
    [
      'push the birds stored in data/penguins.json through the penguins-species model built yesterday, keep what it says in out/birds.csv',
      'penguins-species:3',
    ],
    [
      'score data/cars.json with the cars-mpg model trained two days ago, write it to out/mpg.csv',
      'cars-mpg:2',
    ],
    [
      'send the rows in data/penguins.json through the penguins-species version created three days ago -> out/p.csv',
      'penguins-species:2',
    ],
  ])('%s', async (goal, model) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'predict.batch')?.with.model).toBe(model);
    expect(taskStep(plan, 'train.tabular')).toBeUndefined();
  });
  it('unchanged: "train a model on data/penguins.json" still trains', async () => {
    const plan = await planner.planOf('train a species model on data/penguins.json');
    expect(taskStep(plan, 'train.tabular')).toBeDefined();
  });
});

describe('drift against the data a version of a loosely named model was trained on', () => {
  it.each([
    [
      'check drift on the penguin model, what was served in the last 12h vs the data v2 was trained on',
      'penguins-species:2',
    ],
    [
      'drift check for the cars model: its traffic over the past day against the rows version one was fit on',
      'cars-mpg:1',
    ],
    [
      'has the traffic to the penguin classifier in the last 6h drifted from the data v3 got trained on?',
      'penguins-species:3',
    ],
  ])('%s', async (goal, model) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'model.dataset')?.with.model).toBe(model);
  });
  it('unchanged: no version said reads what production was trained on', async () => {
    const plan = await planner.planOf(
      'check drift of penguins-species traffic in the last 12h against its training data',
    );
    expect(taskStep(plan, 'model.dataset')?.with.model).toBe('penguins-species@production');
  });
});

describe('"put back the version we were using before": a rollback to what production served before', () => {
  it.each([
    'penguins-species looks wrong since the last deploy; put back the model that was serving before, no retraining',
    'the penguins-species in prod misbehaves, could you put back the one we had before it?',
    'please put back the version we used before on penguins-species',
  ])('%s', async (goal) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'model.rollback')?.with).toMatchObject({ model: 'penguins-species', toVersion: 1 });
    expect(taskStep(plan, 'train.tabular')).toBeUndefined();
  });
  it('unchanged: nothing earlier to go back to asks', async () => {
    const r = await planner.resultOf('the cars-mpg in prod is acting up, put back the one we had before');
    expect(r.kind).toBe('clarify');
  });
  it('"no retrain" says no training; "no train/test split" does not', () => {
    expect(saysNoTraining('roll it back asap, no retrain')).toBe(true);
    expect(saysNoTraining('no refit, just revert')).toBe(true);
    expect(saysNoTraining('there is no train/test split yet')).toBe(false);
  });
});

describe('an alias said after the model ("aliased staging", "under the alias X") names the version', () => {
  it.each([
    [' currently aliased staging against prod', 'staging'],
    [', which is tagged as candidate, on data/x.csv', 'candidate'],
    [' under the alias amber is checked', 'amber'],
    [' with the tag gold', 'gold'],
  ])('%s', (after, alias) => {
    expect(aliasNamedAfter(after)).toBe(alias);
  });
  it('unchanged: no alias word after the model', () => {
    expect(aliasNamedAfter(' on data/cars.json with the approval of Ann')).toBeUndefined();
  });
  it.each([
    'Please measure the penguins-species version under the alias copper against production on data/penguins.json',
    'assess the cars-mpg model tagged bronze versus prod using data/cars.json',
  ])('an alias the model lacks is asked about by name: %s', async (goal) => {
    const r = await planner.resultOf(goal);
    expect(r.kind).toBe('clarify');
    expect(JSON.stringify(r)).toMatch(/copper|bronze/);
  });
});

describe('evaluating a registered version against production is a comparison only', () => {
  it.each([
    'assess the cars-mpg version tagged staging against whatever is in production, using data/cars.json',
    'test the staging cars-mpg against the live one on the rows of data/cars.json; change no alias',
    'evaluate penguins-species v3 against prod on data/penguins.json for the audit',
  ])('%s', async (goal) => {
    const plan = await planner.planOf(goal);
    const evaluate = taskStep(plan, 'evaluate.model');
    expect(evaluate?.with.baseline).toBeDefined();
    expect(taskStep(plan, 'train.tabular')).toBeUndefined();
    expect(plan.steps.some((s) => s.kind === 'task' && /^deploy\./.test(s.task))).toBe(false);
  });
  it('unchanged: a new model evaluated against production still trains', async () => {
    const plan = await planner.planOf(
      'train a species classifier on data/penguins.json and evaluate it against production',
    );
    expect(taskStep(plan, 'train.tabular')).toBeDefined();
  });
});

describe('"it must not be registered, the model, before I look at the metrics": no register in this run', () => {
  it.each([
    'It must not be registered, the classifier model, before we look at the results.',
    'the model should not be registered before I have seen the metrics',
    "it mustn't be registered before I check the numbers",
  ])('%s', (goal) => {
    expect(saysNoRegister(goal)).toBe(true);
  });
  it.each(['it must not be registered until Maria approves it', "don't register it until I approve"])(
    'unchanged: an approval still gates: %s',
    (goal) => {
      expect(saysNoRegister(goal)).toBe(false);
    },
  );
  it("a rerun on the newest version of a named dataset drops the run's register", async () => {
    const plan = await planner.planOf(
      "redo last tuesday's seattle-weather training, same settings, on the latest version of seattle-weather; the model should not be registered before I look at the metrics",
    );
    const newest = planner.ws.facts.datasets['seattle-weather']?.at(-1) as string;
    expect(JSON.stringify(plan.metadata)).toContain(newest);
    expect(taskStep(plan, 'model.register')).toBeUndefined();
    expect(taskStep(plan, 'train.tabular')).toBeDefined();
  });
});
