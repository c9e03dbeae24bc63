/** Round 7, training and prep words: "throw away rows", a clip said after its column, "with name x", … */
import { describe, expect, it } from 'vitest';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { metricMentions } from '../../../agents/planner/offline/gate.ts';
import { parseModelName, parseParams } from '../../../agents/planner/offline/params.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';

const ops = (goal: string) => parsePrep(goal).map((p) => p.op);
const boosting = [{ algorithm: 'gradient_boosting' }] as Parameters<typeof parseParams>[1];
const forest = [{ algorithm: 'random_forest' }] as Parameters<typeof parseParams>[1];

describe('"throw away" / "toss" as words for taking rows out', () => {
  it.each([
    ['throw away rows where Age is missing', 'Age'],
    ['toss out the records where price is null', 'price'],
    ['throwing away rows where email is empty, then dedupe', 'email'],
  ])('%s', (goal, column) => {
    expect(parsePrep(goal)[0]).toMatchObject({ op: 'dropna', list: column });
  });

  it('unchanged: "throw out rows where year is 1999" is a row filter', () => {
    expect(parsePrep('throw out rows where year is 1999')[0]).toMatchObject({ op: 'where', keep: false });
  });
});

describe('fixed clip bounds said after the column ("the x values clipped to between 0 and 10")', () => {
  it.each([
    ['I want the speed values clipped to between 0 and 120', 'speed', 0, 120],
    ['with rain clipped to 0-50 and nothing else', 'rain', 0, 50],
    ['have the age column capped between 18 and 90', 'age', 18, 90],
  ])('%s', (goal, list, lower, upper) => {
    expect(parsePrep(goal)).toEqual([{ op: 'clip', list, lower, upper }]);
  });

  it('unchanged: "clip fertility between 0 and 10"', () => {
    expect(parsePrep('clip fertility between 0 and 10')).toEqual([
      { op: 'clip', list: 'fertility', lower: 0, upper: 10 },
    ]);
  });
});

describe('a dropped-column list ends at the next prep verb after a comma', () => {
  it.each([
    ['drop notes, impute missing price with the median', 'notes'],
    ['remove id and slug, one-hot city, then train', 'id and slug'],
    ['drop comment, scale the numbers', 'comment'],
  ])('%s', (goal, list) => {
    expect(parsePrep(goal).find((p) => p.op === 'drop')).toEqual({ op: 'drop', list });
  });

  it('unchanged: a list of columns with commas', () => {
    expect(parsePrep('drop id, name, notes and then train')[0]).toEqual({
      op: 'drop',
      list: 'id, name, notes',
    });
  });
});

describe('"duplicated lines" are duplicates; "complete the empty x with 0" fills gaps', () => {
  it.each([
    ['delete the duplicated lines, complete the missing price with 0', ['dedupe', 'impute']],
    ['remove duplicated records and complete the blank cells of age with the median', ['dedupe', 'impute']],
  ])('%s', (goal, expected) => {
    expect(ops(goal)).toEqual(expected);
  });

  it('unchanged: "drop the notes column" is still a drop', () => {
    expect(ops('drop the notes column')).toEqual(['drop']);
  });
});

describe('boosting iterations / rounds count the estimators of a boosted model', () => {
  it.each([
    ['gradient boosting with 500 iterations', 500],
    ['xgboost, 250 rounds, learning rate 0.1', 250],
  ])('%s', (goal, n) => {
    expect(parseParams(goal, boosting).nEstimators).toBe(n);
  });

  it('unchanged: iterations of a model that is not boosted', () => {
    expect(parseParams('random forest, 300 iterations', forest).nEstimators).toBeUndefined();
  });
});

describe('scorer names written the scikit-learn way', () => {
  it.each([
    ['use f1_macro as the metric', 'f1_macro'],
    ['optimise recall_macro', 'recall_macro'],
    ['score by roc_auc', 'roc_auc'],
  ])('%s', (goal, metric) => {
    expect(metricMentions(goal)[0]?.metric).toBe(metric);
  });

  it('unchanged: "f1 score"', () => {
    expect(metricMentions('pick by f1 score')[0]?.metric).toBe('f1_macro');
  });
});

describe('"with name x" after register', () => {
  it.each([
    ['then register the out/m.pt with name ranker-3', 'ranker-3'],
    ['register what it writes to out/w.ckpt under name qa-small', 'qa-small'],
  ])('%s', (goal, name) => {
    expect(parseModelName(goal)).toBe(name);
  });

  it('unchanged: no register verb, no name', () => {
    expect(parseModelName('read the file with name list.csv')).toBeUndefined();
  });
});

describe('"the free text in the x column": the column, not the adjective', () => {
  it.each([
    ['predict team, with the free text in the summary column as input', ['summary']],
    ['classify urgency using the raw text in the notes field', ['notes']],
    ['predict label from the plain text of the message column', ['message']],
  ])('%s', (goal, cols) => {
    expect(parseTextFeatures(goal).explicit).toEqual(cols);
  });

  it('unchanged: "from the body text"', () => {
    expect(parseTextFeatures('predict queue from the body text').explicit).toEqual(['body']);
  });
});

describe('"tf-idf or whatever": a hedge after the vectoriser is no column', () => {
  it.each([
    ['predict team from the body text (tf-idf or whatever)', ['body']],
    ['summary as a text feature, embed or something similar', ['summary']],
  ])('%s', (goal, cols) => {
    expect(parseTextFeatures(goal).explicit).toEqual(cols);
  });

  it('unchanged: "tf-idf on notes"', () => {
    expect(parseTextFeatures('predict label with tf-idf on notes').explicit).toEqual(['notes']);
  });
});
