/** Round 3, training side: targets said many ways (and that they mean training), split ratios, script names. */
import { describe, expect, it } from 'vitest';
import { parseModelName } from '../../../agents/planner/offline/params.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseScript } from '../../../agents/planner/offline/script.ts';
import { parseHoldout } from '../../../agents/planner/offline/split.ts';
import { targetPhrases } from '../../../agents/planner/offline/target.ts';

describe('a target said without "predict" still asks for training', () => {
  it.each([
    ['using data/cars.json we want to know Horsepower', 'Horsepower'],
    ['from data/x.csv I need to know the price', 'price'],
    ['guess the Origin of cars in data/cars.json', 'Origin'],
    ['data/penguins.json, Island is the label, random forest', 'Island'],
    ['data/t.csv: apply tf idf to body, label = queue', 'queue'],
    ['train on data/cars.json target=Weight_in_lbs', 'Weight_in_lbs'],
    ['figure out Cylinders from the other columns in data/cars.json', 'Cylinders'],
    ['work out the yield from the rest of data/barley.json', 'yield'],
    ['data/cars.json - the column we care about is Miles_per_Gallon', 'Miles_per_Gallon'],
    ['infer sex from data/penguins.json', 'sex'],
    ['build something on data/penguins.json that tells me the Species of a penguin', 'Species'],
    ["I'd love to know if we can guess the MPAA Rating from data/movies.json", 'MPAA Rating'],
  ])('%s → %s', (text, want) => {
    const spec = parseGoal(text);
    expect(spec.wants.train).toBe(true);
    expect(spec.targetPhrases[0]?.replace(/\s+of\s+.*$/, '')).toBe(want);
  });

  it('"text classification" names no target "text"', () => {
    expect(targetPhrases('do text classification of body into queue')).not.toContain('text');
    expect(targetPhrases('a sentiment classification of reviews')).toContain('sentiment');
    expect(targetPhrases('do text classification of body into queue')).toContain('queue');
  });

  it('"embeddings of" a text column of a table is a text feature, not a search index', () => {
    const spec = parseGoal('use embeddings of the body to predict queue in data/tickets.csv');
    expect(spec.operation).not.toBe('ai');
    expect(spec.textColumns).toEqual(['body']);
    expect(parseGoal('embed the docs/ folder and build a search index').operation).toBe('ai');
  });

  it('words of monitoring or serving do not start training', () => {
    expect(parseGoal('how many requests did penguins-species get yesterday?').wants.train).toBe(false);
  });
});

describe('split shares as ratios and decimals', () => {
  it.each([
    ['split data/x.json 8:1:1 into train, validation and test', { validationShare: 0.1, testShare: 0.1 }],
    ['a 0.8/0.1/0.1 split', { validationShare: 0.1, testShare: 0.1 }],
    ['split it 6:2:2', { validationShare: 0.2, testShare: 0.2 }],
    ['70-15-15 split', { validationShare: 0.15, testShare: 0.15 }],
  ])('%s', (text, want) => {
    expect(parseHoldout(text)).toMatchObject(want);
  });

  it.each([
    ['make a 0.75/0.25 train test split', 0.25],
    ['an 8:2 split of the rows', 0.2],
    ['split it 4:1 into train and test', 0.2],
    ['train/test ratio of 3:1', 0.25],
    ['80/20 split', 0.2],
  ])('%s → %s', (text, want) => {
    expect(parseHoldout(text).testShare).toBeCloseTo(want);
  });

  it('dates and times are not ratios', () => {
    expect(parseHoldout('split at 2015-01-02 by date').validationShare).toBeUndefined();
    expect(parseHoldout('train every day at 3:00').testShare).toBeUndefined();
  });
});

describe('names and artifacts around a script', () => {
  it.each([
    ['train with x.py on four GPUs, register out/ckpt.pt and call it tuner-x', 'tuner-x'],
    ['register out/m.bin and name it shop-net', 'shop-net'],
    ['publish the checkpoint, calling it ft-v3', 'ft-v3'],
  ])('%s → %s', (text, want) => {
    expect(parseModelName(text)).toBe(want);
  });

  it('"call it a day" names nothing', () => {
    expect(parseModelName('train x.py and call it a day')).toBeUndefined();
  });

  it('the file to register, named after the name', () => {
    expect(parseScript('run scripts/f.py then register as support-bot the file out/ckpt.pt')?.artifact).toBe(
      'out/ckpt.pt',
    );
  });
});

describe('round 3: more ways to say shares, targets and text', () => {
  it.each([
    ['split data/x.json in half for train and test', 0.5],
    ['ninety/ten split of the rows', 0.1],
    ['an eighty:twenty split', 0.2],
  ])('%s → %s', (text, want) => {
    expect(parseHoldout(text).testShare).toBeCloseTo(want);
  });

  it.each([
    ['use data/cars.json to find out what the Acceleration of a car will be', 'Acceleration'],
    ["train on data/cars.json with 'Miles_per_Gallon' as y", 'Miles_per_Gallon'],
    ['please make model for data/t.csv which find the queue', 'queue'],
  ])('%s → %s', (text, want) => {
    expect(parseGoal(text).targetPhrases[0]).toBe(want);
  });

  it('"not ready to train yet" trains nothing', () => {
    expect(
      parseGoal("we're not ready to train yet: one-hot encode Origin in data/cars.json").wants.train,
    ).toBe(false);
  });

  it('"have <file> registered" is the artifact', () => {
    expect(parseScript('run scripts/f.py and have out/ckpt.pt registered under x')?.artifact).toBe(
      'out/ckpt.pt',
    );
  });
});

describe('round 3: probes of the training side', () => {
  it.each([
    ['the model should predict Origin, data is data/cars.json', 'Origin'],
    ['I want a model that says which Species a penguin is, data/penguins.json', 'Species'],
    ['learn to tell the Species of penguins from data/penguins.json', 'Species'],
    ['data/cars.json, y is Horsepower, X is the rest', 'Horsepower'],
    ['data/tickets.csv: queue is the label and body is a free text column', 'queue'],
  ])('%s → %s', (text, want) => {
    const spec = parseGoal(text);
    expect(spec.wants.train).toBe(true);
    expect(spec.targetPhrases[0]?.replace(/\s+of\s+.*$/, '')).toBe(want);
  });

  it('"leave the modelling for later" trains nothing', () => {
    expect(parseGoal('clean data/cars.json and leave the modelling for later').wants.train).toBe(false);
  });

  it('worded three-way ratios and years before a cut-off', () => {
    expect(parseHoldout('split it seventy/fifteen/fifteen into train, validation, test')).toMatchObject({
      validationShare: 0.15,
      testShare: 0.15,
    });
    expect(parseHoldout('years before 2015 are train and later years are test').split?.method).toBe('time');
  });

  it('names: "register that as x", "the model should be called x", "model name: x"', () => {
    expect(parseModelName('output goes to out/ckpt.pt; register that as ft-out')).toBe('ft-out');
    expect(parseModelName('register out/ckpt.pt, the model should be called ticket-ft')).toBe('ticket-ft');
    expect(parseModelName('register out/ckpt.pt; model name: ticket-ft2')).toBe('ticket-ft2');
  });

  it('a quoted flag value is one value without quotes', () => {
    expect(parseScript('run x.py --optimizer "adamw" --run-name "ft a" --lr=5e-5')?.args).toEqual([
      '--optimizer',
      'adamw',
      '--run-name',
      'ft a',
      '--lr',
      '5e-5',
    ]);
  });
});
