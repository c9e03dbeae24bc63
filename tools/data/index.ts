/** The data stage: ingest, prepare, version and split datasets. The engine registers these tasks. */
import type { AnyTask } from '../../src/tasks/index.ts';
import { datasetSplit } from '../dataset/split.ts';
import { datasetVersion } from '../dataset/version.ts';
import { ingestFile } from '../ingest/file.ts';
import { ingestPostgres } from '../ingest/postgres.ts';
import { ingestUrl } from '../ingest/url.ts';
import { prepTransform } from '../prep/transform.ts';

export { datasetSplit, datasetVersion, ingestFile, ingestPostgres, ingestUrl, prepTransform };

export const dataTasks: AnyTask[] = [
  ingestFile,
  ingestUrl,
  ingestPostgres,
  prepTransform,
  datasetVersion,
  datasetSplit,
];
