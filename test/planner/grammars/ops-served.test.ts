/**
 * Operations on deployed models by word class (round 3): scoring with a model named by its run or put "over" a
 * file, drift of served traffic said without "drift" ("inputs that look different", "what it was asked"),
 * rollbacks to a version written as a word or to "whatever was live before", any latency percentile and
 * error-rate wording as a serving limit, and windows of served traffic. Other words than any eval goal.
 */
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../agents/planner/edits.ts';
import { parseWatchLimits, parseWindow } from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

const RUN = 'run-20261101-101500-0a1b2c3d';
const op = (goal: string) => parseGoal(goal).operation;

describe('scoring with a model named by its run, or run over a file', () => {
  it.each([
    `could u run the model that ${RUN} trained over data/new.csv`,
    `apply the model ${RUN} produced to data/new.csv`,
    `put data/new.csv through the model from ${RUN}`,
    `feed data/new.csv to the model that ${RUN} trained`,
    `run whatever model ${RUN} built against data/new.csv`,
    'run fraud-risk v2 over data/new.csv',
    'need predictions for data/new.csv from the staging fraud-risk model',
    'I want estimates on data/new.csv from the production fraud model',
    'get scores for data/new.csv out of the staging fraud-risk',
    'predictions for data/new.csv by fraud-risk v3 please, into out/p.csv',
    `label data/new.csv with the model trained by ${RUN}`,
    'what would the staging fraud model predict for data/new.csv',
    `use whatever ${RUN} produced to score data/new.csv`,
    `batch predict data/new.csv using the forest from ${RUN}`,
    `label data/new.csv using ${RUN}'s model`,
    `run ${RUN}'s model on data/new.csv`,
    `score data/new.csv with the tree ${RUN} made`,
    'run data/new.csv through fraud-risk v2 and save to out/x.csv',
  ])('%s', (goal) => {
    expect(op(goal)).toBe('score');
  });
  it('keeps the alias of "the staging <name> model" and reads no target from it', () => {
    const f = parseGoal(
      'need predictions for data/new.csv from the staging fraud-risk model, save to out/x.csv',
    );
    expect(f.refs.models[0]).toMatchObject({ words: ['fraud-risk'], alias: 'staging' });
    expect(f.output).toBe('out/x.csv');
  });
  it('binds the run id to the model, not to a run to redo', () => {
    const f = parseGoal(`batch predict data/new.csv using the forest from ${RUN}`);
    expect(f.refs.run).toBeUndefined();
    expect(f.refs.models[0]?.run).toBe(RUN);
    expect(parseGoal(`rerun ${RUN} exactly as it was`).operation).toBe('rerun');
  });
  it('still trains when the goal trains', () => {
    expect(op('train a model on data/new.csv to predict fraud and score data/later.csv with it')).toBe(
      'pipeline',
    );
  });
});

describe('drift of served traffic, said without "drift"', () => {
  it.each([
    'is the live fraud model getting inputs that look different from what it was trained on?',
    'pls check whether the data going into the prod fraud model is shifted compared to its training data',
    'Kindly to check fraud-risk in production, the data it is receiving is changed vs its training set?',
    'are the requests the production churn model got different than the rows it learned from',
    'what hit the fraud-risk endpoint over the past fortnight - does it still look like its training set?',
    'compare served requests of fraud-risk from the past week to its training rows',
    'is the traffic to the live churn model drifting',
    'the inputs churn-risk received in the last 48 hours: do they differ from its training data?',
    'check the last 24h of what churn-risk was asked against what it was trained on',
    'has the data sent to fraud-risk moved away from its training distribution',
    'is production fraud model receive different data than training?',
    'check if the input distribution of the live churn model changed since the training',
    'the prod fraud model - are its inputs still like the training data?',
    'compare what the prod churn model has been seeing lately to its training data',
    'are fraud-risk requests in the last 90 minutes different from training',
    'compare what fraud-risk has seen the past 7 days with the data it learned on',
    'check if inputs to the live fraud endpoint changed over the past 2 weeks',
  ])('%s', (goal) => {
    expect(op(goal)).toBe('monitor-traffic');
  });
  it('reads the window of served traffic in other words', () => {
    expect(
      parseGoal('check the last 24h of what churn-risk was asked against its training data').trafficSince,
    ).toBe('24h');
    expect(parseWindow('what hit the endpoint over the past fortnight')).toBe('14d');
    expect(parseWindow('the past week of requests to fraud-risk')).toBe('7d');
    expect(parseWindow('inputs it got in the last 36 hrs')).toBe('36h');
    expect(parseWindow('compare the last 3 days of what fraud-risk served')).toBe('3d');
    expect(parseWindow('drift check of fraud-risk served requests past 3 days')).toBe('3d');
  });
  it('is no served traffic when the model saw the data during training', () => {
    expect(
      op('check drift of data/new.csv against the data the fraud-risk model saw during training'),
    ).not.toBe('monitor-traffic');
  });
  it('reads "since Monday" as the day served traffic is read from', () => {
    expect(parseGoal('has the data hitting fraud-risk since Monday drifted?')).toMatchObject({
      operation: 'monitor-traffic',
      sinceDay: 'monday',
    });
    expect(parseGoal('how has fraud-risk been serving since yesterday')).toMatchObject({
      operation: 'serving-metrics',
      sinceDay: 'yesterday',
    });
    expect(parseGoal('error rate of fraud-risk since the last 3 hours').sinceDay).toBeUndefined();
  });
  it('reads request counts as a serving report', () => {
    expect(parseGoal('how many requests did fraud-risk serve in the past week')).toMatchObject({
      operation: 'serving-metrics',
      servingWindow: '7d',
    });
    expect(op('request count of the prod fraud model since monday')).toBe('serving-metrics');
  });
  it('reads "how is <model> doing" as a serving report only when no file is named', () => {
    expect(op("how's the prod fraud model doing")).toBe('serving-metrics');
    expect(op('how is the fraud-risk model doing on data/new.csv')).not.toBe('serving-metrics');
  });
  it('is no promotion when "to production" names where the data goes', () => {
    expect(op('verify if data coming to the production fraud model has shifted from its training set')).toBe(
      'monitor-traffic',
    );
  });
});

describe('a role word with "one" takes the model named elsewhere', () => {
  it.each([
    ['swap production fraud-risk for the staging one', 'staging'],
    ['replace the live churn-risk with the staging one', 'staging'],
  ])('%s', (goal, alias) => {
    const f = parseGoal(goal);
    expect(f.operation).toBe('promote');
    expect(f.refs.models.some((r) => r.alias === alias && r.words.length === 0)).toBe(true);
  });
  it('reads "the model in staging" as a model at an alias, but not "put the model in production"', () => {
    expect(parseGoal('use the model in staging to predict data/new.csv').refs.models[0]).toMatchObject({
      alias: 'staging',
      role: 'scorer',
    });
    expect(
      parseGoal('train a classifier on data/new.csv to predict fraud and put the model in production').refs
        .models,
    ).toEqual([]);
  });
  it('reads "the live <word> endpoint" as the model it serves', () => {
    expect(parseGoal('latency of the live fraud endpoint today').refs.models[0]).toMatchObject({
      words: ['fraud'],
      alias: 'production',
    });
  });
  it('leaves "the first one of the hours" alone', () => {
    expect(parseGoal('score data/new.csv with fraud-risk v2 in the next one hour').refs.models).toHaveLength(
      1,
    );
  });
});

describe('rollbacks', () => {
  it.each([
    ['fraud model in prod is acting up, put it back to version one now', 1],
    ['bring fraud-risk back to version two right away', 2],
    ['go back to v2 for fraud-risk', 2],
    ['switch the production churn model back to version 3 immediately', 3],
    ['revert fraud-risk to version four', 4],
    ['take fraud-risk back to the second version now', 2],
    ['put back version 1 of fraud-risk in production', 1],
    ['fraud-risk v2 is bad, go back to the v1', 1],
  ])('%s', (goal, version) => {
    const f = parseGoal(goal);
    expect(f.operation).toBe('rollback');
    expect(f.rollback?.toVersion).toBe(version);
  });
  it.each([
    'revert fraud-risk now',
    'undo the last deploy of fraud-risk',
    'roll the prod churn model back to whatever it was before',
    'Roll back the production fraud model to whatever was live before it.',
    'switch fraud-risk back to what was serving before',
    'put the live churn model back the way it was',
    'fraud-risk is broken in prod, roll it back now',
  ])('%s', (goal) => {
    const f = parseGoal(goal);
    expect(f.operation).toBe('rollback');
    expect(f.rollback?.onBreach).toBe(false);
  });
});

describe('serving limits: any latency percentile, error-rate wordings', () => {
  it.each([
    ['if p99 latency goes over 800 ms', { maxP99Ms: 800 }],
    ['roll back if p99 is above 400 ms', { maxP99Ms: 400 }],
    ['if the 99th percentile latency exceeds 700ms', { maxP99Ms: 700 }],
    ['when p90 latency is above 300 ms', { maxP90Ms: 300 }],
    ['if median latency goes past 50 ms', { maxP50Ms: 50 }],
    ['if p50 > 40ms', { maxP50Ms: 40 }],
    ['if p95 latency climbs above 1.2 s', { maxP95Ms: 1200 }],
    ['if latency is above 250 ms', { maxP95Ms: 250 }],
    ['if the 5xx rate is over 2%', { maxErrorRate: 0.02 }],
    ['if error rate > 2 percent', { maxErrorRate: 0.02 }],
    ['if the failure rate tops 1%', { maxErrorRate: 0.01 }],
    ['if errors exceed 5%', { maxErrorRate: 0.05 }],
    ['abort when 5xx errors go above 3 percent', { maxErrorRate: 0.03 }],
  ])('%s', (text, want) => {
    expect(parseWatchLimits(text)).toEqual(want);
  });
  it('reads an amount written before the percentile', () => {
    expect(parseWatchLimits('if it gets slower than 500 ms at p99, roll back')).toEqual({ maxP99Ms: 500 });
    expect(parseWatchLimits('if latency p99 exceeds 1s')).toEqual({ maxP99Ms: 1000 });
    expect(parseWatchLimits('kill it if 5xx > 1%')).toEqual({ maxErrorRate: 0.01 });
  });
  it('reads two limits at once', () => {
    expect(parseWatchLimits('roll back if p99 tops 900 ms or the error rate is over 1%')).toEqual({
      maxP99Ms: 900,
      maxErrorRate: 0.01,
    });
  });
  it('carries a canary limit and a watch window into the frame', () => {
    const f = parseGoal(
      'canary fraud-risk v3 with half the traffic for 30 mins, roll back if p90 latency is above 400 ms',
    );
    expect(f.operation).toBe('canary');
    expect(f.canary).toEqual({ share: 0.5, duration: '30m' });
    expect(f.watch).toMatchObject({ maxP90Ms: 400 });
    const g = parseGoal(
      'watch fraud-risk for 2 hours and if p99 latency goes over 800 ms, revert to the previous version',
    );
    expect(g.operation).toBe('rollback');
    expect(g.watch).toMatchObject({ duration: '2h', maxP99Ms: 800 });
    expect(g.rollback?.onBreach).toBe(true);
  });
  it('reads the share after a duration: "canary … for 30 mins at 10 percent"', () => {
    expect(
      parseGoal('canary fraud-risk v2 for 30 mins at 10 percent, pull it if errors exceed 2%'),
    ).toMatchObject({
      canary: { share: 0.1, duration: '30m' },
      watch: { maxErrorRate: 0.02 },
    });
  });
  it('reads "10 percent" and "half the traffic" as canary shares', () => {
    expect(parseGoal('canary fraud-risk v2 on 10 percent of requests for an hour').canary).toEqual({
      share: 0.1,
      duration: '1h',
    });
  });
});

describe('follow-ups of operations', () => {
  it('moves a serving report or traffic check to "since <day>" and back to a window', () => {
    const f = parseGoal('error rate and latency of fraud-risk over the last 2 hours');
    const g = applyEdit(f, 'make that since monday');
    expect(g.sinceDay).toBe('monday');
    expect(g.servingWindow).toBeUndefined();
    expect(applyEdit(g, 'the last 6 hours instead')).toMatchObject({ servingWindow: '6h' });
    expect(applyEdit(g, 'the last 6 hours instead').sinceDay).toBeUndefined();
  });
  it('adds a percentile limit to a watch', () => {
    const f = parseGoal('canary fraud-risk v3 at 10% for an hour');
    expect(applyEdit(f, 'and drop it if p99 goes over 700 ms').watch).toMatchObject({ maxP99Ms: 700 });
  });
});
