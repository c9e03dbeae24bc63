/** Round 13 prep-only wordings, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { metricMentions, parseGate } from '../../../agents/planner/offline/gate.ts';
import { parseModelName } from '../../../agents/planner/offline/params.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { parseHoldout } from '../../../agents/planner/offline/split.ts';
import { targetPhrases } from '../../../agents/planner/offline/target.ts';

const ops = (goal: string) => parsePrep(goal).map((p) => p.op);
const of = (goal: string, op: string) => parsePrep(goal).filter((p) => p.op === op);

describe('a column dropped, said as a participle: "with the X column removed"', () => {
  it.each([
    ['Give me data/staff.csv with the Email column removed, versioned as staff-lite', 'Email'],
    ['data/films.csv, the Notes field deleted and duplicates dropped, saved as films-tidy', 'Notes'],
    ['the Comment column should be dropped before versioning data/shop.csv', 'Comment'],
  ])('%s', (goal, list) => {
    expect(of(goal, 'drop')).toEqual([{ op: 'drop', list }]);
  });
  it.each([
    'with duplicate rows removed, version data/shop.csv',
    'the rows with a missing price removed, then save it',
  ])('no column: %s', (goal) => {
    expect(of(goal, 'drop')).toEqual([]);
  });
});

describe('rows missing a column removed, said passively: "rows where X is null must be removed"', () => {
  it.each([
    ['Records whose Price is empty should be dropped, then version data/shop.csv as shop-v2', 'Price'],
    ['In data/staff.csv, rows where Salary is missing are to be removed, not imputed.', 'Salary'],
    ['rows with a missing Weight (kg) have to be deleted; save as pets-clean', 'Weight (kg)'],
  ])('%s', (goal, list) => {
    expect(of(goal, 'dropna')).toEqual([{ op: 'dropna', list }]);
  });
  it('rows missing anything, passively, still drop every incomplete row', () => {
    expect(of('rows with missing values should be dropped', 'dropna')).toEqual([{ op: 'dropna' }]);
  });
});

describe('"OHE" is one-hot encoding', () => {
  it.each([
    ['OHE the Region column, then version data/shop.csv', 'Region column'],
    ['ohe Colour and scale the rest', 'Colour'],
    ['please OHE Genre; save as films-enc', 'Genre'],
  ])('%s', (goal, list) => {
    expect(of(goal, 'onehot')).toEqual([{ op: 'onehot', list }]);
  });
  it('a word with ohe inside is not an encoding', () => {
    expect(ops('dedupe data/Johes.csv and save it as johes-clean')).not.toContain('onehot');
  });
});

describe('"+" joins two prep steps: "one-hot X + scale Y"', () => {
  it.each([
    ['one-hot encode Region + standard-scale the numbers of data/shop.csv', 'Region'],
    ['OHE Colour & normalise the sizes', 'Colour'],
  ])('%s', (goal, list) => {
    expect(of(goal, 'onehot')).toEqual([{ op: 'onehot', list }]);
    expect(ops(goal)).toContain('scale');
  });
});

describe('"split … into train, validation and test by date": a time split said after the set names', () => {
  it.each([
    'split data/sales.csv 80/10/10 into training, validation and test sets by date, nothing else',
    'Please split it sixty/twenty/twenty into train, dev and test by order date.',
    'split the rows into a train part and a test part by month',
  ])('%s', (goal) => {
    expect(parseHoldout(goal).split?.method).toBe('time');
  });
  it.each([
    'split 80/20 into train and test, then train a forest on the date features',
    'split data/sales.csv into train, validation and test sets; sort the report by date',
  ])('not a time split: %s', (goal) => {
    expect(parseHoldout(goal).split?.method).not.toBe('time');
  });
});

describe('"register whatever it writes as X": a run\'s unnamed output is registered under X', () => {
  it.each([
    ['run train.py on one GPU and register whatever it saves as sent-clf', 'sent-clf'],
    ['launch scripts/pretrain.py, then publish what the job outputs as tiny-lm', 'tiny-lm'],
    ['Please register whatever the script writes as ocr-v2.', 'ocr-v2'],
  ])('%s', (goal, name) => {
    expect(parseModelName(goal)).toBe(name);
  });
  it('a written file still names the artifact, and the name after it wins', () => {
    expect(parseModelName('register whatever it writes to out/model.pt as ocr-v3')).toBe('ocr-v3');
  });
  it('no name said: none', () => {
    expect(parseModelName('run train.py and register whatever it writes')).toBeUndefined();
  });
});

describe('short forms of "target": "tgt = X", "lbl: X", "dep var = X"', () => {
  it.each([
    ['rf on data/shop.csv, tgt = Returned, 5-fold cv', 'Returned'],
    ['lgbm, data/films.csv, lbl: Genre', 'Genre'],
    ['ols on data/houses.csv with dep var = Price', 'Price'],
  ])('%s', (goal, target) => {
    expect(targetPhrases(goal)).toContain(target);
  });
  it('a word merely starting with tgt is no target', () => {
    expect(targetPhrases('copy tgtfile = old to data/x.csv')).not.toContain('old to data/x');
  });
});

describe('a setting said after the model ("a model with k = 7") does not hide the target after it', () => {
  it.each([
    ['Train a model with k = 7 predicting yield.', 'yield'],
    ['fit a model with max_depth=4, lr=0.1 predicting price', 'price'],
    ['a model with alpha: 0.5 that predicts Sales', 'Sales'],
  ])('%s', (goal, target) => {
    expect(targetPhrases(goal)).toContain(target);
  });
  it('a target said with "with" is still the target', () => {
    expect(targetPhrases('train a model with price as the target')).toContain('price');
  });
});

describe('"if AUC < 0.7, do not register it": the condition said first blocks the step after it', () => {
  const gate = (goal: string) => parseGate(goal, metricMentions(goal));
  it.each([
    ['Fit a forest for Sex. If accuracy < 0.9, do not register it.', 'accuracy', '>=', 0.9],
    ["train it; if rmse > 4 then don't deploy", 'rmse', '<=', 4],
    ['When f1 is below 0.6, never ship the model.', 'f1_macro', '>=', 0.6],
  ])('%s', (goal, metric, op, value) => {
    expect(gate(goal)).toMatchObject({ kind: 'threshold', metric, op, value });
  });
  it.each([
    ['register it only if accuracy >= 0.9, do not deploy', '>='],
    ['if accuracy is above 0.9, register it', '>'],
  ])('a condition that lets the step happen stays as said: %s', (goal, op) => {
    expect(gate(goal)).toMatchObject({ metric: 'accuracy', op });
  });
});
