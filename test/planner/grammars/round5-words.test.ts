/** Round 5 word classes, in other words than any eval goal: bare family names, participles after "model". */
import { describe, expect, it } from 'vitest';
import { parseModels } from '../../../agents/planner/offline/models.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

describe('a bare family word is a model choice', () => {
  it.each([
    ['predict churn from data/c.csv with boosting', 'gradient_boosting'],
    ['give boosting a go for the price column of data/h.csv', 'gradient_boosting'],
    ['fit a boosted model to data/h.csv for price', 'gradient_boosting'],
    ['try svm for the label in data/x.csv', 'svm'],
    ['An SVM over data/x.csv to predict label', 'svm'],
  ])('%s', (goal, algorithm) => {
    expect(parseModels(goal).map((m) => m.algorithm)).toEqual([algorithm]);
  });
  it('boosting a metric is no model choice', () => {
    expect(parseModels('predict churn from data/c.csv, boosting recall if possible')).toEqual([]);
    expect(parseModels('predict churn from data/c.csv and boost accuracy')).toEqual([]);
  });
});

describe('"model" as a noun before a participle', () => {
  it.each([
    'predict species in data/p.json and tell us which model got promoted',
    'predict species in data/p.json; post the numbers the model produced to slack',
    'forecast sales from data/s.csv and keep a note of the model selected',
    'forecast sales from data/s.csv, then show what each model returned',
  ])('%s', (goal) => {
    const phrases = parseGoal(goal).targetPhrases;
    expect(phrases[0]).toMatch(/^(?:species|sales)$/);
    expect(phrases.join('|')).not.toMatch(/promoted|produced|selected|returned/);
  });
  it('"model" as a verb still names the target', () => {
    expect(parseGoal('model delivery time from data/d.csv').targetPhrases[0]).toBe('delivery time');
    expect(parseGoal('a model forecasting sales from data/s.csv').targetPhrases).toContain('sales');
  });
});

describe('a column whose name starts with "model"', () => {
  it('"the model speed" is still the phrase to match', () => {
    expect(parseGoal('predict the model speed from data/d.csv').targetPhrases[0]).toBe('model speed');
  });
});
