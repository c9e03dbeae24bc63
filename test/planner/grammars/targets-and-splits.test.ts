/** target.ts (explicit targets), split.ts (three-way splits), params.ts (names), resources.ts (approvers). */
import { describe, expect, it } from 'vitest';
import { parseDatasetName, parseModelName, parseParams } from '../../../agents/planner/offline/params.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseApprovers, parseResources } from '../../../agents/planner/offline/resources.ts';
import { parseHoldout, parseThreeWay } from '../../../agents/planner/offline/split.ts';
import { targetPhrases } from '../../../agents/planner/offline/target.ts';

describe('explicit targets', () => {
  it.each([
    ['train on the cars with label Horsepower', 'Horsepower'],
    ['the iowa data, label net_generation, gradient boosting', 'net_generation'],
    ["route support tickets by their body text into 'queue'", 'queue'],
    ['a knn model with k=5 for island', 'island'],
    ['random forest predicting Sex', 'Sex'],
    ['the target column is price', 'price'],
    ['learn queue from the body text', 'queue'],
  ])('%s → %s', (text, want) => {
    expect(targetPhrases(text)).toContain(want);
  });
});

describe('splits and names', () => {
  it('three-way splits in the order written', () => {
    expect(parseThreeWay('split it 80/10/10 into train, validation and test')).toEqual({
      validationShare: 0.1,
      testShare: 0.1,
    });
    expect(parseThreeWay('a 70-20-10 split into train, test and validation')).toEqual({
      testShare: 0.2,
      validationShare: 0.1,
    });
    expect(parseThreeWay('80/20 split')).toBeUndefined();
    expect(parseHoldout('split it into train and test, 75/25').testShare).toBe(0.25);
    expect(parseHoldout('retrain every day at 14:30').testShare).toBeUndefined();
    expect(parseHoldout('split data/movies.json 70/30 stratified by MPAA Rating')).toMatchObject({
      testShare: 0.3,
      split: { method: 'stratified', column: 'MPAA Rating' },
    });
  });

  it('model and dataset names', () => {
    expect(parseModelName('register the checkpoint out/ckpt.pt as ticket-router')).toBe('ticket-router');
    // The name it is served under is the name it is registered under.
    expect(parseModelName('and deploy it as iowa-net')).toBe('iowa-net');
    expect(parseDatasetName('remove duplicates and version it as cars-clean')).toBe('cars-clean');
    expect(parseParams('a knn with 7 neighbours', [{ framework: 'builtin', algorithm: 'knn' }])).toEqual({
      k: 7,
    });
  });

  it('a script flag is not a GPU count; "for modelling" is a purpose', () => {
    expect(parseResources('train scripts/x.py with --batch-size 32 on one GPU')).toEqual({ gpu: 1 });
    expect(parseGoal('prepare data/cars.json for modelling: drop the Name column').wants.train).toBe(false);
  });

  it('who approves', () => {
    expect(parseApprovers('ask alice for approval before registering')).toEqual(['alice']);
    expect(parseApprovers('needs approval from bob or carol')).toEqual(['bob', 'carol']);
    expect(parseApprovers('ask me first')).toEqual([]);
  });
});

describe('targets said as what is being predicted or as the outcome (round 2)', () => {
  it.each([
    ['build a regressor from the housing table where sale_price is what they are estimating', 'sale_price'],
    ["a model on shops.csv, and footfall is what I'm forecasting", 'footfall'],
    ['learn a tree using churned as the response variable', 'churned'],
    ['fit something with default_flag as our outcome', 'default_flag'],
  ])('%s → %s', (text, want) => {
    expect(targetPhrases(text)[0]).toBe(want);
  });

  it('punctuation alone is never a target', () => {
    for (const p of targetPhrases('a fresh loans version (gradient boosting) — keep it quiet')) {
      expect(p).toMatch(/[a-z0-9]/i);
    }
  });
});

describe('names written around the registry and versioned datasets (round 2)', () => {
  it('"put <file> in the registry as <name>" names the model', () => {
    expect(parseModelName('then upload weights/final.bin to the model registry as churn-net')).toBe(
      'churn-net',
    );
    expect(parseModelName('store it under the staging alias')).toBeUndefined();
  });

  it('"a versioned dataset called x" names the dataset', () => {
    expect(parseDatasetName('then keep a cleaned dataset named shops-2024')).toBe('shops-2024');
    expect(parseDatasetName('write a new versioned data set called loans-q3')).toBe('loans-q3');
  });
});

describe('memory in Gi and Ti (round 2)', () => {
  it('per-GPU memory and host memory in Kubernetes units', () => {
    expect(parseResources('train on 8 A100s with 40Gi each')).toEqual({ gpu: 8, gpuMemory: '40Gi' });
    expect(parseResources('two gpus and 64Gi of ram')).toEqual({ gpu: 2, memory: '64Gi' });
    expect(parseResources('a box with 1Ti memory')).toEqual({ memory: '1Ti' });
  });
});

describe('dataset names in other wordings (round 2)', () => {
  it.each([
    ['the resulting dataset should be named shops-q1', false],
    ['with shops-q1 as the dataset name', false],
    ['dataset name: shops-q1', false],
    ['just store a snapshot called shops-q1', true],
    ['write as shops-q1', true],
  ])('%s', (text, trainsNothing) => {
    expect(parseDatasetName(text, trainsNothing)).toBe('shops-q1');
  });

  it('a file format is not a name', () => {
    expect(parseDatasetName('store as parquet', true)).toBeUndefined();
  });
});
