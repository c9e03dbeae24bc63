/**
 * evaluate.model: scores a ModelRef on a test dataset, and optionally a baseline on the same rows in the same
 * step: champion/challenger. The baseline is a ModelRef or a registry reference ("churn" = what production
 * serves now, "churn@staging", "churn:3") resolved when the step runs, so the comparison is always against
 * the live production model on the challenger's held-out data. Outputs both metric sets, per-metric deltas
 * with their direction, and a flat `better` flag plan conditions read (steps.evaluate.outputs.better == true,
 * steps.evaluate.outputs.metrics.accuracy >= 0.9).
 */
import { z } from 'zod';
import { isPipewrightError, userError } from '../../src/errors.ts';
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
import { ModelInput, type RegistryIdentity, resolveModel } from '../lib/model-reference.ts';
import { DatasetRef, ModelRef } from '../lib/refs.ts';
import { readScoringRows } from '../lib/scoring-data.ts';
import { resolveDataPath } from '../train/data.ts';

const Metrics = z.record(z.string(), z.number());
const BATCH = 5000;

export const EvaluateModelInput = z.object({
  model: ModelRef.describe('The model to evaluate (the challenger)'),
  dataset: DatasetRef.describe('Test rows with the target column'),
  baseline: ModelInput.optional().describe(
    'The champion scored on the same rows: a ModelRef, or a registered model by reference, e.g. "churn" (what production serves), "churn@staging", "churn:3"',
  ),
  requireBaseline: z
    .boolean()
    .default(false)
    .describe(
      'Fail when the baseline reference names no model or alias yet (default: the challenger wins when there is nothing to compare with, e.g. a first deploy)',
    ),
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
  higherIsBetter: z
    .record(z.string(), z.boolean())
    .describe(
      'Direction of each measured metric: true when a higher value is better (log_loss, rmse: false)',
    ),
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
  better: z
    .boolean()
    .describe(
      'Same as improved: the challenger beats the baseline (gate with steps.<id>.outputs.better == true)',
    ),
  production: z
    .object({
      name: z.string().describe('Registered model name'),
      version: z.number().int().describe('The registered version scored as the baseline'),
      alias: z.string().optional().describe('The alias the reference named, e.g. production'),
    })
    .nullable()
    .describe('The registered baseline that was compared (null: none, or a ModelRef baseline)'),
  comparison: z
    .array(
      z.object({
        metric: z.string().describe('Metric name'),
        challenger: z.number().describe('The evaluated model value'),
        production: z.number().describe('The baseline value on the same rows'),
        delta: z.number().describe('challenger minus production'),
        higherIsBetter: z.boolean().describe('Direction of the metric'),
        better: z.boolean().describe('Whether the challenger value is the better one'),
      }),
    )
    .describe('Per metric, challenger next to baseline (empty without a baseline)'),
});
export type EvaluateModelOutput = z.infer<typeof EvaluateModelOutput>;

export const evaluateModel = defineTask({
  id: 'evaluate.model',
  description:
    'Measure a trained model on a test dataset (accuracy/F1/AUC/log loss or RMSE/MAE/R², confusion matrix) and compare it with a baseline model.',
  input: EvaluateModelInput,
  output: EvaluateModelOutput,
  version: 2,
  async run(input, ctx) {
    const file = resolveDataPath(ctx, input.dataset.path, 'test dataset');
    const taskType = input.model.taskType;
    const baseline = resolveBaseline(input, ctx);
    if (baseline && baseline.ref.taskType !== taskType) {
      throw userError(
        'EVALUATE_TASK_MISMATCH',
        `The baseline is a ${baseline.ref.taskType} model but the model is ${taskType}`,
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
      higherIsBetter: Object.fromEntries(Object.keys(main.metrics).map((k) => [k, higherIsBetter(k)])),
      primaryValue,
      rows: main.rows,
      improved: true,
      better: true,
      production: null,
      comparison: [],
      ...(main.confusion ? { confusionMatrix: main.confusion, perClass: main.perClass } : {}),
    };
    if (baseline) {
      if (baseline.ref.target !== input.model.target) {
        throw userError(
          'EVALUATE_TARGET_MISMATCH',
          `The baseline predicts "${baseline.ref.target}" but the model predicts "${input.model.target}"`,
          'a comparison needs both models scored against the same column',
          'Compare with a version of the same model, or drop the baseline.',
        );
      }
      ctx.progress(0.5, 'scoring the baseline');
      const base = await score(baseline.ref, file, ctx);
      const delta: Record<string, number> = {};
      for (const [k, v] of Object.entries(main.metrics)) {
        const b = base.metrics[k];
        if (b !== undefined) delta[k] = v - b;
      }
      const d = delta[primaryMetric] ?? 0;
      out.baselineMetrics = base.metrics;
      out.delta = delta;
      out.improved = higherIsBetter(primaryMetric) ? d > input.minDelta : -d > input.minDelta;
      out.better = out.improved;
      out.production = baseline.registered
        ? {
            name: baseline.registered.name,
            version: baseline.registered.version,
            ...(baseline.registered.alias ? { alias: baseline.registered.alias } : {}),
          }
        : null;
      out.comparison = Object.entries(delta).map(([metric, dm]) => ({
        metric,
        challenger: main.metrics[metric] as number,
        production: base.metrics[metric] as number,
        delta: dm,
        higherIsBetter: higherIsBetter(metric),
        better: higherIsBetter(metric) ? dm > 0 : dm < 0,
      }));
      ctx.log.info(
        `${primaryMetric}: model ${primaryValue.toFixed(4)} vs baseline ${(base.metrics[primaryMetric] ?? Number.NaN).toFixed(4)} → ${out.improved ? 'improved' : 'not improved'}`,
      );
    }
    ctx.progress(1, 'done');
    return out;
  },
});

/** The baseline to compare with; undefined when there is none (or a reference with nothing registered yet). */
function resolveBaseline(
  input: z.output<typeof EvaluateModelInput>,
  ctx: TaskContext,
): { ref: ModelRef; registered?: RegistryIdentity } | undefined {
  if (input.baseline === undefined) return undefined;
  try {
    return resolveModel(input.baseline, ctx.config, 'baseline');
  } catch (e) {
    const nothingYet =
      isPipewrightError(e) && (e.code === 'MODEL_NOT_REGISTERED' || e.code === 'MODEL_ALIAS_NOT_FOUND');
    if (!nothingYet || input.requireBaseline) throw e;
    ctx.log.warn(
      `no baseline to compare with: ${e.what}; the model is evaluated alone and counts as better (set requireBaseline to fail instead)`,
    );
    return undefined;
  }
}

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
