/**
 * The builtin framework's models, fitted in-process. Inputs are encoded feature vectors (see features.ts);
 * labels are class indices for classification. Each algorithm validates its own hyperparameters with zod.
 *
 * Trees, forests and gradient boosting are pipewright's histogram learners (trees.ts: scikit-learn's
 * defaults and split rules, ~30 × faster here than ml-cart's exhaustive split search); naive Bayes is
 * scikit-learn's GaussianNB (variance smoothing) and logistic regression its lbfgs LogisticRegression
 * (logistic.ts); linear regression and kNN come from the mljs packages, required when a model of theirs is
 * fitted or loaded. Models saved by earlier versions (mljs JSON, no `kind`) still load.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { fitLogistic, type LogisticModel, logisticProba } from './logistic.ts';
import {
  argmax,
  type Booster,
  boosterRaw,
  fitBoosting,
  fitForest,
  predictForest,
  rawToProba,
  type Tree,
} from './trees.ts';

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

// The mljs packages are CommonJS: required on first use, so listing the catalog does not load them.
const require = createRequire(import.meta.url);
const ml = {
  cart: () => require('ml-cart') as typeof import('ml-cart'),
  forest: () => require('ml-random-forest') as typeof import('ml-random-forest'),
  logistic: () =>
    require('ml-logistic-regression') as { default: typeof import('ml-logistic-regression').default },
  matrix: () => require('ml-matrix') as typeof import('ml-matrix'),
  regression: () => require('ml-regression') as typeof import('ml-regression'),
  knn: () => require('ml-knn') as { default: typeof import('ml-knn').default },
  naiveBayes: () => require('ml-naivebayes') as typeof import('ml-naivebayes'),
};
const interop = <T>(m: { default: T } | T): T =>
  (m as { default?: T }).default !== undefined ? (m as { default: T }).default : (m as T);

const treeParams = {
  maxDepth: z.number().int().min(1).optional().describe('Maximum tree depth (unlimited when absent)'),
  minNumSamples: z.number().int().min(2).default(2).describe('Minimum rows in a node to split it'),
  minSamplesLeaf: z.number().int().min(1).default(1).describe('Minimum rows in each leaf'),
  seed: z.number().int().default(42).describe('Random seed (feature order at ties, bootstrap samples)'),
};

const MaxFeatures = z
  .union([z.number().positive().max(1), z.enum(['sqrt', 'log2'])])
  .optional()
  .describe(
    'Features tried at each split: a fraction of them, sqrt or log2 (default: sqrt for classification, all for regression, as scikit-learn)',
  );

function featuresPerSplit(spec: unknown, t: TaskType, width: number): number {
  const m =
    spec === 'sqrt'
      ? Math.sqrt(width)
      : spec === 'log2'
        ? Math.log2(width)
        : typeof spec === 'number'
          ? spec * width
          : t === 'classification'
            ? Math.sqrt(width)
            : width;
  return Math.max(1, Math.min(width, Math.floor(m)));
}

/** A forest (or a single tree) of pipewright histogram trees, as saved in model.builtin.json. */
const ForestJson = z.object({
  kind: z.literal('pw-forest/1'),
  task: z.enum(['classification', 'regression']),
  width: z.number().int().describe('Values per leaf: classes, or 1'),
  trees: z.array(z.unknown()),
});

function forestModel(trees: Tree[], t: TaskType, k: number): FittedBuiltin {
  const width = t === 'classification' ? k : 1;
  const fitted: FittedBuiltin = {
    predict: (x) =>
      predictForest(trees, x, width).map((v) => (t === 'classification' ? argmax(v) : (v[0] as number))),
    toJSON: () => ({ kind: 'pw-forest/1', task: t, width, trees: trees.map(compactTree) }),
  };
  if (t === 'classification') fitted.predictProba = (x) => predictForest(trees, x, width);
  return fitted;
}

/** Internal nodes do not need their values at prediction time: saved as empty arrays. */
function compactTree(tree: Tree): Tree {
  return { ...tree, value: tree.value.map((v, i) => ((tree.left[i] as number) === -1 ? v : [])) };
}

function loadForest(json: unknown, t: TaskType, k: number): FittedBuiltin {
  const f = ForestJson.parse(json);
  return forestModel(f.trees as Tree[], t, k);
}

const BoostJson = z.object({
  kind: z.literal('pw-boost/1'),
  task: z.enum(['classification', 'regression']),
  base: z.array(z.number()),
  trees: z.array(z.array(z.unknown())),
});

function boostModel(b: Booster, t: TaskType): FittedBuiltin {
  const fitted: FittedBuiltin = {
    predict: (x) =>
      x.map((row) => {
        const raw = boosterRaw(b, row);
        return t === 'classification' ? argmax(rawToProba(raw)) : (raw[0] as number);
      }),
    toJSON: () => ({
      kind: 'pw-boost/1',
      task: t,
      base: b.base,
      trees: b.trees.map((round) => round.map(compactTree)),
    }),
  };
  if (t === 'classification') fitted.predictProba = (x) => x.map((row) => rawToProba(boosterRaw(b, row)));
  return fitted;
}

/**
 * Gaussian naive Bayes as scikit-learn's GaussianNB: per-class means and variances, every variance widened
 * by varSmoothing × the largest feature variance (one-hot columns are constant within a class, and a zero
 * variance would make any other value impossible).
 */
interface GaussianNbModel {
  kind: 'pw-gaussian-nb/1';
  logPrior: number[];
  mean: number[][];
  variance: number[][];
}

function fitGaussianNb(x: number[][], y: number[], k: number, varSmoothing: number): GaussianNbModel {
  const d = x[0]?.length ?? 0;
  const count = new Array<number>(k).fill(0);
  const mean = Array.from({ length: k }, () => new Array<number>(d).fill(0));
  const variance = Array.from({ length: k }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < x.length; i++) {
    const c = y[i] as number;
    count[c] = (count[c] as number) + 1;
    const m = mean[c] as number[];
    const row = x[i] as number[];
    for (let j = 0; j < d; j++) m[j] = (m[j] as number) + (row[j] as number);
  }
  for (let c = 0; c < k; c++)
    for (let j = 0; j < d; j++)
      (mean[c] as number[])[j] = ((mean[c] as number[])[j] as number) / Math.max(1, count[c] as number);
  for (let i = 0; i < x.length; i++) {
    const c = y[i] as number;
    const m = mean[c] as number[];
    const v = variance[c] as number[];
    const row = x[i] as number[];
    for (let j = 0; j < d; j++) v[j] = (v[j] as number) + ((row[j] as number) - (m[j] as number)) ** 2;
  }
  // Largest variance of any feature over all rows (scikit-learn's epsilon).
  let maxVar = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (const row of x) {
      s += row[j] as number;
      s2 += (row[j] as number) ** 2;
    }
    maxVar = Math.max(maxVar, s2 / x.length - (s / x.length) ** 2);
  }
  const eps = varSmoothing * maxVar || 1e-12;
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++)
      (variance[c] as number[])[j] =
        ((variance[c] as number[])[j] as number) / Math.max(1, count[c] as number) + eps;
  }
  return {
    kind: 'pw-gaussian-nb/1',
    logPrior: count.map((n) => (n > 0 ? Math.log(n / x.length) : Number.NEGATIVE_INFINITY)),
    mean,
    variance,
  };
}

function nbModel(m: GaussianNbModel): FittedBuiltin {
  const jll = (row: number[]) =>
    m.logPrior.map((lp, c) => {
      let s = lp;
      const mu = m.mean[c] as number[];
      const v = m.variance[c] as number[];
      for (let j = 0; j < row.length; j++) {
        s -=
          0.5 * Math.log(2 * Math.PI * (v[j] as number)) +
          ((row[j] as number) - (mu[j] as number)) ** 2 / (2 * (v[j] as number));
      }
      return s;
    });
  return {
    predict: (x) => x.map((row) => argmax(jll(row))),
    predictProba: (x) =>
      x.map((row) => {
        const l = jll(row);
        const mx = Math.max(...l);
        const e = l.map((v) => Math.exp(v - mx));
        const s = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / s);
      }),
    toJSON: () => m,
  };
}

function logisticModel(m: LogisticModel): FittedBuiltin {
  return {
    predict: (x) => x.map((row) => argmax(logisticProba(m, row))),
    predictProba: (x) => x.map((row) => logisticProba(m, row)),
    toJSON: () => m,
  };
}

/** A one-vs-rest gradient-descent model of ml-logistic-regression, as saved by earlier versions. */
function legacyLogistic(json: unknown): FittedBuiltin {
  const model = interop(ml.logistic()).load(json);
  const { Matrix } = ml.matrix();
  const withBias = (x: number[][]) => new Matrix(x.map((r) => [...r, 1]));
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

/** JSON written by the mljs-based models of earlier versions (no `kind`). */
const isLegacy = (json: unknown) => typeof json !== 'object' || json === null || !('kind' in json);

function legacyTree(json: unknown, t: TaskType, k: number): FittedBuiltin {
  const { DecisionTreeClassifier, DecisionTreeRegression } = ml.cart();
  const model =
    t === 'classification' ? DecisionTreeClassifier.load(json) : DecisionTreeRegression.load(json);
  const fitted: FittedBuiltin = { predict: (x) => model.predict(x), toJSON: () => model.toJSON() };
  if (t === 'classification') {
    const tree = model as InstanceType<typeof DecisionTreeClassifier>;
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

function legacyForest(json: unknown, t: TaskType, k: number): FittedBuiltin {
  const { RandomForestClassifier, RandomForestRegression } = ml.forest();
  const model =
    t === 'classification'
      ? RandomForestClassifier.load(json as never)
      : RandomForestRegression.load(json as never);
  const fitted: FittedBuiltin = { predict: (x) => model.predict(x), toJSON: () => model.toJSON() };
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

export const BUILTIN_ALGORITHMS: Record<string, BuiltinAlgorithm> = {
  random_forest: {
    tasks: ['classification', 'regression'],
    params: z
      .object({
        nEstimators: z.number().int().min(1).max(1000).default(50).describe('Number of trees'),
        maxFeatures: MaxFeatures,
        bootstrap: z.boolean().default(true).describe('Fit each tree on a bootstrap sample of the rows'),
        ...treeParams,
      })
      .strict(),
    fit(x, y, raw, t, k) {
      const p = BUILTIN_ALGORITHMS.random_forest?.params.parse(raw) as Record<string, unknown>;
      const trees = fitForest(x, y, {
        task: t,
        nClasses: k,
        nEstimators: p.nEstimators as number,
        maxDepth: (p.maxDepth as number | undefined) ?? Number.POSITIVE_INFINITY,
        minSamplesSplit: p.minNumSamples as number,
        minSamplesLeaf: p.minSamplesLeaf as number,
        maxFeatures: featuresPerSplit(p.maxFeatures, t, x[0]?.length ?? 1),
        bootstrap: p.bootstrap as boolean,
        seed: p.seed as number,
      });
      return forestModel(trees, t, k);
    },
    load: (json, t, k) => (isLegacy(json) ? legacyForest(json, t, k) : loadForest(json, t, k)),
  },
  decision_tree: {
    tasks: ['classification', 'regression'],
    params: z.object(treeParams).strict(),
    fit(x, y, raw, t, k) {
      const p = BUILTIN_ALGORITHMS.decision_tree?.params.parse(raw) as Record<string, unknown>;
      const trees = fitForest(x, y, {
        task: t,
        nClasses: k,
        nEstimators: 1,
        maxDepth: (p.maxDepth as number | undefined) ?? Number.POSITIVE_INFINITY,
        minSamplesSplit: p.minNumSamples as number,
        minSamplesLeaf: p.minSamplesLeaf as number,
        maxFeatures: x[0]?.length ?? 1,
        bootstrap: false,
        seed: p.seed as number,
      });
      return forestModel(trees, t, k);
    },
    load: (json, t, k) => (isLegacy(json) ? legacyTree(json, t, k) : loadForest(json, t, k)),
  },
  gradient_boosting: {
    tasks: ['classification', 'regression'],
    params: z
      .object({
        nEstimators: z.number().int().min(1).max(5000).default(100).describe('Boosting iterations'),
        learningRate: z.number().positive().max(1).default(0.1).describe('Shrinkage of each tree'),
        maxLeafNodes: z.number().int().min(2).max(1024).default(31).describe('Leaves per tree'),
        maxDepth: z.number().int().min(1).optional().describe('Maximum tree depth (unlimited when absent)'),
        minSamplesLeaf: z.number().int().min(1).default(20).describe('Minimum rows in each leaf'),
        l2: z.number().min(0).default(0).describe('L2 regularisation of leaf values'),
      })
      .strict(),
    fit(x, y, raw, t, k) {
      const p = BUILTIN_ALGORITHMS.gradient_boosting?.params.parse(raw) as Record<string, unknown>;
      const b = fitBoosting(x, y, {
        task: t,
        nClasses: k,
        nEstimators: p.nEstimators as number,
        learningRate: p.learningRate as number,
        maxLeafNodes: p.maxLeafNodes as number,
        maxDepth: (p.maxDepth as number | undefined) ?? Number.POSITIVE_INFINITY,
        minSamplesLeaf: p.minSamplesLeaf as number,
        l2: p.l2 as number,
      });
      return boostModel(b, t);
    },
    load(json, t) {
      const b = BoostJson.parse(json);
      return boostModel({ base: b.base, trees: b.trees as Tree[][] }, t);
    },
  },
  logistic_regression: {
    tasks: ['classification'],
    params: z
      .object({
        C: z
          .number()
          .positive()
          .default(1)
          .describe('Inverse L2 regularisation strength (smaller: simpler model), as scikit-learn'),
        maxIter: z.number().int().min(1).max(100000).default(1000).describe('L-BFGS iterations at most'),
      })
      .strict(),
    fit(x, y, raw, _t, k) {
      const p = BUILTIN_ALGORITHMS.logistic_regression?.params.parse(raw) as Record<string, unknown>;
      return logisticModel(
        fitLogistic(x, y, { nClasses: k, C: p.C as number, maxIter: p.maxIter as number }),
      );
    },
    load: (json) => (isLegacy(json) ? legacyLogistic(json) : logisticModel(json as LogisticModel)),
  },
  linear_regression: {
    tasks: ['regression'],
    params: z.object({}).strict(),
    fit(x, y) {
      const { MultivariateLinearRegression } = ml.regression();
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
      const model = ml.regression().MultivariateLinearRegression.load(json);
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
      const KNN = interop(ml.knn());
      const model = new KNN(x, y, { k: (p.k as number | undefined) ?? 5 });
      return { predict: (rows) => model.predict(rows), toJSON: () => model.toJSON() };
    },
    load(json) {
      const model = interop(ml.knn()).load(json);
      return { predict: (rows) => model.predict(rows), toJSON: () => model.toJSON() };
    },
  },
  naive_bayes: {
    tasks: ['classification'],
    params: z
      .object({
        varSmoothing: z
          .number()
          .min(0)
          .default(1e-9)
          .describe(
            'Share of the largest feature variance added to every variance (scikit-learn var_smoothing)',
          ),
      })
      .strict(),
    fit(x, y, raw, _t, k) {
      const p = BUILTIN_ALGORITHMS.naive_bayes?.params.parse(raw) as Record<string, unknown>;
      return nbModel(fitGaussianNb(x, y, k, p.varSmoothing as number));
    },
    load(json) {
      if (isLegacy(json)) {
        const model = ml.naiveBayes().GaussianNB.load(json);
        return { predict: (rows) => model.predict(rows), toJSON: () => model.toJSON() };
      }
      return nbModel(json as GaussianNbModel);
    },
  },
};

/** Numerical rank of a matrix (singular values above scikit-learn / NumPy's default tolerance). */
export function matrixRank(x: number[][]): number {
  if (x.length === 0) return 0;
  const { Matrix, SingularValueDecomposition } = ml.matrix();
  const svd = new SingularValueDecomposition(new Matrix(x), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  const sv = svd.diagonal;
  const tol = Math.max(...sv) * Math.max(x.length, x[0]?.length ?? 0) * Number.EPSILON;
  return sv.filter((v) => v > tol).length;
}

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
        ? 'Use random_forest, gradient_boosting, decision_tree or linear_regression for regression.'
        : 'Use random_forest, gradient_boosting, decision_tree, logistic_regression, knn or naive_bayes for classification.',
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
