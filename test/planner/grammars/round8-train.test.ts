/** Round 8, data prep, text and training words: derived columns in words, row filters by time, targets. */
import { describe, expect, it } from 'vitest';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { parseHoldout } from '../../../agents/planner/offline/split.ts';

const ops = (goal: string) => parsePrep(goal).map((p) => p.op);
const derive = (goal: string) => parsePrep(goal).find((p) => p.op === 'derive');

describe('a derived column said in words ("margin = revenue minus cost", "margin (revenue minus cost)")', () => {
  it.each([
    [
      'add a margin column = Total Revenue minus Unit Cost, then version it',
      'margin',
      '"Total Revenue" - "Unit Cost"',
    ],
    ['create a new field ratio equal to weight divided by height', 'ratio', 'weight / height'],
    [
      'I need a margin column (Total Revenue minus Unit Cost) in the output',
      'margin',
      '"Total Revenue" - "Unit Cost"',
    ],
    ['make a column total as price times quantity, and nothing else', 'total', 'price * quantity'],
    ['add a column span = end_year minus start_year plus 1', 'span', 'end_year - start_year + 1'],
  ])('%s', (goal, name, expr) => {
    expect(derive(goal)).toEqual({ op: 'derive', name, expr });
  });

  it.each([
    ['add log_income as the natural log of income', 'log_income', 'ln(income)'],
    ['create a column log_area = log(area)', 'log_area', 'ln(area)'],
    ['add a field called log_rent: the log of rent', 'log_rent', 'ln(rent)'],
    ['derive ten_log as the base-10 log of count', 'ten_log', 'log10(count)'],
  ])('a log: %s', (goal, name, expr) => {
    expect(derive(goal)).toEqual({ op: 'derive', name, expr });
  });

  it.each([
    ['Add margin (Net Sales minus Unit Cost) and then version it', 'margin', '"Net Sales" - "Unit Cost"'],
    ['add area_log, the natural log of area', 'area_log', 'ln(area)'],
    ['derive margin from revenue minus cost', 'margin', 'revenue - cost'],
    ['add a margin column = net sales minus unit cost, then save it', 'margin', '"net sales" - "unit cost"'],
    ['add a new column bmi computed as mass divided by height squared', 'bmi', 'mass / pow(height, 2)'],
  ])('more ways: %s', (goal, name, expr) => {
    expect(derive(goal)).toEqual({ op: 'derive', name, expr });
  });

  it('no derived column in "add weight, height and age as features" or "add a column from a minus b"', () => {
    expect(derive('add weight, height and age as features')).toBeUndefined();
    expect(derive('add a column from a minus b')).toBeUndefined();
  });

  it('unchanged: "add a column pop_m = pop / 1000000"', () => {
    expect(derive('add a column pop_m = pop / 1000000')).toEqual({
      op: 'derive',
      name: 'pop_m',
      expr: 'pop / 1000000',
    });
  });

  it('no derived column in "add more trees minus the pruning" or "a profit column would be nice"', () => {
    expect(derive('train with more trees and add early stopping')).toBeUndefined();
    expect(derive('a profit column would be nice to predict')).toBeUndefined();
  });
});

describe('columns kept said without "only" before a list, or after it ("only a, b and c kept")', () => {
  it.each([
    ['sales.csv: keep Region, Unit Price, Order Date; drop nothing else', 'Region, Unit Price, Order Date'],
    ['then only Region, Unit Price and margin kept.', 'Region, Unit Price and margin'],
    ['with just name, age and city retained', 'name, age and city'],
  ])('%s', (goal, list) => {
    expect(parsePrep(goal).find((p) => p.op === 'select')).toEqual({ op: 'select', list });
  });

  it('unchanged: "keep it simple" and "keep the rows where x > 3" select no columns', () => {
    expect(ops('keep it simple, and keep the rows where x > 3')).not.toContain('select');
    expect(ops('keep going, then train')).not.toContain('select');
  });
});

describe('rows by time said with "every row", "filter … to <year> and later"', () => {
  it.each([
    ['remove every row before 1995 and version it', '<', false],
    ['delete each record after 2010', '>', false],
    ['filter the data to 2001 and later', '>=', true],
    ['filter data/x.csv to year 1990 onwards, then split it', '>=', true],
    ['restrict it to the years up to 2005', '<=', true],
  ])('%s', (goal, cmp, keep) => {
    expect(parsePrep(goal)).toEqual([expect.objectContaining({ op: 'where', cmp, keep, timeColumn: true })]);
  });

  it.each([
    ['throw out rows older than 1975', '<', false],
    ['records before 2000 should be dropped', '<', false],
    ['keep years 1990 and later', '>=', true],
    ['use only data newer than 2012', '>', true],
  ])('more ways: %s', (goal, cmp, keep) => {
    expect(parsePrep(goal)).toEqual([expect.objectContaining({ op: 'where', cmp, keep, timeColumn: true })]);
  });

  it('unchanged: "drop the notes column before 2 pm" is not a time filter; "drop id" a column drop', () => {
    expect(ops('drop id and train')).toEqual(['drop']);
  });
});

describe('rows kept where a column is not missing ("keep only rows where Sex isnt null")', () => {
  it.each([
    ['keep only rows where age is not null', 'age'],
    ['keep the records where email isnt empty', 'email'],
    ["only rows where the price isn't missing, then scale", 'price'],
    ['only records with a known income, then one-hot region', 'income'],
  ])('%s', (goal, list) => {
    expect(parsePrep(goal)[0]).toEqual({ op: 'dropna', list });
  });

  it('unchanged: "keep only rows where year is 1999" is a filter on a value', () => {
    expect(parsePrep('keep only rows where year is 1999')[0]).toMatchObject({ op: 'where', cmp: '=' });
  });
});

describe('a one-hot list ends at the next prep verb after a comma', () => {
  it.each([
    ['one-hot encode city, standardise the numbers', 'city'],
    ['one hot region, normalize the prices, then train', 'region'],
    ['one-hot city, z-score the numeric columns', 'city'],
    ['one hot encode city and standardize the numbers', 'city'],
  ])('%s', (goal, list) => {
    expect(parsePrep(goal).find((p) => p.op === 'onehot')).toEqual({ op: 'onehot', list });
  });

  it('unchanged: "one-hot encode island and sex"', () => {
    expect(parsePrep('one-hot encode island and sex')).toEqual([{ op: 'onehot', list: 'island and sex' }]);
  });
});

describe('a cast said in the passive ("the date column must be converted to a DATE")', () => {
  it.each([
    ['the signup column should be converted to a proper date type', 'signup', 'DATE'],
    ['price needs to be cast to a number', 'price', 'DOUBLE'],
    ['and the zip field has to be turned into text', 'zip', 'VARCHAR'],
    ['the signup column should become a DATE', 'signup', 'DATE'],
    ['make signup a proper date', 'signup', 'DATE'],
  ])('%s', (goal, list, type) => {
    expect(parsePrep(goal)).toEqual([{ op: 'cast', list, type }]);
  });

  it('unchanged: "convert price to a number"', () => {
    expect(parsePrep('convert price to a number')).toEqual([{ op: 'cast', list: 'price', type: 'DOUBLE' }]);
  });
});

describe('a clip said in the passive with a modal ("rain should be clipped to 0..50")', () => {
  it.each([
    ['rain should be clipped to 0..50', 'rain', 0, 50],
    ['speed is capped between 0 and 120', 'speed', 0, 120],
  ])('%s', (goal, list, lower, upper) => {
    expect(parsePrep(goal)).toEqual([{ op: 'clip', list, lower, upper }]);
  });
});

describe('a time split on a named column beside a filter, and its validation share', () => {
  it('the year said after "by time" is the column; a filtered year is no cutoff', () => {
    expect(
      parseHoldout('keep only rows from 2001 on, then split by time on season, last 25% as test'),
    ).toEqual(expect.objectContaining({ split: { method: 'time', column: 'season' }, testShare: 0.25 }));
  });

  it('a file path before the filtered year does not hide the filter word', () => {
    expect(
      parseHoldout('restrict data/sales.csv to year 2001 onwards, then split it by time, last 10% as test'),
    ).toEqual(expect.objectContaining({ split: { method: 'time' }, testShare: 0.1 }));
  });

  it.each([
    ['a date-ordered split on day with 10% validation', 0.1],
    ['time based split by month and 20 percent validation', 0.2],
  ])('%s', (goal, share) => {
    expect(parseHoldout(goal)).toMatchObject({ split: { method: 'time' }, validationShare: share });
  });

  it('unchanged: "a random split with 20% validation" holds out 20%', () => {
    expect(parseHoldout('a random split with 20% validation')).toMatchObject({ testShare: 0.2 });
  });
});

describe('a time split said by what is held out ("hold out the latest years", "the newest 15% is the test set")', () => {
  it.each([
    ['hold out the most recent 25% of seasons as test', { method: 'time', column: 'season' }, 0.25],
    ['set aside the latest months for evaluation', { method: 'time', column: 'month' }, undefined],
    ['split it so the newest 10% is the test set', { method: 'time' }, 0.1],
    ['sort by period, the last 30% as the test set', { method: 'time', column: 'period' }, 0.3],
  ])('%s', (goal, split, testShare) => {
    const h = parseHoldout(goal);
    expect(h.split).toEqual(split);
    expect(h.testShare).toBe(testShare);
  });

  it('unchanged: "keep the last 20% as test" and "retrain on the newest data" say no time split', () => {
    expect(parseHoldout('keep the last 20% as test').split).toBeUndefined();
    expect(parseHoldout('retrain on the newest data every week').split).toBeUndefined();
  });
});

describe('targets said in brackets, before "compared", or as "tells the X apart"', () => {
  it.each([
    [
      'house prices (sale_price in data/homes.csv): try random forest and xgboost, pick by rmse',
      'sale_price',
    ],
    ['Wheat yield regression on data/crops.json: I want knn and linear regression compared', 'Wheat yield'],
    ['Rent regression, data/flats.csv, with ridge and lasso regression benchmarked', 'Rent'],
    ['something that tells the car origin apart from data/cars.json', 'car origin'],
    ['a model to tell penguin sexes apart using data/penguins.json', 'penguin sexes'],
    ['salaries (column base_pay) in data/staff.csv: compare knn and ridge', 'base_pay'],
    ['rents [monthly_rent] from data/flats.csv: try two models', 'monthly_rent'],
    ['a tree to distinguish the car origins in data/cars.json, stratified', 'car origins'],
    ['something that can differentiate between the species of data/penguins.json', 'species'],
    ['Wheat yield on data/crops.json: random forest vs knn vs linear regression, 30% test', 'Wheat yield'],
  ])('%s', (goal, target) => {
    const phrases = parseGoal(goal).targetPhrases;
    expect(phrases[0]).toBe(target);
    expect(phrases).not.toContain('compared');
  });

  it('a heading is a last resort: "Task: predict the price of data/homes.csv" predicts price', () => {
    expect(parseGoal('Task: predict the price of data/homes.csv').targetPhrases).toEqual(['price']);
    expect(parseGoal('homes data: predict the price from data/homes.csv').targetPhrases).toEqual(['price']);
  });

  it('unchanged: a source in brackets names no target ("homes (data/homes.csv): predict the price")', () => {
    expect(parseGoal('homes (data/homes.csv): predict the price').targetPhrases[0]).toBe('price');
  });
});

describe('text columns said as "X and Y should be handled as text"', () => {
  it.each([
    ['Summary and Notes should both be handled as text columns', ['Summary', 'Notes']],
    ['body must be treated as free text', ['body']],
    ['subject, body and footer are to be processed as text', ['subject', 'body', 'footer']],
    ['predicting stars, with review and title being text columns', ['review', 'title']],
    ['stars regression, review + title handled as text', ['review', 'title']],
    ['estimate stars using review and title (both free text)', ['review', 'title']],
  ])('%s', (goal, cols) => {
    expect(parseTextFeatures(goal).explicit).toEqual(cols);
  });

  it('unchanged: "use body as free text"', () => {
    expect(parseTextFeatures('use body as free text').explicit).toEqual(['body']);
  });
});
