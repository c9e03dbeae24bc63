/** Request and answer schemas of the lineage, production, memory and ask routes. */
import { z } from 'zod';
import { EDGE_TYPES, ENTITY_KINDS } from '../store/index.ts';
import { named } from './schema-names.ts';

export const LineageQuery = named(
  'LineageQuery',
  z
    .object({
      direction: z
        .enum(['up', 'down'])
        .default('up')
        .describe('up: what the entity came from; down: what came from it'),
      depth: z.coerce.number().int().min(1).max(64).default(64).describe('How many hops to walk'),
    })
    .strict(),
);

export const MemorySearchQuery = named(
  'MemorySearchQuery',
  z
    .object({
      q: z.string().trim().min(1).max(2000).describe('What to look for, in plain words'),
      status: z.string().min(1).optional().describe('Only documents of runs with this status, e.g. failed'),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(100)
        .default(10)
        .describe('At most this many hits, best first'),
    })
    .strict(),
);

export const AskBody = named(
  'AskBody',
  z
    .object({
      question: z.string().trim().min(1).max(4000).describe('A question about runs, lineage or production'),
    })
    .strict(),
);

const Attrs = z.record(z.string(), z.unknown()).describe('What the lineage recorded about it');

export const LineageEntityView = named(
  'LineageEntity',
  z
    .object({
      id: z.string().describe('run:<id>, step:<run>/<step>, dataset:<hash>, model:<name>@<version>, …'),
      kind: z.enum(ENTITY_KINDS),
      label: z.string(),
      attrs: Attrs,
      runId: z.string().optional(),
      createdAt: z.string(),
      updatedAt: z.string(),
    })
    .describe('An entity of the lineage graph'),
);

export const LineageEdgeView = named(
  'LineageEdge',
  z
    .object({
      src: z.string(),
      type: z.enum(EDGE_TYPES),
      dst: z.string(),
      attrs: Attrs,
      runId: z.string().optional(),
      createdAt: z.string(),
    })
    .describe('An edge of the lineage graph (src → dst)'),
);

export const LineageWalkView = named(
  'LineageWalk',
  z
    .object({
      root: LineageEntityView.describe('The entity the walk started from'),
      direction: z.enum(['up', 'down']),
      depth: z.number().int(),
      nodes: z
        .array(
          z.object({ ...LineageEntityView.shape, depth: z.number().int().describe('Hops from the root') }),
        )
        .describe('Every entity reached, each with its distance from the root'),
      edges: z.array(LineageEdgeView).describe('Edges between reached entities'),
      tree: z.string().describe('The walk as an indented text tree'),
    })
    .describe('A lineage walk'),
);

export const ProductionView = named(
  'Production',
  z.object({
    production: z
      .array(
        z.object({
          model: z.string(),
          alias: z.string(),
          version: z.number().int(),
          deploymentId: z.string().optional(),
          deployedAt: z.string().optional(),
          deployedBy: z.string().optional(),
          modelVersion: LineageEntityView.optional().describe('The model version entity'),
          trainingData: z.array(LineageEntityView).describe('Datasets the model was trained on'),
          derivedFrom: z.array(LineageEntityView).describe('Datasets those came from, nearest first'),
          runs: z.array(z.string()).describe('Runs that trained, registered or deployed it'),
          approvals: z.array(
            z.object({
              id: z.string(),
              runId: z.string().optional(),
              step: z.string().optional(),
              approved: z.boolean(),
              by: z.string().optional(),
              at: z.string().optional(),
              comment: z.string().optional(),
            }),
          ),
        }),
      )
      .describe('Every model with a production alias, and how it got there'),
  }),
);

export const MemoryHitView = named(
  'MemoryHit',
  z
    .object({
      id: z.string(),
      run_id: z.string(),
      kind: z.string().describe('run, steps, error, metrics, data, decision'),
      step: z.string(),
      text: z.string(),
      pipeline: z.string(),
      status: z.string(),
      time: z.string(),
      model: z.string(),
      dataset: z.string(),
      code: z.string().describe('Error code, for error documents'),
      score: z.number(),
      vector: z.array(z.number()).optional(),
    })
    .describe('A run-memory document with its score'),
);

export const MemorySearchResult = named(
  'MemorySearchResult',
  z.object({
    query: z.string(),
    hits: z.array(MemoryHitView).describe('Best first; empty when there is no memory yet'),
  }),
);

export const AskResult = named(
  'AskResult',
  z.object({
    question: z.string(),
    source: z.enum(['lineage', 'memory']).describe('Where the answer came from'),
    answer: z.string().describe('The answer, in plain words'),
    citations: z
      .object({
        runs: z.array(z.string()),
        models: z.array(z.string()),
        datasets: z.array(z.string()),
        deployments: z.array(z.string()),
        approvals: z.array(z.string()),
      })
      .describe('Ids the answer rests on'),
    evidence: z.array(z.unknown()).describe('The ranked evidence behind the answer'),
    writtenBy: z.enum(['model', 'template']).describe('The configured chat model, or the template'),
    prompt: z.string().optional().describe('The prompt of a model-written answer, as id@version'),
    note: z.string().optional().describe('Why the template answered although a model is configured'),
    unverifiedIds: z
      .array(z.string())
      .optional()
      .describe('Ids the model cited that are not in the evidence (removed from the answer)'),
  }),
);
