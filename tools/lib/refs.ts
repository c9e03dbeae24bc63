/**
 * The values that flow between data, training, serving and monitoring tasks. Steps pass them whole:
 *   with: { dataset: '${{ steps.version.outputs.dataset }}' }
 */
import { z } from 'zod';

export const Column = z.object({
  name: z.string().describe('Column name'),
  type: z.string().describe('DuckDB type, e.g. DOUBLE, BIGINT, VARCHAR'),
});

export const DatasetRef = z
  .object({
    path: z.string().describe('Absolute path of the Parquet file that holds the rows'),
    hash: z.string().describe('sha256 of the file content'),
    rows: z.number().int().nonnegative().describe('Row count'),
    columns: z.array(Column).describe('Schema'),
    name: z.string().optional().describe('Dataset name, e.g. "penguins-clean"'),
    version: z.string().optional().describe('Content-addressed version id'),
  })
  .describe('A table of rows stored as Parquet');
export type DatasetRef = z.infer<typeof DatasetRef>;

export const ModelRef = z
  .object({
    dir: z.string().describe('Absolute path of the model folder (model.json plus framework files)'),
    hash: z.string().describe('sha256 over the model folder content'),
    framework: z.enum(['builtin', 'sklearn', 'xgboost', 'torch', 'command']).describe('What trained it'),
    algorithm: z.string().describe('Model family, e.g. random_forest, logistic_regression'),
    taskType: z.enum(['classification', 'regression']).describe('Kind of prediction'),
    target: z.string().describe('Predicted column'),
    features: z.array(Column).describe('Input columns the model expects, before preprocessing'),
    classes: z.array(z.string()).optional().describe('Class labels, for classification'),
    params: z.record(z.string(), z.unknown()).describe('Hyperparameters used'),
    metrics: z.record(z.string(), z.number()).describe('Validation metrics measured during training'),
  })
  .describe('A trained model stored on disk');
export type ModelRef = z.infer<typeof ModelRef>;

/**
 * A model folder kept from a person's own script in train.command's script mode (no dataset, no target):
 * registrable and traceable like any model, but not loadable for scoring (it has no model.json).
 */
export const ArtifactModelRef = z
  .object({
    dir: z.string().describe('Absolute path of the model folder (artifact.json plus the files)'),
    hash: z.string().describe('sha256 over the folder content'),
    framework: z.literal('command').describe('Trained by train.command'),
    kind: z.literal('artifact').describe('An opaque artifact, not a servable tabular model'),
    algorithm: z.string().describe('Model family name given in the step'),
    artifact: z.string().describe('Path of the artifact inside the folder ("." for the whole folder)'),
    files: z.array(z.string()).describe('Files in the folder'),
    params: z.record(z.string(), z.unknown()).describe('Parameters passed to the script'),
    metrics: z.record(z.string(), z.number()).describe('Metrics the script reported'),
  })
  .describe("A model artifact from a person's own script");
export type ArtifactModelRef = z.infer<typeof ArtifactModelRef>;
