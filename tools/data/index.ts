/** The data stage: ingest, prepare, version and split datasets. The engine registers these tasks. */
import type { AnyTask } from '../../src/tasks/index.ts';
import { datasetExport } from '../dataset/export.ts';
import { datasetSplit } from '../dataset/split.ts';
import { datasetVersion } from '../dataset/version.ts';
import { ingestFile } from '../ingest/file.ts';
import { ingestPostgres } from '../ingest/postgres.ts';
import { ingestS3 } from '../ingest/s3.ts';
import { ingestUrl } from '../ingest/url.ts';
import { prepTransform } from '../prep/transform.ts';

export {
  datasetExport,
  datasetSplit,
  datasetVersion,
  ingestFile,
  ingestPostgres,
  ingestS3,
  ingestUrl,
  prepTransform,
};

export const dataTasks: AnyTask[] = [
  ingestFile,
  ingestUrl,
  ingestPostgres,
  ingestS3,
  prepTransform,
  datasetVersion,
  datasetSplit,
  datasetExport,
];
