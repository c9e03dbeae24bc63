/**
 * Histogram decision trees for the builtin framework: CART trees and random forests (Gini / squared error,
 * bootstrap, features sampled per split, as scikit-learn's RandomForest*), and gradient boosting (second-
 * order, leaf-wise with a leaf budget, as scikit-learn's HistGradientBoosting*).
 *
 * Each feature is binned once per fit: a column with at most `maxBins` distinct values gets one bin per value
 * (so splits are exactly scikit-learn's midpoints), a wider one quantile bins. A node's split search is then
 * one pass over its rows per feature to fill a histogram, plus a scan of the bins: O(rows × features) per
 * tree level instead of sorting at every node. Fitted trees keep real-valued thresholds, so prediction
 * needs no bins and the JSON is self-contained.
 */
import { seededRandom } from './model-selection.ts';

const MAX_BINS = 255;

/** A feature matrix, column-major and binned. */
export interface Binned {
  nRows: number;
  nFeatures: number;
  /** Bin of each row, per feature. */
  bins: Uint8Array[];
  /** Bins used per feature. */
  nBins: Int32Array;
  /** Per feature: rows with bin <= b go left of the threshold edges[b]. */
  edges: Float64Array[];
}

export function binMatrix(x: readonly number[][], maxBins = MAX_BINS): Binned {
  const nRows = x.length;
  const nFeatures = x[0]?.length ?? 0;
  const bins: Uint8Array[] = [];
  const nBins = new Int32Array(nFeatures);
  const edges: Float64Array[] = [];
  const col = new Float64Array(nRows);
  for (let f = 0; f < nFeatures; f++) {
    for (let i = 0; i < nRows; i++) col[i] = (x[i] as number[])[f] as number;
    // Few distinct values (one-hot columns, codes, small data): no need to sort the column.
    const seen = new Set<number>();
    for (let i = 0; i < nRows && seen.size <= maxBins; i++) seen.add(col[i] as number);
    let distinct: number[];
    let upper: number[];
    if (seen.size <= maxBins) {
      distinct = [...seen].sort((a, b) => a - b);
      upper = distinct;
    } else {
      const sorted = Float64Array.from(col).sort();
      distinct = [];
      for (let i = 0; i < nRows; i++) {
        const v = sorted[i] as number;
        if (i === 0 || v !== sorted[i - 1]) distinct.push(v);
      }
      // Upper edges: the last value of each quantile bin.
      upper = [];
      for (let b = 1; b <= maxBins; b++) {
        const v = sorted[Math.min(nRows - 1, Math.floor((b * nRows) / maxBins) - 1)] as number;
        if (upper.length === 0 || v > (upper[upper.length - 1] as number)) upper.push(v);
      }
      if ((upper[upper.length - 1] as number) < (distinct[distinct.length - 1] as number)) {
        upper.push(distinct[distinct.length - 1] as number);
      }
    }
    // Thresholds are midpoints between a bin's last value and the next bin's first.
    const e = new Float64Array(upper.length);
    let d = 0;
    for (let b = 0; b < upper.length; b++) {
      while (d < distinct.length && (distinct[d] as number) <= (upper[b] as number)) d++;
      e[b] =
        d < distinct.length ? ((upper[b] as number) + (distinct[d] as number)) / 2 : Number.POSITIVE_INFINITY;
    }
    const bf = new Uint8Array(nRows);
    if (upper === distinct) {
      const index = new Map(distinct.map((v, b) => [v, b]));
      for (let i = 0; i < nRows; i++) bf[i] = index.get(col[i] as number) as number;
    } else {
      for (let i = 0; i < nRows; i++) {
        // First bin whose upper edge is >= the value.
        const v = col[i] as number;
        let lo = 0;
        let hi = upper.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((upper[mid] as number) < v) lo = mid + 1;
          else hi = mid;
        }
        bf[i] = lo;
      }
    }
    bins.push(bf);
    nBins[f] = upper.length;
    edges.push(e);
  }
  return { nRows, nFeatures, bins, nBins, edges };
}

/**
 * The binned matrix row by row, keeping only each row's features that are not in their most frequent bin
 * (one entry per row for a one-hot group, none for an absent word): a histogram pass over a node then costs
 * the entries of its rows, not rows × features, and the most frequent bin's sums follow from the node's.
 */
interface SparseRows {
  defaultBin: Uint8Array;
  rowPtr: Int32Array;
  feature: Int32Array;
  bin: Uint8Array;
  /** Where each feature's [grad, hess, count] triples start in a flat histogram; the last is its size. */
  offset: Int32Array;
}

function sparseRows(data: Binned): SparseRows {
  const { nRows, nFeatures } = data;
  const defaultBin = new Uint8Array(nFeatures);
  let nnz = 0;
  for (let f = 0; f < nFeatures; f++) {
    const counts = new Int32Array(data.nBins[f] as number);
    const bf = data.bins[f] as Uint8Array;
    for (let i = 0; i < nRows; i++) counts[bf[i] as number] = (counts[bf[i] as number] as number) + 1;
    let best = 0;
    for (let b = 1; b < counts.length; b++) if ((counts[b] as number) > (counts[best] as number)) best = b;
    defaultBin[f] = best;
    nnz += nRows - (counts[best] as number);
  }
  const rowPtr = new Int32Array(nRows + 1);
  const feature = new Int32Array(nnz);
  const bin = new Uint8Array(nnz);
  let e = 0;
  for (let i = 0; i < nRows; i++) {
    rowPtr[i] = e;
    for (let f = 0; f < nFeatures; f++) {
      const b = (data.bins[f] as Uint8Array)[i] as number;
      if (b !== defaultBin[f]) {
        feature[e] = f;
        bin[e] = b;
        e++;
      }
    }
  }
  rowPtr[nRows] = e;
  const offset = new Int32Array(nFeatures + 1);
  for (let f = 0; f < nFeatures; f++) offset[f + 1] = (offset[f] as number) + (data.nBins[f] as number) * 3;
  return { defaultBin, rowPtr, feature, bin, offset };
}

/** A fitted tree in flat arrays; a node is a leaf when left[node] === -1. */
export interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Per node: class distribution (classification, k values) or one value. */
  value: number[][];
}

export function predictTree(tree: Tree, row: readonly number[]): number[] {
  let n = 0;
  while ((tree.left[n] as number) !== -1) {
    n =
      (row[tree.feature[n] as number] as number) <= (tree.threshold[n] as number)
        ? (tree.left[n] as number)
        : (tree.right[n] as number);
  }
  return tree.value[n] as number[];
}

export interface CartOptions {
  task: 'classification' | 'regression';
  nClasses: number;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features tried per split (all when >= nFeatures). */
  maxFeatures: number;
  random: () => number;
}

/**
 * Grows one CART tree on the rows with a positive weight (bootstrap counts for a forest, 1 otherwise).
 * Classification leaves hold class proportions, regression leaves the mean.
 */
export function growCart(data: Binned, y: ArrayLike<number>, weight: Float64Array, o: CartOptions): Tree {
  const k = o.task === 'classification' ? o.nClasses : 1;
  const idx: number[] = [];
  for (let i = 0; i < data.nRows; i++) if ((weight[i] as number) > 0) idx.push(i);
  const rows = Int32Array.from(idx);
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const maxBins = Math.max(1, ...data.nBins);
  // Scratch histograms, reused for every node: weighted class sums (or sum w, sum w·y) and row counts.
  const hist = new Float64Array(maxBins * (k + 1));
  const count = new Int32Array(maxBins);
  const occ = new Int32Array(maxBins);
  const order = Array.from({ length: data.nFeatures }, (_, f) => f);
  const totals = new Float64Array(k + 1);
  const leftAcc = new Float64Array(k + 1);

  const nodeValue = (start: number, end: number): number[] => {
    totals.fill(0);
    for (let p = start; p < end; p++) {
      const i = rows[p] as number;
      const w = weight[i] as number;
      if (o.task === 'classification') totals[y[i] as number] = (totals[y[i] as number] as number) + w;
      else {
        totals[0] = (totals[0] as number) + w;
        totals[1] = (totals[1] as number) + w * (y[i] as number);
      }
    }
    if (o.task === 'classification') {
      let s = 0;
      for (let c = 0; c < k; c++) s += totals[c] as number;
      return Array.from({ length: k }, (_, c) => (s > 0 ? (totals[c] as number) / s : 1 / k));
    }
    return [(totals[0] as number) > 0 ? (totals[1] as number) / (totals[0] as number) : 0];
  };

  // Depth-first with an explicit stack: [node, start, end, depth].
  const stack: [number, number, number, number][] = [];
  const newNode = (start: number, end: number) => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(nodeValue(start, end));
    return tree.feature.length - 1;
  };
  stack.push([newNode(0, rows.length), 0, rows.length, 0]);

  while (stack.length) {
    const [node, start, end, depth] = stack.pop() as [number, number, number, number];
    const n = end - start;
    if (depth >= o.maxDepth || n < o.minSamplesSplit || n < 2 * o.minSamplesLeaf) continue;
    const v = tree.value[node] as number[];
    if (o.task === 'classification' && v.some((p) => p >= 1 - 1e-12)) continue; // pure
    // Parent totals.
    totals.fill(0);
    for (let p = start; p < end; p++) {
      const i = rows[p] as number;
      const w = weight[i] as number;
      if (o.task === 'classification') totals[y[i] as number] = (totals[y[i] as number] as number) + w;
      else {
        totals[0] = (totals[0] as number) + w;
        totals[1] = (totals[1] as number) + w * (y[i] as number);
      }
    }
    let parentScore = 0;
    let parentW = 0;
    if (o.task === 'classification') {
      for (let c = 0; c < k; c++) {
        parentW += totals[c] as number;
        parentScore += (totals[c] as number) ** 2;
      }
      parentScore /= parentW;
    } else {
      parentW = totals[0] as number;
      parentScore = (totals[1] as number) ** 2 / parentW;
    }

    // Features in a random order; stop after maxFeatures that are not constant in this node.
    for (let a = order.length - 1; a > 0; a--) {
      const b = Math.floor(o.random() * (a + 1));
      const t = order[a] as number;
      order[a] = order[b] as number;
      order[b] = t;
    }
    let bestGain = 1e-12 * Math.max(1, Math.abs(parentScore));
    let bestF = -1;
    let bestBin = -1;
    let tried = 0;
    for (let fi = 0; fi < order.length && tried < o.maxFeatures; fi++) {
      const f = order[fi] as number;
      const nb = data.nBins[f] as number;
      if (nb < 2) continue;
      const bf = data.bins[f] as Uint8Array;
      const stride = k + 1;
      // Fill the histogram, noting which bins occur: a small node scans only those, not all nb bins.
      let nOcc = 0;
      if (o.task === 'classification') {
        for (let p = start; p < end; p++) {
          const i = rows[p] as number;
          const b = bf[i] as number;
          if ((count[b] as number) === 0) occ[nOcc++] = b;
          const at = b * stride + (y[i] as number);
          hist[at] = (hist[at] as number) + (weight[i] as number);
          count[b] = (count[b] as number) + 1;
        }
      } else {
        for (let p = start; p < end; p++) {
          const i = rows[p] as number;
          const b = bf[i] as number;
          if ((count[b] as number) === 0) occ[nOcc++] = b;
          const w = weight[i] as number;
          const at = b * stride;
          hist[at] = (hist[at] as number) + w;
          hist[at + 1] = (hist[at + 1] as number) + w * (y[i] as number);
          count[b] = (count[b] as number) + 1;
        }
      }
      // The occurring bins in order: by insertion sort when few, else by a pass over every bin.
      if (nOcc * 8 < nb) {
        for (let q = 1; q < nOcc; q++) {
          const v = occ[q] as number;
          let r = q - 1;
          while (r >= 0 && (occ[r] as number) > v) {
            occ[r + 1] = occ[r] as number;
            r--;
          }
          occ[r + 1] = v;
        }
      } else {
        nOcc = 0;
        for (let b = 0; b < nb; b++) if ((count[b] as number) > 0) occ[nOcc++] = b;
      }
      const bins = occ;
      if (nOcc > 1) {
        tried++;
        leftAcc.fill(0);
        let nLeft = 0;
        for (let q = 0; q < nOcc - 1; q++) {
          const b = bins[q] as number;
          nLeft += count[b] as number;
          for (let j = 0; j < stride; j++)
            leftAcc[j] = (leftAcc[j] as number) + (hist[b * stride + j] as number);
          const nRight = n - nLeft;
          if (nLeft < o.minSamplesLeaf) continue;
          if (nRight < o.minSamplesLeaf) break;
          let score: number;
          if (o.task === 'classification') {
            let wl = 0;
            let sl = 0;
            let sr = 0;
            for (let c2 = 0; c2 < k; c2++) {
              const l = leftAcc[c2] as number;
              const r = (totals[c2] as number) - l;
              wl += l;
              sl += l * l;
              sr += r * r;
            }
            const wr = parentW - wl;
            if (wl <= 0 || wr <= 0) continue;
            score = sl / wl + sr / wr;
          } else {
            const wl = leftAcc[0] as number;
            const wr = parentW - wl;
            if (wl <= 0 || wr <= 0) continue;
            const yl = leftAcc[1] as number;
            const yr = (totals[1] as number) - yl;
            score = (yl * yl) / wl + (yr * yr) / wr;
          }
          const gain = score - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestF = f;
            bestBin = b;
          }
        }
      }
      // Back to zeros for the next feature.
      for (let q = 0; q < nOcc; q++) {
        const b = bins[q] as number;
        count[b] = 0;
        for (let j = b * stride; j < b * stride + stride; j++) hist[j] = 0;
      }
    }
    if (bestF < 0) continue;
    // Partition rows[start:end) in place: bin <= bestBin first.
    const bf = data.bins[bestF] as Uint8Array;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if ((bf[rows[i] as number] as number) <= bestBin) i++;
      else {
        const t = rows[i] as number;
        rows[i] = rows[j] as number;
        rows[j] = t;
        j--;
      }
    }
    tree.feature[node] = bestF;
    tree.threshold[node] = (data.edges[bestF] as Float64Array)[bestBin] as number;
    const l = newNode(start, i);
    const r = newNode(i, end);
    tree.left[node] = l;
    tree.right[node] = r;
    stack.push([r, i, end, depth + 1], [l, start, i, depth + 1]);
  }
  return tree;
}

export interface ForestOptions {
  task: 'classification' | 'regression';
  nClasses: number;
  nEstimators: number;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features tried per split. */
  maxFeatures: number;
  bootstrap: boolean;
  seed: number;
}

/** A random forest: trees on bootstrap samples (counts as weights), features sampled at each split. */
export function fitForest(x: readonly number[][], y: ArrayLike<number>, o: ForestOptions): Tree[] {
  const data = binMatrix(x);
  const random = seededRandom(o.seed);
  const n = data.nRows;
  const trees: Tree[] = [];
  const weight = new Float64Array(n);
  for (let t = 0; t < o.nEstimators; t++) {
    if (o.bootstrap) {
      weight.fill(0);
      for (let d = 0; d < n; d++) {
        const i = Math.floor(random() * n);
        weight[i] = (weight[i] as number) + 1;
      }
    } else weight.fill(1);
    trees.push(growCart(data, y, weight, { ...o, random }));
  }
  return trees;
}

/** Mean of the trees' leaf values: class proportions (classification) or the prediction (regression). */
export function predictForest(trees: readonly Tree[], x: readonly number[][], width: number): number[][] {
  return x.map((row) => {
    const acc = new Array<number>(width).fill(0);
    for (const t of trees) {
      const v = predictTree(t, row);
      for (let c = 0; c < width; c++) acc[c] = (acc[c] as number) + (v[c] as number);
    }
    return acc.map((s) => s / trees.length);
  });
}

export function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if ((xs[i] as number) > (xs[best] as number)) best = i;
  return best;
}

export interface BoostOptions {
  task: 'classification' | 'regression';
  nClasses: number;
  nEstimators: number;
  learningRate: number;
  maxLeafNodes: number;
  maxDepth: number;
  minSamplesLeaf: number;
  /** L2 regularisation of leaf values. */
  l2: number;
}

export interface Booster {
  /** Initial raw score per output (log-odds / class log-priors, or the mean). */
  base: number[];
  /** trees[iteration][output]; leaves hold a raw score step (learning rate applied). */
  trees: Tree[][];
}

/**
 * Gradient boosting with histogram trees grown leaf-wise (the leaf with the largest loss reduction is split
 * next, up to maxLeafNodes), gain and leaf values from gradient and hessian sums (XGBoost / LightGBM /
 * scikit-learn HistGradientBoosting). Squared error for regression; log-loss for two classes (one output);
 * softmax cross-entropy for more (one tree per class and iteration).
 */
export function fitBoosting(x: readonly number[][], y: ArrayLike<number>, o: BoostOptions): Booster {
  const data = binMatrix(x);
  const sparse = sparseRows(data);
  const n = data.nRows;
  const outputs = o.task === 'classification' ? (o.nClasses <= 2 ? 1 : o.nClasses) : 1;
  const base = new Array<number>(outputs).fill(0);
  if (o.task === 'regression') {
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i] as number;
    base[0] = s / n;
  } else if (outputs === 1) {
    let p = 0;
    for (let i = 0; i < n; i++) p += y[i] as number;
    p = Math.min(1 - 1e-7, Math.max(1e-7, p / n));
    base[0] = Math.log(p / (1 - p));
  } else {
    const counts = new Array<number>(outputs).fill(0);
    for (let i = 0; i < n; i++) counts[y[i] as number] = (counts[y[i] as number] as number) + 1;
    for (let c = 0; c < outputs; c++) base[c] = Math.log(Math.max(counts[c] as number, 1e-7) / n);
  }
  const raw = Array.from({ length: outputs }, (_, c) => new Float64Array(n).fill(base[c] as number));
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const trees: Tree[][] = [];
  const prob = new Float64Array(outputs);
  for (let it = 0; it < o.nEstimators; it++) {
    const round: Tree[] = [];
    for (let c = 0; c < outputs; c++) {
      const rc = raw[c] as Float64Array;
      for (let i = 0; i < n; i++) {
        if (o.task === 'regression') {
          grad[i] = (rc[i] as number) - (y[i] as number);
          hess[i] = 1;
        } else if (outputs === 1) {
          const p = 1 / (1 + Math.exp(-(rc[i] as number)));
          grad[i] = p - (y[i] as number);
          hess[i] = Math.max(p * (1 - p), 1e-16);
        } else {
          let m = Number.NEGATIVE_INFINITY;
          for (let q = 0; q < outputs; q++) m = Math.max(m, (raw[q] as Float64Array)[i] as number);
          let s = 0;
          for (let q = 0; q < outputs; q++) {
            prob[q] = Math.exp(((raw[q] as Float64Array)[i] as number) - m);
            s += prob[q] as number;
          }
          const p = (prob[c] as number) / s;
          grad[i] = p - ((y[i] as number) === c ? 1 : 0);
          hess[i] = Math.max(p * (1 - p), 1e-16);
        }
      }
      const { tree, rows, leaves } = growBoostTree(data, sparse, grad, hess, o);
      // Scale leaves by the learning rate once, then update the raw scores of each leaf's training rows.
      for (const v of tree.value) v[0] = (v[0] as number) * o.learningRate;
      for (const leaf of leaves) {
        const step = (tree.value[leaf.node] as number[])[0] as number;
        for (let p = leaf.start; p < leaf.end; p++) {
          const i = rows[p] as number;
          rc[i] = (rc[i] as number) + step;
        }
      }
      round.push(tree);
    }
    trees.push(round);
  }
  return { base, trees };
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  /** Histogram of this leaf: [grad, hess, count] per bin, features at SparseRows.offset. */
  hist: Float64Array;
  split?: { gain: number; feature: number; bin: number; gl: number; hl: number };
}

/** A grown tree, with the training rows of each leaf (rows[start:end)) to update the raw scores. */
interface Grown {
  tree: Tree;
  rows: Int32Array;
  leaves: { node: number; start: number; end: number }[];
}

function growBoostTree(
  data: Binned,
  sparse: SparseRows,
  grad: Float64Array,
  hess: Float64Array,
  o: BoostOptions,
): Grown {
  const n = data.nRows;
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const leafValue = (g: number, h: number) => -g / (h + o.l2);
  const addNode = (g: number, h: number) => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push([leafValue(g, h)]);
    return tree.feature.length - 1;
  };
  const { rowPtr, feature, bin, offset, defaultBin } = sparse;
  const size = offset[data.nFeatures] as number;
  /** Histogram of rows[start:end): their sparse entries, then each feature's most frequent bin by difference. */
  const histOf = (start: number, end: number, g: number, h: number): Float64Array => {
    const hist = new Float64Array(size);
    for (let p = start; p < end; p++) {
      const i = rows[p] as number;
      const gi = grad[i] as number;
      const hi = hess[i] as number;
      for (let e = rowPtr[i] as number; e < (rowPtr[i + 1] as number); e++) {
        const at = (offset[feature[e] as number] as number) + (bin[e] as number) * 3;
        hist[at] = (hist[at] as number) + gi;
        hist[at + 1] = (hist[at + 1] as number) + hi;
        hist[at + 2] = (hist[at + 2] as number) + 1;
      }
    }
    const count = end - start;
    for (let f = 0; f < data.nFeatures; f++) {
      let sg = 0;
      let sh = 0;
      let sc = 0;
      for (let at = offset[f] as number; at < (offset[f + 1] as number); at += 3) {
        sg += hist[at] as number;
        sh += hist[at + 1] as number;
        sc += hist[at + 2] as number;
      }
      const at = (offset[f] as number) + (defaultBin[f] as number) * 3;
      hist[at] = g - sg;
      hist[at + 1] = h - sh;
      hist[at + 2] = count - sc;
    }
    return hist;
  };
  const score = (g: number, h: number) => (g * g) / (h + o.l2);
  const findSplit = (leaf: Leaf) => {
    const nRows = leaf.end - leaf.start;
    if (leaf.depth >= o.maxDepth || nRows < 2 * o.minSamplesLeaf) return;
    const parent = score(leaf.g, leaf.h);
    const hist = leaf.hist;
    let best: Leaf['split'];
    for (let f = 0; f < data.nFeatures; f++) {
      const base = offset[f] as number;
      const nb = data.nBins[f] as number;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        const at = base + b * 3;
        gl += hist[at] as number;
        hl += hist[at + 1] as number;
        cl += hist[at + 2] as number;
        if (cl < o.minSamplesLeaf) continue;
        if (nRows - cl < o.minSamplesLeaf) break;
        const gain = score(gl, hl) + score(leaf.g - gl, leaf.h - hl) - parent;
        if (gain > 1e-12 && (!best || gain > best.gain)) best = { gain, feature: f, bin: b, gl, hl };
      }
    }
    if (best) leaf.split = best;
  };
  let g0 = 0;
  let h0 = 0;
  for (let i = 0; i < n; i++) {
    g0 += grad[i] as number;
    h0 += hess[i] as number;
  }
  const root: Leaf = {
    node: addNode(g0, h0),
    start: 0,
    end: n,
    depth: 0,
    g: g0,
    h: h0,
    hist: histOf(0, n, g0, h0),
  };
  findSplit(root);
  const open: Leaf[] = [root];
  let leaves = 1;
  while (leaves < o.maxLeafNodes) {
    let bi = -1;
    for (let q = 0; q < open.length; q++) {
      const s = (open[q] as Leaf).split;
      if (s && (bi < 0 || s.gain > ((open[bi] as Leaf).split?.gain ?? 0))) bi = q;
    }
    if (bi < 0) break;
    const leaf = open[bi] as Leaf;
    open.splice(bi, 1);
    const s = leaf.split as NonNullable<Leaf['split']>;
    const bf = data.bins[s.feature] as Uint8Array;
    let i = leaf.start;
    let j = leaf.end - 1;
    while (i <= j) {
      if ((bf[rows[i] as number] as number) <= s.bin) i++;
      else {
        const t = rows[i] as number;
        rows[i] = rows[j] as number;
        rows[j] = t;
        j--;
      }
    }
    tree.feature[leaf.node] = s.feature;
    tree.threshold[leaf.node] = (data.edges[s.feature] as Float64Array)[s.bin] as number;
    const child = (start: number, end: number, g: number, h: number): Leaf => ({
      node: addNode(g, h),
      start,
      end,
      depth: leaf.depth + 1,
      g,
      h,
      hist: leaf.hist,
    });
    const left = child(leaf.start, i, s.gl, s.hl);
    const right = child(i, leaf.end, leaf.g - s.gl, leaf.h - s.hl);
    tree.left[leaf.node] = left.node;
    tree.right[leaf.node] = right.node;
    // Histogram subtraction: build the smaller child's; the larger one's is the parent's minus it.
    const [small, large] = left.end - left.start <= right.end - right.start ? [left, right] : [right, left];
    small.hist = histOf(small.start, small.end, small.g, small.h);
    const hp = leaf.hist;
    const hs = small.hist;
    for (let b = 0; b < size; b++) hp[b] = (hp[b] as number) - (hs[b] as number);
    large.hist = hp;
    leaves++;
    findSplit(left);
    findSplit(right);
    open.push(left, right);
  }
  return { tree, rows, leaves: open.map(({ node, start, end }) => ({ node, start, end })) };
}

/** Raw scores of a booster, one array per output. */
export function boosterRaw(b: Booster, row: readonly number[]): number[] {
  const out = [...b.base];
  for (const round of b.trees) {
    for (let c = 0; c < round.length; c++)
      out[c] = (out[c] as number) + (predictTree(round[c] as Tree, row)[0] as number);
  }
  return out;
}

/** Class probabilities from raw scores: sigmoid for one output, softmax for several. */
export function rawToProba(raw: readonly number[]): number[] {
  if (raw.length === 1) {
    const p = 1 / (1 + Math.exp(-(raw[0] as number)));
    return [1 - p, p];
  }
  const m = Math.max(...raw);
  const e = raw.map((r) => Math.exp(r - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
