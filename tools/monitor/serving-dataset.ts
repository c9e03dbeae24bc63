/**
 * model.dataset: the dataset a registered model version was trained on, as recorded when it was registered,
 * resolved when the step runs ("churn" → the version production serves now). It is the reference side of a
 * drift check on served traffic: monitor.traffic (what the model is asked) against model.dataset (what it
 * learned from).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { openModelRegistry } from '../../src/store/model-registry.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { formatReference, ModelReference, parseModelReference } from '../lib/model-reference.ts';
import { DatasetRef } from '../lib/refs.ts';

export const modelDataset = defineTask({
  id: 'model.dataset',
  placement: 'coordinator',
  description:
    'The training dataset recorded with a registered model version ("churn" = what production serves, "churn@staging", "churn:3"): the reference for a drift check of its served traffic.',
  input: z.object({
    model: ModelReference.describe('Registered model: "name" (production), "name@alias", "name:3"'),
  }),
  output: z.object({
    dataset: DatasetRef.describe('The rows the version was trained on'),
    model: z
      .object({
        name: z.string().describe('Registered model name'),
        version: z.number().int().describe('The version resolved'),
      })
      .describe('The model version whose training data this is'),
    datasetVersion: z.string().optional().describe('The dataset version id recorded at registration'),
  }),
  // Aliases move: resolve again every run.
  cacheable: false,
  async run(input, ctx) {
    const ref = parseModelReference(input.model);
    const registry = openModelRegistry(ctx.config);
    try {
      const selector = 'version' in ref.selector ? ref.selector.version : ref.selector.alias;
      const v = registry.getVersion(ref.name, selector);
      const what = `${formatReference(ref)} (version ${v.version})`;
      const parsed = DatasetRef.safeParse(v.dataset);
      if (!v.dataset || !parsed.success) {
        throw userError(
          'MODEL_DATASET_MISSING',
          `No training dataset is recorded for ${what}`,
          v.dataset
            ? 'only its identity was recorded, not the rows'
            : 'it was registered without a dataset (model.register `dataset`)',
          'Name the reference data explicitly (ingest.file of the training file), or register the model again with its dataset.',
        );
      }
      if (!existsSync(parsed.data.path)) {
        throw userError(
          'MODEL_DATASET_MISSING',
          `The training data of ${what} is gone`,
          `${parsed.data.path} (dataset ${parsed.data.version ?? parsed.data.hash.slice(0, 12)}) no longer exists`,
          'Restore the state folder, or name the reference data explicitly (ingest.file of the training file).',
        );
      }
      ctx.log.info(`${what} was trained on ${parsed.data.name ?? parsed.data.hash.slice(0, 12)}`);
      return {
        dataset: parsed.data,
        model: { name: ref.name, version: v.version },
        ...(v.datasetVersion ? { datasetVersion: v.datasetVersion } : {}),
      };
    } finally {
      registry.close();
    }
  },
});
