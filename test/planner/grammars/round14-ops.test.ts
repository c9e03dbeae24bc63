/** Round 14 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseDrift } from '../../../agents/planner/offline/monitoring.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseApprovers } from '../../../agents/planner/offline/resources.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const planner = populatedPlanner();

describe('a drift test named with a threshold: "PSI thr 0.1", "psi > 0.3", "a KS-style threshold of"', () => {
  it.each([
    ['penguins-species served rows vs training, psi thr 0.25', { psi: 0.25 }],
    ['compare with the reference set. PSI thresh 0.3, then page me', { psi: 0.3 }],
    ['alert when psi > 0.2 on the served traffic', { psi: 0.2 }],
    ['check drift with a PSI threshold of 0.12', { psi: 0.12 }],
    ['drift check: psi=0.2', { psi: 0.2 }],
    ['drift vs prod training data, Wasserstein thr. 0.4', { wasserstein: 0.4 }],
    ['use a wasserstein threshold of 0.15 for the drift test', { wasserstein: 0.15 }],
    ['drift of served rows, wasserstein > 0.3', { wasserstein: 0.3 }],
  ])('%s', (goal, drift) => {
    expect(parseDrift(goal)).toEqual(drift);
  });
  it.each([
    'retrain every day at 3 and keep 0.2 for testing',
    'check drift on the last 48h of traffic and tell me',
    'a threshold of 0.8 accuracy before deploying',
  ])('no test named, no threshold: %s', (goal) => {
    expect(parseDrift(goal)).toEqual({});
  });
});

describe('"roll out <model words with spaces> version <number word>": "out" is no model word', () => {
  it.each([
    [
      'roll out penguins species version three as a canary on 10% of traffic for an hour',
      'penguins-species',
      3,
    ],
    ['please roll out cars mpg version two as a canary, 20 percent of requests, 30 minutes', 'cars-mpg', 2],
    ['rolling out the cars mpg version two as a canary with a quarter of traffic', 'cars-mpg', 2],
  ])('%s', async (goal, model, version) => {
    const plan = await planner.planOf(goal);
    const canary = taskStep(plan, 'deploy.http');
    expect(canary?.with.model).toBe(model);
    expect((canary?.with.canary as { version?: number })?.version).toBe(version);
  });
  it.each([
    ['roll out cars-mpg v2 as a canary on 20% of traffic', 'cars-mpg', 2],
    ['carry out a canary of penguins-species v3 on 5% of traffic', 'penguins-species', 3],
  ])('unchanged: %s', async (goal, model, version) => {
    const plan = await planner.planOf(goal);
    const canary = taskStep(plan, 'deploy.http');
    expect(canary?.with.model).toBe(model);
    expect((canary?.with.canary as { version?: number })?.version).toBe(version);
  });
});

describe('"it replaces the serving one only if it scores better" is a deploy, not a batch scoring', () => {
  it.each([
    'Retrain cars-mpg on data/cars.json; the new version replaces it only if it scores better on rmse.',
    'Fit penguins-species again on data/penguins.json, compare on f1 with production, and let it supersede it only when it scores higher.',
    'Retrain flights-delay from data/flights.csv: it takes its place once it scores above the current one and Ada signs off.',
  ])('%s', (goal) => {
    const spec = parseGoal(goal);
    expect(spec.wants.deploy).toBe(true);
    expect(spec.wants.predict).toBe(false);
  });
  it.each([
    [
      'Score data/new-cars.json with cars-mpg and write the scores to out/s.csv',
      { deploy: false, predict: true },
    ],
    [
      'Retrain cars-mpg on data/cars.json and tell me if it scores better; do not deploy',
      { deploy: false, predict: false },
    ],
    [
      'Clean data/cars.json: replace it with the median where Horsepower is missing',
      { deploy: false, predict: false },
    ],
  ])('unchanged: %s', (goal, wants) => {
    const spec = parseGoal(goal);
    expect({ deploy: spec.wants.deploy, predict: spec.wants.predict }).toEqual(wants);
  });
});

describe('promoting an alias said French-style: "the <model> of staging, I would like that it goes in production"', () => {
  it.each([
    ['The penguins-species of staging, I would like that it goes in production.', 'penguins-species', 3],
    ['I want that the cars-mpg of staging goes in prod, please.', 'cars-mpg', 2],
    ['The penguins-species from staging must go in production today.', 'penguins-species', 3],
  ])('%s', async (goal, model, version) => {
    const plan = await planner.planOf(goal);
    const deploy = taskStep(plan, 'deploy.http');
    expect(deploy?.with.model).toBe(model);
    expect(deploy?.with.version).toBe(version);
  });
  it('unchanged: a model in production is no deploy', async () => {
    const spec = parseGoal('Report the p95 latency of the cars-mpg in production over the last day');
    expect(spec.wants.deploy).toBe(false);
  });
});

describe('approvers with accented names keep the whole name', () => {
  it.each([
    ['deploy it, but first Hélène must approve it', ['Hélène']],
    ['promote v2 after sign-off by Zoë and Jürgen', ['Zoë', 'Jürgen']],
    ['ship it once Émile has approved', ['Émile']],
    ['have bob sign off before the deploy', ['bob']],
  ])('%s', (goal, names) => {
    expect(parseApprovers(goal)).toEqual(names);
  });
});

describe('a file checked for drift against the data a registered model was trained on', () => {
  const stepsOf = async (goal: string) => {
    const plan = await planner.planOf(goal);
    return {
      training: taskStep(plan, 'model.dataset')?.with.model,
      file: taskStep(plan, 'ingest.file')?.with.path,
      reference: taskStep(plan, 'monitor.drift')?.with.reference,
    };
  };
  it.each([
    [
      'penguins-species v2: drift of data/penguins.json against the dataset it was trained on',
      'penguins-species',
      'data/penguins.json',
    ],
    [
      'cars-mpg (production) - compare data/cars.json with the dataset production was trained on, psi above 0.2',
      'cars-mpg',
      'data/cars.json',
    ],
    [
      'Check data/iowa-electricity.csv for drift vs the training set of iowa-net',
      'iowa-net',
      'data/iowa-electricity.csv',
    ],
  ])('%s', async (goal, model, file) => {
    const got = await stepsOf(goal);
    expect(String(got.training)).toContain(model);
    expect(got.file).toBe(file);
    expect(String(got.reference)).toContain('training_data');
  });
  it('unchanged: no model named, the training data is a run input', async () => {
    const got = await stepsOf('check data/iowa-electricity.csv for drift against the training data');
    expect(got.training).toBeUndefined();
  });
});

describe('"<file> from the staging <model> model": the alias belongs to the model after it', () => {
  it.each([
    [
      'need scores for data/cars.json from the staging cars-mpg model, written to out/s.csv',
      'cars-mpg@staging',
    ],
    [
      'need predictions for data/penguins.json from the staging penguins-species model, save them to out/p.csv',
      'penguins-species@staging',
    ],
  ])('%s', async (goal, model) => {
    const plan = await planner.planOf(goal);
    expect(
      JSON.stringify(taskStep(plan, 'model.predict')?.with ?? taskStep(plan, 'predict.batch')?.with),
    ).toContain(model.split('@')[0]);
  });
});

describe('a canary only if the candidate beats production first evaluates it against production', () => {
  it.each([
    ['canary penguins-species v3 at 5% for 2h, but only if it beats production on accuracy', 'accuracy'],
    [
      'compare cars-mpg staging with prod on rmse; if it wins, send it 20% of traffic as a canary for 30 minutes',
      'rmse',
    ],
  ])('%s', async (goal, metric) => {
    const plan = await planner.planOf(goal);
    const compare = taskStep(plan, 'evaluate.model');
    expect(compare?.with.baseline).toMatch(/@production$/);
    expect(compare?.with.primaryMetric).toBe(metric);
    expect(taskStep(plan, 'deploy.http')?.when).toBe('steps.compare.outputs.better == true');
  });
  it('unchanged: a canary with nothing to beat evaluates nothing', async () => {
    const plan = await planner.planOf('roll out cars-mpg v2 as a 20% canary for an hour');
    expect(taskStep(plan, 'evaluate.model')).toBeUndefined();
  });
});

describe('unchanged: served traffic against the training data, with a webhook URL, reads the logged requests', () => {
  it('a webhook URL is not the data compared', async () => {
    const plan = await planner.planOf(
      'every morning compare yesterday’s cars-mpg traffic with its training data and call https://hooks.example.com/x on drift',
    );
    expect(taskStep(plan, 'monitor.traffic')?.with.model).toBe('cars-mpg');
  });
});
