/**
 * dataset.export: writes a dataset to S3 or an S3-compatible store as Parquet, CSV or NDJSON (DuckDB
 * writes the file, @aws-sdk/lib-storage uploads it, multipart when large). The same rows give the same
 * bytes, so a retried or resumed step overwrites the object with identical content.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { hashFile } from '../../src/store/artifacts.ts';
import { parseS3Url, s3ClientFor, s3Url } from '../../src/store/s3-client.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { datasetRelation, duckMessage } from '../lib/dataset-io.ts';
import { literal, withDuckDB } from '../lib/duckdb.ts';
import { DatasetRef } from '../lib/refs.ts';
import { headObject, selectorKind, uploadFile } from '../lib/s3.ts';

const ExportFormat = z.enum(['parquet', 'csv', 'ndjson']).describe('Format of the written object');

const FORMATS = {
  parquet: {
    ext: 'parquet',
    copy: 'FORMAT parquet, COMPRESSION zstd',
    type: 'application/vnd.apache.parquet',
  },
  csv: { ext: 'csv', copy: 'FORMAT csv, HEADER true', type: 'text/csv' },
  ndjson: { ext: 'ndjson', copy: 'FORMAT json', type: 'application/x-ndjson' },
} as const;

export const datasetExport = defineTask({
  id: 'dataset.export',
  description:
    'Write a dataset to S3 or an S3-compatible store (s3://bucket/key, or a prefix ending in "/") as Parquet, CSV or NDJSON; returns the object ETag and version.',
  input: z.object({
    dataset: DatasetRef.describe('The dataset to write'),
    url: z
      .string()
      .regex(/^s3:\/\//, 'must start with s3://')
      .describe(
        's3://bucket/path/file.parquet, or s3://bucket/prefix/ to write <prefix><name or hash>.<format>',
      ),
    format: ExportFormat.optional().describe('Parquet, CSV or NDJSON; from the key extension, else parquet'),
    ifExists: z
      .enum(['overwrite', 'fail', 'skip-same'])
      .default('overwrite')
      .describe(
        'When the key exists: replace it, fail, or (skip-same) keep it when it already holds these bytes',
      ),
  }),
  output: z.object({
    url: z.string().describe('s3:// address written'),
    bucket: z.string().describe('Bucket'),
    key: z.string().describe('Object key'),
    etag: z.string().describe('ETag of the written object'),
    versionId: z.string().optional().describe('Version id, when the bucket is versioned'),
    bytes: z.number().int().describe('Object size in bytes'),
    sha256: z.string().describe('sha256 of the object bytes'),
    format: ExportFormat,
    rows: z.number().int().describe('Rows written'),
    skipped: z.boolean().describe('True when ifExists=skip-same found the same bytes already there'),
  }),
  cacheable: false,
  async run(input, ctx) {
    const loc = parseS3Url(input.url, 'export target');
    if (selectorKind(loc.key) === 'glob') {
      throw userError(
        'S3_URL_INVALID',
        `The export target ${input.url} is a pattern`,
        'an export writes one object',
        'Give a key (s3://bucket/path/file.parquet) or a prefix ending in "/".',
      );
    }
    const fromKey = /\.(parquet|csv|ndjson|jsonl)$/.exec(loc.key)?.[1];
    const format =
      input.format ?? (fromKey === 'jsonl' ? 'ndjson' : (fromKey as keyof typeof FORMATS)) ?? 'parquet';
    const spec = FORMATS[format];
    const key =
      selectorKind(loc.key) === 'prefix'
        ? `${loc.key}${(input.dataset.name ?? input.dataset.hash.slice(0, 16)).replace(/[^\w.-]/g, '_')}.${spec.ext}`
        : loc.key;
    const target = s3Url({ bucket: loc.bucket, key });
    const client = await s3ClientFor(ctx.config);
    const relation = datasetRelation(input.dataset);
    const file = path.join(ctx.scratchDir, `export.${spec.ext}`);
    try {
      await withDuckDB(async (db) => {
        try {
          await db.run(`COPY (SELECT * FROM ${relation}) TO ${literal(file)} (${spec.copy})`);
        } catch (e) {
          throw userError('DATA_EXPORT', `Could not write the dataset as ${format}`, duckMessage(e));
        }
      });
      ctx.progress(0.3, 'written');
      const sha256 = await hashFile(file);
      const existing = input.ifExists === 'overwrite' ? undefined : await headObject(client, loc.bucket, key);
      if (existing && input.ifExists === 'fail') {
        throw userError(
          'S3_EXISTS',
          `${target} already exists`,
          'the step says ifExists: fail',
          'Choose another key, or set ifExists to overwrite or skip-same.',
        );
      }
      if (existing && existing.metadata.sha256 === sha256) {
        ctx.log.info(`${target} already holds these bytes; not uploaded again`);
        return {
          url: target,
          bucket: loc.bucket,
          key,
          etag: existing.etag,
          bytes: existing.size,
          sha256,
          format,
          rows: input.dataset.rows,
          skipped: true,
        };
      }
      ctx.log.info(`uploading ${format} to ${target}`);
      const up = await uploadFile(client, loc.bucket, key, file, {
        contentType: spec.type,
        sha256,
        signal: ctx.signal,
        metadata: { 'pipewright-run': ctx.runId, 'pipewright-step': ctx.stepId },
      });
      ctx.progress(1, `${up.bytes} bytes`);
      return {
        url: target,
        bucket: loc.bucket,
        key,
        etag: up.etag,
        ...(up.versionId ? { versionId: up.versionId } : {}),
        bytes: up.bytes,
        sha256,
        format,
        rows: input.dataset.rows,
        skipped: false,
      };
    } finally {
      await rm(file, { force: true });
    }
  },
});
