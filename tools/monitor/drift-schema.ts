/** monitor.drift's inputs and outputs (zod): thresholds, per-feature overrides, the per-feature results and the report. */
import { z } from 'zod';
import { DatasetRef } from '../lib/refs.ts';
import { DatasetBrief, DriftAlert, DriftFinding as DriftFindingSchema, DriftMethod } from './drift-alert.ts';
import { SeasonalBaseline } from './drift-season.ts';

export const FeatureType = z.enum(['numeric', 'categorical']).describe('How a column is compared');
export type FeatureType = z.infer<typeof FeatureType>;

export const Thresholds = z
  .object({
    smallSampleRows: z
      .number()
      .int()
      .nonnegative()
      .default(1000)
      .describe('Reference row count up to which the default tests are p-value tests (ks, chisquare)'),
    pValue: z.number().gt(0).lt(1).default(0.05).describe('ks / chisquare: drift when p-value < this'),
    wasserstein: z
      .number()
      .positive()
      .default(0.1)
      .describe('wasserstein: drift when Wasserstein-1 / reference std ≥ this'),
    jensenShannon: z.number().positive().default(0.1).describe('jensenshannon: drift when distance ≥ this'),
    psi: z.number().positive().default(0.1).describe('psi: drift when PSI ≥ this'),
    datasetShare: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('Dataset drift when at least this share of checked features drifted'),
    nullShareIncrease: z
      .number()
      .positive()
      .max(1)
      .default(0.05)
      .describe('Data-quality finding when a column’s missing share grows by at least this much'),
  })
  .describe('Drift thresholds; defaults follow Evidently');

const FeatureOverride = z
  .object({
    method: DriftMethod.optional().describe('Test to decide drift for this feature'),
    threshold: z.number().positive().optional().describe('Threshold for that test'),
    type: FeatureType.optional().describe('Compare as numeric or categorical regardless of the column type'),
  })
  .describe('Per-feature settings');

export const Input = z.object({
  reference: DatasetRef.describe('Reference data: what the model was trained on'),
  current: DatasetRef.describe('Current data: logged traffic or a new batch, same columns'),
  columns: z
    .array(z.string())
    .optional()
    .describe('Columns to check (default: every reference column except dates and times)'),
  thresholds: Thresholds.prefault({}),
  features: z
    .record(z.string(), FeatureOverride)
    .default({})
    .describe('Per-feature overrides by column name, e.g. { "age": { "method": "psi", "threshold": 0.2 } }'),
  exactMaxRows: z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe('Numeric statistics are exact when both sides have at most this many rows, else binned'),
  bins: z
    .number()
    .int()
    .min(10)
    .max(10_000)
    .default(1000)
    .describe('Reference-quantile bins for binned statistics (KS error ≈ 1/bins)'),
  parallel: z
    .enum(['auto', 'always', 'never'])
    .default('auto')
    .describe('Compare numeric columns on worker threads: auto above 16 MB of Parquet, always, or never'),
  seed: z.number().int().default(42).describe('Seed for the samples behind bin edges and plots'),
  title: z.string().optional().describe('Report title (default "Drift report: <reference> → <current>")'),
});

const Num = z.number().nullable();

const NumericSummary = z
  .object({
    mean: Num.describe('Mean'),
    std: Num.describe('Population standard deviation'),
    min: Num.describe('Minimum'),
    max: Num.describe('Maximum'),
  })
  .describe('Summary of the non-missing values');

const Fit = {
  ks: z.number().describe('KS distance left once undone'),
  pValue: z.number().describe('Its p-value'),
};
const NumericShapeSchema = z.object({
  probs: z.array(z.number()).describe('Quantile probabilities'),
  quantiles: z
    .object({
      reference: z.array(z.number()).describe('Reference quantiles at probs'),
      current: z.array(z.number()).describe('Current quantiles at probs'),
    })
    .describe('Matched quantiles of each side'),
  mode: z
    .object({
      value: z.number().describe('Most common current value'),
      share: z.number().describe('Its share of the current values'),
      secondShare: z.number().describe('Share of the second most common current value'),
      referenceShare: z.number().describe('Its share of the reference values'),
      referenceTopShare: z.number().describe('Share of the reference’s own most common value'),
    })
    .describe('The most common current value'),
  referenceDistinct: z.number().describe('Distinct reference values (counted up to 1000)'),
  scale: z
    .object({ factor: z.number(), ...Fit })
    .nullable()
    .describe('current ≈ factor × reference'),
  offset: z
    .object({ delta: z.number(), ...Fit })
    .nullable()
    .describe('current ≈ reference + delta'),
  affine: z
    .object({ a: z.number(), b: z.number(), ...Fit })
    .nullable()
    .describe('current ≈ a × reference + b'),
  sampled: z.boolean().describe('Computed on seeded samples (binned mode)'),
});

export const FeatureResult = z
  .object({
    name: z.string().describe('Column name'),
    type: FeatureType,
    method: DriftMethod,
    statistic: Num.describe('Value of the deciding test statistic (null when the column has no values)'),
    pValue: Num.optional().describe('p-value, for ks and chisquare'),
    threshold: z.number().describe('Threshold the statistic was compared with'),
    drifted: z.boolean().describe('Whether this feature drifted'),
    computation: z.enum(['exact', 'binned']).describe('Whether numeric statistics were exact or binned'),
    stats: z
      .object({
        ks: Num.optional().describe('KS statistic D'),
        ksPValue: Num.optional().describe('KS asymptotic p-value'),
        wasserstein: Num.optional().describe('Wasserstein-1 distance in column units'),
        wassersteinNormalized: Num.optional().describe('Wasserstein-1 / reference std'),
        chiSquare: Num.optional().describe('Chi-square statistic (test of homogeneity)'),
        chiSquarePValue: Num.optional().describe('Chi-square p-value'),
        chiSquareDf: Num.optional().describe('Chi-square degrees of freedom'),
        psi: Num.describe('Population stability index (reference deciles or categories)'),
        jensenShannon: Num.describe('Jensen–Shannon distance, base 2 (reference deciles or categories)'),
        totalVariation: Num.optional().describe('Total variation distance of category shares (0–1)'),
      })
      .describe('Every statistic computed for this feature'),
    chance: z
      .object({
        pValue: Num.describe('KS (numeric) or chi-square (categorical) p-value'),
        threshold: z.number().describe('pValue threshold ÷ features checked (Bonferroni)'),
        passed: z.boolean().describe('Whether the difference is beyond chance over all the features checked'),
      })
      .describe('The guard that keeps one of many features from drifting by chance'),
    nulls: z
      .object({
        reference: z.number().describe('Share of missing values in the reference'),
        current: z.number().describe('Share of missing values in the current data'),
      })
      .describe('Missing-value shares'),
    values: z
      .object({
        reference: z.number().int().describe('Non-missing values in the reference'),
        current: z.number().int().describe('Non-missing values in the current data'),
      })
      .describe('How many values were compared'),
    summary: z
      .object({
        reference: NumericSummary,
        current: NumericSummary,
      })
      .optional()
      .describe('Numeric summaries'),
    shape: NumericShapeSchema.optional().describe(
      'Numeric: matched quantiles, the most common value and fitted unit transforms (data-quality detectors)',
    ),
  })
  .describe('Drift result for one feature');
export type FeatureResult = z.infer<typeof FeatureResult>;

export const Output = z.object({
  drifted: z.boolean().describe('Dataset drift: share of drifted features ≥ thresholds.datasetShare'),
  share: z.number().min(0).max(1).describe('Share of checked features that drifted'),
  driftedFeatures: z.array(z.string()).describe('Names of drifted features'),
  features: z.array(FeatureResult).describe('Per-feature results, in column order'),
  findings: z
    .array(DriftFindingSchema)
    .describe(
      'Data-quality findings with their evidence: schema, types, null surges, units, offsets, stuck values, categories, duplicates',
    ),
  season: SeasonalBaseline.nullable().describe(
    'The current window against the same months of the reference (null without a shared time column)',
  ),
  reference: DatasetBrief,
  current: DatasetBrief,
  reportJson: z
    .string()
    .describe(
      'Path of the JSON report (results plus plotted histograms): <state>/artifacts/reports/drift-<hash>.json',
    ),
  reportHtml: z
    .string()
    .describe('Path of the self-contained HTML report: <state>/artifacts/reports/drift-<hash>.html'),
  alert: DriftAlert.nullable().describe('Alert to pass to notify.send, or null when nothing drifted'),
});
export type DriftOutput = z.infer<typeof Output>;

export type ThresholdsT = z.output<typeof Thresholds>;
