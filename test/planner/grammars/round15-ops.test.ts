/** Round 15 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { metricMentions, parseGate } from '../../../agents/planner/offline/gate.ts';
import { parseWatchLimits } from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseApprovers } from '../../../agents/planner/offline/resources.ts';
import { parseRollback } from '../../../agents/planner/offline/rollback-words.ts';
import { populatedPlanner, taskStep } from '../../helpers/populated-planner.ts';

const planner = populatedPlanner();

describe('a promotion judged by a named metric compares on that metric', () => {
  it.each([
    ['promote cars-mpg v2 to production if it beats the current one on root mean squared error', 'rmse'],
    [
      'put penguins-species v3 in production only when its recall is better than the live version',
      'recall_macro',
    ],
    ['judge penguins-species v3 against production by log loss and deploy it only if it wins', 'log_loss'],
  ])('%s', async (goal, metric) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'evaluate.model')?.with.primaryMetric).toBe(metric);
  });
  it('no metric named: none set', async () => {
    const plan = await planner.planOf('promote cars-mpg v2 to production if it beats the current one');
    expect(taskStep(plan, 'evaluate.model')?.with.primaryMetric).toBeUndefined();
  });
});

describe('approvers before a bare "approve" / "sign off": "once ana and li approve"', () => {
  it.each([
    ['deploy penguins-species v3 once Ana and Li approve', ['Ana', 'Li']],
    ['ship it after Olga signs off, not before', ['Olga']],
    ['move v2 to prod when Tom, Bea and Ravi sign off', ['Tom', 'Bea', 'Ravi']],
  ])('%s', (goal, names) => {
    expect(parseApprovers(goal)).toEqual(names);
  });
  it.each(['once the tests approve of it, deploy', 'deploy cars-mpg v2 now'])('none: %s', (goal) => {
    expect(parseApprovers(goal)).toEqual([]);
  });
});

describe('errors limited as where they must stay: "errors must stay under 2%"', () => {
  it.each([
    ['canary v3 for an hour; errors should remain below 3%', 0.03],
    ['failures have to stay under 0.5 percent during the canary', 0.005],
    ['the error rate must stay below 2% or roll back', 0.02],
  ])('%s', (goal, rate) => {
    expect(parseWatchLimits(goal).maxErrorRate).toBeCloseTo(rate);
  });
  it.each(['fix the errors under the hood, then deploy 5% of traffic', 'errors must be logged for 3 hours'])(
    'none: %s',
    (goal) => {
      expect(parseWatchLimits(goal).maxErrorRate).toBeUndefined();
    },
  );
});

describe('"beats the one in production": the production model named as "the one/version/model in prod"', () => {
  const gateOf = (goal: string) => parseGate(goal, metricMentions(goal));
  it.each([
    'retrain penguins-species weekly and register it only if it outperforms the version in prod on accuracy',
    'fit a new cars-mpg and keep it if it does better than the model currently in production on mae',
    'retrain iowa-net; if it beats the one that is live on rmse, tag it staging',
  ])('%s', (goal) => {
    expect(gateOf(goal)?.kind).toBe('improve');
  });
  it('a number stays a threshold: "register it if rmse is below 3 for the one in production"', () => {
    expect(gateOf('retrain cars-mpg and register it if rmse is below 3')?.kind).toBe('threshold');
  });
});

describe('the version to go back to is the one said with "back": "send 5% to v3 …, else put it all back on v2"', () => {
  const noLimits = {};
  it.each([
    [
      'route 20% of penguins-species traffic to v3 for an hour, and if errors climb, move everything back to v2',
      2,
    ],
    ['give v3 a quarter of the requests; on a breach, switch it back to version 2', 2],
    ['canary to version 3; if it misbehaves, traffic returns to v2', 2],
    ['if p95 passes 300 ms, all requests fall back to v1', 1],
  ])('%s', (goal, version) => {
    expect(parseRollback(goal, noLimits)?.toVersion).toBe(version);
  });
  it.each([
    ['the iowa-net model to version 1 back roll, please', 1],
    ['cars-mpg please to v1 back put', 1],
  ])('verb last (German order): %s', (goal, version) => {
    expect(parseRollback(goal, noLimits)?.toVersion).toBe(version);
  });
  it.each([
    'send the report back to v2 of the team page? no: upgrade cars-mpg to v2',
    'returns to the office on v2 day',
  ])('none: %s', (goal) => {
    expect(parseRollback(goal, noLimits)).toBeUndefined();
  });
});

describe('"limits …; otherwise back to v2": the rollback happens only on a breach', () => {
  it.each([
    'p99 latency stays below 500 ms; otherwise everything returns to v1',
    'the error rate under 3%, or else roll back to version 2',
  ])('%s', (goal) => {
    expect(parseRollback(goal, parseWatchLimits(goal))?.onBreach).toBe(true);
  });
  it('no limit: a plain rollback', () => {
    expect(parseRollback('roll back to v1, otherwise nothing changes', {})?.onBreach).toBe(false);
  });
});

describe('a ruled-out noun phrase ("no new version", "without a new model") refers to no model', () => {
  const refTexts = (goal: string) => (parseGoal(goal).refs?.models ?? []).map((r) => r.text);
  it.each([
    ['cars prod: roll back to v1 right away. no retraining, no new version please', 'no new version'],
    ['iowa-net back to version 2 now, without a new model', 'without a new model'],
    ['revert flights-delay to v1; not a new version, just the old one', 'not a new version'],
  ])('%s', (goal, ruledOut) => {
    expect(refTexts(goal)).not.toContain(ruledOut);
  });
  it('a model named after the negation is still found: "no, the cars-mpg staging version"', () => {
    expect(refTexts('deploy the cars-mpg staging version').length).toBeGreaterThan(0);
  });
});

describe('a heading "<model word> <alias>:" names the model at that alias', () => {
  it.each([
    ['penguins prod - revert to version 1 now', 'penguins-species'],
    ['penguins production: go back to the previous version', 'penguins-species'],
  ])('%s', async (goal, model) => {
    const plan = await planner.planOf(goal);
    expect(taskStep(plan, 'model.rollback')?.with.model).toBe(model);
  });
  it('cars staging: promote it to production', async () => {
    const plan = await planner.planOf('cars staging: promote it to production, no retraining');
    expect(taskStep(plan, 'deploy.http')?.with).toMatchObject({ model: 'cars-mpg', version: 2 });
  });
  it('no heading, no model: still asks', async () => {
    const r = await planner.resultOf('go back to v1 now, no retraining');
    expect(r.kind).toBe('clarify');
  });
});

describe('"nothing new train(ed)": the verb last still rules out training', () => {
  it.each([
    'cars-mpg to version 1 back roll. Nothing new train.',
    'roll iowa-net back to v1; nothing new trained.',
    'the flights model please to version 1 back put; nothing new to fit',
  ])('%s', (goal) => {
    expect(parseGoal(goal).wants.train).toBe(false);
  });
  it('"nothing new, just train cars-mpg on data/cars.json" still trains', () => {
    expect(
      parseGoal('nothing fancy, just train a model on data/cars.json to predict Horsepower').wants.train,
    ).toBe(true);
  });
});

describe('"live <model word> traffic": the production model of that word', () => {
  it.each([
    ['compare the past 3 days of live cars traffic with the training data', 'cars-mpg'],
    ['has the production iowa requests drifted from the training data over the last week?', 'iowa-net'],
  ])('%s', async (goal, model) => {
    const plan = await planner.planOf(goal);
    expect(JSON.stringify(plan.steps)).toContain(model);
  });
  it('no model word: still asks which model', async () => {
    const r = await planner.resultOf('compare the past 3 days of live traffic with the training data');
    expect(r.kind).toBe('clarify');
  });
});

describe('"the live one for <model word>": the alias first, the model after "for/of"', () => {
  it.each([
    [
      'did the requests reaching the live one for cars drift from its training data in the last day?',
      'cars-mpg',
    ],
    [
      'has the traffic hitting the production model of flights over the past 2 days drifted from its training data?',
      'flights-delay',
    ],
  ])('%s', async (goal, model) => {
    // The model is resolved (a plan, or a question about that model's own files).
    expect(JSON.stringify(await planner.resultOf(goal))).toContain(model);
  });
  it('"the live one" alone still asks which model', async () => {
    const r = await planner.resultOf(
      'did the requests reaching the live one drift from its training data in the last day?',
    );
    expect(r.kind).toBe('clarify');
  });
});
