/** Type declarations for the mljs packages that ship none; only the parts pipewright uses. */
declare module 'ml-cart' {
  interface TreeOptions {
    gainFunction?: string;
    minNumSamples?: number;
    maxDepth?: number;
    gainThreshold?: number;
  }
  interface TreeNode {
    classify(row: number[]): { to1DArray(): number[] } | number;
  }
  export class DecisionTreeClassifier {
    constructor(options?: TreeOptions);
    root: TreeNode;
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    toJSON(): unknown;
    static load(model: unknown): DecisionTreeClassifier;
  }
  export class DecisionTreeRegression {
    constructor(options?: TreeOptions);
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    toJSON(): unknown;
    static load(model: unknown): DecisionTreeRegression;
  }
}

declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';

  interface TwoClass {
    testScores(x: Matrix): number[];
  }
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: TwoClass[];
    numberClasses: number;
    train(x: Matrix, y: Matrix): void;
    predict(x: Matrix): number[];
    toJSON(): unknown;
    static load(model: unknown): LogisticRegression;
  }
}

declare module 'ml-regression' {
  export class MultivariateLinearRegression {
    constructor(
      x: number[][] | true,
      y: number[][] | unknown,
      options?: { intercept?: boolean; statistics?: boolean },
    );
    predict(x: number[][]): number[][];
    toJSON(): unknown;
    static load(model: unknown): MultivariateLinearRegression;
  }
}

declare module 'ml-knn' {
  export default class KNN {
    constructor(dataset: number[][] | boolean, labels: number[] | unknown, options?: { k?: number });
    predict(x: number[][]): number[];
    toJSON(): unknown;
    static load(model: unknown): KNN;
  }
}

declare module 'ml-naivebayes' {
  export class GaussianNB {
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    toJSON(): unknown;
    static load(model: unknown): GaussianNB;
  }
}
