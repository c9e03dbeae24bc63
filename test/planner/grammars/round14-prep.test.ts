/** Round 14 prep / train wordings, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import type { ModelChoice } from '../../../agents/planner/intent.ts';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { parseModelName, parseParams } from '../../../agents/planner/offline/params.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { prepOps } from '../../../agents/planner/offline/prep-ops.ts';
import { parseHoldout } from '../../../agents/planner/offline/split.ts';

const tree: ModelChoice[] = [{ framework: 'builtin', algorithm: 'decision_tree' }];
const of = (goal: string, op: string) => parsePrep(goal).filter((p) => p.op === op);

describe('the fewest rows in a leaf: "at least 5 samples per leaf"', () => {
  it.each([
    ['a decision tree with at least 8 rows per leaf', 8],
    ['tree, depth 4, min samples leaf 3', 3],
    ['min_samples_leaf=12 and max depth 5', 12],
    ['no fewer than ten samples in each leaf', 10],
    ['every leaf must hold at least 4 examples', 4],
  ])('%s', (goal, n) => {
    expect(parseParams(goal, tree).minSamplesLeaf).toBe(n);
  });
  it('a depth alone names no leaf size', () => {
    expect(parseParams('a tree at most 5 levels deep', tree).minSamplesLeaf).toBeUndefined();
  });
});

describe('a validation share said by its purpose: "another tenth to check it along the way"', () => {
  it.each([
    ['hold out 20% of the rows for the final check and another 10% to monitor it while it trains', 0.2, 0.1],
    ['set aside a fifth to test at the end, plus a tenth to check progress during training', 0.2, 0.1],
    ['keep back 15% for testing and another 15% to keep an eye on it as it learns', 0.15, 0.15],
  ])('%s', (goal, test, validation) => {
    const h = parseHoldout(goal);
    expect(h.testShare).toBe(test);
    expect(h.validationShare).toBe(validation);
  });
  it('one share alone stays the held-out share', () => {
    const h = parseHoldout('hold out a fifth of the rows to check the result');
    expect(h.testShare).toBe(0.2);
    expect(h.validationShare).toBeUndefined();
  });
});

describe('text columns said as "the words people wrote in the X" and "Y also as text"', () => {
  it.each([
    ['predict the rating from the words customers typed in the comment of each review', 'comment'],
    ['use what users wrote in the description to guess the category', 'description'],
    ['learn the topic from the text people entered in the summary field', 'summary'],
  ])('%s', (goal, col) => {
    expect(parseTextFeatures(goal).explicit).toEqual([col]);
  });
  it.each([
    ['predict Genre with the Plot treated as free text, and the Tagline also as text', ['Plot', 'Tagline']],
    ['the subject handled as text and the body too as free text', ['subject', 'body']],
  ])('%s', (goal, cols) => {
    expect(parseTextFeatures(goal).explicit).toEqual(cols);
  });
  it('"also as a baseline" names no text column', () => {
    expect(parseTextFeatures('train a forest, and a tree also as a baseline').explicit).toEqual([]);
  });
});

describe('a derived column said passively: "a column X equal to A divided by N is derived"', () => {
  it.each([
    ['a column gdp_k equal to gdp divided by 1000 is derived', 'gdp_k', 'gdp / 1000'],
    ['and a field ratio, defined as wins over games, should be added', 'ratio', 'wins / games'],
    ['a new column bmi = weight / height is computed', 'bmi', 'weight / height'],
  ])('%s', (goal, name, expr) => {
    expect(of(goal, 'derive')).toEqual([{ op: 'derive', name, expr }]);
  });
  it('a column merely mentioned derives nothing', () => {
    expect(of('a column gdp is kept as it is', 'derive')).toEqual([]);
  });
});

describe('"take out / get rid of the X column" drops a column', () => {
  it.each([
    ['take out the humidity column and version it', 'humidity'],
    ['please get rid of the notes column, then save it', 'notes'],
    ['taking out the Email field first', 'Email'],
  ])('%s', (goal, list) => {
    expect(of(goal, 'drop')).toEqual([{ op: 'drop', list }]);
  });
  it('"take out rows with a missing price" drops no column', () => {
    expect(of('take out rows with a missing price', 'drop')).toEqual([]);
  });
});

describe('"w" / "w/o" slang: "throw out rows w no X" drops rows missing X', () => {
  it.each([
    ['toss rows w no price pls', 'price'],
    ['drop rows w/ no Box Office n save it', 'Box Office'],
    ['get rid of records w/o a rating', 'rating'],
  ])('%s', (goal, list) => {
    expect(of(goal, 'dropna')).toEqual([{ op: 'dropna', list }]);
  });
});

describe('a script artifact kept under a name: "keep what it makes under the name X"', () => {
  it.each([
    ['run scripts/train.py and keep whatever it produces under the name essay-grader', 'essay-grader'],
    ['keep what the script makes as tutor-model', 'tutor-model'],
  ])('%s', (goal, name) => {
    expect(parseModelName(goal)).toBe(name);
  });
  it('"keep the rows as they are" names no model', () => {
    expect(parseModelName('keep the rows as they are and run scripts/x.py')).toBeUndefined();
  });
});

describe('rows kept by a value a text column holds: "keep only the rows for Seattle"', () => {
  it.each([
    ['keep only the records for Adelie, then version it', 'Adelie'],
    ['use just the rows from "New York" and drop wind', 'New York'],
    ['only keep the flights at Honolulu before saving', 'Honolulu'],
  ])('%s', (goal, value) => {
    expect(of(goal, 'where')).toEqual([
      { op: 'where', column: '', cmp: '=', value, keep: true, valueColumn: true },
    ]);
  });
  it.each([
    'keep only the rows from 2005 on',
    'keep only the rows for training',
    'use the rows from data/x.csv',
    'keep only rows where year is 1932',
  ])('no value filter: %s', (goal) => {
    expect(of(goal, 'where').filter((p) => p.op === 'where' && p.valueColumn)).toEqual([]);
  });
  const data = {
    path: 'data/w.csv',
    format: 'csv',
    rows: 4,
    sample: [],
    columns: [
      { name: 'city', type: 'VARCHAR', distinct: 2, nulls: 0, values: ['Seattle', 'New York'] },
      { name: 'wind', type: 'DOUBLE', distinct: 4, nulls: 0 },
    ],
  };
  const build = (goal: string) =>
    prepOps({
      prep: parsePrep(goal),
      data,
      target: undefined,
      where: 'data/w.csv',
      columnList: '',
      notes: [],
    });
  it('the column that holds the value is filtered on', () => {
    expect(build('keep only the rows for seattle')).toEqual({
      ops: [{ op: 'filter', where: `"city" = 'Seattle'` }],
    });
  });
  it('a named value no column holds asks which column', () => {
    expect(build('keep only the rows for Boston')).toHaveProperty('clarify');
  });
});

describe('"I only want the rows from 1980 onwards": want / need keep rows too', () => {
  it.each([
    ['I just want the records since 2001, versioned as x-2001', '>=', '2001'],
    ['we only need the rows from 1990 on', '>=', '1990'],
    ['I want only the rows before 1975', '<', '1975'],
  ])('%s', (goal, cmp, value) => {
    expect(of(goal, 'where')).toEqual([
      { op: 'where', column: 'year', cmp, value, keep: true, timeColumn: true },
    ]);
  });
  it('"I want a model from 2005 data" keeps no rows', () => {
    expect(of('I want a model trained on data from 2005', 'where')).toEqual([]);
  });
});

describe('a column said as another in a unit: "an extra column that is the population in millions"', () => {
  it.each([
    ['add a new column with the revenue in thousands', 'revenue_thousands', '"revenue" / 1000'],
    ['I would like an extra field that is the budget in millions', 'budget_millions', '"budget" / 1000000'],
    [
      'plus a column giving the Worldwide Gross in billions',
      'worldwide_gross_billions',
      '"Worldwide Gross" / 1000000000',
    ],
  ])('%s', (goal, name, expr) => {
    expect(of(goal, 'derive')).toEqual([{ op: 'derive', name, expr }]);
  });
  it('"report the revenue in millions" adds no column', () => {
    expect(of('report the revenue in millions', 'derive')).toEqual([]);
  });
});

describe('a derived column names a column by the word it shortens: "population" is pop', () => {
  const data = (names: string[]) => ({
    path: 'data/g.json',
    format: 'json',
    rows: 3,
    sample: [],
    columns: names.map((name) => ({ name, type: 'DOUBLE', distinct: 3, nulls: 0 })),
  });
  const build = (goal: string, names: string[]) =>
    prepOps({
      prep: parsePrep(goal),
      data: data(names),
      target: undefined,
      where: 'data/g.json',
      columnList: '',
      notes: [],
    });
  it.each([
    ['add a new column with the temperature in thousands', ['temp', 'year'], '"temp" / 1000'],
    ['add a column ratio = quantity / 12', ['qty', 'quant', 'price'], '"quant" / 12'],
    ['I want an extra column that is the population in millions', ['year', 'pop'], '"pop" / 1000000'],
    ['add a field per_cap = income / population', ['income', 'pop'], '"income" / "pop"'],
  ])('%s', (goal, names, expr) => {
    expect(build(goal, names)).toEqual({ ops: [expect.objectContaining({ op: 'derive', expr })] });
  });
  it('two letters are too few to stand for a word: it asks', () => {
    expect(build('add a new column with the population in millions', ['po', 'year'])).toHaveProperty(
      'clarify',
    );
  });
});
