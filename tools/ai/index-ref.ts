/**
 * IndexRef: what index.lancedb produces and evaluate.retrieval, index.register and serving read. It has a
 * DatasetRef's shape (path, hash, rows, columns, name, version), so the lineage graph records each table
 * version as a dataset version (`docs@v7`), produced by its step and derived from the embeddings it indexed.
 */
import { z } from 'zod';
import { Column } from '../lib/refs.ts';

export const IndexRef = z
  .object({
    kind: z.literal('lancedb-index').describe('Marks a search index'),
    path: z.string().describe('The index folder (a LanceDB database) under <state>/indexes'),
    hash: z.string().describe('sha256 over the embedder and the sorted chunk ids: same chunks, same hash'),
    rows: z.number().int().nonnegative().describe('Chunks in this version'),
    columns: z.array(Column).describe('Table columns'),
    name: z.string().describe('Index name'),
    version: z.string().describe('"v" and the table version, e.g. "v7"'),
    table: z.string().describe('LanceDB table name'),
    tableVersion: z.number().int().positive().describe('LanceDB table version this reference reads'),
    embedder: z.string().describe('Embedder of the vectors (queries must use the same), e.g. "lexical-384"'),
    dims: z.number().int().positive().describe('Vector dimensions'),
    distance: z.enum(['cosine', 'l2', 'dot']).describe('Vector distance'),
  })
  .describe('A version of a LanceDB search index (vector + full-text)');
export type IndexRef = z.infer<typeof IndexRef>;

export const IndexName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'letters, digits, ".", "_" and "-", starting with a letter or digit',
  )
  .describe('Index name, used in its folder and in /indexes/<name>/search, e.g. "docs"');
