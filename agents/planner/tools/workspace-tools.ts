/**
 * Look-ups of what exists, as tools for a drafting model — the same ones the offline planner's resolver
 * uses (src/lineage/resolve.ts through lookups.ts): registered models with versions, aliases, training data
 * and whether they can roll back; past runs by status, day and words; the versions of a dataset. Results are
 * summaries (no file contents, no secrets); every call opens and closes its own read of the store.
 */
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import type { ModelFacts, RunFacts } from '../../../src/lineage/resolve.ts';
import type { OpenLookups } from '../lookups.ts';
import { bindRun, dayRange, type Lookups } from '../resolve.ts';

export const FIND_MODELS = 'find_models';
export const FIND_RUNS = 'find_runs';
export const DATASET_VERSIONS = 'dataset_versions';

export const FindModelsArgs = z.object({
  name: z.string().optional().describe('Only models whose name, target or training data contains this word'),
});
export const FindRunsArgs = z.object({
  status: z
    .enum(['succeeded', 'failed', 'waiting', 'running', 'cancelled'])
    .optional()
    .describe('Only runs that ended so'),
  day: z
    .enum([
      'today',
      'yesterday',
      'sunday',
      'monday',
      'tuesday',
      'wednesday',
      'thursday',
      'friday',
      'saturday',
      'last-week',
    ])
    .optional()
    .describe(
      'Only runs started that day (a weekday: the last one before today; last-week: the calendar week before)',
    ),
  words: z.array(z.string()).optional().describe('Words of the plan name, data or target, e.g. ["weather"]'),
  id: z.string().optional().describe('A run id or its prefix'),
  limit: z.number().int().min(1).max(20).default(8).describe('At most this many, newest first'),
});
export const DatasetVersionsArgs = z.object({
  name: z.string().min(1).describe('Dataset name as versioned by dataset.version, e.g. "seattle-weather"'),
});

/** A model as a drafting model needs it: what to reference, what it predicts, what it can do. */
export function modelForTool(m: ModelFacts) {
  return {
    name: m.name,
    aliases: m.aliases,
    rollbackTarget: m.rollbackTarget ?? null,
    /** When production went to each version: "the one that went live three days ago". */
    productionMoves: m.productionMoves.slice(-5),
    activeCanary: m.activeDeployment?.canary ?? null,
    served: m.served,
    versions: m.versions.slice(0, 5).map((v) => ({
      version: v.version,
      aliases: v.aliases,
      createdAt: v.createdAt,
      runId: v.runId,
      algorithm: v.algorithm,
      target: v.target,
      features: v.features,
      metrics: v.metrics,
      filesExist: v.filesExist,
      trainingData: v.trainingData
        ? { name: v.trainingData.name, version: v.trainingData.version, exists: v.trainingData.exists }
        : null,
      trainedFrom: v.sources,
    })),
  };
}

export function runForTool(r: RunFacts) {
  return {
    id: r.id,
    plan: r.planName,
    status: r.status,
    createdAt: r.createdAt,
    trigger: r.trigger,
    ...(r.error ? { error: r.error.slice(0, 300) } : {}),
    targets: r.targets,
    sources: r.sources,
    datasets: r.datasets,
    registered: r.registered,
    deployed: r.deployed,
  };
}

function withLookups<T>(open: () => OpenLookups, fn: (look: Lookups) => T): T {
  const { look, close } = open();
  try {
    return fn(look);
  } finally {
    close();
  }
}

export function findModelsTool(open: () => OpenLookups) {
  return tool(
    async ({ name }) =>
      withLookups(open, (look) => {
        const w = name?.toLowerCase();
        const models = look
          .models()
          .filter(
            (m) =>
              !w ||
              m.name.toLowerCase().includes(w) ||
              m.versions.some(
                (v) => v.target?.toLowerCase().includes(w) || v.trainingData?.name?.toLowerCase().includes(w),
              ),
          );
        return JSON.stringify({ models: models.map(modelForTool) });
      }),
    {
      name: FIND_MODELS,
      description:
        'The registered models of the workspace: versions, aliases (production, staging, …), targets, features, metrics, training data (and whether it still exists), the version production can roll back to, when production moved to each version, whether requests were served. Reference them in plans as "name@alias", "name:3" or "name" (= production).',
      schema: FindModelsArgs,
    },
  );
}

export function findRunsTool(open: () => OpenLookups) {
  return tool(
    async (args) =>
      withLookups(open, (look) => {
        if (args.id) {
          const b = bindRun({ text: args.id, id: args.id, words: [], training: false, latest: true }, look);
          return JSON.stringify(
            b.ok ? { runs: [runForTool(b.value)], plan: look.runPlan(b.value.id) } : { error: b.question },
          );
        }
        let runs = look.runs();
        if (args.status) runs = runs.filter((r) => r.status === args.status);
        if (args.day) {
          const [from, to] = dayRange(args.day, look.now());
          runs = runs.filter((r) => {
            const t = new Date(r.createdAt).getTime();
            return t >= from.getTime() && t < to.getTime();
          });
        }
        if (args.words?.length) {
          const ws = args.words.map((w) => w.toLowerCase());
          runs = runs.filter((r) => {
            const text = [
              r.planName,
              r.goal ?? '',
              ...r.targets,
              ...r.sources,
              ...r.datasets.map((d) => d.name),
            ]
              .join(' ')
              .toLowerCase();
            return ws.every((w) => text.includes(w));
          });
        }
        return JSON.stringify({
          now: look.now().toISOString(),
          runs: runs.slice(0, args.limit).map(runForTool),
        });
      }),
    {
      name: FIND_RUNS,
      description:
        'Past runs, newest first, filtered by status, day ("yesterday", "tuesday" = the last Tuesday), words of the plan/data/target, or an id; with an id also the plan it ran (to rerun it with the same steps and parameters).',
      schema: FindRunsArgs,
    },
  );
}

export function datasetVersionsTool(open: () => OpenLookups) {
  return tool(
    async ({ name }) =>
      withLookups(open, (look) =>
        JSON.stringify({
          versions: look.datasetVersions(name).map((d) => ({
            version: d.version,
            rows: d.rows,
            createdAt: d.createdAt,
            runId: d.runId,
            source: d.source,
            exists: d.exists,
          })),
        }),
      ),
    {
      name: DATASET_VERSIONS,
      description:
        'The versions of a named dataset (dataset.version), oldest first, with the run and the source file that made each: the last one is the newest data.',
      schema: DatasetVersionsArgs,
    },
  );
}

export function workspaceTools(open: () => OpenLookups) {
  return [findModelsTool(open), findRunsTool(open), datasetVersionsTool(open)];
}
