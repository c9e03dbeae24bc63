/**
 * The planner's tools, offered to a chat model before it drafts (bindTools): describe_dataset reads the real
 * columns of a workspace data file, task_catalog gives the full input and output schemas of tasks, and the
 * workspace look-ups (workspace-tools.ts) say which models, runs and dataset versions exist. The model
 * sees JSON Schemas and data descriptions, never task implementations; paths stay inside the workspace and
 * secrets are never read (see describe-dataset.ts).
 */
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { userError } from '../../../src/errors.ts';
import type { CatalogEntry } from '../../../src/tasks/index.ts';
import type { DescribeDataset } from '../describe-dataset.ts';
import type { OpenLookups } from '../lookups.ts';
import { workspaceTools } from './workspace-tools.ts';

export const DESCRIBE_DATASET = 'describe_dataset';
export const TASK_CATALOG = 'task_catalog';

export interface PlannerToolDeps {
  describe: DescribeDataset;
  registry: { catalog(): CatalogEntry[] };
  /** What exists in the workspace: registered models, runs, dataset versions (find_models, find_runs, …). */
  lookups?: () => OpenLookups;
}

export const DescribeDatasetArgs = z.object({
  path: z
    .string()
    .min(1)
    .describe('Path of a data file relative to the workspace, e.g. "data/penguins.json"'),
});

export const TaskCatalogArgs = z.object({
  ids: z
    .array(z.string())
    .optional()
    .describe('Task ids to show with their full input and output JSON Schemas; omit to list every task'),
});

export function describeDatasetTool(describe: DescribeDataset) {
  return tool(
    async ({ path }) => {
      const data = await describe(path);
      if (!data) {
        throw userError(
          'DATA_NOT_DESCRIBED',
          `"${path}" is not a readable data file in the workspace`,
          'it is missing, or not csv, tsv, json, ndjson or parquet',
          'Name a data file that exists in the workspace.',
        );
      }
      return JSON.stringify({
        path: data.path,
        format: data.format,
        rows: data.rows,
        columns: data.columns,
        sample: data.sample,
      });
    },
    {
      name: DESCRIBE_DATASET,
      description:
        'Reads a data file of the workspace: its real columns (name, type, distinct values, missing values), row count and a few sample rows.',
      schema: DescribeDatasetArgs,
    },
  );
}

export function taskCatalogTool(registry: PlannerToolDeps['registry']) {
  return tool(
    async ({ ids }) => {
      const catalog = registry.catalog();
      if (!ids?.length) {
        return JSON.stringify(
          catalog.map((c) => ({ id: c.id, description: c.description, needsApproval: c.needsApproval })),
        );
      }
      const unknown = ids.filter((id) => !catalog.some((c) => c.id === id));
      if (unknown.length) {
        throw userError(
          'TASK_UNKNOWN',
          `No task ${unknown.map((u) => `"${u}"`).join(', ')} in the catalog`,
          `tasks: ${catalog.map((c) => c.id).join(', ')}`,
          'Use one of the listed task ids.',
        );
      }
      return JSON.stringify(
        catalog
          .filter((c) => ids.includes(c.id))
          .map((c) => ({
            id: c.id,
            description: c.description,
            needsApproval: c.needsApproval,
            input: c.input,
            output: c.output,
          })),
      );
    },
    {
      name: TASK_CATALOG,
      description:
        'The pipeline task catalog: without ids, every task id with its description; with ids, those tasks with their full input and output JSON Schemas.',
      schema: TaskCatalogArgs,
    },
  );
}

/** The tools a drafting model may call, describe_dataset first, then the workspace look-ups when there are any. */
export function plannerTools(deps: PlannerToolDeps) {
  return [
    describeDatasetTool(deps.describe),
    taskCatalogTool(deps.registry),
    ...(deps.lookups ? workspaceTools(deps.lookups) : []),
  ];
}
