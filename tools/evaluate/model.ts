/**
 * evaluate.model: scores a ModelRef on a test dataset, and optionally a baseline (the production model) on the
 * same rows: champion/challenger with a primary metric, per-metric deltas and a flat `improved` flag that
 * plan conditions can read (steps.evaluate.outputs.metrics.accuracy >= 0.9, steps.evaluate.outputs.improved).
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask, type TaskContext } from '../../src/tasks/index.ts';
import { toNumber } from '../lib/features.ts';
import {
  classificationMetrics,
  confusionMatrix,
  higherIsBetter,
  precisionRecallF1,
  regressionMetrics,
} from '../lib/metrics.ts';
import { loadModel } from '../lib/model.ts';
import { DatasetRef, ModelRef } from '../lib/refs.ts';
import { readScoringRows } from '../lib/scoring-data.ts';
import { resolveDataPath } from '../train/data.ts';

const Metrics = z.record(z.string(), z.number());
const BATCH = 5000;

export const EvaluateModelInput = z.object({
  model: ModelRef.describe('The model to evaluate (the challenger)'),
  dataset: DatasetRef.describe('Test rows with the target column'),
  baseline: ModelRef.optional().describe('The current production model (champion), scored on the same rows'),
  primaryMetric: z
    .string()
    .optional()
    .describe('Metric that decides "improved" (default accuracy for classification, r2 for regression)'),
  minDelta: z
    .number()
    .min(0)
    .default(0)
    .describe('How much better the primary metric must be than the baseline to count as improved'),
});

export const EvaluateModelOutput = z.object({
  metrics: Metrics.describe(
    'Test metrics of the model, e.g. accuracy, f1_macro, roc_auc, log_loss; rmse, mae, r2',
  ),
  primaryMetric: z.string().describe('The metric compared with the baseline'),
  primaryValue: z.number().describe('The model value of the primary metric'),
  rows: z.number().int().describe('Rows scored (rows with a target value)'),
  confusionMatrix: z
    .object({
      labels: z.array(z.string()).describe('Row/column order'),
      matrix: z.array(z.array(z.number())).describe('matrix[actual][predicted] = count'),
    })
    .optional()
    .describe('Classification only'),
  perClass: z
    .record(
      z.string(),
      z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number() }),
    )
    .optional()
    .describe('Classification only: precision, recall, F1 and support per class'),
  baselineMetrics: Metrics.optional().describe('The baseline model metrics on the same rows'),
  delta: Metrics.optional().describe('model minus baseline, per metric present in both'),
  improved: z
    .boolean()
    .describe(
      'True when the primary metric beats the baseline by more than minDelta (true without a baseline)',
    ),
});
export type EvaluateModelOutput = z.infer<typeof EvaluateModelOutput>;

export const evaluateModel = defineTask({
  id: 'evaluate.model',
  description:
    'Measure a trained model on a test dataset (accuracy/F1/AUC/log loss or RMSE/MAE/R², confusion matrix) and compare it with a baseline model.',
  input: EvaluateModelInput,
  output: EvaluateModelOutput,
  async run(input, ctx) {
    const file = resolveDataPath(ctx, input.dataset.path, 'test dataset');
    const taskType = input.model.taskType;
    if (input.baseline && input.baseline.taskType !== taskType) {
      throw userError(
        'EVALUATE_TASK_MISMATCH',
        `The baseline is a ${input.baseline.taskType} model but the model is ${taskType}`,
        undefined,
        'Compare models that predict the same target the same way.',
      );
    }
    const primaryMetric = input.primaryMetric ?? (taskType === 'classification' ? 'accuracy' : 'r2');
    ctx.progress(0, 'scoring the model');
    const main = await score(input.model, file, ctx);
    if (!(primaryMetric in main.metrics)) {
      throw userError(
        'EVALUATE_BAD_METRIC',
        `"${primaryMetric}" is not among the measured metrics`,
        `measured: ${Object.keys(main.metrics).join(', ')}`,
        'Pick one of those as primaryMetric.',
      );
    }
    const primaryValue = main.metrics[primaryMetric] as number;
    const out: EvaluateModelOutput = {
      metrics: main.metrics,
      primaryMetric,
      primaryValue,
      rows: main.rows,
      improved: true,
      ...(main.confusion ? { confusionMatrix: main.confusion, perClass: main.perClass } : {}),
    };
    if (input.baseline) {
      ctx.progress(0.5, 'scoring the baseline');
      const base = await score(input.baseline, file, ctx);
      const delta: Record<string, number> = {};
      for (const [k, v] of Object.entries(main.metrics)) {
        const b = base.metrics[k];
        if (b !== undefined) delta[k] = v - b;
      }
      const d = delta[primaryMetric] ?? 0;
      out.baselineMetrics = base.metrics;
      out.delta = delta;
      out.improved = higherIsBetter(primaryMetric) ? d > input.minDelta : -d > input.minDelta;
      ctx.log.info(
        `${primaryMetric}: model ${primaryValue.toFixed(4)} vs baseline ${(base.metrics[primaryMetric] ?? Number.NaN).toFixed(4)} → ${out.improved ? 'improved' : 'not improved'}`,
      );
    }
    ctx.progress(1, 'done');
    return out;
  },
});

async function score(ref: ModelRef, file: string, ctx: TaskContext) {
  const model = await loadModel(ref.dir, { config: ctx.config });
  try {
    const data = await readScoringRows(file, model.file.features, ref.target);
    const keep = data.targets.flatMap((t, i) => (t === null ? [] : [i]));
    const rows = keep.map((i) => data.rows[i] as Record<string, unknown>);
    if (rows.length === 0) {
      throw userError(
        'EVALUATE_NO_ROWS',
        `The test dataset has no rows with a ${ref.target} value`,
        undefined,
        'Evaluate on labelled rows.',
      );
    }
    const pred: unknown[] = [];
    const proba: number[][] = [];
    const classes = model.file.classes ?? [];
    for (let i = 0; i < rows.length; i += BATCH) {
      ctx.signal.throwIfAborted();
      const batch = rows.slice(i, i + BATCH);
      pred.push(...(await model.predict(batch)));
      if (model.predictProba && ref.taskType === 'classification') {
        for (const p of await model.predictProba(batch)) proba.push(classes.map((c) => p[c] ?? 0));
      }
    }
    if (ref.taskType === 'classification') {
      const yTrue = keep.map((i) => String(data.targets[i]));
      const labels = [...new Set([...classes, ...yTrue])].sort();
      const padded = proba.length
        ? proba.map((p) => labels.map((l) => p[classes.indexOf(l)] ?? 0))
        : undefined;
      const yPred = pred.map(String);
      return {
        rows: rows.length,
        metrics: classificationMetrics(yTrue, yPred, labels, padded),
        confusion: confusionMatrix(yTrue, yPred, labels),
        perClass: precisionRecallF1(yTrue, yPred, labels).perClass,
      };
    }
    const yTrue = keep.map((i) => toNumber(data.targets[i]) ?? Number.NaN);
    return { rows: rows.length, metrics: regressionMetrics(yTrue, pred.map(Number)) };
  } finally {
    await model.close();
  }
}
