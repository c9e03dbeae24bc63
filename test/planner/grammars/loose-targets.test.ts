/** Round 4, training side: targets said loosely, words that are never a target, numbers as words. */
import { describe, expect, it } from 'vitest';
import { parseParams } from '../../../agents/planner/offline/params.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';
import { targetPhrases } from '../../../agents/planner/offline/target.ts';

describe('words that are never a target', () => {
  it.each([
    ['data/x.csv: fit a forest on price and keep 20% aside for testing', 'testing'],
    ['train a regressor on data/h.json, a fifth of the rows for validation purposes', 'validation purposes'],
    ['retrain the model for later', 'later'],
    ['fit a quick tree on data/x.csv for myself', 'myself'],
  ])('%s has no target "%s"', (text, never) => {
    expect(parseGoal(text).targetPhrases).not.toContain(never);
  });

  it('a real column after "for" is still read', () => {
    expect(parseGoal('train a forest on data/x.csv for price').targetPhrases).toContain('price');
  });
});

describe('targets said loosely', () => {
  it.each([
    ['data/houses.csv: price is the number we care about, fit a forest', 'price'],
    ['data/x.json - Weight is the value I care about most. boosting please', 'Weight'],
    ['in data/cars.json Origin is the thing we are after; a tree', 'Origin'],
    ['a model that learns which team a ticket goes to, data/t.csv', 'team'],
    ['can you guess which region a sale came from? data/s.csv, train it', 'region'],
    ['Flipper length from the other measurements, data/p.json, random forest', 'Flipper length'],
    ['data/cars.json. Horsepower from the remaining columns, knn', 'Horsepower'],
    ['houses.csv: price ~ rooms + area + age, plain linear model', 'price'],
    ['lm(yield ~ variety + site) on data/barley.json', 'yield'],
    ['what we want out of it is the delay, data/flights.csv, boosting', 'delay'],
    ['data/s.csv, the column Sales is the answer, knn', 'Sales'],
  ])('%s → %s', (text, want) => {
    const spec = parseGoal(text);
    expect(spec.wants.train).toBe(true);
    expect(spec.targetPhrases[0]).toBe(want);
  });

  it('a formula or "from the other" does not invent targets elsewhere', () => {
    expect(parseGoal('copy data/x.csv from the other bucket').targetPhrases).toEqual([]);
    expect(parseGoal('copy data/x.csv from the other bucket').wants.train).toBe(false);
    expect(targetPhrases('the ~ sign means roughly')).toEqual([]);
    expect(targetPhrases('what we want is a quick look at the data')).not.toContain('a quick look');
  });
});

describe('numbers as words', () => {
  const knn = [{ framework: 'builtin' as const, algorithm: 'knn' as const }];
  const forest = [{ framework: 'builtin' as const, algorithm: 'random_forest' as const }];
  it.each([
    ['knn with k of eleven', 11],
    ['nearest neighbours, k is seven', 7],
    ['k-nn, k: 9', 9],
  ])('%s', (text, k) => {
    expect(parseParams(text, knn).k).toBe(k);
  });

  it('trees and depth in words', () => {
    expect(parseParams('a forest with a dozen trees', forest).nEstimators).toBe(12);
    expect(parseParams('random forest, max depth of six', forest).maxDepth).toBe(6);
    expect(parseParams('knn with 5-fold cv', knn).k).toBeUndefined();
  });
});

describe('a model reference never runs across sentence punctuation', () => {
  it.each([
    'houses.csv: price ~ rooms + area. plain linear model, no deploy',
    'fit it on rooms; forest model please',
    'use the area! boosted model',
    'features are rooms and area: knn model',
    'predict price from rooms. Boosted trees model',
  ])('%s', (text) => {
    const refs = parseModelReferences(text);
    expect(refs.flatMap((r) => r.words)).not.toContain('rooms');
    expect(refs.flatMap((r) => r.words)).not.toContain('area');
  });

  it('a described model in one sentence is still read', () => {
    expect(parseModelReferences('done. now retrain the production cars model').at(0)).toMatchObject({
      words: ['cars'],
      alias: 'production',
    });
  });
});

describe('the noun first: "the number I care about is X"', () => {
  it.each([
    ['data/b.json. the number I care about is yield; boosting', 'yield'],
    ['data/h.csv, the figure we want to predict is price, knn', 'price'],
    ['data/w.csv - the one we are after: weather. a tree', 'weather'],
    ['data/s.csv - Sales from the other columns, a tree', 'Sales'],
  ])('%s → %s', (text, want) => {
    expect(parseGoal(text).targetPhrases[0]).toBe(want);
  });
});

describe('hundreds in words', () => {
  const forest = [{ framework: 'builtin' as const, algorithm: 'random_forest' as const }];
  it.each([
    ['a forest with two hundred trees', 200],
    ['random forest, a hundred and fifty trees', 150],
    ['three hundred estimators', 300],
    ['a hundred trees', 100],
    ['200 trees', 200],
  ])('%s', (text, n) => {
    expect(parseParams(text, forest).nEstimators).toBe(n);
  });
});

describe('more loose targets', () => {
  it.each([
    ["flights.json - delay is what I'd like out of it; boosted trees", 'delay'],
    ['data/h.csv: price is what we need from the model, a forest', 'price'],
    ['from data/cars.json guess how many Cylinders a car has, with a tree', 'Cylinders'],
    ['estimate how much rainfall each day gets from data/w.csv', 'rainfall'],
  ])('%s → %s', (text, want) => {
    expect(parseGoal(text).targetPhrases[0]).toBe(want);
  });
});

describe("a formula's right-hand side names the features", () => {
  it.each([
    ['houses.csv: price ~ rooms + area + age, linear model', ['rooms', 'area', 'age']],
    ['lm(yield ~ variety + site) on data/barley.json', ['variety', 'site']],
    ['fit y ~ x1*x2 on data/t.csv', ['x1', 'x2']],
  ])('%s', (text, features) => {
    expect(parseGoal(text).featureColumns).toEqual(features);
  });

  it('"y ~ ." is every other column', () => {
    expect(parseGoal('data/p.json: Species ~ . with knn').featureColumns).toBeUndefined();
    expect(parseGoal('predict price from data/h.csv').featureColumns).toBeUndefined();
  });
});

describe('still more loose targets', () => {
  it.each([
    ['data/w.csv: the answer we want is weather. knn', 'weather'],
    ['for data/b.json, yield is the quantity of interest; ridge please', 'yield'],
    ['data/h.csv, price is the variable of interest, boosting', 'price'],
    ['data/cars.json: which Origin a car comes from, learned from the rest. logistic regression', 'Origin'],
    ['data/p.json. Which island each penguin lives on, with a forest', 'island'],
    ['which queue does a ticket belong to? learn it from data/t.csv', 'queue'],
  ])('%s → %s', (text, want) => {
    expect(parseGoal(text).targetPhrases[0]).toBe(want);
  });

  it('"please" is never a target', () => {
    expect(parseGoal('train a ridge model on data/b.json for yield please').targetPhrases).not.toContain(
      'please',
    );
  });
});

describe('questions, cares and functions', () => {
  it.each([
    ['data/flights.json - will a flight be delayed? a classifier please', 'delayed'],
    ['data/loans.csv: is a loan defaulted? train a model', 'defaulted'],
    ['data/gapminder.json: we care about life_expect. knn', 'life_expect'],
    ['data/h.csv - I mostly care about the price; a forest', 'price'],
    [
      'data/cars.json: Horsepower as a function of Weight_in_lbs and Displacement, linear regression',
      'Horsepower',
    ],
  ])('%s → %s', (text, want) => {
    const spec = parseGoal(text);
    expect(spec.wants.train).toBe(true);
    expect(spec.targetPhrases[0]).toBe(want);
  });

  it('"as a function of" names the features', () => {
    expect(parseGoal('data/c.json: price as a function of rooms, area and age').featureColumns).toEqual([
      'rooms',
      'area',
      'age',
    ]);
  });

  it('caring about a metric names no target', () => {
    expect(
      parseGoal('train a forest on data/x.csv for price, we care about recall').targetPhrases,
    ).not.toContain('recall');
    expect(parseGoal('data/x.csv: I care about accuracy more than speed').wants.train).toBe(false);
  });
});

describe('targets said as a question or an input/output pair', () => {
  it.each([
    ['data/t.csv: can we tell the channel from the wording of body? logistic regression', 'channel'],
    ['could a model guess the region based on the notes? data/s.csv', 'region'],
    ['train a text classifier on data/t.csv: input body, output queue', 'queue'],
    ['data/r.csv, inputs: review; output: stars. boosting', 'stars'],
  ])('%s → %s', (text, want) => {
    expect(parseGoal(text).targetPhrases[0]).toBe(want);
  });

  it('"a text classifier" names no column "text"', () => {
    expect(parseGoal('train a text classifier on data/t.csv for queue').targetPhrases).not.toContain('text');
  });
});

describe('loose readings that name no column', () => {
  it.each([
    'load data/cars.json. which columns a car has is unclear to me',
    'what we want out of it is a report, data/x.csv',
    'data/x.csv: is the run deployed? check it',
    'data/x.csv - was the pipeline finished?',
  ])('%s', (text) => {
    const spec = parseGoal(text);
    expect(spec.targetPhrases).toEqual([]);
  });
});

describe('hyperparameters said other ways', () => {
  const knn = [{ framework: 'builtin' as const, algorithm: 'knn' as const }];
  const forest = [{ framework: 'builtin' as const, algorithm: 'random_forest' as const }];
  const boost = [{ framework: 'builtin' as const, algorithm: 'gradient_boosting' as const }];
  it.each([
    ['knn, n_neighbors=7', 7],
    ['knn, number of neighbours: 9', 9],
    ['knn with neighbors = 3', 3],
  ])('%s', (text, k) => {
    expect(parseParams(text, knn).k).toBe(k);
  });

  it.each([
    ['a decision tree no deeper than 4', { maxDepth: 4 }],
    ['trees at most 5 levels deep', { maxDepth: 5 }],
    ['a forest, n_estimators of three hundred', { nEstimators: 300 }],
    ['a random forest with a couple hundred trees', { nEstimators: 200 }],
  ])('%s', (text, want) => {
    expect(parseParams(text, forest)).toMatchObject(want);
  });

  it('a learning rate said before its name', () => {
    expect(parseParams('gradient boosting, 0.05 learning rate', boost).learningRate).toBe(0.05);
    expect(parseParams('gradient boosting with 200 trees', boost).learningRate).toBeUndefined();
  });
});

describe('"what comes out"', () => {
  it.each([
    ['data/cars.json. Origin = what comes out, everything else goes in. knn', 'Origin'],
    ['data/h.csv: what comes out is price; a forest', 'price'],
  ])('%s → %s', (text, want) => {
    expect(parseGoal(text).targetPhrases[0]).toBe(want);
  });
});

describe('"what we are trying to predict", numbers', () => {
  it.each([
    ["data/cars.json: Cylinders is what we're trying to predict; a forest", 'Cylinders'],
    ['data/h.csv: price is what I am hoping to estimate', 'price'],
  ])('%s → %s', (text, want) => {
    expect(parseGoal(text).targetPhrases[0]).toBe(want);
  });

  it('a number is never a target', () => {
    expect(
      parseGoal('train a random forest of a hundred and twenty trees on data/c.json').targetPhrases,
    ).toEqual([]);
  });
});
