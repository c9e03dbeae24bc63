/** Round 6, training words: a script's artifact in brackets, "as model x", … */
import { describe, expect, it } from 'vitest';
import type { DatasetDescription } from '../../../agents/planner/describe-dataset.ts';
import type { PrepIntent } from '../../../agents/planner/intent.ts';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { parseModelName } from '../../../agents/planner/offline/params.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { prepOps } from '../../../agents/planner/offline/prep-ops.ts';
import { parseScript } from '../../../agents/planner/offline/script.ts';

describe('the registered name after an artifact said in brackets or with "as model"', () => {
  it.each([
    ['register the weights it saves (runs/w.pt) as qa-bot', 'qa-bot'],
    ['then register the file the job writes (out/final.ckpt) as tagger-x', 'tagger-x'],
    ['register the artefact out/m.pt as model sum-small', 'sum-small'],
    ['publish out/m.onnx as the model ranker-2', 'ranker-2'],
    ['save it as model intent-v3 with alias candidate', 'intent-v3'],
  ])('%s → %s', (text, name) => {
    expect(parseModelName(text)).toBe(name);
  });

  it('unchanged: a plain name, an alias, a model named "model-x"', () => {
    expect(parseModelName('register what it writes to out/model.pt as intent-clf')).toBe('intent-clf');
    expect(parseModelName('register what it writes to out/x.pt as staging')).toBeUndefined();
    expect(parseModelName('register it as model-x')).toBe('model-x');
  });
});

describe("the script's artifact said in brackets after 'it writes', or as an artefact", () => {
  it.each([
    ['run scripts/ft.py and register the weights it saves (runs/w.pt) as qa-bot', 'runs/w.pt'],
    ['run train.py, then register the model it produces (out/best.ckpt)', 'out/best.ckpt'],
    ['run scripts/ft.py; register the artefact out/m.safetensors as model x-1', 'out/m.safetensors'],
  ])('%s → %s', (text, artifact) => {
    expect(parseScript(text)?.artifact).toBe(artifact);
  });

  it('unchanged: the artifact after "writes to"', () => {
    expect(parseScript('run scripts/t.py and register what it writes to out/c.pt')?.artifact).toBe(
      'out/c.pt',
    );
  });
});

describe('two or more text columns said with "both" / "all of"', () => {
  it.each([
    ['predict rating; treat both summary and notes as free text', ['summary', 'notes']],
    ['use both the subject and body as text features', ['subject', 'body']],
    ['all of title, plot and tagline are text', ['title', 'plot', 'tagline']],
  ])('%s', (text, cols) => {
    expect([...parseTextFeatures(text).explicit].sort()).toEqual([...cols].sort());
  });

  it('unchanged: one column treated as text', () => {
    expect(parseTextFeatures('treat body as free text').explicit).toEqual(['body']);
  });
});

describe("a model's settings in brackets before 'that predicts X'", () => {
  it.each([
    ['a knn model (k = 5) that predicts species', 'species'],
    ['train a random forest (300 trees, depth 8) which forecasts demand in x.csv', 'demand'],
    ['I need a gradient boosting classifier (lr 0.1) that predicts churn', 'churn'],
  ])('%s → %s', (text, target) => {
    expect(parseGoal(text).targetPhrases[0]).toBe(target);
  });

  it('unchanged: a bracket in the column name after predict', () => {
    expect(parseGoal('predict Horsepower (hp) from data/cars.json').targetPhrases[0]).toMatch(/^Horsepower/);
  });
});

describe('a column selection: keep only / select the columns', () => {
  const selects = (goal: string) => parsePrep(goal).filter((p) => p.op === 'select');
  it.each([
    [
      'from data/cars.json retain just Name, Horsepower and Origin, then scale everything',
      'Name, Horsepower and Origin',
    ],
    [
      'select the columns species, bill_length_mm, island and version it as p-small',
      'species, bill_length_mm, island',
    ],
    ['only keep date, temp_max and weather; drop rows with missing values', 'date, temp_max and weather'],
    ['keep just a, b and c, convert b to an integer', 'a, b and c'],
  ])('%s', (goal, list) => {
    expect(selects(goal)).toEqual([{ op: 'select', list }]);
  });

  it('unchanged: rows kept are filters, not a selection', () => {
    expect(selects('keep only rows where year is 1932')).toEqual([]);
    expect(selects('keep only the rows from 2005 on')).toEqual([]);
    expect(selects('keep only year 2005 and predict mpg')).toEqual([]);
    expect(selects('keep it as cars-clean')).toEqual([]);
  });
});

describe('a derived column, fixed clip bounds, a column before its verb', () => {
  const ops = (goal: string) => parsePrep(goal).filter((p) => p.op !== 'where');
  it.each([
    [
      'from data/cars.json add a column hp_per_kg = Horsepower / Weight_in_lbs',
      { op: 'derive', name: 'hp_per_kg', expr: 'Horsepower / Weight_in_lbs' },
    ],
    ['compute gdp_k as gdp / 1000 and version it', { op: 'derive', name: 'gdp_k', expr: 'gdp / 1000' }],
    ['create a new field ratio := (a + b) * 2', { op: 'derive', name: 'ratio', expr: '(a + b) * 2' }],
  ])('%s', (goal, p) => {
    expect(ops(goal)).toEqual([p]);
  });

  it.each([
    ['cap life_expect to 20-90 please', { op: 'clip', list: 'life_expect', lower: 20, upper: 90 }],
    ['the age column clipped between 0 and 100', { op: 'clip', list: 'age', lower: 0, upper: 100 }],
    ['then the notes field drop', { op: 'drop', list: 'notes' }],
  ])('%s', (goal, p) => {
    expect(ops(goal)).toEqual([p]);
  });

  it('unchanged: percentiles are quantiles, "k = 5" is no derived column', () => {
    expect(ops('clip price at the 1st and 99th percentile')).toEqual([
      { op: 'clip', list: 'price', quantiles: [0.01, 0.99] },
    ]);
    expect(ops('train a knn with k = 5 on data/penguins.json')).toEqual([]);
  });
});

describe('prep ops for a derived column', () => {
  const data = {
    columns: [
      { name: 'pop', type: 'BIGINT', nulls: 0 },
      { name: 'country', type: 'VARCHAR', nulls: 0 },
    ],
  } as unknown as DatasetDescription;
  const run = (prep: PrepIntent[]) =>
    prepOps({ prep, data, target: undefined, where: 'x.json', columnList: '', notes: [] });
  it('quotes the columns it names, asks about a name that is no column', () => {
    expect(run([{ op: 'derive', name: 'pop_m', expr: 'pop / 1000000' }])).toEqual({
      ops: [{ op: 'derive', name: 'pop_m', expr: '"pop" / 1000000' }],
    });
    expect(run([{ op: 'derive', name: 'd', expr: 'area * 2' }])).toHaveProperty('clarify');
  });
});

describe('fixed clip bounds on a name that is no numeric column', () => {
  it('clips nothing (not every numeric column)', () => {
    const data = { columns: [{ name: 'pop', type: 'BIGINT', nulls: 0 }] } as unknown as DatasetDescription;
    const notes: string[] = [];
    const out = prepOps({
      prep: [{ op: 'clip', list: 'rows', lower: 0, upper: 10 }],
      data,
      target: undefined,
      where: 'x.json',
      columnList: '',
      notes,
    });
    expect(out).toEqual({ ops: [] });
    expect(notes.join(' ')).toMatch(/no numeric column "rows"/);
  });
});
