/** references.ts: phrases that name registered models and past runs, before anything is looked up. */
import { describe, expect, it } from 'vitest';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';
import { NEWEST_DATA, parseRunReference } from '../../../agents/planner/offline/run-references.ts';

const refs = (text: string) =>
  parseModelReferences(maskModels(text, 'modelfamily')).map(
    ({ words, alias, qualifier, version, role, run, exactOnly }) => ({
      words,
      ...(alias ? { alias } : {}),
      ...(qualifier ? { qualifier } : {}),
      ...(version !== undefined ? { version } : {}),
      ...(run ? { run } : {}),
      ...(exactOnly ? { exactOnly } : {}),
      role,
    }),
  );

describe('model references', () => {
  it.each([
    ['score x.csv with the production cars model', { words: ['cars'], alias: 'production', role: 'scorer' }],
    ['batch score x.csv with cars-mpg v2', { words: ['cars-mpg'], version: 2, role: 'scorer' }],
    [
      'use the staging penguins model to score x.csv',
      { words: ['penguins'], alias: 'staging', role: 'scorer' },
    ],
    [
      'predict with penguins-species version 1 on x.csv',
      { words: ['penguins-species'], version: 1, role: 'scorer' },
    ],
    [
      'score x.csv with the latest cars-mpg version',
      { words: ['cars-mpg'], qualifier: 'latest', role: 'scorer' },
    ],
    ['deploy the cars-mpg staging version', { words: ['cars-mpg'], alias: 'staging', role: 'subject' }],
    ['canary the new cars model', { words: ['cars'], qualifier: 'new', role: 'subject' }],
    ['promote the staging model to production', { words: [], alias: 'staging', role: 'subject' }],
    ['roll back cars-mpg', { words: ['cars-mpg'], role: 'subject' }],
    ['show the p95 latency of churn-v2 today', { words: ['churn-v2'], role: 'subject' }],
    ["if cars-mpg's error rate goes above 5%, roll it back", { words: ['cars-mpg'], role: 'subject' }],
    ['deploy churn@champion', { words: ['churn'], alias: 'champion', role: 'subject' }],
    ['promote the penguins challenger', { words: ['penguins'], qualifier: 'new', role: 'subject' }],
    ['apply the staging churn model to data/x.csv', { words: ['churn'], alias: 'staging', role: 'scorer' }],
  ])('%s', (text, want) => {
    expect(refs(text)[0]).toEqual(want);
  });

  it('reads "the model that run X trained" as that run', () => {
    expect(refs('score x.csv with the model that run run-20261130-090000-9272b3 trained')).toEqual([
      { words: [], run: 'run-20261130-090000-9272b3', role: 'scorer' },
    ]);
  });

  it('a model still to be made is no reference: indefinite, "trained on", a model family', () => {
    expect(refs('score new.csv with a delay model trained on data/old.parquet')).toEqual([]);
    expect(refs('predict species with a random forest model and deploy it')).toEqual([]);
    expect(refs('train an XGBoost classifier on data/x.csv')).toEqual([]);
  });

  it('a registry-style name written bare is a candidate that binds only to a model of exactly that name', () => {
    expect(refs('register it as penguins-rf')).toEqual([
      { words: ['penguins-rf'], exactOnly: true, role: 'subject' },
    ]);
    expect(refs('put 20 percent of penguins-species traffic on version 3')).toEqual([
      { words: ['penguins-species'], version: 3, role: 'subject' },
    ]);
    expect(refs('score data/new-cars.json with it')).toEqual([]);
  });

  it('a bare word is a model only when it looks like a registry name', () => {
    expect(refs('monitor the served traffic for drift')).toEqual([]);
    expect(refs('roll back automatically if errors rise')).toEqual([]);
  });
});

describe('run references', () => {
  it.each([
    [
      "rerun last Tuesday's weather training with the newest data",
      { day: 'tuesday', words: ['weather'], training: true, latest: false },
    ],
    [
      "rerun yesterday's failed run",
      { day: 'yesterday', status: 'failed', words: [], training: false, latest: false },
    ],
    ['rerun the failed run', { status: 'failed', words: [], training: false, latest: false }],
    [
      'rerun the last successful cars-mpg training',
      { status: 'succeeded', words: ['cars-mpg'], training: true, latest: true },
    ],
    ['run the last run again', { words: [], training: false, latest: true }],
    [
      'redo the cars-mpg run that failed yesterday',
      { day: 'yesterday', status: 'failed', words: ['cars-mpg'], training: false, latest: false },
    ],
  ])('%s', (text, want) => {
    const { text: _t, ...ref } = parseRunReference(text) ?? { text: '' };
    expect(ref).toEqual(want);
  });

  it('takes an explicit run id, and needs a verb that repeats a run otherwise', () => {
    expect(parseRunReference('retrain like run run-20200101-000000-abcdef')?.id).toBe(
      'run-20200101-000000-abcdef',
    );
    expect(parseRunReference('show the last run')).toBeUndefined();
    expect(
      parseRunReference('score x.csv with the model that run run-20261130-090000-9272b3 trained'),
    ).toBeUndefined();
  });

  it('"the newest data" is a reference to the newest dataset version', () => {
    expect(NEWEST_DATA.test('on the newest version of its dataset')).toBe(true);
    expect(NEWEST_DATA.test('with the latest data')).toBe(true);
    expect(NEWEST_DATA.test('score with the latest cars-mpg version')).toBe(false);
  });
});
