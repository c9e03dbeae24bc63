/**
 * Models trained before the builtin learners were rewritten were saved as mljs JSON (no `kind`); they must
 * still load and predict as those libraries do, so deployed models keep serving after an upgrade.
 */

import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { encodeRows, fitPreprocessing } from '../../tools/lib/features.ts';
import { BUILTIN_FILE, commitModelDir, loadModel, MODEL_FORMAT, stagingDir } from '../../tools/lib/model.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const require = createRequire(import.meta.url);
const FEATURES = [
  { name: 'x', type: 'DOUBLE' },
  { name: 'color', type: 'VARCHAR' },
];
const CLASSES = ['lo', 'hi'];
const rows = Array.from({ length: 60 }, (_, i) => ({ x: (i % 30) / 30, color: i % 3 ? 'red' : 'blue' }));
const labels = rows.map((r) => (r.x > 0.5 ? 1 : 0));

async function saved(stateDir: string, algorithm: string, json: unknown) {
  const pre = fitPreprocessing(rows, FEATURES);
  const dir = await stagingDir(stateDir);
  await writeFile(path.join(dir, BUILTIN_FILE), JSON.stringify(json));
  const ref = await commitModelDir(dir, stateDir, {
    format: MODEL_FORMAT,
    framework: 'builtin',
    algorithm,
    taskType: 'classification',
    target: 'label',
    features: FEATURES,
    classes: CLASSES,
    preprocessing: pre,
    labels: 'index',
    params: {},
    metrics: {},
    files: [BUILTIN_FILE],
  });
  return { model: await loadModel(ref.dir) };
}

describe('models saved by earlier versions (mljs JSON)', () => {
  it('a random forest, a tree, a logistic regression and a naive Bayes load and predict as their library does', async () => {
    const stateDir = makeWorkspace('pw-legacy-');
    onTestFinished(() => rmSync(stateDir, { recursive: true, force: true }));
    const x = encodeRows(fitPreprocessing(rows, FEATURES), rows);
    const { RandomForestClassifier } = require('ml-random-forest');
    const { DecisionTreeClassifier } = require('ml-cart');
    const LogisticRegression = require('ml-logistic-regression');
    const { Matrix } = require('ml-matrix');
    const { GaussianNB } = require('ml-naivebayes');

    const forest = new RandomForestClassifier({ nEstimators: 5, seed: 3, noOOB: true });
    forest.train(x, labels);
    const tree = new DecisionTreeClassifier({ minNumSamples: 2 });
    tree.train(x, labels);
    const withBias = (m: number[][]) => new Matrix(m.map((r) => [...r, 1]));
    const logistic = new (LogisticRegression.default ?? LogisticRegression)({
      numSteps: 200,
      learningRate: 0.05,
    });
    logistic.train(withBias(x), Matrix.columnVector(labels));
    const nb = new GaussianNB();
    nb.train(x, labels);

    const cases: [string, unknown, number[]][] = [
      ['random_forest', forest.toJSON(), forest.predict(x)],
      ['decision_tree', tree.toJSON(), tree.predict(x)],
      ['logistic_regression', logistic.toJSON(), logistic.predict(withBias(x))],
      ['naive_bayes', nb.toJSON(), nb.predict(x)],
    ];
    for (const [algorithm, json, expected] of cases) {
      const { model } = await saved(stateDir, algorithm, json);
      expect(await model.predict(rows), algorithm).toEqual(expected.map((k) => CLASSES[k]));
    }
  });
});
