/**
 * ingest.s3: reads one object, every object under a prefix, or every object matching a glob from S3 or an
 * S3-compatible store into a Parquet dataset. Objects are streamed to the step's scratch folder with a
 * total size limit and a sha256 each; the exact versions read (key, ETag, version id, hash) are in the
 * output, where the lineage recorder keeps them with the dataset.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { parseS3Url, s3ClientFor, s3Url } from '../../src/store/s3-client.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { downloadObject, listObjects, selectorKind, tooLarge } from '../lib/s3.ts';
import {
  FileFormat,
  formatFromName,
  IngestOutput,
  ingestLocalFile,
  ReadOptions,
  type SourceObject,
} from './file.ts';

const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;

export const ingestS3 = defineTask({
  id: 'ingest.s3',
  // The source can change under the same input (a file rewritten, new rows, a new object): always read it.
  // Downstream steps still hit the cache when the data is the same, as their key includes its hash.
  cacheable: false,
  description:
    'Read CSV/TSV, JSON/NDJSON, Parquet or Arrow data from S3 or an S3-compatible store (one key, a prefix or a glob such as s3://bucket/events/2026/*.parquet) into one Parquet dataset, recording the object versions read.',
  input: z.object({
    url: z
      .string()
      .regex(/^s3:\/\//, 'must start with s3://')
      .describe(
        's3://bucket/key, s3://bucket/prefix/ (every object under it) or s3://bucket/path/*.parquet ("*" within one folder, "**" across folders)',
      ),
    format: FileFormat.optional().describe('Data format; inferred from the key extension when omitted'),
    options: ReadOptions.optional(),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_MAX_BYTES)
      .describe('Largest total download accepted, in bytes (default 1 GiB)'),
    maxObjects: z
      .number()
      .int()
      .positive()
      .max(100_000)
      .default(1000)
      .describe('Most objects a prefix or glob may select (default 1000)'),
    name: z.string().optional().describe('Name to attach to the dataset, e.g. "events-2026"'),
    profile: z.boolean().optional().describe('Profile every column (default true)'),
  }),
  output: IngestOutput,
  async run(input, ctx) {
    const loc = parseS3Url(input.url);
    const client = await s3ClientFor(ctx.config);
    const shown = s3Url(loc);
    const found = await listObjects(client, loc, { maxObjects: input.maxObjects, signal: ctx.signal });
    // A prefix often holds other files too (_SUCCESS markers, notes): it selects the objects whose extension
    // names a data format (the given one, when set). A key or a glob selects exactly what it names.
    const selected =
      selectorKind(loc.key) === 'prefix'
        ? found.filter((o) => {
            const f = formatFromName(o.key);
            return f !== undefined && (input.format === undefined || f === input.format);
          })
        : found;
    if (selected.length === 0) {
      throw userError(
        'S3_NOT_FOUND',
        `No data objects at ${shown}`,
        found.length
          ? `${found.length} object(s) are there, none with a data extension (.csv, .json, .parquet, ...)`
          : 'the bucket has no object with that key, prefix or pattern',
        'Check the key (it is case-sensitive); a prefix ends with "/", a glob uses * or **.',
      );
    }
    const formats = new Set(selected.map((o) => input.format ?? formatFromName(o.key)));
    if (formats.size > 1 || formats.has(undefined)) {
      throw userError(
        'DATA_FORMAT',
        `The objects at ${shown} are not all one readable format`,
        `formats seen: ${[...formats].map((f) => f ?? 'unknown').join(', ')}`,
        'Narrow the selection with a glob (e.g. *.parquet), or set format.',
      );
    }
    const declared = selected.reduce((n, o) => n + o.size, 0);
    if (declared > input.maxBytes) throw tooLarge(shown, input.maxBytes, declared);
    ctx.log.info(`reading ${selected.length} object(s) from ${shown}`, { bytes: declared });

    const files: string[] = [];
    const objects: SourceObject[] = [];
    let done = 0;
    try {
      for (const [i, o] of selected.entries()) {
        const file = path.join(ctx.scratchDir, `s3-${i}-${path.basename(o.key).replace(/[^\w.-]/g, '_')}`);
        files.push(file);
        const got = await downloadObject(client, loc.bucket, o, file, {
          maxBytes: input.maxBytes - done,
          signal: ctx.signal,
          onBytes: (n) => {
            done += n;
            if (declared > 0) ctx.progress(0.5 * (done / declared), 'downloading');
          },
        });
        objects.push({
          key: o.key,
          bytes: got.bytes,
          etag: got.etag,
          ...(got.versionId ? { versionId: got.versionId } : {}),
          lastModified: o.lastModified,
          sha256: got.sha256,
        });
      }
      ctx.log.info(`downloaded ${done} bytes`);
      return await ingestLocalFile(ctx, files, {
        format: input.format ?? [...formats][0],
        options: input.options,
        name: input.name,
        profile: input.profile,
        source: { kind: 's3', location: shown, objects },
      });
    } finally {
      await Promise.all(files.map((f) => rm(f, { force: true })));
    }
  },
});
