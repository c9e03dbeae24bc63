/** Round 3, training side: chat edits and answers (flags, splits, text columns, approvers) and more negations. */
import { describe, expect, it } from 'vitest';
import { applyAnswer, applyEdit } from '../../../agents/planner/edits.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseApprovers } from '../../../agents/planner/offline/resources.ts';
import { parseHoldout } from '../../../agents/planner/offline/split.ts';

describe('follow-ups on the training side', () => {
  it('flags said in a follow-up are added to the script, or replace its value', () => {
    const f = parseGoal('run scripts/f.py with --lr 1e-4 and register out/ckpt.pt');
    expect(applyEdit(f, 'also pass --epochs 5').script?.args).toEqual(['--lr', '1e-4', '--epochs', '5']);
    expect(applyEdit(f, 'use --lr 3e-5 instead').script?.args).toEqual(['--lr', '3e-5']);
    expect(applyEdit(f, 'add --fp16').script?.args).toEqual(['--lr', '1e-4', '--fp16']);
  });

  it('a split asked for on a data-only plan', () => {
    const f = applyEdit(parseGoal('dedupe data/movies.json, no model'), 'and split it 80/20');
    expect(f.wants.split).toBe(true);
    expect(f.testShare).toBe(0.2);
  });

  it.each(['body', "it's in body", 'the body column', 'use body, please', '"body"'])(
    'the answer "%s" names the text column',
    (answer) => {
      const f = parseGoal('predict queue from data/t.csv using the summary text');
      expect(applyAnswer(f, 'text', answer).textColumns).toEqual(['body']);
    },
  );
});

describe('approvers said as a role', () => {
  it.each([
    ['add bob as approver', ['bob']],
    ['with alice and carol as reviewers', ['alice', 'carol']],
    ['approver: dave', ['dave']],
  ])('%s', (text, want) => {
    expect(parseApprovers(text)).toEqual(want);
  });
});

describe('more ways to say no model, a time split and a target', () => {
  it.each([
    "fill gaps in data/p.json with the most frequent value, don't build a model",
    'scale data/c.json; no need to create any classifier',
  ])('%s', (text) => {
    expect(parseGoal(text).wants.train).toBe(false);
  });

  it('rows after a year as the test set are a time split', () => {
    expect(parseHoldout('use rows after 2014 as the test set and earlier as training').split?.method).toBe(
      'time',
    );
  });

  it('"predict: X", and "what determines X" over a data file', () => {
    expect(parseGoal('data/gapminder.json -> predict: fertility').targetPhrases[0]).toBe('fertility');
    const spec = parseGoal('in data/penguins.json, what determines the Species?');
    expect(spec.wants.train).toBe(true);
    expect(spec.targetPhrases[0]).toBe('Species');
  });
});

describe('round 3 probes, last batch', () => {
  it.each([
    ['data/cars.json: regression of Horsepower on the other columns', 'Horsepower'],
    ['data/cars.json, dependent variable Acceleration', 'Acceleration'],
    ['data/penguins.json, i need know the Island of penguin', 'Island'],
    ['data/gapminder.json where life_expect is the output', 'life_expect'],
    ['the column to guess is Origin (data/cars.json)', 'Origin'],
    ['sort the tickets of data/tickets.csv into queues by what people wrote', 'queues'],
  ])('%s → %s', (text, want) => {
    const spec = parseGoal(text);
    expect(spec.wants.train).toBe(true);
    expect(spec.targetPhrases[0]?.replace(/\s+of\s+.*$/, '')).toBe(want);
  });

  it('"don\'t train yet - just …" trains nothing', () => {
    expect(parseGoal("don't train yet - just drop duplicate rows from data/movies.json").wants.train).toBe(
      false,
    );
  });

  it('shares of the rows of a named file, and a split in date order', () => {
    expect(
      parseHoldout('keep 15% of the rows of data/penguins.json for validation and 15% for test'),
    ).toMatchObject({ validationShare: 0.15, testShare: 0.15 });
    expect(parseHoldout('split data/x.csv in date order, last 20% as test').split?.method).toBe('time');
  });

  it('text named as what people wrote, or after a vectoriser and a model', () => {
    expect(parseGoal('sort data/t.csv into queues by what people wrote').textColumns).toEqual(['(the text)']);
    expect(parseGoal('TFIDF + linear SVM over Body, data/t.csv, target queue').textColumns).toEqual(['Body']);
  });
});

describe('round 3: a target as what we want, text in brackets', () => {
  it('"X is what we want" names the target', () => {
    expect(
      parseGoal('data/movies.json: Major Genre is what we want, Title is free text').targetPhrases[0],
    ).toBe('Major Genre');
  });

  it('"body (it\'s free text)" is a text column', () => {
    expect(parseGoal("guess the queue from the body (it's free text)").textColumns).toEqual(['body']);
  });
});

describe('round 3: last probes (text fields, sizes, names, negations, swaps)', () => {
  it.each([
    ['build a classifier whose label is queue. The body field contains free-form text.', ['body']],
    ['data/t.csv - predict queue. Text column: body.', ['body']],
    ['queue prediction for data/t.csv, text = body', ['body']],
    ['can you hash the body words and learn queue', ['body']],
  ])('%s', (text, want) => {
    expect(parseGoal(text).textColumns).toEqual(want);
  });

  it('"queue prediction for x" and "to be predicted: X" name targets', () => {
    expect(parseGoal('queue prediction for data/t.csv, text = body').targetPhrases[0]).toBe('queue');
    expect(parseGoal('data/cars.json; to be predicted: Miles_per_Gallon').targetPhrases[0]).toBe(
      'Miles_per_Gallon',
    );
  });

  it('sizes and counts: "GPU x2", "memory limit 20Gi", "48GB per GPU" (no count)', () => {
    expect(parseGoal('x.py on GPU x2, 30GiB memory').resources).toEqual({ gpu: 2, memory: '30Gi' });
    expect(parseGoal('x.py on 1 GPU, memory limit 20Gi').resources).toEqual({ gpu: 1, memory: '20Gi' });
    expect(parseGoal('use 48GB per GPU').resources).toEqual({ gpuMemory: '48Gi' });
  });

  it('names: "with the name x", "name: x" beside a registration', () => {
    expect(parseGoal('register the output out/ckpt.pt with the name ft-named').modelName).toBe('ft-named');
    expect(parseGoal('push out/ckpt.pt to the registry, name: ft-push').modelName).toBe('ft-push');
    expect(parseGoal('clean data/x.csv, dataset name: x-clean').modelName).toBeUndefined();
  });

  it.each([
    'data/cars.json: just scale and split 90/10, we train elsewhere',
    'dedupe data/movies.json; modelling is out of scope',
  ])('"%s" trains nothing', (text) => {
    expect(parseGoal(text).wants.train).toBe(false);
  });

  it('"75%/25%" is a test share; "drop A and use B" swaps models', () => {
    expect(parseHoldout('split data/cars.json 75%/25%, no model').testShare).toBe(0.25);
    const f = parseGoal('train a random forest on data/p.json to predict Species');
    expect(applyEdit(f, 'drop the random forest and use an svm').models.map((m) => m.algorithm)).toEqual([
      'svm',
    ]);
  });
});

describe('round 3: one more batch', () => {
  it.each([
    ['queue = label, body = free text, data/t.csv', 'queue', ['body']],
    [
      'train on data/t.csv, what we predict is the queue and the input is the body text plus channel',
      'queue',
      ['body'],
    ],
    ['make a model to assign each ticket a queue, read the body text with tf-idf', 'queue', ['body']],
    ['data/cars.json: how many Cylinders does a car have? train a model for that', 'Cylinders', []],
    ['with data/penguins.json, tell apart the Species', 'Species', []],
    ['teach a model to recognise the Island from data/penguins.json', 'Island', []],
  ])('%s', (text, target, textColumns) => {
    const spec = parseGoal(text);
    expect(spec.targetPhrases[0]).toBe(target);
    expect(spec.textColumns).toEqual(textColumns);
  });

  it('the pod\'s memory, and a file that "goes in the registry as" a name', () => {
    expect(parseGoal('x.py with 1 GPU having 24GB and the pod having 64GB').resources).toEqual({
      gpu: 1,
      gpuMemory: '24Gi',
      memory: '64Gi',
    });
    const spec = parseGoal(
      'scripts/f.py on one A100; its checkpoint out/ckpt.pt goes in the registry as a100-ft',
    );
    expect(spec.script?.artifact).toBe('out/ckpt.pt');
    expect(spec.modelName).toBe('a100-ft');
  });
});
