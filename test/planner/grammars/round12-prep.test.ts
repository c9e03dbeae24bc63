/** Round 12 prep-only and script wordings, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { saysNoRegister, saysNoTraining } from '../../../agents/planner/offline/negations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { parseDeriveClip } from '../../../agents/planner/offline/prep-derive.ts';
import { parseSelect } from '../../../agents/planner/offline/prep-select.ts';
import { parseScript } from '../../../agents/planner/offline/script.ts';

const selected = (goal: string) => parseSelect(goal).map((s) => (s.p as { list: string }).list);

describe('a column list said without a verb: "only the columns A, B and C"', () => {
  it.each([
    [
      'I need a slim copy of data/staff.csv: only the columns Name, Home Town, Age and Salary, then version it',
      'Name, Home Town, Age and Salary',
    ],
    [
      'a table with just the fields year, region and revenue, the blank revenue filled with zero',
      'year, region and revenue',
    ],
    ['Only columns Title, Running Time and Rating please, no model', 'Title, Running Time and Rating'],
  ])('%s', (goal, list) => {
    expect(selected(goal)).toEqual([list]);
  });
  it.each([
    'only the rows from 2001 onwards, then version it',
    'just the first 100 rows, no model',
    'train a forest with only the default settings',
  ])('no columns: %s', (goal) => {
    expect(selected(goal)).toEqual([]);
  });
});

describe('a clause about missing values ends a column list', () => {
  it('keep only a, b and c, the missing c filled with the mean', () => {
    expect(selected('keep only Name, Age and Score, the missing Score filled with the mean')).toEqual([
      'Name, Age and Score',
    ]);
  });
});

describe('"before I do any modelling" names a purpose: nothing is trained', () => {
  it.each([
    'Before I do any modelling I want data/farm.csv cleaned: drop duplicates, then version it as farm-clean',
    'before we start training anything, tidy data/sales.csv (dedupe, fill gaps with the median) and save it as sales-tidy',
    'Ahead of any training, get data/trips.csv deduplicated and versioned as trips-v2',
  ])('%s', (goal) => {
    expect(parseGoal(goal).wants.train).toBe(false);
  });
  it.each([
    'before training, drop duplicates in data/farm.csv, then train a random forest to predict yield',
    'clean data/sales.csv before modelling and then fit a gradient boosting model for revenue',
  ])('still trains: %s', (goal) => {
    expect(parseGoal(goal).wants.train).toBe(true);
  });
});

describe('"clip X to between A and B"', () => {
  it.each([
    ['clip rainfall to between 0 and 300', 'rainfall', 0, 300],
    ['cap the age column to between 18 and 90 please', 'age', 18, 90],
    ['humidity should be clipped to between 5 and 95', 'humidity', 5, 95],
  ])('%s', (goal, list, lower, upper) => {
    expect(parseDeriveClip(goal).map((c) => c.p)).toContainEqual(
      expect.objectContaining({ op: 'clip', list, lower, upper }),
    );
  });
});

describe('"do not train or register", "prep only": no training, no registration, no target', () => {
  it.each([
    'data/sales.csv -> drop the region column, dedupe. Prep only; do not train or register anything.',
    'derive margin = price - cost in data/sales.csv and drop the notes column; dont train or register anything',
    'data/sales.csv: drop the store column and dedupe, just the prep, no training or registering',
  ])('%s', (goal) => {
    const spec = parseGoal(goal);
    expect(spec.wants.train).toBe(false);
    expect(spec.wants.register).toBe(false);
  });
  it('"do not deploy or register" is no registration', () => {
    expect(saysNoRegister("train it, but don't deploy or register anything")).toBe(true);
  });
  it('"do not train or register" is no training', () => {
    expect(saysNoTraining('clean the file, do not train or register anything')).toBe(true);
  });
  it('still registers: "don\'t deploy it, register it as staging"', () => {
    expect(saysNoRegister("don't deploy it, register it as staging")).toBe(false);
  });
});

describe('"I don\'t want anything registered (yet)"', () => {
  it.each([
    "I don't want anything registered yet, I only need the accuracy it prints",
    'run scripts/train.py; we do not want the model registered, just the logs',
    "I don't need it registered, just run it once",
  ])('%s', (goal) => {
    expect(saysNoRegister(goal)).toBe(true);
  });
  it.each([
    "I don't want anything registered until Maria approves it",
    'I want it registered as churn-model',
  ])('still registers: %s', (goal) => {
    expect(saysNoRegister(goal)).toBe(false);
  });
});

describe('flag values said in words beside a list of flags', () => {
  it.each([
    [
      'run scripts/train.py with a learning rate of 3e-4 and two epochs (the flags are --lr and --epochs)',
      ['--lr', '3e-4', '--epochs', '2'],
    ],
    [
      'please launch scripts/fit.py using a batch size of 64 and a single epoch; flags: --batch-size, --epochs',
      ['--batch-size', '64', '--epochs', '1'],
    ],
    [
      'scripts/tune.sh takes --seed and --warmup-steps: seed 7, 500 warmup steps',
      ['--seed', '7', '--warmup-steps', '500'],
    ],
  ])('%s', (goal, args) => {
    expect(parseScript(goal)?.args).toEqual(args);
  });
  it.each([
    ['run scripts/train.py --lr 1e-4 --epochs 3', ['--lr', '1e-4', '--epochs', '3']],
    ['run scripts/train.py with --fp16 on two GPUs', ['--fp16']],
  ])('unchanged: %s', (goal, args) => {
    expect(parseScript(goal)?.args).toEqual(args);
  });
});

describe('a median or mean fill for named columns', () => {
  const imputes = (goal: string) => parsePrep(goal).filter((p) => p.op === 'impute');
  it.each([
    ['the missing Box Office filled with the median, then version it', 'Box Office'],
    ['fill the missing salary with the mean and save it as staff-v2', 'salary'],
    ['impute the empty rainfall values with the median', 'rainfall'],
  ])('%s', (goal, list) => {
    expect(imputes(goal)).toEqual([expect.objectContaining({ list })]);
  });
  it.each(['fill missing values with the median', 'impute the gaps with the mean, then version it'])(
    'every column: %s',
    (goal) => {
      expect(imputes(goal)).toEqual([expect.not.objectContaining({ list: expect.anything() })]);
    },
  );
});
