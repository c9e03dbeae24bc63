/**
 * dataset.version: gives a dataset a content-addressed name. Rows are written sorted by every column, so the
 * same rows (in any order) give byte-identical Parquet and the same version id: the first 12 hex chars of its
 * sha256. A JSON manifest (schema, profile, lineage) is stored next to it in the artifact store.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { datasetRelation, materialize } from '../lib/dataset-io.ts';
import { withDuckDB } from '../lib/duckdb.ts';
import { DatasetProfile, profileParquet } from '../lib/profile.ts';
import { Column, DatasetRef } from '../lib/refs.ts';

export const LineageEntry = z
  .object({
    hash: z.string().describe('Content hash of the upstream dataset or artifact'),
    name: z.string().optional().describe('Its name, if it has one'),
    version: z.string().optional().describe('Its version id, if versioned'),
    step: z.string().optional().describe('The plan step that produced it'),
    path: z.string().optional().describe('Where it is stored'),
  })
  .describe('An upstream output this dataset was derived from (a DatasetRef fits)');
export type LineageEntry = z.infer<typeof LineageEntry>;

export const DatasetManifest = z.object({
  kind: z.literal('pipewright.dataset').describe('Marks the file as a dataset manifest'),
  id: z.string().describe('name@version'),
  name: z.string().describe('Dataset name'),
  version: z.string().describe('12-hex-char content version'),
  hash: z.string().describe('sha256 of the Parquet file'),
  rows: z.number().int().describe('Row count'),
  schema: z.array(Column).describe('Columns'),
  profile: DatasetProfile,
  lineage: z.array(LineageEntry).describe('What it was derived from'),
});
export type DatasetManifest = z.infer<typeof DatasetManifest>;

export const datasetVersion = defineTask({
  id: 'dataset.version',
  description:
    'Give a dataset a stable, content-addressed version (name@version): same rows, same version. Records schema, profile and lineage in a manifest.',
  input: z.object({
    dataset: DatasetRef.describe('Dataset to version'),
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" and "-" only')
      .describe('Dataset name, e.g. "penguins-clean"'),
    derivedFrom: z
      .array(LineageEntry)
      .default([])
      .describe(
        'Upstream outputs it was derived from, e.g. the raw DatasetRef; step outputs fit as they are',
      ),
  }),
  output: z.object({
    dataset: DatasetRef.describe('The versioned dataset (name and version set)'),
    id: z.string().describe('name@version'),
    version: z.string().describe('12-hex-char content version'),
    schema: z.array(Column).describe('Columns'),
    profile: DatasetProfile,
    lineage: z.array(LineageEntry).describe('What it was derived from'),
    manifest: z
      .object({
        hash: z.string().describe('Artifact id'),
        path: z.string().describe('Path of the JSON manifest'),
      })
      .describe('The stored manifest'),
  }),
  async run(input, ctx) {
    const source = datasetRelation(input.dataset);
    return withDuckDB(async (db) => {
      // One thread: the Parquet writer's row-group layout then depends only on the data.
      await db.run('SET threads = 1');
      const stored = await materialize(db, `SELECT * FROM ${source}`, ctx, { canonical: true });
      const version = stored.hash.slice(0, 12);
      if (stored.rows !== input.dataset.rows) {
        throw userError(
          'DATA_MISMATCH',
          `The dataset file has ${stored.rows} rows but its reference says ${input.dataset.rows}`,
          'the file changed after the reference was made',
          'Re-run the step that produced the dataset.',
        );
      }
      ctx.progress(0.6, 'written');
      await db.run('RESET threads');
      const profile = await profileParquet(db, stored.path);
      const dataset: DatasetRef = { ...stored, name: input.name, version };
      const id = `${input.name}@${version}`;
      const manifest: DatasetManifest = {
        kind: 'pipewright.dataset',
        id,
        name: input.name,
        version,
        hash: stored.hash,
        rows: stored.rows,
        schema: stored.columns,
        profile,
        lineage: input.derivedFrom,
      };
      const m = await ctx.artifacts.putBytes(`${JSON.stringify(manifest, null, 2)}\n`, {
        mediaType: 'application/json',
      });
      ctx.log.info(`versioned ${id}`, { rows: stored.rows });
      ctx.progress(1, id);
      return {
        dataset,
        id,
        version,
        schema: stored.columns,
        profile,
        lineage: input.derivedFrom,
        manifest: { hash: m.hash, path: m.path },
      };
    });
  },
});
