/** Round 4, data side: prep-only goals, casts, percentile clips, time filters, shares next to a time split. */
import { describe, expect, it } from 'vitest';
import { saysNoTraining } from '../../../agents/planner/offline/negations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { parseHoldout } from '../../../agents/planner/offline/split.ts';

describe('the person trains the model themselves', () => {
  it.each([
    "scale the numbers in data/x.csv; I'll do the modelling myself",
    'we will handle the training ourselves, just impute gaps',
    'dedupe data/x.csv. no model needed',
    'one-hot region, the model is built by our team later',
    "I'll take care of the model on my own, clean data/x.csv",
  ])('"%s" trains nothing', (text) => {
    expect(saysNoTraining(text)).toBe(true);
    expect(parseGoal(text).wants.train).toBe(false);
  });

  it.each([
    "I'll do the prep myself, you train a forest on data/x.csv for price",
    'we need a model on data/x.csv that predicts price',
  ])('"%s" still trains', (text) => {
    expect(saysNoTraining(text)).toBe(false);
  });
});

describe('a random split said before its shares', () => {
  it.each([
    ['then a random 80/20 split', 0.2],
    ['a random 70-30 split of the rows', 0.3],
    ['split it randomly, 90/10', 0.1],
  ])('%s', (text, share) => {
    expect(parseHoldout(text)).toMatchObject({ split: { method: 'random' }, testShare: share });
  });

  it('a stratified split stays stratified', () => {
    expect(parseHoldout('a stratified 80/20 split on species').split?.method).toBe('stratified');
  });
});

describe('casts, percentile clips and time filters', () => {
  it.each([
    ['cast Order Date to a date, then dedupe', { op: 'cast', list: 'Order Date', type: 'DATE' }],
    ['convert the price column to a number', { op: 'cast', list: 'price', type: 'DOUBLE' }],
    ['parse signup_ts as a timestamp', { op: 'cast', list: 'signup_ts', type: 'TIMESTAMP' }],
    ['make zip a string please', { op: 'cast', list: 'zip', type: 'VARCHAR' }],
  ])('%s', (text, want) => {
    expect(parsePrep(text)).toContainEqual(want);
  });

  it.each([
    ['clip income at the 5th and 95th percentiles', { op: 'clip', list: 'income', quantiles: [0.05, 0.95] }],
    ['winsorize Revenue at 1%/99%', { op: 'clip', list: 'Revenue', quantiles: [0.01, 0.99] }],
    ['cap the Gross at the 99th percentile', { op: 'clip', list: 'Gross', quantiles: [0.01, 0.99] }],
  ])('%s', (text, want) => {
    expect(parsePrep(text)).toContainEqual(want);
  });

  it.each([
    ['keep only the rows from 2010 on', { cmp: '>=', value: '2010' }],
    ['use only data since 2019-06-01', { cmp: '>=', value: '2019-06-01' }],
    ['only keep records before 1999', { cmp: '<', value: '1999' }],
    ['keep rows from 2003 onwards and one-hot the region', { cmp: '>=', value: '2003' }],
  ])('%s', (text, want) => {
    expect(parsePrep(text)).toContainEqual({
      op: 'where',
      timeColumn: true,
      keep: true,
      column: expect.any(String),
      ...want,
    });
  });

  it('short swapped words are mended first ("teh", "adn")', () => {
    expect(parseGoal('from data/x.csv keep teh rows since 2011 adn version it').prep).toContainEqual(
      expect.objectContaining({ op: 'where', value: '2011' }),
    );
    expect(parseGoal('dedupe data/x.csv, keep the tehran rows').goal).toContain('tehran');
  });

  it('nothing new where nothing is said', () => {
    expect(parsePrep('convert it to parquet and clip outliers')).toEqual([{ op: 'clip' }]);
    expect(parsePrep('train on rows before 2015, test on the rest')).toEqual([]);
    expect(parsePrep('keep the rows from data/x.csv')).toEqual([]);
  });
});

describe('a validation share next to a time cutoff', () => {
  it.each([
    'split by date: 2020-01-01 onward is the test set, hold back 15% of the earlier rows as validation',
    'time split on the order date, rows from 2020 on are the test set; 15% of the older rows for validation',
    'a time-based split with a cutoff at 2020, and keep 15% of the rows before it as a validation set',
    'chronological split, rows from 2020 on are the test set, and 15% of the earlier rows go to validation',
  ])('%s', (text) => {
    const h = parseHoldout(text);
    expect(h.split?.method).toBe('time');
    expect(h.split?.cutoff).toMatch(/^2020/);
    expect(h.validationShare).toBe(0.15);
    expect(h.testShare).toBeUndefined();
  });

  it('a share said for the test set stays the test share', () => {
    expect(parseHoldout('split by date, hold out the last 20% as test')).toMatchObject({ testShare: 0.2 });
    expect(parseHoldout('hold out 10% for validation').validationShare).toBeUndefined();
  });
});

describe('modelling that happens elsewhere', () => {
  it.each([
    'prepare data/p.json and split it 80/20. The modelling happens elsewhere.',
    'dedupe data/x.csv; training will happen later',
    'impute data/x.csv, the model gets done in-house',
  ])('%s', (text) => {
    expect(parseGoal(text).wants.train).toBe(false);
  });
});

describe('rows missing a named column', () => {
  it.each([
    ['remove rows with missing Sex, then scale', 'Sex'],
    ['drop records with a null price', 'price'],
    ['skip rows where the Island is missing', 'Island'],
  ])('%s drops only rows missing %s', (text, col) => {
    expect(parsePrep(text).filter((p) => p.op === 'dropna')).toEqual([{ op: 'dropna', list: col }]);
  });

  it('rows with any missing value are all dropped', () => {
    expect(parsePrep('drop rows with missing values')).toEqual([{ op: 'dropna' }]);
  });
});

describe('duplicates judged by a column', () => {
  it.each([
    ['remove duplicate titles, then scale', 'titles'],
    ['dedupe on email before the split', 'email'],
    ['drop duplicate customer_ids and one-hot region', 'customer_ids'],
  ])('%s', (text, list) => {
    expect(parsePrep(text)).toContainEqual({ op: 'dedupe', list });
  });

  it.each(['remove duplicate rows', 'drop duplicates', 'dedupe it', 'remove duplicated entries'])(
    '%s judges by every column',
    (text) => {
      expect(parsePrep(text)).toContainEqual({ op: 'dedupe' });
    },
  );
});

describe('more data wording', () => {
  it('"take out repeated Titles" dedupes by Title', () => {
    expect(parsePrep('take out repeated Titles, then scale')).toContainEqual({
      op: 'dedupe',
      list: 'Titles',
    });
    expect(parsePrep('take out the repeated rows')).toContainEqual({ op: 'dedupe' });
  });

  it('shares of "the earlier rows" are read', () => {
    expect(
      parseHoldout(
        'split it chronologically: the last 20% as test and 10% of the earlier rows as validation',
      ),
    ).toMatchObject({ testShare: 0.2, validationShare: 0.1 });
    expect(parseHoldout('hold out 15% of the remaining rows for validation and 15% for test')).toMatchObject({
      testShare: 0.15,
      validationShare: 0.15,
    });
  });
});

describe('fills, row drops and time filters said other ways', () => {
  it.each([
    [
      "fill missing Sex with 'unknown'",
      { op: 'impute', strategy: 'constant', value: 'unknown', list: 'Sex' },
    ],
    [
      'replace nulls in region with "n/a"',
      { op: 'impute', strategy: 'constant', value: 'n/a', list: 'region' },
    ],
    ['fill the gaps in Horsepower with zero', { op: 'impute', strategy: 'constant', value: 0 }],
    ['fill missing Horsepower with the median', { op: 'impute', strategy: 'median', list: 'Horsepower' }],
  ])('%s', (text, want) => {
    expect(parsePrep(text)).toContainEqual(want);
  });

  it.each([
    ['drop rows without an IMDB Rating', 'IMDB Rating'],
    ['remove records lacking a price, then scale', 'price'],
  ])('%s → rows missing %s', (text, list) => {
    expect(parsePrep(text)).toContainEqual({ op: 'dropna', list });
  });

  it('a comparison is a filter, not a column that may be missing', () => {
    const prep = parsePrep('exclude rows with distance under 500, then split');
    expect(prep.filter((p) => p.op === 'dropna')).toEqual([]);
    expect(prep).toContainEqual(expect.objectContaining({ op: 'where', column: 'distance', cmp: '<' }));
  });

  it.each([
    ['remove cars from before 1975 and normalise', { cmp: '<', value: '1975', keep: false }],
    ['drop everything before 2008, version it', { cmp: '<', value: '2008', keep: false }],
    ['delete the records after 2019-12-31', { cmp: '>', value: '2019-12-31', keep: false }],
    ['keep only year 2005, scale fertility', { cmp: '=', value: '2005', keep: true }],
    ['only the year 1999 please', { cmp: '=', value: '1999', keep: true }],
  ])('%s', (text, want) => {
    const prep = parsePrep(text);
    expect(prep).toContainEqual(expect.objectContaining({ op: 'where', timeColumn: true, ...want }));
    expect(prep.filter((p) => p.op === 'drop')).toEqual([]);
  });

  it('a column still drops', () => {
    expect(parsePrep('drop the Name column before the split')).toContainEqual({ op: 'drop', list: 'Name' });
  });
});

describe('time splits said by their test period', () => {
  it.each([
    ['train on 2012-2014 and test on 2015', '2015'],
    ['everything from 2014 onward is held out', '2014'],
    ['test set = rows after 2015-06-30, decision tree', '2015-06-30'],
    ['the rows since 2016 are the test set', '2016'],
  ])('%s', (text, cutoff) => {
    expect(parseHoldout(text).split).toMatchObject({ method: 'time', cutoff });
  });

  it('a held-out quarter is a share', () => {
    expect(parseHoldout('five-fold cross-validation and a held-out quarter')).toMatchObject({
      folds: 5,
      testShare: 0.25,
    });
  });

  it('a year that names no test period is no time split', () => {
    expect(parseHoldout('predict sales for 2015 with a forest').split).toBeUndefined();
  });
});

describe('more ways to say someone else trains', () => {
  it.each([
    'data/x.csv: impute and one-hot region, no need for a model',
    "data/x.csv: dedupe and split 80/20 - data only, modelling is someone else's job",
    "data/x.csv: clean it up for my team's model, they will train it",
    'data/x.csv: one-hot region; the model part is not needed',
    'data/x.csv: scale it. the training step is out of scope',
  ])('%s', (text) => {
    expect(parseGoal(text).wants.train).toBe(false);
    expect(parseGoal(text).targetPhrases).toEqual([]);
  });

  it('"data only from 2015" still trains when asked', () => {
    expect(parseGoal('train a forest on data/x.csv for price using data only from 2015').wants.train).toBe(
      true,
    );
  });
});

describe('percentile clips without a column', () => {
  it.each([
    ['clip at the 99th percentile', [0.01, 0.99]],
    ['clip everything at the 5th and 95th percentiles', [0.05, 0.95]],
    ['winsorize outliers at 1%/99%', [0.01, 0.99]],
  ])('%s', (text, quantiles) => {
    const clip = parsePrep(text).find((p) => p.op === 'clip');
    expect(clip).toMatchObject({ op: 'clip', quantiles });
  });
});

describe('"nothing gets trained"', () => {
  it.each([
    'split data/x.csv 80/20; nothing gets trained today',
    'data/x.csv: scale it, nothing to train yet',
    'one-hot region in data/x.csv and train nothing',
  ])('%s', (text) => {
    expect(parseGoal(text).wants.train).toBe(false);
  });

  it('"nothing else" after a training goal still trains', () => {
    expect(parseGoal('train a forest on data/x.csv for price, nothing else').wants.train).toBe(true);
  });
});

describe('"version as NAME" without an object', () => {
  it.each([
    ['data/x.csv: drop the Name column, version as usa-cars. not training anything', 'usa-cars'],
    ['dedupe data/x.csv and snapshot as x-clean', 'x-clean'],
  ])('%s', (text, name) => {
    expect(parseGoal(text).datasetName).toBe(name);
  });
});

describe('the cutoff is the date said for the test rows, not a row filter', () => {
  it.each([
    ['keep data from 2003 onwards, one-hot source and then split by year with 2015 on as test', '2015'],
    ['drop rows before 2001; time split, the test set is everything after 2012', '2012'],
    ['time split with 2014 onward as the test set, using only rows since 2005', '2014'],
  ])('%s → %s', (text, cutoff) => {
    expect(parseHoldout(text).split).toMatchObject({ method: 'time', cutoff });
  });
});

describe('"so I can train it later"', () => {
  it.each([
    'clean data/x.csv so that I can train a model on it later',
    'impute data/x.csv, so we can fit models ourselves afterwards',
    'scale data/x.csv; we plan to train elsewhere',
  ])('%s', (text) => {
    expect(parseGoal(text).wants.train).toBe(false);
  });

  it('training now, using it later, still trains', () => {
    expect(parseGoal('train a forest on data/x.csv for price so I can use it later').wants.train).toBe(true);
  });
});
