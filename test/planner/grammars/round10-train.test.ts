/** Round 10 training-side wordings, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { saysNoRegister } from '../../../agents/planner/offline/negations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { targetPhrases } from '../../../agents/planner/offline/target.ts';

describe('"register nothing" / "no registry" means no registration', () => {
  it.each([
    'run my train.py with 2 gpus and register nothing this time',
    'custom script, 4 epochs; no registry please',
    'fit it with my own code, no model registry needed, just the run',
    'train the thing but registering nothing at this stage, it is a trial',
    'use my script; no registering, no deploy',
  ])('%s', (goal) => {
    expect(saysNoRegister(goal)).toBe(true);
  });
  it.each([
    'register it as sales-model once approved',
    'no registry entry until the review passes',
    'register nothing until Ana signs off',
  ])('still registers: %s', (goal) => {
    expect(saysNoRegister(goal)).toBe(false);
  });
});

describe('text columns said in other ways', () => {
  it.each([
    ['Can the review Body be treated as free text to predict stars?', ['Body']],
    ['should the notes be handled as text when we classify priority', ['notes']],
    ['could Subject and Body be read as free text for routing?', ['Subject', 'Body']],
  ])('a question form: %s', (goal, cols) => {
    expect(parseTextFeatures(goal).explicit).toEqual(cols);
  });
  it.each([
    ['classify priority where subject and body are both free text', ['subject', 'body']],
    ['predict genre; plot and tagline are all text features', ['plot', 'tagline']],
  ])('"are both text": %s', (goal, cols) => {
    expect(parseTextFeatures(goal).explicit).toEqual(cols);
  });
  it.each([
    ['a naive bayes classifier on the email body (data/mail.csv), label = folder', 'body'],
    ['multinomial NB over the message, target = spam', 'message'],
  ])('a text classifier on a column: %s', (goal, col) => {
    expect(parseTextFeatures(goal).maybe).toContain(col);
  });
  it('a plain "on the data" names no text', () => {
    const f = parseTextFeatures('train a random forest on the penguins data, predict species');
    expect(f.explicit).toEqual([]);
    expect(f.maybe).not.toContain('species');
  });
  it('"X and Y should both be handled as text" names X and Y, not "both"', () => {
    expect(
      parseTextFeatures('predict stars; Summary and Body should both be handled as text columns').explicit,
    ).toEqual(['Summary', 'Body']);
  });
  it('"can the model be deployed" names no text', () => {
    expect(parseTextFeatures('can the model be treated as final and deployed?').explicit).toEqual([]);
  });
});

describe('algorithm ids written in snake_case', () => {
  it.each([
    [
      'price in data/houses.csv; compare gradient_boosting and ridge_regression',
      ['gradient_boosting', 'ridge'],
    ],
    [
      'species from data/birds.csv, try logistic_regression vs random_forest',
      ['logistic_regression', 'random_forest'],
    ],
    ['fit a decision_tree on data/x.csv to predict y', ['decision_tree']],
  ])('%s', (goal, algorithms) => {
    const spec = parseGoal(goal) as { models: { algorithm: string }[]; wants: { train: boolean } };
    expect(spec.models.map((m) => m.algorithm)).toEqual(algorithms);
    expect(spec.wants.train).toBe(true);
  });
  it('a column that only starts like one is no algorithm', () => {
    const spec = parseGoal('predict ridge_height_cm from data/hills.csv') as { models: unknown[] };
    expect(spec.models).toEqual([]);
  });
});

describe('the size of a model is no target', () => {
  it.each([
    'price from data/houses.csv with a model of 400 trees',
    'sales via an ensemble model of 250 boosted stumps, then register it',
    'rent with a model of 3 layers please',
  ])('%s', (goal) => {
    expect(targetPhrases(goal).join(' ')).not.toMatch(/trees|stumps|layers/);
  });
  it('"a model of fertility" still names the target', () => {
    expect(targetPhrases('build a model of fertility from data/g.json')).toContain('fertility');
  });
});

describe('rows named by what they are ("the films", "the birds") that lack a column', () => {
  it.each([
    ['tidy data/zoo.csv: remove the animals that have no weight, then version it', 'weight'],
    ['clean data/songs.json by dropping the tracks without a genre', 'genre'],
    ['from data/flights.csv exclude any flights where delay is missing', 'delay'],
  ])('%s', (goal, column) => {
    const prep = (parseGoal(goal) as { prep: { op: string; list?: string }[] }).prep;
    expect(prep).toContainEqual({ op: 'dropna', list: column });
  });
  it('"remove the columns that have no values" is no row filter', () => {
    const prep = (
      parseGoal('remove the columns that have no values from data/x.csv') as { prep: { op: string }[] }
    ).prep;
    expect(prep.map((p) => p.op)).not.toContain('dropna');
  });
});
