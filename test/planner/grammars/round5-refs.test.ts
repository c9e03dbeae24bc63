/** Round 5 references, in other words than any eval goal: an unknown word before a bare model name. */
import { describe, expect, it } from 'vitest';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';

const refs = (text: string) => parseModelReferences(maskModels(text, 'modelfamily'));

describe('an unknown word before a bare model name says which version', () => {
  it.each([
    ['promote the shiny churn-risk', 'shiny'],
    ['ship our tuned fraud-detector to prod', 'tuned'],
    ['roll out the beta churn-risk', 'beta'],
  ])('%s', (text, alias) => {
    expect(refs(text)[0]).toMatchObject({ alias, exactOnly: true });
  });
  it('a word that is no version word changes nothing', () => {
    expect(refs('promote the churn-risk')[0]?.alias).toBeUndefined();
    expect(refs('deploy the staging churn-risk')[0]?.alias).toBe('staging');
    expect(refs('score q.csv with the registered churn-risk')[0]?.alias).toBeUndefined();
    expect(refs('retrain and deploy the new churn-risk')[0]?.alias).toBeUndefined();
  });
});

describe('a model referred to by the canary it is in', () => {
  it.each([
    ['promote the churn model that is currently in canary', ['churn']],
    ["make the fraud classifier that's on canary the production one", ['fraud']],
    ['ship churn-risk which is in canary to everyone', ['churn-risk']],
  ])('%s', (text, words) => {
    expect(refs(text)[0]).toMatchObject({ words, alias: 'canary' });
  });
  it('is a promotion, not a new canary', () => {
    expect(parseGoal('promote the churn model that is currently in canary').operation).toBe('promote');
    expect(parseGoal('roll out the fraud classifier that is in canary').operation).toBe('promote');
  });
  it('starting a canary stays a canary', () => {
    expect(parseGoal('canary the staging churn model at 10% for an hour').operation).toBe('canary');
  });
});

describe('a word that says the newer version', () => {
  it.each([
    'promote the retrained churn-risk',
    'ship the updated churn-risk to prod',
    'roll out the re-trained churn-risk',
  ])('%s', (text) => {
    expect(refs(text)[0]).toMatchObject({ words: ['churn-risk'], qualifier: 'new' });
  });
});
