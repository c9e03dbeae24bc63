/** Round 9 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../agents/planner/edits.ts';
import { saysNoTraining } from '../../../agents/planner/offline/negations.ts';
import { parseCanaryShare, parseRollback } from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { newestDataName, parseRunReference } from '../../../agents/planner/offline/run-references.ts';

describe('a run said by what someone trained and when', () => {
  it.each([
    [
      'a colleague trained the cars model roughly 3 days ago; could you redo that exact training?',
      3,
      ['cars'],
    ],
    [
      'we fitted the weather classifier about two days back, please repeat that very same run',
      2,
      ['weather'],
    ],
    ['someone trained the flights model 4 days ago. run that identical training again', 4, ['flights']],
  ])('%s', (goal, daysAgo, words) => {
    const ref = parseRunReference(goal);
    expect(ref).toMatchObject({ daysAgo, training: true });
    expect(ref?.words).toEqual(words);
  });
  it('"ran the … job" is any run, not only a training', () => {
    const ref = parseRunReference('someone ran the scoring job two days ago, redo that same run');
    expect(ref).toMatchObject({ daysAgo: 2, training: false, words: ['scoring'] });
  });
  it('without a day it is no such run', () => {
    expect(parseRunReference('we trained the cars model, please rerun the nightly')?.daysAgo).toBeUndefined();
  });
});

describe('"the newest <dataset> version" names the dataset', () => {
  it.each([
    ["redo yesterday's delay training, this time on the latest flights-delay version", 'flights-delay'],
    ['repeat the last trucks run but feed it the most recent trucks version please', 'trucks'],
    ['do it again with the newest penguins-clean version', 'penguins-clean'],
  ])('%s', (goal, name) => {
    expect(parseGoal(goal).refs.newestData).toBe(true);
    expect(newestDataName(goal)).toBe(name);
  });
  it('"the newest model version" is no dataset, nor a version to deploy', () => {
    expect(newestDataName('deploy the newest model version')).toBeUndefined();
    expect(parseGoal('deploy the newest penguins-species version').refs.newestData).toBe(false);
  });
});

describe('"no retraining" and "don\'t retrain" say no training', () => {
  it.each([
    ['p99 and error rate for penguins-species in production over the past 12h, no retraining please', '12h'],
    ["latency of cars-mpg for the last 2 hours; don't retrain anything, just the numbers", '2h'],
    ['error rates of flights-delay in serving for the last 3h. no re-training, only figures', '3h'],
  ])('%s', (goal, window) => {
    const f = parseGoal(goal);
    expect(f.operation).toBe('serving-metrics');
    expect(f.servingWindow).toBe(window);
  });
  it('"nothing must be retrained" says no training too', () => {
    expect(saysNoTraining('score it with v1; nothing must be retrained')).toBe(true);
  });
  it('a retrain that is asked for still trains', () => {
    expect(parseGoal('retraining cars-mpg on data/cars.json every night').wants.train).toBe(true);
  });
});

describe('"get v1 serving again" puts that version back', () => {
  it.each([
    ['penguins-species v2 acts up. How can we get version 1 live again instead?', 1],
    ['cars-mpg v2 is off; I want v1 serving again in place of it, set it up', 1],
    ['how do we have the first version of penguins-species in production again?', 1],
  ])('%s', (goal, to) => {
    const f = parseGoal(goal);
    expect(f.operation).toBe('rollback');
    expect(f.rollback?.toVersion).toBe(to);
    expect(f.refs.run).toBeUndefined();
  });
  it('serving a version without "again" is no rollback, and "do the training again" is still a rerun', () => {
    expect(parseGoal('get penguins-species v3 serving and watch it for an hour').operation).not.toBe(
      'rollback',
    );
    expect(parseGoal('do the last cars-mpg training again').operation).toBe('rerun');
  });
});

describe('a canary follow-up: "watch 3h" without a pronoun, and a serving limit is no share', () => {
  const edit = (goal: string, ...then: string[]) => then.reduce((f, t) => applyEdit(f, t), parseGoal(goal));
  it.each([
    [
      'canary cars-mpg v2 at 5% for 30 minutes',
      'bump it to a quarter and observe 2 hours instead',
      0.25,
      '2h',
    ],
    [
      'roll out penguins-species v3 as a canary on 10% of traffic for an hour',
      'make that 30 percent, watch 90 minutes',
      0.3,
      '90m',
    ],
  ])('%s + %s', (goal, then, share, duration) => {
    expect(edit(goal, then).canary).toMatchObject({ share, duration });
  });
  it('an error-rate limit after it leaves the share alone', () => {
    const f = edit('canary cars-mpg v2 at 5% for 30 minutes', 'and abort it if the error rate exceeds 2%');
    expect(f.canary?.share).toBe(0.05);
  });
  it('"a 15% canary": the share said before the word', () => {
    expect(parseCanaryShare('send cars-mpg v2 out w/ a 15% canary for two hours')).toBe(0.15);
    expect(parseCanaryShare('deploy cars-mpg v2 with a 25 percent canary')).toBe(0.25);
  });
});

describe('"back to the <word> version": a version named by a word that may be an alias', () => {
  it.each([
    ['switch cars-mpg back to the blessed version', 'blessed'],
    ['take penguins-species back to the stable one, please', 'stable'],
    ['flip cars-mpg back to the known-good version right now', 'known-good'],
  ])('%s', (goal, alias) => {
    const f = parseGoal(goal);
    expect(f.operation).toBe('rollback');
    expect(f.rollback?.toAlias).toBe(alias);
    expect(f.refs.models.flatMap((r) => r.words)).not.toContain(alias);
  });
  it('an ordinal, a number or "previous" is no alias', () => {
    expect(parseRollback('switch cars-mpg back to the previous version', {})?.toAlias).toBeUndefined();
    expect(parseRollback('flip penguins-species back to v1', {})).toMatchObject({ toVersion: 1 });
    expect(parseRollback('take cars-mpg back to the first version', {})).toMatchObject({ toVersion: 1 });
    expect(parseRollback('take cars-mpg back to the first version', {})?.toAlias).toBeUndefined();
  });
});

describe('"is X any better than Y" between registered versions compares them', () => {
  it.each([
    [
      'Does the cars-mpg in staging do any better than the production one? check on data/cars.json, no deploy',
    ],
    ['is penguins-species v3 really worse than v2? evaluate both on data/penguins.json'],
    ['would the staging penguins-species outperform production on data/penguins.json? just tell me'],
  ])('%s', (goal) => {
    expect(parseGoal(goal).operation).toBe('compare');
  });
  it('a training with a gate against production stays a pipeline', () => {
    const goal = 'retrain cars-mpg on data/cars.json and deploy it only if it is better than production';
    expect(parseGoal(goal).operation).toBe('pipeline');
  });
});

describe('an algorithm on a file, with a target, is a training even beside "the production model"', () => {
  it.each([
    [
      'Challenger for penguins-species: a random forest on data/penguins.json predicting Species, judged against the production model on accuracy; deploy it if it wins',
    ],
    [
      'new candidate for cars-mpg, ridge regression over data/cars.json for Horsepower; compare with the production model on mae',
    ],
    ['logistic regression on data/penguins.json predicting Sex, weigh it against the staging model'],
  ])('%s', (goal) => {
    expect(parseGoal(goal).operation).toBe('pipeline');
  });
  it('scoring a file with the production model still scores', () => {
    expect(parseGoal('score data/cars.json with the production cars-mpg model').operation).toBe('score');
    expect(parseGoal('score data/cars.json with the random forest cars-mpg v2').operation).toBe('score');
    const fig =
      'predictions of cars-mpg v1 (the linear regression) over data/cars.json, nothing may be retrained';
    expect(parseGoal(fig).operation).toBe('score');
    const preds = 'get predictions for data/cars.json from the gradient boosting model in production';
    expect(parseGoal(preds).operation).toBe('score');
  });
});
