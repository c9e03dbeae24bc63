/** Round 15 prep / train wordings, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import type { ModelChoice } from '../../../agents/planner/intent.ts';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { saysNoDeploy, saysNoTraining } from '../../../agents/planner/offline/negations.ts';
import { parseParams } from '../../../agents/planner/offline/params.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { parseResources } from '../../../agents/planner/offline/resources.ts';
import { spellShorthand } from '../../../agents/planner/offline/shorthand.ts';
import { parseHoldout } from '../../../agents/planner/offline/split.ts';
import { targetPhrases } from '../../../agents/planner/offline/target.ts';
import { plainRequest } from '../../../agents/planner/surface.ts';

const of = (goal: string, op: string) => parsePrep(goal).filter((p) => p.op === op);
const gbm: ModelChoice[] = [{ framework: 'builtin', algorithm: 'gradient_boosting' }];
const logreg: ModelChoice[] = [{ framework: 'builtin', algorithm: 'logistic_regression' }];

describe('no training said as "w/o", "must not", "shall … myself" or a ticket\'s "Out of scope:"', () => {
  it.each([
    'dedupe data/x.csv and version it as x-clean, w/o any model',
    'scale the numeric columns; w/o fitting anything',
    'Out of scope: modelling, dashboards.',
    'Out of scope: alerting and retraining.',
    'this job must not train anything.',
    'I shall train the models on my own afterwards',
    "the pipeline mustn't fit a model",
  ])('%s', (goal) => {
    expect(saysNoTraining(plainRequest(goal))).toBe(true);
  });
  it.each([
    'train a forest on data/x.csv, w/o the Name column',
    'Out of scope: dashboards. Train a tree on data/x.csv',
    'it must not drop below 0.9 accuracy; train a tree',
  ])('still trains: %s', (goal) => {
    expect(saysNoTraining(plainRequest(goal))).toBe(false);
  });
});

describe('no deployment in a ticket\'s "Out of scope:" list', () => {
  it.each(['Out of scope: deployment.', 'Out of scope: dashboards, retraining and any rollout.'])(
    '%s',
    (goal) => {
      expect(saysNoDeploy(goal)).toBe(true);
    },
  );
  it('a deployment in the request is still wanted', () => {
    expect(saysNoDeploy('Request: deploy v2 to production. Out of scope: dashboards.')).toBe(false);
  });
});

describe('markdown checklists and emphasis read as plain sentences', () => {
  it('each checked or unchecked item becomes a sentence', () => {
    expect(plainRequest('- [ ] read data/a.csv\n- [x] drop the id column\n* [ ] __never__ deploy')).toBe(
      'read data/a.csv. drop the id column. never deploy.',
    );
  });
  it('numbered items and bold words', () => {
    expect(plainRequest('1. train a tree on data/a.csv\n2. it **must not** be registered')).toBe(
      'train a tree on data/a.csv. it must not be registered.',
    );
  });
  it('a single dash inside a sentence, a snake_case name and a product a * b stay', () => {
    const goal = 'filter net_generation - keep rows where a * b > 2';
    expect(plainRequest(goal)).toBe(goal);
  });
});

describe('a column with its role in brackets: "Price (the response variable)"', () => {
  it.each([
    ['Regress Sale Price (the response variable) on data/homes.csv', 'Sale Price'],
    ['a model of Sale Price (the response variable) on data/homes.csv', 'Sale Price'],
    ['classify data/x.csv with Species (our label) and a tree', 'Species'],
    ['model churned (the outcome) from data/customers.csv', 'churned'],
  ])('%s', (goal, col) => {
    expect(targetPhrases(goal)[0]).toBe(col);
  });
  it('a bracket with no role names no target', () => {
    expect(targetPhrases('train on data/x.csv (the cleaned file) to predict price')).not.toContain('x');
  });
});

describe('text columns: "the words in the X (the C column)" and "C … as a free-text covariate"', () => {
  it.each([
    ['use the words in the product blurbs (the Summary column) to predict Category', ['Summary']],
    ['the terms in the ad copy (the Body field) should help predict clicks', ['Body']],
    ['treat Headline in data/news.json as a free-text predictor', ['Headline']],
    ['Notes as an unstructured covariate (tf-idf), predict Risk', ['Notes']],
  ])('%s', (goal, cols) => {
    expect(parseTextFeatures(goal).explicit).toEqual(cols);
  });
  it('a bracket naming no column keeps the phrase', () => {
    expect(parseTextFeatures('the words in body (mostly English) to predict queue').explicit).toEqual([
      'body',
    ]);
  });
});

describe('targets with the articles dropped or the verb last', () => {
  it.each([
    ['train on data/x.json, predict which species bird is', 'species'],
    ['guess what genre film belongs to, use a forest', 'genre'],
    ['From data/homes.csv the sale price predict, with a forest.', 'sale price'],
    ['with data/x.csv the churn flag classify; a tree is fine', 'churn flag'],
  ])('%s', (goal, col) => {
    expect(targetPhrases(goal)).toContain(col);
  });
  it('a verb with its object after it is unchanged', () => {
    expect(targetPhrases('predict the price from the size, with a forest')).toEqual(['price']);
  });
});

describe('held-out shares: "testing on the newest 30%", "15% should be kept back for testing"', () => {
  it.each([
    ['a time split, training on old rows and testing on the newest 30%', 0.3],
    ['split by date and evaluate on the most recent tenth', 0.1],
  ])('%s', (goal, share) => {
    expect(parseHoldout(goal).testShare).toBe(share);
  });
  it.each([
    ['15% should be kept back for testing and 15% for validation', 0.15, 0.15],
    ['a fifth is to be set aside for testing, and a tenth for validation', 0.2, 0.1],
    ['25% must be held out for testing plus 5% for validation', 0.25, 0.05],
  ])('%s', (goal, test, validation) => {
    const h = parseHoldout(goal);
    expect(h.testShare).toBe(test);
    expect(h.validationShare).toBe(validation);
  });
  it('one share alone stays the test share', () => {
    const h = parseHoldout('20% should be kept back for testing');
    expect(h.testShare).toBe(0.2);
    expect(h.validationShare).toBeUndefined();
  });
});

describe('script resources and boosting rounds in short words', () => {
  it.each([
    [
      'run x.py, need 4 GPU each one 80GB memory and 128 GB RAM',
      { gpu: 4, gpuMemory: '80Gi', memory: '128Gi' },
    ],
    ['two GPUs, every one with 24G, for train.py', { gpu: 2, gpuMemory: '24Gi' }],
  ])('%s', (goal, want) => {
    expect(parseResources(goal)).toMatchObject(want);
  });
  it('memory for the job alone stays the job memory', () => {
    expect(parseResources('one GPU and 64 GB RAM for the job')?.gpuMemory).toBeUndefined();
  });
  it.each([
    ['xgboost, 300 iters, lr 0.1', 300],
    ['a gradient boosting model with 150 iter and depth 3', 150],
  ])('%s', (goal, n) => {
    expect(parseParams(goal, gbm).nEstimators).toBe(n);
  });
  it('iterations of a model that is not boosted are no tree count', () => {
    expect(parseParams('logistic regression, 500 iters', logreg).nEstimators).toBeUndefined();
  });
});

describe('shorthand and verb-last registering: "reg ckpt out/x.pt as NAME", "the out/x.pt as model NAME register"', () => {
  it.each([
    [
      'train.py on 2 gpus, reg ckpt runs/best.pt as gripper-v2',
      'register checkpoint runs/best.pt as gripper-v2',
    ],
    ['run it then reg the weights as lidar-seg', 'register the weights as lidar-seg'],
    [
      'and then the runs/w.pth as model pick-net register.',
      'then register the runs/w.pth as model pick-net.',
    ],
  ])('%s', (goal, part) => {
    expect(spellShorthand(goal)).toContain(part);
  });
  it.each([
    'fit a linear reg on data/x.csv',
    'lasso with reg strength 0.1',
    'keep runs/ckpt.pt, then register nothing',
  ])('unchanged: %s', (goal) => {
    expect(spellShorthand(goal)).toBe(goal);
  });
});

describe('prep said as a ticket list item or a formal derived variable', () => {
  it.each([
    ['Acceptance criteria: records with a missing price removed; columns scaled.', 'price'],
    ['Done when: rows with an empty Weight dropped, then versioned.', 'Weight'],
  ])('%s', (goal, col) => {
    expect(of(goal, 'dropna')[0]).toMatchObject({ list: col });
  });
  it('"rows with a null price" with no removal stays no dropna', () => {
    expect(of('count rows with a null price.', 'dropna')).toEqual([]);
  });
  it.each([
    [
      'create a derived variable, the price per room (Price divided by Rooms), on data/h.csv',
      'price_per_room',
      'Price / Rooms',
    ],
    ['add a new derived feature, the net margin (Revenue minus Cost)', 'net_margin', 'Revenue - Cost'],
  ])('%s', (goal, name, expr) => {
    expect(of(goal, 'derive')[0]).toMatchObject({ name, expr });
  });
});

describe('"restrict the sample to <things> with X from N onward" keeps those rows', () => {
  it.each([
    ['limit the data to flights with Distance from 500 onward', 'Distance', '>=', '500'],
    ['restrict the analysis to patients where Age over 60', 'Age', '>', '60'],
    ['narrow the sample down to houses with Rooms from 3 onward', 'Rooms', '>=', '3'],
  ])('%s', (goal, column, cmp, value) => {
    expect(of(goal, 'where')[0]).toMatchObject({ column, cmp, value, keep: true });
  });
  it('"limit the data to 1000 rows" is no value filter', () => {
    expect(of('limit the data to 1000 rows', 'where')).toEqual([]);
  });
});

describe('prep verbs last (German order): "the columns A and B remove", "as NAME versioning"', () => {
  it.each([
    ['From data/x.csv the columns Notes and Email remove, then save.', 'remove the columns Notes and Email'],
    ['and the numeric columns scale; afterwards as homes-clean versioning.', 'scale the numeric columns'],
    ['afterwards as homes-clean versioning.', 'version it as homes-clean'],
  ])('%s', (goal, part) => {
    expect(spellShorthand(goal)).toContain(part);
  });
  it.each(['train a tree on the rows and drop', 'remove the Notes column, then scale.'])(
    'unchanged: %s',
    (goal) => {
      expect(spellShorthand(goal)).toBe(goal);
    },
  );
});
