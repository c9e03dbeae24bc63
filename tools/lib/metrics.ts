/**
 * Model quality metrics. Labels are strings; probabilities are rows aligned with `labels`.
 * Definitions follow scikit-learn (zero when a ratio is undefined, macro = unweighted mean over classes).
 */
import { mean, wilcoxonRankSum } from 'simple-statistics';

/** Metrics where a lower value is better; every other metric is higher-is-better. */
export const LOWER_IS_BETTER = ['rmse', 'mae', 'mse', 'log_loss', 'mape'] as const;
const LOWER = new Set<string>(LOWER_IS_BETTER);
/** Names people's own scripts report (val_loss, test_error, eval_rmse, p95_latency_ms): lower is better too. */
const LOWER_SUFFIX = /(?:^|[_-])(?:loss|error|err|rmse|mae|mse|mape|latency|latency_ms|perplexity)$/i;

/**
 * Whether a larger value of the metric is better. The one place that says so: training search, evaluation
 * deltas, gates and approval evidence all ask here.
 */
export function higherIsBetter(metric: string): boolean {
  return !(LOWER.has(metric) || LOWER_SUFFIX.test(metric));
}

/** True when `a` is a better value than `b` for the metric. */
export function isBetter(metric: string, a: number, b: number): boolean {
  return higherIsBetter(metric) ? a > b : a < b;
}

export function accuracy(yTrue: readonly string[], yPred: readonly string[]): number {
  checkLengths(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

export interface ConfusionMatrix {
  /** Row and column order. */
  labels: string[];
  /** matrix[actual][predicted] = count. */
  matrix: number[][];
}

export function confusionMatrix(
  yTrue: readonly string[],
  yPred: readonly string[],
  labels: readonly string[],
): ConfusionMatrix {
  checkLengths(yTrue, yPred);
  const index = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  for (let i = 0; i < yTrue.length; i++) {
    const a = index.get(yTrue[i] as string);
    const p = index.get(yPred[i] as string);
    if (a !== undefined && p !== undefined)
      (matrix[a] as number[])[p] = ((matrix[a] as number[])[p] ?? 0) + 1;
  }
  return { labels: [...labels], matrix };
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export function precisionRecallF1(
  yTrue: readonly string[],
  yPred: readonly string[],
  labels: readonly string[],
): { perClass: Record<string, ClassScores>; macro: { precision: number; recall: number; f1: number } } {
  const { matrix } = confusionMatrix(yTrue, yPred, labels);
  const perClass: Record<string, ClassScores> = {};
  labels.forEach((label, k) => {
    const tp = matrix[k]?.[k] ?? 0;
    const support = (matrix[k] ?? []).reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((a, row) => a + (row[k] ?? 0), 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[label] = { precision, recall, f1, support };
  });
  const scores = Object.values(perClass);
  const avg = (pick: (s: ClassScores) => number) => (scores.length ? mean(scores.map(pick)) : 0);
  return {
    perClass,
    macro: { precision: avg((s) => s.precision), recall: avg((s) => s.recall), f1: avg((s) => s.f1) },
  };
}

/** Binary ROC AUC via the Mann-Whitney U statistic (ties count half). */
export function rocAuc(isPositive: readonly boolean[], scores: readonly number[]): number {
  checkLengths(isPositive, scores);
  const pos = scores.filter((_, i) => isPositive[i]);
  const neg = scores.filter((_, i) => !isPositive[i]);
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  const rankSum = wilcoxonRankSum(pos, neg);
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/**
 * ROC AUC for any number of classes: the binary AUC for two labels (scored by the second label's
 * probability), otherwise the macro average of one-vs-rest AUCs over classes present in yTrue.
 */
export function rocAucOvr(
  yTrue: readonly string[],
  proba: readonly number[][],
  labels: readonly string[],
): number {
  if (labels.length === 2) {
    return rocAuc(
      yTrue.map((y) => y === labels[1]),
      proba.map((p) => p[1] ?? 0),
    );
  }
  const aucs = labels
    .map((label, k) =>
      rocAuc(
        yTrue.map((y) => y === label),
        proba.map((p) => p[k] ?? 0),
      ),
    )
    .filter((a) => !Number.isNaN(a));
  return aucs.length ? mean(aucs) : Number.NaN;
}

/** Mean negative log-likelihood of the true label, probabilities clipped to [eps, 1-eps] and renormalised. */
export function logLoss(
  yTrue: readonly string[],
  proba: readonly number[][],
  labels: readonly string[],
  eps = 1e-15,
): number {
  checkLengths(yTrue, proba);
  const index = new Map(labels.map((l, i) => [l, i]));
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const row = (proba[i] ?? []).map((p) => Math.min(1 - eps, Math.max(eps, p)));
    const sum = row.reduce((a, b) => a + b, 0);
    const k = index.get(yTrue[i] as string);
    const p = k === undefined ? eps : (row[k] ?? eps) / sum;
    total -= Math.log(p);
  }
  return yTrue.length ? total / yTrue.length : 0;
}

export function rmse(yTrue: readonly number[], yPred: readonly number[]): number {
  checkLengths(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  return Math.sqrt(mean(yTrue.map((y, i) => (y - (yPred[i] as number)) ** 2)));
}

export function mae(yTrue: readonly number[], yPred: readonly number[]): number {
  checkLengths(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  return mean(yTrue.map((y, i) => Math.abs(y - (yPred[i] as number))));
}

/** Coefficient of determination; 0 when the true values are constant and not matched exactly. */
export function r2(yTrue: readonly number[], yPred: readonly number[]): number {
  checkLengths(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  const m = mean([...yTrue]);
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += ((yTrue[i] as number) - (yPred[i] as number)) ** 2;
    ssTot += ((yTrue[i] as number) - m) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** The flat metric set for classification: accuracy, macro precision/recall/F1, and AUC/log loss with probabilities. */
export function classificationMetrics(
  yTrue: readonly string[],
  yPred: readonly string[],
  labels: readonly string[],
  proba?: readonly number[][],
): Record<string, number> {
  const prf = precisionRecallF1(yTrue, yPred, labels);
  const out: Record<string, number> = {
    accuracy: accuracy(yTrue, yPred),
    precision_macro: prf.macro.precision,
    recall_macro: prf.macro.recall,
    f1_macro: prf.macro.f1,
  };
  if (proba) {
    const auc = rocAucOvr(yTrue, proba, labels);
    if (!Number.isNaN(auc)) out.roc_auc = auc;
    out.log_loss = logLoss(yTrue, proba, labels);
  }
  return out;
}

export function regressionMetrics(
  yTrue: readonly number[],
  yPred: readonly number[],
): Record<string, number> {
  return { rmse: rmse(yTrue, yPred), mae: mae(yTrue, yPred), r2: r2(yTrue, yPred) };
}

function checkLengths(a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new Error(`metric inputs differ in length: ${a.length} vs ${b.length}`);
}
