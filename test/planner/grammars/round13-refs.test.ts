/** Round 13 references, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { saysNoDeploy, saysNoTraining } from '../../../agents/planner/offline/negations.ts';
import { parseOutput } from '../../../agents/planner/offline/output-path.ts';
import { versionDaysAgo } from '../../../agents/planner/offline/reference-words.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';
import { ROLLBACK } from '../../../agents/planner/offline/rollback-words.ts';
import { parseRunReference } from '../../../agents/planner/offline/run-references.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const planner = populatedPlanner();

describe("a folder path's sentence full stop is no part of it", () => {
  it.each([
    ['Predict with flights-delay on data/f.json. Output: preds/flights/. Thanks.', 'preds/flights/'],
    ['score data/x.csv with churn-model and write the scores to out/churn/.', 'out/churn/'],
    ['Run price-model over data/p.csv. Destination: results/p/.', 'results/p/'],
  ])('%s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
  it.each([
    ['score data/x.csv with m and write the scores to out/x.csv.', 'out/x.csv'],
    ['score data/x.csv with m. Output: scores/', 'scores/'],
  ])('unchanged: %s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
});

describe('a day\'s run named by its model family: "last tuesday\'s weather rf"', () => {
  it.each([
    [
      "redo last tuesday's seattle-weather random forest with the same settings on the latest seattle-weather data",
      'tuesday',
    ],
    ["repeat yesterday's cars-mpg rf w/ the same params", 'yesterday'],
    ["could you rerun last Tuesday's seattle-weather RF, identical hyper-parameters", 'tuesday'],
  ])('%s', (goal, day) => {
    expect(parseRunReference(goal)).toMatchObject({ day, training: true });
  });
  it('a family after the day without a possessive is no run', () => {
    expect(parseRunReference('redo the random forest on data/cars.json')).toBeUndefined();
  });
  it('the plan redoes that run on the newest data', async () => {
    const plan = await planner.planOf(
      "re-run last tuesday's seattle-weather rf with identical hparams but on the newest version of the seattle-weather dataset",
    );
    const newest = planner.ws.facts.datasets['seattle-weather']?.at(-1) as string;
    expect(JSON.stringify(plan)).toContain(newest);
    expect(JSON.stringify(plan)).toContain(planner.ws.facts.runs.weatherTuesday.id);
  });
});

describe('a verb before "the <name> run that failed" is no part of the run', () => {
  it.each([
    ['Grab the cars-mpg training that crashed yesterday and run it again with the typo fixed', ['cars-mpg']],
    ['use the penguins job that failed last week as a template and rerun it', ['penguins']],
    ['Pick up the cars-mpg retrain which broke yesterday, redo it with the same settings', ['cars-mpg']],
  ])('%s', (goal, words) => {
    expect(parseRunReference(goal)?.words).toEqual(words);
  });
  it('words without a determiner stay', () => {
    expect(parseRunReference('rerun cars-mpg training that failed yesterday')?.words).toContain('cars-mpg');
  });
  it('the plan redoes the failed run', async () => {
    const plan = await planner.planOf(
      'Use the cars-mpg retrain that fell over yesterday as a starting point, same settings, and run it again without deploying.',
    );
    expect(JSON.stringify(plan)).toContain(planner.ws.facts.runs.failedYesterday.id);
  });
});

describe('a modal "must not / may not / never" before deploy forbids it', () => {
  it.each([
    'retrain cars-mpg on data/cars.json. It must not be deployed.',
    "train penguins-species on data/penguins.json; you mustn't ship it",
    'fit a model for mpg on data/cars.json - it may not be deployed',
    'fit a model for mpg on data/cars.json and never deploy it',
    'train a classifier for Species on data/penguins.json; this cannot be released',
  ])('%s', (goal) => {
    expect(saysNoDeploy(goal)).toBe(true);
  });
  it.each([
    'train on data/cars.json and deploy it; it must not fail silently',
    'train cars-mpg and never mind the warnings, deploy it',
  ])('still deploys: %s', (goal) => {
    expect(saysNoDeploy(goal)).toBe(false);
  });
});

describe('an output said as what comes back: "revert back with the file at out/x.json"', () => {
  it.each([
    ['score data/x.csv with churn-model and get back to me with the file at out/churn.csv', 'out/churn.csv'],
    [
      'predict price for data/p.csv using price-model, then send me the results at results/p.parquet',
      'results/p.parquet',
    ],
    [
      'Kindly run flights-delay over data/f.json and revert with the predictions in preds/f.json',
      'preds/f.json',
    ],
    ['label data/q.csv with the churn model and come back with the output file at out/q.csv.', 'out/q.csv'],
  ])('%s', (goal, path) => {
    expect(parseOutput(goal)).toBe(path);
  });
  it.each([
    'get back to me with the file at data/q.csv once you have read it',
    'send me the file at data/p.csv',
  ])('no output without scoring: %s', (goal) => {
    expect(parseOutput(goal)).toBeUndefined();
  });
});

describe('"revert (back) to me / with …" is a reply, not a rollback', () => {
  it.each([
    'score data/x.csv with churn-model and revert back with the file',
    'Please retrain cars-mpg on data/cars.json and revert to me with the metrics',
    'check penguins-species latency for the last hour and kindly revert on this by evening',
  ])('%s', (goal) => {
    expect(ROLLBACK.test(goal)).toBe(false);
  });
  it.each([
    'revert cars-mpg back to version 1',
    'revert penguins-species to v2 please',
    'ship v3 and revert if p95 passes 400 ms',
  ])('still a rollback: %s', (goal) => {
    expect(ROLLBACK.test(goal)).toBe(true);
  });
});

describe('"not retraining / not refitting anything" says no model', () => {
  it.each([
    'score data/x.csv with churn-model, not retraining anything',
    "use cars-mpg as it is on data/new-cars.json - we're not re-training",
    'predict with flights-delay on data/f.json, not refitting anything, just the scores',
  ])('%s', (goal) => {
    expect(saysNoTraining(goal)).toBe(true);
  });
  it('"not retraining data" is about data', () => {
    expect(saysNoTraining('train cars-mpg on data/cars.json, not retraining data from 2019')).toBe(false);
  });
});

describe('a model by the day it went out: "the model that was shipped 3 days ago"', () => {
  it.each([
    ['score data/penguins.json with the penguins model that was shipped 3 days ago', 2],
    ['use the penguin classifier that went live three days back to predict species on data/penguins.json', 2],
    ['predict species on data/penguins.json with the penguins model which we released six days ago', 1],
  ])('%s', async (goal, version) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'predict.batch')?.with.model).toBe(`penguins-species:${version}`);
  });
  it('a model trained, not released, on a day is still a run phrase', () => {
    expect(versionDaysAgo(' that went on holiday 3 days ago')).toBeUndefined();
  });
});

describe('"get a <column> guess / estimate for each row" with a model scores rows', () => {
  it.each([
    'could you use the production cars model to get an mpg estimate for every car in data/new-cars.json? no retraining',
    'the penguins model that went live three days ago - can we get an estimate of the species for each row of data/penguins.json with it? no retraining',
    'the staging cars model: could I use it to get an mpg guess for each car in data/new-cars.json? not retraining anything',
    'use penguins-species v3 to make a species guess for each row of data/penguins.json',
    'with the staging penguins model, give me a guess of the species for each bird in data/penguins.json - nothing trained',
  ])('%s', async (goal) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'predict.batch')).toBeDefined();
    expect(taskStep(plan, 'train.tabular')).toBeUndefined();
  });
});

describe('"the model we use now / we currently run" is the production version', () => {
  it.each([
    'score data/new-cars.json with the cars model we currently use',
    "predict species on data/penguins.json with the classifier we're running right now",
    'estimate mpg for data/new-cars.json using the model they use today',
  ])('%s', (goal) => {
    expect(parseModelReferences(goal)).toEqual(
      expect.arrayContaining([expect.objectContaining({ alias: 'production' })]),
    );
  });
  it('a model we will use later is no alias', () => {
    expect(parseModelReferences('train the model we use for churn on data/c.csv')).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ alias: 'production' })]),
    );
  });
});
