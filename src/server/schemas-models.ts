/** Request and answer schemas of model serving: predict, listing, a model's description, rollback. */
import { z } from 'zod';
import { named } from './schema-names.ts';

const Features = z.record(z.string(), z.unknown()).describe('Feature values of one row, by column name');

export const PredictBody = named(
  'PredictBody',
  z.union([
    z
      .object({ instances: z.array(Features).min(1).describe('Rows to score') })
      .strict()
      .describe('A batch of rows'),
    z
      .object({ instance: Features.describe('The row to score') })
      .strict()
      .describe('One row'),
  ]),
);
export type PredictBody = z.infer<typeof PredictBody>;

export const PredictQuery = named(
  'PredictQuery',
  z
    .object({
      version: z
        .string()
        .optional()
        .describe('Pin a version number or alias (or send x-model-version); default: the deployment'),
    })
    .strict(),
);

export const PredictResult = named(
  'PredictResult',
  z.object({
    model: z.string(),
    version: z.number().int().describe('The version that answered (stable, canary or pinned)'),
    predictions: z.array(z.unknown()).describe('One per row, in order'),
    probabilities: z
      .array(z.record(z.string(), z.number()))
      .optional()
      .describe('Class probabilities per row, for classifiers'),
  }),
);

export const RollbackBody = named(
  'RollbackBody',
  z
    .object({
      alias: z.string().min(1).optional().describe('Alias to roll back (default: the active deployment’s)'),
      reason: z.string().max(2000).optional().describe('Why; kept in the alias history and audit log'),
    })
    .strict()
    .optional(),
);

export const RollbackResult = named(
  'RollbackResult',
  z.object({
    model: z.string(),
    alias: z.string(),
    version: z.number().int().describe('The version served now'),
    deploymentId: z.string().describe('The rollback deployment'),
  }),
);

export const ModelList = named(
  'ModelList',
  z.object({
    models: z.array(
      z.object({
        name: z.string(),
        createdAt: z.string(),
        createdBy: z.string(),
        latestVersion: z.number().int(),
      }),
    ),
  }),
);

const Canary = z
  .object({ version: z.number().int(), share: z.number().describe('Share of requests it answers') })
  .describe('A canary version');

export const DeploymentView = named(
  'Deployment',
  z.object({
    id: z.string(),
    model: z.string(),
    alias: z.string(),
    version: z.number().int(),
    canary: Canary.optional(),
    status: z.enum(['active', 'superseded', 'rolled_back']),
    kind: z.enum(['deploy', 'rollback']),
    createdBy: z.string(),
    createdAt: z.string(),
    endedAt: z.string().optional(),
    reason: z.string().optional(),
    runId: z.string().optional(),
    stepId: z.string().optional(),
  }),
);

export const ModelDetail = named(
  'ModelDetail',
  z.object({
    name: z.string(),
    aliases: z.record(z.string(), z.number().int()).describe('Alias → version'),
    versions: z
      .array(
        z.object({
          version: z.number().int(),
          hash: z.string(),
          metrics: z.record(z.string(), z.number()),
          aliases: z.array(z.string()),
          createdAt: z.string(),
          createdBy: z.string(),
          runId: z.string().optional(),
          stepId: z.string().optional(),
          datasetVersion: z.string().optional(),
        }),
      )
      .describe('Newest first'),
    deployment: DeploymentView.nullable().describe('The active deployment'),
    serving: z
      .object({
        alias: z.string(),
        version: z.number().int().nullable(),
        canary: Canary.nullable(),
        endpoint: z.string(),
      })
      .describe('What predict answers with now'),
  }),
);
