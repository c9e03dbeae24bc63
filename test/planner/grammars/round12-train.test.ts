/** Round 12, training words: targets said by meaning or fronted, text read "by reading the X", "NAME = value" params. */
import { describe, expect, it } from 'vitest';
import type { DatasetDescription } from '../../../agents/planner/describe-dataset.ts';
import { resolveTarget } from '../../../agents/planner/offline/build-data.ts';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { parseParams } from '../../../agents/planner/offline/params.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';

const num = (name: string, distinct = 300) => ({ name, type: 'DOUBLE', distinct, nulls: 0 });
const str = (name: string, distinct = 3) => ({ name, type: 'VARCHAR', distinct, nulls: 0 });

const gapminder: DatasetDescription = {
  path: 'data/gapminder.json',
  format: 'json',
  rows: 693,
  columns: [
    str('country', 63),
    num('year', 11),
    num('cluster', 6),
    num('pop'),
    num('life_expect'),
    num('fertility'),
  ],
  sample: [
    { country: 'Afghanistan', year: 1955, cluster: 0, pop: 8891209, life_expect: 30.3, fertility: 7.7 },
  ],
};
const flights: DatasetDescription = {
  path: 'data/flights.csv',
  format: 'csv',
  rows: 5000,
  columns: [str('date', 4000), num('delay'), num('distance'), str('origin', 40), str('destination', 40)],
  sample: [{ date: '2001/01/13', delay: 14, distance: 405, origin: 'MSY', destination: 'MCO' }],
};
const weather: DatasetDescription = {
  path: 'data/seattle-weather.csv',
  format: 'csv',
  rows: 1461,
  columns: [
    str('date', 1461),
    num('precipitation'),
    num('temp_max'),
    num('temp_min'),
    num('wind'),
    str('weather', 5),
  ],
  sample: [
    { date: '2012-01-01', precipitation: 0, temp_max: 12.8, temp_min: 5, wind: 4.7, weather: 'drizzle' },
    { date: '2012-01-02', precipitation: 10.9, temp_max: 10.6, temp_min: 2.8, wind: 4.5, weather: 'rain' },
    { date: '2012-01-03', precipitation: 0.8, temp_max: 11.7, temp_min: 7.2, wind: 2.3, weather: 'rain' },
  ],
};
const movies: DatasetDescription = {
  path: 'data/movies.json',
  format: 'json',
  rows: 3201,
  columns: [str('Title', 3000), str('Major Genre', 12), str('Creative Type', 9), num('Production Budget')],
  sample: [
    { Title: 'First Love, Last Rites', 'Major Genre': 'Drama', 'Creative Type': 'Contemporary Fiction' },
  ],
};

const target = (goal: string, data: DatasetDescription) => resolveTarget(parseGoal(goal), data);

describe('a target said by meaning: everyday words for the column', () => {
  it.each([
    [
      'Could a model work out how long people live in a country from data/gapminder.json? knn please',
      'life_expect',
    ],
    ['from data/gapminder.json I want to guess the lifespan of each country, a random forest', 'life_expect'],
    ['build something that says how late a flight will be, data/flights.csv, gradient boosting', 'delay'],
    ['estimate how hot it gets each day from data/seattle-weather.csv with linear regression', 'temp_max'],
    ['a model for how much money a movie costs to make, data/movies.json', 'Production Budget'],
  ])('%s → %s', (goal, column) => {
    expect(
      target(
        goal,
        goal.includes('gapminder')
          ? gapminder
          : goal.includes('flights')
            ? flights
            : goal.includes('weather')
              ? weather
              : movies,
      ),
    ).toBe(column);
  });

  it('category values named in the goal pick the text column that holds them', () => {
    expect(
      target(
        'can we tell which kind of day it is (rain, sun or drizzle) from data/seattle-weather.csv?',
        weather,
      ),
    ).toBe('weather');
    expect(
      target('a classifier for the sort of film it is: Drama, Comedy or Action, data/movies.json', movies),
    ).toBe('Major Genre');
  });

  it('unchanged: two columns fit ("how hot" with temp_max and temp_min named no better) or nothing does', () => {
    // "how warm": temp_max and temp_min both fit a temperature; only "how hot" leans to the max.
    expect(
      target('train a model on data/seattle-weather.csv for how warm or cold it is', weather),
    ).toBeUndefined();
    expect(target('train something on data/gapminder.json, random forest', gapminder)).toBeUndefined();
    // A column named as usual still wins.
    expect(target('predict fertility from data/gapminder.json', gapminder)).toBe('fertility');
  });
});

describe('a fronted target: "Which X it will be, this we want to predict"', () => {
  it.each([
    ['Which weather it will be, this we want to predict from data/seattle-weather.csv with knn', 'weather'],
    ['The wind speed is what we want to predict, data/seattle-weather.csv, random forest', 'wind'],
    [
      'what we want predicted is the precipitation, using data/seattle-weather.csv and a decision tree',
      'precipitation',
    ],
    ['which fertility a country has, that is what we need to forecast from data/gapminder.json', 'fertility'],
  ])('%s → %s', (goal, column) => {
    expect(target(goal, goal.includes('gapminder') ? gapminder : weather)).toBe(column);
  });
});

describe('text read by a model that "reads the X" / "based on what the X says"', () => {
  it.each([
    ['a model that reads the description of every product in data/p.csv and picks a category', 'description'],
    ['predict the team from the notes text in data/t.csv', 'notes'],
    ['route each email based on what the subject says, data/mail.csv', 'subject'],
    ['something that reads each review body and tells us the stars, data/r.csv', 'review body'],
  ])('%s → %s', (goal, column) => {
    const t = parseTextFeatures(goal);
    expect([...t.explicit, ...t.maybe]).toContain(column);
  });

  it('unchanged: "read the file" or "reads data/x.csv" names no text column', () => {
    const t = parseTextFeatures('read the file every night and predict price with a forest');
    expect([...t.explicit, ...t.maybe]).toEqual([]);
  });
});

describe('text column lists after "from the": "from the title + Director as text"', () => {
  it.each([
    ['guess the genre from the summary + tagline as text features, data/m.json', ['summary', 'tagline']],
    ['predict team using subject and body as free text, data/t.csv', ['subject', 'body']],
    ['classify Origin from the name, maker as text', ['name', 'maker']],
  ])('%s', (goal, columns) => {
    expect([...parseTextFeatures(goal).explicit].sort()).toEqual([...columns].sort());
  });
});

describe('hyper-parameters said as "NAME = value" for the algorithm\'s known params', () => {
  const logreg = [{ framework: 'builtin', algorithm: 'logistic_regression' }] as never;
  const ridge = [{ framework: 'sklearn', algorithm: 'ridge' }] as never;
  it.each([
    ['logistic regression; C = 0.5; 5 folds', logreg, { C: 0.5 }],
    ['logreg with C=2 on data/x.csv', logreg, { C: 2 }],
    ['a logistic regression, regularisation strength C of 0.1', logreg, { C: 0.1 }],
    ['ridge with alpha = 0.3', ridge, { alpha: 0.3 }],
    ['ridge regression, alpha of 10', ridge, { alpha: 10 }],
  ])('%s', (goal, models, params) => {
    expect(parseParams(goal, models)).toEqual(params);
  });

  it('unchanged: "C" or "alpha" without a fitting algorithm, and other letters, set nothing', () => {
    expect(
      parseParams('random forest, C = 0.5', [{ framework: 'builtin', algorithm: 'random_forest' }] as never),
    ).toEqual({});
    expect(parseParams('logistic regression on section C of the data', logreg)).toEqual({});
  });
});

describe('"we don\'t want it registered or deployed anywhere": neither', () => {
  it.each([
    "predict Species from data/penguins.json with knn, we don't want it registered or deployed anywhere",
    'train a forest for delay on data/flights.csv; I do not want the model deployed or registered',
    "fit a tree for Origin in data/cars.json, we don't need it registered or put live",
  ])('%s', (goal) => {
    const w = parseGoal(goal).wants;
    expect([w.register, w.deploy]).toEqual([false, false]);
  });

  it('unchanged: "register it, we don\'t want it deployed" still registers', () => {
    const w = parseGoal(
      "train a forest for delay on data/flights.csv, register it, we don't want it deployed",
    ).wants;
    expect([w.register, w.deploy]).toEqual([true, false]);
  });
});

describe('"something that tells us where / which …" is the model, not a notification', () => {
  it.each([
    'build something that tells us where a car was made from data/cars.json',
    'a classifier that tells me which species a penguin is, data/penguins.json',
    'we need a model which tells us how late a flight will be, data/flights.csv',
  ])('%s', (goal) => {
    expect(parseGoal(goal).notify).toBeUndefined();
  });

  it('unchanged: "tell us if accuracy drops" and "retrain and tell us" notify', () => {
    expect(parseGoal('retrain cars-mpg weekly and tell us when it is done').notify).toBeDefined();
    expect(
      parseGoal('train a model on data/cars.json for Origin and tell us how it went').notify,
    ).toBeDefined();
  });
});
