/**
 * Round-4 reference word classes: a model named by its role ("whichever churn model is live right now", "the one
 * serving traffic", "the current prod one") is its production alias. Other words than any eval goal.
 */
import { describe, expect, it } from 'vitest';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseModelReferences, parseParkedAlias } from '../../../agents/planner/offline/references.ts';
import { NEWEST_DATA } from '../../../agents/planner/offline/run-references.ts';

const refs = (text: string) =>
  parseModelReferences(maskModels(text, 'modelfamily')).map(({ words, alias, qualifier, version }) => ({
    words,
    ...(alias ? { alias } : {}),
    ...(qualifier ? { qualifier } : {}),
    ...(version !== undefined ? { version } : {}),
  }));

describe('a model by the role it plays now', () => {
  it.each([
    ['score q.csv with whichever churn model is live right now', { words: ['churn'], alias: 'production' }],
    [
      "use the fraud classifier that's currently deployed on q.csv",
      { words: ['fraud'], alias: 'production' },
    ],
    ['score q.csv with the one serving traffic', { words: [], alias: 'production' }],
    ['score q.csv with the current prod one', { words: [], alias: 'production' }],
    ['run q.csv through whatever fraud version is in use now', { words: ['fraud'], alias: 'production' }],
  ])('%s', (text, want) => {
    expect(refs(text)[0]).toEqual(want);
  });
  it('a model made live is no reference to production', () => {
    expect(refs('train a churn model on data/c.csv and make the churn model live')).not.toContainEqual({
      words: ['churn'],
      alias: 'production',
    });
  });
  it('a model deployed to staging is no production reference', () => {
    expect(refs('score q.csv with the churn model that is deployed to staging')[0]).not.toMatchObject({
      alias: 'production',
    });
  });
  it('keeps "the churn model that is in staging"', () => {
    expect(refs('deploy the churn model that is in staging')[0]).toEqual({
      words: ['churn'],
      alias: 'staging',
    });
  });
});

describe('a model by the tag it carries', () => {
  it.each([
    ['promote the churn model tagged canary-ready', { words: ['churn'], alias: 'canary-ready' }],
    ["ship the fraud classifier that's labelled beta", { words: ['fraud'], alias: 'beta' }],
    ['roll out churn-risk tagged nightly to everyone', { words: ['churn-risk'], alias: 'nightly' }],
    ['score q.csv with the churn model tagged as prod', { words: ['churn'], alias: 'production' }],
    ['promote the churn-risk build labelled gold', { words: ['churn-risk'], alias: 'gold' }],
    ['ship churn-risk release tagged rc2', { words: ['churn-risk'], alias: 'rc2' }],
    ['ship the churn-risk model with the nightly tag', { words: ['churn-risk'], alias: 'nightly' }],
    ['promote the fraud classifier with the "canary-ok" label', { words: ['fraud'], alias: 'canary-ok' }],
    ['promote the beta version of churn-risk', { words: ['churn-risk'], alias: 'beta' }],
  ])('%s', (text, want) => {
    expect(refs(text)[0]).toEqual(want);
  });
});

describe('a word before "version of" that is no alias', () => {
  it.each([
    ['promote the latest version of churn-risk', { words: ['churn-risk'], qualifier: 'latest' }],
    ['score q.csv with the second version of churn-risk', { words: ['churn-risk'], version: 2 }],
  ])('%s', (text, want) => {
    expect(refs(text)[0]).toEqual(want);
  });
});

describe('the newest data, said as a refreshed file', () => {
  it.each([
    ["redo it on today's export", true],
    ['run it again with the refreshed data', true],
    ['train on the updated csv this time', true],
    ['score data/q.csv with churn-risk', false],
  ])('%s', (text, want) => {
    expect(NEWEST_DATA.test(text)).toBe(want);
  });
});

describe('the alias a new version is parked on', () => {
  it.each([
    ['retrain churn nightly and park the result on staging', 'staging'],
    ['if it wins, push it to staging and tell slack', 'staging'],
    ['train it, then move the new model to staging', 'staging'],
    ['retrain churn and stage it', 'staging'],
  ])('%s', (text, alias) => {
    expect(parseParkedAlias(text)).toBe(alias);
  });
  it('pushing to production is a deploy, not a parked alias', () => {
    expect(parseParkedAlias('retrain churn and push it to production')).toBeUndefined();
  });
});
