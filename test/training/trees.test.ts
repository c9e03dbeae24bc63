/** The histogram trees' binning and split rule (tools/lib/trees.ts). */
import { describe, expect, it } from 'vitest';
import { binMatrix, boosterRaw, fitBoosting, fitForest, predictForest } from '../../tools/lib/trees.ts';

describe('binMatrix', () => {
  it('gives each distinct value its own bin, with thresholds at the midpoints (as scikit-learn splits)', () => {
    const b = binMatrix([[4], [1], [2], [1]]);
    expect(b.nBins[0]).toBe(3);
    expect([...(b.bins[0] as Uint8Array)]).toEqual([2, 0, 1, 0]);
    expect([...(b.edges[0] as Float64Array)]).toEqual([1.5, 3, Number.POSITIVE_INFINITY]);
  });

  it('quantile-bins a column with more than 255 values, keeping bin <= b exactly when value <= edge[b]', () => {
    const x = Array.from({ length: 2000 }, (_, i) => [Math.sin(i) * 1000]);
    const b = binMatrix(x);
    expect(b.nBins[0]).toBeLessThanOrEqual(255);
    expect(b.nBins[0]).toBeGreaterThan(200);
    const edges = b.edges[0] as Float64Array;
    const bins = b.bins[0] as Uint8Array;
    for (let i = 0; i < x.length; i++) {
      const v = (x[i] as number[])[0] as number;
      const bin = bins[i] as number;
      expect(v <= (edges[bin] as number)).toBe(true);
      if (bin > 0) expect(v > (edges[bin - 1] as number)).toBe(true);
    }
  });
});

describe('trees', () => {
  it('a tree splits a separable column at the midpoint and predicts unseen values by it', () => {
    const x = [[1], [2], [3], [10], [11], [12]];
    const y = [0, 0, 0, 1, 1, 1];
    const [tree] = fitForest(x, y, {
      task: 'classification',
      nClasses: 2,
      nEstimators: 1,
      maxDepth: Number.POSITIVE_INFINITY,
      minSamplesSplit: 2,
      minSamplesLeaf: 1,
      maxFeatures: 1,
      bootstrap: false,
      seed: 1,
    });
    expect(tree?.threshold[0]).toBe(6.5);
    expect(predictForest(tree ? [tree] : [], [[6], [7]], 2)).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('boosting fits a step function to the training mean in each region', () => {
    const x = Array.from({ length: 200 }, (_, i) => [i, i % 2]);
    const y = x.map(([a]) => ((a as number) < 100 ? 5 : 20));
    const b = fitBoosting(x, y, {
      task: 'regression',
      nClasses: 1,
      nEstimators: 50,
      learningRate: 0.3,
      maxLeafNodes: 4,
      maxDepth: Number.POSITIVE_INFINITY,
      minSamplesLeaf: 5,
      l2: 0,
    });
    expect(b.base[0]).toBeCloseTo(12.5);
    const raw = (row: number[]) => boosterRaw(b, row)[0] as number;
    expect(raw([10, 0])).toBeCloseTo(5, 3);
    expect(raw([150, 1])).toBeCloseTo(20, 3);
  });
});
