/** The alert a drift check raises: what monitor.drift emits, what notify.send and the triage agent read. */
import { z } from 'zod';

export const DriftMethod = z
  .enum(['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare'])
  .describe(
    'Drift test: ks (Kolmogorov–Smirnov p-value), wasserstein (normalised by the reference std), psi, ' +
      'jensenshannon (distance, base 2), chisquare (p-value, categorical only)',
  );
export type DriftMethod = z.infer<typeof DriftMethod>;

export const FindingKind = z
  .enum([
    'missing_in_current',
    'new_in_current',
    'type_changed',
    'null_share_increase',
    'no_values',
    'scale_change',
    'offset_change',
    'stuck_values',
    'category_variant',
    'category_new',
    'category_vanished',
    'category_renamed',
    'duplicate_rows',
  ])
  .describe('What kind of data-quality problem was found');

export const FindingEvidence = z
  .object({
    statistic: z
      .string()
      .describe('What was measured, e.g. "scale factor (median ratio of matched quantiles)"'),
    value: z.number().describe('Its value on this data'),
    threshold: z.number().describe('The threshold it was compared with'),
    test: z.string().describe('The whole rule, in words'),
    pValue: z.number().optional().describe('p-value (or bound) of the test behind it, when there is one'),
    detail: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Supporting numbers (quantiles, values, unit)'),
    examples: z
      .array(z.record(z.string(), z.unknown()))
      .describe('Up to three example rows of the current data'),
  })
  .describe('Why a finding was made: statistic, threshold and example rows');
export type FindingEvidence = z.infer<typeof FindingEvidence>;

export const DriftFinding = z
  .object({
    kind: FindingKind,
    column: z.string().describe('Column the finding is about ("*" for the whole row)'),
    severity: z.enum(['warning', 'critical']).describe('critical when the current data cannot be used as is'),
    message: z.string().describe('One sentence a person can act on'),
    evidence: FindingEvidence.optional(),
  })
  .describe(
    'A data-quality finding beside the distribution tests: schema, types, nulls, units, offsets, stuck values, categories, duplicates',
  );
export type DriftFinding = z.infer<typeof DriftFinding>;

export const DatasetBrief = z
  .object({
    name: z.string().optional().describe('Dataset name, when the DatasetRef had one'),
    hash: z.string().describe('sha256 of the Parquet file'),
    path: z.string().describe('Absolute path of the Parquet file'),
    rows: z.number().int().nonnegative().describe('Row count'),
  })
  .describe('Which dataset a drift check read');

export const DriftAlert = z
  .object({
    kind: z.literal('drift').describe('Always "drift"'),
    severity: z
      .enum(['warning', 'critical'])
      .describe('critical: dataset drift or a schema break; warning: some features drifted or lost values'),
    summary: z.string().describe('One line for a person, e.g. "3 of 5 features drifted (60%): temp_max, …"'),
    features: z
      .array(
        z.object({
          name: z.string().describe('Feature (column) name'),
          method: DriftMethod,
          statistic: z.number().nullable().describe('Value of the test statistic (null when not computable)'),
          threshold: z.number().describe('Threshold the statistic was compared with'),
        }),
      )
      .describe('Features whose distribution drifted'),
    findings: z.array(DriftFinding).describe('Data-quality findings'),
    share: z.number().min(0).max(1).describe('Share of checked features that drifted'),
    reference: DatasetBrief,
    current: DatasetBrief,
    report: z
      .object({
        json: z.string().describe('Path of the JSON report artifact'),
        html: z.string().describe('Path of the HTML report artifact'),
      })
      .describe('Where the full reports are'),
    at: z.string().describe('ISO 8601 time of the check'),
  })
  .describe('Raised by monitor.drift when features drift or the data lost quality');
export type DriftAlert = z.infer<typeof DriftAlert>;
