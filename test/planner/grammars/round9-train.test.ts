/** Round 9, prep, text, training and script words: passive fills, clips near a file, "not a model", no register. */
import { describe, expect, it } from 'vitest';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { saysNoTraining } from '../../../agents/planner/offline/negations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { prepOps } from '../../../agents/planner/offline/prep-ops.ts';

const find = (goal: string, op: string) => parsePrep(goal).find((p) => p.op === op);

describe('a fill said in the passive or with "most common" ("Age filled with the most common value")', () => {
  it.each([
    'the gaps in Island should be filled with the most common value',
    'I want missing Embarked values filled in with the commonest one',
    'fill the empty cells of Cabin with the most common category',
    'Sex gets filled using the most frequent value before versioning',
  ])('mode: %s', (goal) => {
    expect(find(goal, 'impute')).toMatchObject({ op: 'impute', strategy: 'mode' });
  });

  it('a median said in the passive: "nulls in price filled with the median"', () => {
    expect(find('nulls in price filled with the median', 'impute')).toMatchObject({ strategy: 'median' });
  });

  it('unchanged: "the most common species" fills nothing; a quoted constant stays a constant', () => {
    expect(find('predict the most common species of data/penguins.json', 'impute')).toBeUndefined();
    expect(find("fill missing Sex with 'unknown'", 'impute')).toMatchObject({
      strategy: 'constant',
      value: 'unknown',
    });
  });
});

describe('a percentile clip with the file between the column and its bounds', () => {
  it.each([
    ['cap Fare in data/titanic.csv at the 5th and 95th percentiles', 'Fare', [0.05, 0.95]],
    ['winsorize income from loans.csv to 1%/99%', 'income', [0.01, 0.99]],
    [
      'clip Flipper Length (mm) of data/penguins.json between the 2nd and 98th percentile',
      'Flipper Length (mm)',
      [0.02, 0.98],
    ],
  ])('%s', (goal, list, quantiles) => {
    expect(find(goal, 'clip')).toEqual({ op: 'clip', list, quantiles });
  });

  it('unchanged: "clip price at the 99th percentile"', () => {
    expect(find('clip price at the 99th percentile', 'clip')).toEqual({
      op: 'clip',
      list: 'price',
      quantiles: [0.01, 0.99],
    });
  });
});

describe('"just the cleaned table, not a model": no training', () => {
  it.each([
    'standardise every numeric column of data/cars.json; I just need the tidy table, not a model.',
    'dedupe data/x.csv - only the cleaned dataset please',
    'impute Age in data/titanic.csv, the prepared table is all I need, not a classifier',
    'one-hot encode Origin in data/cars.json, but not a model yet',
  ])('%s', (goal) => {
    expect(saysNoTraining(goal)).toBe(true);
  });

  it('unchanged: "train a model on just the table rows from 2020" and "not a model I trust" still train', () => {
    expect(saysNoTraining('train a classifier on data/x.csv, predict churn, the table is big')).toBe(false);
    expect(saysNoTraining('predict price from data/x.csv with a forest, not a linear model')).toBe(false);
  });
});

describe('a script run that registers nothing ("dont register anything, it is a smoke test")', () => {
  it.each([
    'python scripts/train.py --lr 0.1 on 1 gpu; do not register the result, just checking it runs',
    'run scripts/finetune.py --steps 5, no registering, dry run',
    'scripts/train.py --epochs 1 with 2 GPUs, nothing should be registered',
    'scripts/train.py --epochs 1 with 2 GPUs, and dont register it',
  ])('%s', (goal) => {
    expect(parseGoal(goal).wants.register).toBe(false);
  });

  it('unchanged: "register out/model.pt" and "don\'t register until I approve" register', () => {
    expect(parseGoal('run scripts/train.py --lr 0.1 and register out/model.pt').wants.register).toBe(true);
    expect(
      parseGoal("run scripts/train.py --lr 0.1, don't register until I approve, then register it").wants
        .register,
    ).toBe(true);
  });
});

describe('"I wonder whether" is a question of the person, not a yes/no target', () => {
  it.each([
    'I am curious whether plot words matter: predict Worldwide Gross from data/movies.json with Plot as free text',
    'not sure whether this works, but predict price of data/cars.json from Name used as a text feature',
  ])('%s', (goal) => {
    expect(parseGoal(goal).taskType).toBeUndefined();
  });

  it('unchanged: "predict whether a flight is late" is classification', () => {
    expect(parseGoal('predict whether a flight is late from data/flights.csv').taskType).toBe(
      'classification',
    );
  });
});

describe('a list of text columns with no verb ("Title + Director as text feats")', () => {
  it.each([
    ['data/tickets.csv, Subject & Body as free-text inputs, target Priority', ['Subject', 'Body']],
    ['movies.json - Title and Plot as text feats, predict Rating', ['Title', 'Plot']],
    ['use data/x.csv; title, plot, tagline as text columns', ['title', 'plot', 'tagline']],
  ])('%s', (goal, cols) => {
    expect([...parseTextFeatures(goal).explicit].sort()).toEqual([...cols].sort());
  });

  it('unchanged: "Director as a text feature" is one column', () => {
    expect(parseTextFeatures('predict Genre with Director as a text feature').explicit).toEqual(['Director']);
  });
});

describe('a register held back for a condition still registers', () => {
  it('"don\'t register it until the tests pass"', () => {
    expect(
      parseGoal("run scripts/train.py --lr 0.1, don't register it until the tests pass").wants.register,
    ).toBe(true);
  });
});

describe('an aggregate table ("mean yield per site & year"): a group-by, run as SQL', () => {
  it.each([
    [
      'data/cars.json -> average Horsepower by Origin and Year, save it as hp-by-origin',
      'avg',
      'Horsepower',
      'Origin and Year',
    ],
    [
      'I need the total Worldwide Gross per Major Genre from data/movies.json, no model',
      'sum',
      'Worldwide Gross',
      'Major Genre',
    ],
    ['compute the max temp for each weather type in data/seattle-weather.csv', 'max', 'temp', 'weather type'],
    ['median price grouped by region, version the output as price-regions', 'median', 'price', 'region'],
  ])('%s', (goal, fn, measure, by) => {
    expect(find(goal, 'aggregate')).toEqual({ op: 'aggregate', fn, measure, by });
  });

  it('unchanged: "fill missing with the mean", "mean absolute error per fold" and "impute by the median" are no tables', () => {
    expect(find('fill missing values with the mean, then train', 'aggregate')).toBeUndefined();
    expect(find('predict price, report the mean absolute error per fold', 'aggregate')).toBeUndefined();
    expect(find('impute Age by the median and train a forest', 'aggregate')).toBeUndefined();
  });
});

describe('the aggregate as a prep.transform sql op over the real columns', () => {
  const col = (name: string, type: string) => ({ name, type, distinct: 10, nulls: 0 });
  const data = {
    path: 'data/cars.json',
    format: 'json',
    rows: 100,
    columns: [col('Origin', 'VARCHAR'), col('Year', 'DATE'), col('Horsepower', 'BIGINT')],
    sample: [],
  };
  const run = (goal: string, target?: string) =>
    prepOps({ prep: parsePrep(goal), data, target, where: 'data/cars.json', columnList: '', notes: [] });

  it('"average horsepower by origin and year" groups by both', () => {
    expect(run('data/cars.json -> average horsepower by origin and year, no model')).toEqual({
      ops: [
        {
          op: 'sql',
          query:
            'SELECT "Origin", "Year", avg("Horsepower") AS "Horsepower" FROM input GROUP BY "Origin", "Year" ORDER BY "Origin", "Year"',
        },
      ],
    });
  });

  it("a column that is not there is asked about; a model's rows are never grouped", () => {
    expect(run('mean torque per origin, just the table')).toHaveProperty('clarify');
    expect(run('mean horsepower per origin, then predict Year', 'Year')).toEqual({ ops: [] });
  });
});
