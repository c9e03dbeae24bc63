/** negations.ts, and the data-only goals they make: no model (yet), no deployment, dataset names, splits. */
import { describe, expect, it } from 'vitest';
import {
  saysNoDeploy,
  saysNoTraining,
  withoutNoTraining,
} from '../../../agents/planner/offline/negations.ts';
import { parseDatasetName } from '../../../agents/planner/offline/params.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { parseHoldout, parseNamedShares, parseTimeSplit } from '../../../agents/planner/offline/split.ts';

describe('no training', () => {
  it.each([
    'normalise every numeric field of data/x.csv, no modelling for now',
    "dedupe the rows but don't fit anything yet",
    'clean it without training a model',
    'skip the training step this time',
    "we'll train later, encode the region column first",
    'prep-only: impute gaps with the mean',
    'just the cleaning.',
    'one-hot the colour field and only split it, thanks',
    'no ML at this stage',
    'only the cleaning, we are not modelling yet',
  ])('"%s" trains nothing', (text) => {
    expect(saysNoTraining(text)).toBe(true);
  });

  it.each([
    'train a gradient boosted model and note there is no model registry here',
    'fit a regressor on the price, just the split of 2020 rows and then train',
    'skip the training data rows that are empty',
    "train a forest and don't fit the scaler on the test rows",
    'predict the price from data/x.csv',
  ])('"%s" still trains (or says nothing against it)', (text) => {
    expect(saysNoTraining(text)).toBe(false);
  });

  it('masks the phrase so that its "model" names no model and no target', () => {
    expect(withoutNoTraining('encode colour in data/x.csv; no model yet')).toBe(
      'encode colour in data/x.csv;',
    );
    const f = parseGoal('z-score the numeric fields of data/houses.csv, then split 80/10/10; no model yet');
    expect(f.wants.train).toBe(false);
    expect(f.targetPhrases).toEqual([]);
    expect(f.refs.models.filter((r) => /model/.test(r.text))).toEqual([]);
    // "z-score" scales; it scores nothing.
    expect(f.wants.predict).toBe(false);
    expect(f.validationShare).toBe(0.1);
  });
});

describe('no deployment', () => {
  it('reads opt-outs, not conditions', () => {
    expect(saysNoDeploy('register the winner but do not deploy it')).toBe(true);
    expect(saysNoDeploy('no deployment please')).toBe(true);
    expect(saysNoDeploy('skip the rollout')).toBe(true);
    expect(saysNoDeploy('register it as a candidate rather than deploying it')).toBe(true);
    expect(saysNoDeploy("don't deploy until Carla approves")).toBe(false);
    expect(saysNoDeploy('deploy it if the f1 is above 0.8')).toBe(false);
    const f = parseGoal(
      'fit a tree on data/loans.csv for default, register it, never mind serving: no deployment',
    );
    expect(f.wants.deploy).toBe(false);
    expect(f.wants.register).toBe(true);
  });
});

describe('dataset names', () => {
  it('names a version when the goal says dataset, or when nothing is trained', () => {
    expect(parseDatasetName('store the output as a new dataset called loans-tidy')).toBe('loans-tidy');
    expect(parseDatasetName('keep the result as dataset orders-v2')).toBe('orders-v2');
    expect(parseDatasetName('write it into a dataset named clicks-dedup')).toBe('clicks-dedup');
    expect(parseDatasetName('persist it as sales-clean', true)).toBe('sales-clean');
    expect(parseDatasetName('dedupe it and call it orders-clean', true)).toBe('orders-clean');
    // In a goal that trains, "save it as x" names the model; a file format is no name.
    expect(parseDatasetName('persist it as sales-clean')).toBeUndefined();
    expect(parseDatasetName('save it as parquet', true)).toBeUndefined();
    const f = parseGoal('drop duplicate rows from data/orders.csv and keep it as orders-unique');
    expect(f.datasetName).toBe('orders-unique');
    expect(f.wants.version).toBe(true);
  });
});

describe('splits of a data-only goal', () => {
  it('validation and test shares named one by one', () => {
    expect(parseNamedShares('set aside 15% for validation and 5% for testing')).toEqual({
      validationShare: 0.15,
      testShare: 0.05,
    });
    expect(parseNamedShares('validation size 0.2, test size 0.1')).toEqual({
      validationShare: 0.2,
      testShare: 0.1,
    });
    expect(parseNamedShares('a fifth each for dev and holdout')).toEqual({
      validationShare: 0.2,
      testShare: 0.2,
    });
    // One of them alone is the held-out share, as before.
    expect(parseNamedShares('reserve a quarter for validation')).toBeUndefined();
    expect(parseHoldout('reserve a quarter for validation')).toEqual({ testShare: 0.25 });
    // A metric is not a share.
    expect(parseNamedShares('10% validation loss and 90% test accuracy')).toBeUndefined();
  });

  it('splits in time by a date column, a cut-off or chronologically', () => {
    expect(parseTimeSplit('split data/orders.csv on the order date')).toEqual({ column: 'order date' });
    expect(parseTimeSplit('split the rows by timestamp')).toEqual({ column: 'timestamp' });
    expect(parseTimeSplit('split the log by date, please')).toEqual({});
    expect(parseTimeSplit('split it chronologically')).toEqual({});
    expect(parseTimeSplit('rows up to 2019 are for training, later ones for testing')).toEqual({});
    expect(parseTimeSplit('split by region')).toBeUndefined();
    expect(parseHoldout('a stratified 75/25 split of data/x.csv by region')).toEqual({
      testShare: 0.25,
      split: { method: 'stratified', column: 'region' },
    });
    expect(parseHoldout('hold out a fifth and preserve the class proportions')).toEqual({
      testShare: 0.2,
      split: { method: 'stratified' },
    });
    expect(parseHoldout('split the sales by month; before 2021 for training')).toEqual({
      split: { method: 'time', column: 'month', cutoff: '2021' },
    });
  });

  it('a goal with shares and no split word still splits', () => {
    const f = parseGoal('dedupe data/log.csv and put aside 20% validation and 10% test');
    expect(f.wants.split).toBe(true);
    expect([f.validationShare, f.testShare]).toEqual([0.2, 0.1]);
  });
});

describe('rows with missing values', () => {
  it('"missing values from <file>" is every column, not a column called "values from …"', () => {
    expect(parsePrep('remove rows with missing values from the orders file')).toEqual([{ op: 'dropna' }]);
    expect(parsePrep('discard records with missing data in data/x.csv')).toEqual([{ op: 'dropna' }]);
    expect(parsePrep('drop rows with a missing zip code')).toEqual([{ op: 'dropna', list: 'zip code' }]);
    // Coordinated objects: "dupes and rows where …".
    expect(parsePrep('weed out dupes and records where the zip is blank')).toEqual([
      { op: 'dedupe' },
      { op: 'dropna', list: 'zip' },
    ]);
  });
});
