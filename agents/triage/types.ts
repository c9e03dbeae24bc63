/** What the triage agent reads, decides and proposes: one zod schema each, types via z.infer. */
import { z } from 'zod';

export const Classification = z
  .enum(['data_quality', 'real_shift', 'noise', 'no_drift'])
  .describe(
    'data_quality: the pipe broke (schema, types, nulls, units, offsets, stuck values, categories, duplicates); real_shift: the world moved; noise: too little data to tell; no_drift: nothing drifted beyond chance and nothing broke',
  );
export type Classification = z.infer<typeof Classification>;

export const Cause = z
  .enum([
    'schema_change',
    'type_change',
    'nulls',
    'unit_change',
    'offset_change',
    'stuck_values',
    'category_variant',
    'category_renamed',
    'category_new',
    'category_vanished',
    'duplicate_rows',
    'seasonal_shift',
    'label_shift',
    'quality_drop',
    'covariate_shift',
    'recent_deployment',
    'small_sample',
    'none',
  ])
  .describe('The specific cause behind the classification');
export type Cause = z.infer<typeof Cause>;

export const Severity = z.enum(['info', 'warning', 'critical']).describe('How urgent the alert is');
export type Severity = z.infer<typeof Severity>;

export const Action = z
  .enum(['retrain', 'rollback', 'fix_upstream', 'mute', 'none'])
  .describe(
    'retrain on a window that includes the new data, roll back to the previous model version, fix the upstream data (and hold any retrain), mute with an expiry, or none (nothing drifted)',
  );
export type Action = z.infer<typeof Action>;

const Num = z.number().nullable();
const Summary = z.object({ mean: Num, std: Num, min: Num, max: Num }).partial();

/** One feature of a drift report, as monitor.drift writes it (report JSON or step output). */
export const ReportFeature = z
  .object({
    name: z.string(),
    type: z.enum(['numeric', 'categorical']),
    method: z.string(),
    statistic: Num,
    threshold: z.number(),
    drifted: z.boolean(),
    nulls: z.object({ reference: z.number(), current: z.number() }),
    values: z.object({ reference: z.number(), current: z.number() }),
    summary: z.object({ reference: Summary, current: Summary }).optional(),
    display: z
      .object({
        categories: z.array(z.string()).optional(),
        reference: z.array(z.number()),
        current: z.array(z.number()),
      })
      .optional(),
  })
  .loose();
export type ReportFeature = z.infer<typeof ReportFeature>;

export const FindingEvidence = z
  .object({
    statistic: z.string(),
    value: z.number(),
    threshold: z.number(),
    test: z.string(),
    pValue: z.number().optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
    examples: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .loose();

export const ReportFinding = z
  .object({
    kind: z.string(),
    column: z.string(),
    severity: z.string(),
    message: z.string(),
    evidence: FindingEvidence.optional(),
  })
  .loose();
export type ReportFinding = z.infer<typeof ReportFinding>;

/** monitor.drift's same-months comparison (tools/monitor/drift-season.ts), as read from a report. */
export const Season = z
  .object({
    column: z.string(),
    currentMonths: z.array(z.number()),
    referenceMonths: z.array(z.number()),
    baseline: z
      .object({
        rows: z.number(),
        years: z.array(z.number()),
        lastYear: z.boolean(),
        wholeReference: z.boolean(),
      })
      .nullable(),
    features: z
      .array(
        z
          .object({ name: z.string(), movement: z.number().nullable().optional(), drifted: z.boolean() })
          .loose(),
      )
      .default([]),
    drifted: z.array(z.string()),
  })
  .loose();
export type Season = z.infer<typeof Season>;

const Side = z
  .object({ name: z.string().optional(), rows: z.number(), hash: z.string(), path: z.string().optional() })
  .loose();

/** The drift report: the JSON artifact of monitor.drift, or its step output. */
export const DriftReport = z
  .object({
    title: z.string().optional(),
    at: z.string().optional(),
    reference: Side,
    current: Side,
    drifted: z.boolean(),
    share: z.number(),
    features: z.array(ReportFeature),
    findings: z.array(ReportFinding).default([]),
    season: Season.nullable().optional(),
  })
  .loose();
export type DriftReport = z.infer<typeof DriftReport>;

export const FeatureEvidence = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'categorical']),
  drifted: z.boolean(),
  method: z.string(),
  statistic: Num,
  threshold: z.number(),
  nulls: z.object({ reference: z.number(), current: z.number() }),
  /** Numeric: "mean 11.2 → 24.9 (×2.22), std 7.1 → 4.0" */
  change: z.string(),
  /** How far the distribution moved: KS distance (numeric) or total variation of shares (categorical), 0–1. */
  movement: z.number().nullable(),
  summary: z.object({ reference: Summary, current: Summary }).optional(),
  /** Categorical: shares per category on each side. */
  categories: z
    .object({ reference: z.record(z.string(), z.number()), current: z.record(z.string(), z.number()) })
    .optional(),
});
export type FeatureEvidence = z.infer<typeof FeatureEvidence>;

export const ModelEvidence = z.object({
  name: z.string(),
  version: z.number().optional(),
  trainedAt: z.string().optional(),
  trainingRunId: z.string().optional(),
  trainingData: z.string().optional().describe('Label of the training dataset version'),
  trainingDataHash: z.string().optional(),
  approvedBy: z.array(z.string()),
  deployedAt: z.string().optional(),
  deployedBy: z.string().optional(),
  previousVersions: z.array(
    z.object({ version: z.number(), createdAt: z.string(), datasetHash: z.string().optional() }),
  ),
});
export type ModelEvidence = z.infer<typeof ModelEvidence>;

/** What the deployed model says about the alert (tools/triage/model-check.ts, handed in by the caller). */
export const ModelCheck = z.object({
  model: z.string().optional(),
  target: z.string().describe('The column the model predicts'),
  task: z.enum(['classification', 'regression']),
  importance: z
    .record(z.string(), z.number())
    .describe('Permutation importance per input, shares summing to 1'),
  labelled: z.boolean().describe('The current data carries the target: labels have arrived'),
  quality: z
    .object({
      metric: z.string(),
      higherIsBetter: z.boolean(),
      baseline: z.number().describe('Holdout value the model was accepted with'),
      current: z.number().describe('Value on the labelled current rows'),
      rows: z.number(),
      dropped: z.boolean(),
      pValue: z.number(),
      test: z.string(),
    })
    .optional(),
  labelShift: z
    .object({
      statistic: z.string(),
      value: z.number(),
      pValue: z.number(),
      drifted: z.boolean(),
      test: z.string(),
    })
    .optional(),
  notes: z.array(z.string()),
});
export type ModelCheck = z.infer<typeof ModelCheck>;

export const Evidence = z.object({
  alert: z.object({
    ref: z.string().describe('Where the alert came from: <run>/<step> or report-<hash>'),
    key: z.string().describe('One triage per model and current data window'),
    summary: z.string(),
    severity: z.string(),
    drifted: z.boolean(),
    share: z.number(),
    at: z.string(),
    reportJson: z.string().optional(),
  }),
  reference: z.object({ name: z.string().optional(), rows: z.number(), hash: z.string() }),
  current: z.object({ name: z.string().optional(), rows: z.number(), hash: z.string() }),
  features: z.array(FeatureEvidence),
  findings: z.array(ReportFinding),
  season: Season.nullable()
    .optional()
    .describe('The current window against the same months of the reference'),
  modelCheck: ModelCheck.optional().describe('Importance, label shift and quality of the deployed model'),
  window: z.object({
    rows: z.number(),
    nullRates: z.record(z.string(), z.number()),
    months: z
      .array(z.number())
      .optional()
      .describe('Months (1–12) the current window covers, when it has dates'),
    referenceMonths: z.array(z.number()).optional(),
  }),
  model: ModelEvidence.optional(),
  modelMissing: z.string().optional().describe('The alert names a model the registry no longer has'),
  upstream: z.array(
    z.object({ dataset: z.string(), createdAt: z.string(), rows: z.number().optional(), change: z.string() }),
  ),
  similar: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      classification: z.string(),
      action: z.string(),
      status: z.string(),
      summary: z.string(),
    }),
  ),
});
export type Evidence = z.infer<typeof Evidence>;

export const Proposal = z.object({
  action: Action,
  reasons: z.array(z.string()).min(1),
  expiresAt: z.string().optional().describe('mute: the date the mute ends and the alert is looked at again'),
  holdRetrain: z
    .boolean()
    .optional()
    .describe('fix_upstream: scheduled retrains wait until the feed is fixed'),
  window: z
    .object({ description: z.string(), reference: z.string(), current: z.string() })
    .optional()
    .describe('retrain: the data window, which includes the new data'),
  rollbackTo: z.number().int().optional().describe('rollback: the version production returns to'),
  plan: z.record(z.string(), z.unknown()).optional().describe('retrain: the drafted plan'),
});
export type Proposal = z.infer<typeof Proposal>;

/** One piece of evidence behind a verdict: a data-quality finding or a real-shift analysis. */
export const VerdictEvidence = z.object({
  kind: z.string().describe('Finding kind or analysis (season, label_shift, quality, importance)'),
  column: z.string().optional(),
  statistic: z.string(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  test: z.string(),
  examples: z.array(z.record(z.string(), z.unknown())).default([]),
});
export type VerdictEvidence = z.infer<typeof VerdictEvidence>;

export const Verdict = z.object({
  classification: Classification,
  cause: Cause,
  severity: Severity,
  /** Columns the verdict is about. */
  columns: z.array(z.string()),
  reasoning: z.array(z.string()).min(1),
  evidence: z.array(VerdictEvidence).default([]),
});
export type Verdict = z.infer<typeof Verdict>;

export const Triage = z.object({
  id: z.string(),
  at: z.string(),
  model: z.string().optional(),
  evidence: Evidence,
  verdict: Verdict,
  proposal: Proposal,
  explanation: z.string(),
  source: z.enum(['rules', 'llm']).describe('Who wrote the explanation (and refined the proposal)'),
  prompt: z.object({ id: z.string(), version: z.string() }).optional(),
  notes: z.array(z.string()),
});
export type Triage = z.infer<typeof Triage>;
