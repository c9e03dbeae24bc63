/** What the triage agent reads, decides and proposes: one zod schema each, types via z.infer. */
import { z } from 'zod';

export const Classification = z
  .enum(['data_quality', 'real_shift', 'noise'])
  .describe(
    'data_quality: the pipe broke (nulls, schema, units, renamed categories); real_shift: the world moved; noise: too little data to tell',
  );
export type Classification = z.infer<typeof Classification>;

export const Cause = z
  .enum([
    'schema_change',
    'nulls',
    'unit_change',
    'category_renamed',
    'seasonal_shift',
    'distribution_shift',
    'recent_deployment',
    'small_sample',
  ])
  .describe('The specific cause behind the classification');
export type Cause = z.infer<typeof Cause>;

export const Severity = z.enum(['info', 'warning', 'critical']).describe('How urgent the alert is');
export type Severity = z.infer<typeof Severity>;

export const Action = z
  .enum(['retrain', 'rollback', 'fix_upstream', 'mute'])
  .describe(
    'retrain on fresh data, roll back to the previous model version, fix the upstream data, or mute with a review date',
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

export const ReportFinding = z
  .object({ kind: z.string(), column: z.string(), severity: z.string(), message: z.string() })
  .loose();

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
  reviewAt: z.string().optional().describe('mute: when to look again'),
  rollbackTo: z.number().int().optional().describe('rollback: the version production returns to'),
  plan: z.record(z.string(), z.unknown()).optional().describe('retrain: the drafted plan'),
});
export type Proposal = z.infer<typeof Proposal>;

export const Verdict = z.object({
  classification: Classification,
  cause: Cause,
  severity: Severity,
  /** Columns the verdict is about. */
  columns: z.array(z.string()),
  reasoning: z.array(z.string()).min(1),
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
