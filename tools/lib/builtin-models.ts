/**
 * In-process models from the mljs packages. Inputs are encoded feature vectors (see features.ts); labels are
 * class indices for classification. Each algorithm validates its own hyperparameters with zod.
 */
import { DecisionTreeClassifier, DecisionTreeRegression } from 'ml-cart';
import KNN from 'ml-knn';
import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { GaussianNB } from 'ml-naivebayes';
import { RandomForestClassifier, RandomForestRegression } from 'ml-random-forest';
import { MultivariateLinearRegression } from 'ml-regression';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';

export type TaskType = 'classification' | 'regression';

export interface FittedBuiltin {
  /** Class index (classification) or value (regression) per row. */
  predict(x: number[][]): number[];
  /** Class probabilities per row, columns in class-index order. */
  predictProba?(x: number[][]): number[][];
  toJSON(): unknown;
}

interface BuiltinAlgorithm {
  tasks: TaskType[];
  params: z.ZodObject;
  fit(
    x: number[][],
    y: number[],
    params: Record<string, unknown>,
    t: TaskType,
    nClasses: number,
  ): FittedBuiltin;
  load(json: unknown, t: TaskType, nClasses: number): FittedBuiltin;
}

const treeParams = {
  maxDepth: z.number().int().min(1).optional().describe('Maximum tree depth (unlimited when absent)'),
  minNumSamples: z.number().int().min(1).default(3).describe('Minimum rows in a node to split it'),
};

function forestWrapper(model: RandomForestClassifier | RandomForestRegression, t: TaskType, k: number) {
  const fitted: FittedBuiltin = {
    predict: (x) => model.predict(x),
    toJSON: () => model.toJSON(),
  };
  if (t === 'classification') {
    fitted.predictProba = (x) => {
      const votes = model.predictionValues(x);
      const out: number[][] = [];
      for (let i = 0; i < votes.rows; i++) {
        const row = new Array<number>(k).fill(0);
        const vs = votes.getRow(i);
        for (const v of vs) row[v] = (row[v] ?? 0) + 1 / vs.length;
        out.push(row);
      }
      return out;
    };
  }
  return fitted;
}

function treeWrapper(model: DecisionTreeClassifier | DecisionTreeRegression, t: TaskType, k: number) {
  const fitted: FittedBuiltin = { predict: (x) => model.predict(x), toJSON: () => model.toJSON() };
  if (t === 'classification') {
    const tree = model as DecisionTreeClassifier;
    fitted.predictProba = (x) =>
      x.map((row) => {
        const d = tree.root.classify(row);
        const dist = typeof d === 'number' ? [] : d.to1DArray();
        const out = Array.from({ length: k }, (_, i) => dist[i] ?? 0);
        const sum = out.reduce((a, b) => a + b, 0) || 1;
        return out.map((p) => p / sum);
      });
  }
  return fitted;
}

/** Adds a constant column so logistic regression (which has no intercept of its own) can learn one. */
const withBias = (x: number[][]) => new Matrix(x.map((r) => [...r, 1]));

function logisticWrapper(model: LogisticRegression): FittedBuiltin {
  return {
    predict: (x) => model.predict(withBias(x)),
    // Each one-vs-rest scorer returns P(not class k); normalise the complements into a distribution.
    predictProba: (x) => {
      const m = withBias(x);
      const scores = model.classifiers.map((c) => c.testScores(m));
      return x.map((_, i) => {
        const p = scores.map((s) => 1 - (s[i] ?? 0));
        const sum = p.reduce((a, b) => a + b, 0) || 1;
        return p.map((v) => v / sum);
      });
    },
    toJSON: () => model.toJSON(),
  };
}

export const BUILTIN_ALGORITHMS: Record<string, BuiltinAlgorithm> = {
  random_forest: {
    tasks: ['classification', 'regression'],
    params: z
      .object({
        nEstimators: z.number().int().min(1).max(1000).default(50).describe('Number of trees'),
        maxFeatures: z.number().positive().max(1).default(0.8).describe('Fraction of features per tree'),
        seed: z.number().int().default(42).describe('Random seed'),
        ...treeParams,
      })
      .strict(),
    fit(x, y, p, t, k) {
      const opts = {
        nEstimators: p.nEstimators as number,
        maxFeatures: p.maxFeatures as number,
        seed: p.seed as number,
        replacement: false,
        useSampleBagging: true,
        noOOB: true,
        treeOptions: {
          maxDepth: (p.maxDepth as number | undefined) ?? Infinity,
          minNumSamples: p.minNumSamples,
        },
      };
      const model =
        t === 'classification' ? new RandomForestClassifier(opts) : new RandomForestRegression(opts);
      model.train(x, y);
      return forestWrapper(model, t, k);
    },
    load: (json, t, k) =>
      forestWrapper(
        t === 'classification'
          ? RandomForestClassifier.load(json as never)
          : RandomForestRegression.load(json as never),
        t,
        k,
      ),
  },
  decision_tree: {
    tasks: ['classification', 'regression'],
    params: z.object(treeParams).strict(),
    fit(x, y, p, t, k) {
      const opts = {
        maxDepth: (p.maxDepth as number | undefined) ?? Infinity,
        minNumSamples: p.minNumSamples as number,
      };
      const model =
        t === 'classification' ? new DecisionTreeClassifier(opts) : new DecisionTreeRegression(opts);
      model.train(x, y);
      return treeWrapper(model, t, k);
    },
    load: (json, t, k) =>
      treeWrapper(
        t === 'classification' ? DecisionTreeClassifier.load(json) : DecisionTreeRegression.load(json),
        t,
        k,
      ),
  },
  logistic_regression: {
    tasks: ['classification'],
    params: z
      .object({
        numSteps: z.number().int().min(1).max(100000).default(1000).describe('Gradient steps'),
        learningRate: z
          .number()
          .positive()
          .default(0.001)
          .describe('Gradient step size (features are standardised)'),
      })
      .strict(),
    fit(x, y, p) {
      const model = new LogisticRegression({
        numSteps: p.numSteps as number,
        learningRate: p.learningRate as number,
      });
      model.train(withBias(x), Matrix.columnVector(y));
      return logisticWrapper(model);
    },
    load: (json) => logisticWrapper(LogisticRegression.load(json)),
  },
  linear_regression: {
    tasks: ['regression'],
    params: z.object({}).strict(),
    fit(x, y) {
      const model = new MultivariateLinearRegression(
        x,
        y.map((v) => [v]),
        { intercept: true, statistics: false },
      );
      return {
        predict: (rows) => model.predict(rows).map((r) => r[0] as number),
        toJSON: () => model.toJSON(),
      };
    },
    load(json) {
      const model = MultivariateLinearRegression.load(json);
      return {
        predict: (rows) => model.predict(rows).map((r) => r[0] as number),
        toJSON: () => model.toJSON(),
      };
    },
  },
  knn: {
    tasks: ['classification'],
    params: z.object({ k: z.number().int().min(1).default(5).describe('Neighbours that vote') }).strict(),
    fit(x, y, p) {
      const model = new KNN(x, y, { k: p.k as number });
      return { predict: (rows) => model.predict(rows), toJSON: () => model.toJSON() };
    },
    load(json) {
      const model = KNN.load(json);
      return { predict: (rows) => model.predict(rows), toJSON: () => model.toJSON() };
    },
  },
  naive_bayes: {
    tasks: ['classification'],
    params: z.object({}).strict(),
    fit(x, y) {
      const model = new GaussianNB();
      model.train(x, y);
      return { predict: (rows) => model.predict(rows), toJSON: () => model.toJSON() };
    },
    load(json) {
      const model = GaussianNB.load(json);
      return { predict: (rows) => model.predict(rows), toJSON: () => model.toJSON() };
    },
  },
};

/** Validates an algorithm choice and its hyperparameters, filling defaults; throws a userError listing every issue. */
export function resolveBuiltin(
  algorithm: string,
  taskType: TaskType,
  params: Record<string, unknown>,
): { algo: BuiltinAlgorithm; params: Record<string, unknown> } {
  const algo = BUILTIN_ALGORITHMS[algorithm];
  if (!algo) {
    throw userError(
      'TRAIN_UNKNOWN_ALGORITHM',
      `The builtin framework has no algorithm "${algorithm}"`,
      `builtin algorithms: ${Object.keys(BUILTIN_ALGORITHMS).join(', ')}`,
      'Pick one of those, or use framework: sklearn / xgboost for other model families.',
    );
  }
  if (!algo.tasks.includes(taskType)) {
    throw userError(
      'TRAIN_ALGORITHM_TASK_MISMATCH',
      `Algorithm "${algorithm}" does not do ${taskType}`,
      `it supports ${algo.tasks.join(' and ')}`,
      taskType === 'regression'
        ? 'Use random_forest, decision_tree or linear_regression for regression.'
        : 'Use random_forest, decision_tree, logistic_regression, knn or naive_bayes for classification.',
    );
  }
  const parsed = algo.params.safeParse(params);
  if (!parsed.success) {
    throw userError(
      'TRAIN_BAD_PARAMS',
      `Invalid hyperparameters for ${algorithm}`,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; '),
      `Allowed: ${Object.keys(algo.params.shape).join(', ') || 'none'}.`,
      { problems: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    );
  }
  return { algo, params: parsed.data as Record<string, unknown> };
}
