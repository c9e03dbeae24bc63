/**
 * index.lancedb: writes embedded chunks (embed.chunks) into a versioned LanceDB table with a full-text and
 * a vector index, in `<stateDir>/indexes/<name>`. Re-indexing is incremental: chunks already in the table
 * (same id, i.e. same document content and span) are left alone, new ones are added and, in sync mode, the
 * chunks no longer in the input (changed spans, removed documents) are deleted. Each change makes a new
 * table version, recorded as a dataset version in the lineage; nothing changed, no new version.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { requireColumns } from '../lib/dataset-io.ts';
import { DatasetRef } from '../lib/refs.ts';
import { IndexName, IndexRef } from './index-ref.ts';
import {
  CHUNKS_TABLE,
  connectIndex,
  ensureIndices,
  type IndexMeta,
  indexDir,
  readMeta,
  sqlString,
  writeMeta,
} from './lance-index.ts';
import { columnNames, readRows, str } from './rows.ts';

const BATCH = 5_000;

export const IndexLancedbInput = z.object({
  embeddings: DatasetRef.describe('Embedded chunks from embed.chunks (id, text, embedder, vector, ...)'),
  name: IndexName,
  mode: z
    .enum(['sync', 'append'])
    .default('sync')
    .describe(
      'sync: the table mirrors the input (chunks not in it are deleted); append: only add new chunks',
    ),
  distance: z.enum(['cosine', 'l2', 'dot']).default('cosine').describe('Vector distance of the index'),
  keepVersionsDays: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .default(30)
    .describe('Older table versions are cleaned up; registered versions older than this cannot be served'),
});

export const IndexLancedbOutput = z.object({
  index: IndexRef,
  changes: z
    .object({
      added: z.number().int().describe('Chunks added'),
      deleted: z.number().int().describe('Chunks deleted'),
      unchanged: z.number().int().describe('Chunks already indexed and kept'),
    })
    .describe('What this step changed in the table'),
  documents: z
    .object({
      total: z.number().int().describe('Documents in the index'),
      added: z.array(z.string()).describe('Paths of documents new to the index (at most 50)'),
      changed: z.array(z.string()).describe('Paths of documents whose chunks changed (at most 50)'),
      removed: z.array(z.string()).describe('Paths of documents no longer indexed (at most 50)'),
    })
    .describe('Documents affected'),
  rebuilt: z.boolean().describe('Whether the table was rebuilt (new index, or another embedder or distance)'),
  built: z.array(z.string()).describe('Indices (re)built by this step'),
  manifest: z
    .object({ hash: z.string().describe('Artifact id'), path: z.string().describe('Manifest JSON path') })
    .describe('The stored manifest of this index version'),
  seconds: z.number().describe('Time spent'),
});

const STORED = [
  'id',
  'doc_id',
  'path',
  'title',
  'heading',
  'idx',
  'start',
  'end',
  'text',
  'doc_hash',
  'vector',
];

export const indexLancedb = defineTask({
  id: 'index.lancedb',
  description:
    'Build or update a versioned LanceDB search index (vector + full-text) from embedded chunks: only new chunks are added, chunks of removed or changed documents deleted; each version is a dataset version in the lineage.',
  input: IndexLancedbInput,
  output: IndexLancedbOutput,
  // It writes the index folder: running it again must find (and keep) the table, never skip it from cache.
  cacheable: false,
  async run(input, ctx) {
    const t0 = performance.now();
    const names = columnNames(input.embeddings);
    requireColumns(['id', 'text', 'vector', 'embedder'], names, 'index.lancedb');
    const rows = await readRows(input.embeddings, {
      columns: STORED.filter((c) => names.includes(c)).concat('embedder'),
      what: 'embeddings',
    });
    if (rows.length === 0)
      throw userError('INDEX_EMPTY', 'No chunks to index', undefined, 'Check the embed.chunks step.');
    const embedders = new Set(rows.map((r) => str(r.embedder)));
    if (embedders.size !== 1) {
      throw userError(
        'INDEX_MIXED_EMBEDDERS',
        `The chunks were embedded by ${embedders.size} embedders (${[...embedders].join(', ')})`,
        'one index holds vectors of one embedder only',
        'Embed all chunks in one embed.chunks step.',
      );
    }
    const embedder = [...embedders][0] as string;
    const dims = ((rows[0] as Record<string, unknown>).vector as number[]).length;
    const meta: IndexMeta = { embedder, dims, distance: input.distance };
    const dir = indexDir(ctx.config.stateDir, input.name);
    const old = readMeta(dir);
    const rebuilt =
      !old || old.embedder !== meta.embedder || old.dims !== meta.dims || old.distance !== meta.distance;
    if (rebuilt) rmSync(dir, { recursive: true, force: true });
    writeMeta(dir, meta);

    const byId = new Map<string, Record<string, unknown>>();
    for (const r of rows) {
      const { embedder: _, ...rest } = r;
      byId.set(str(r.id), rest);
    }
    if (byId.size < rows.length)
      ctx.log.warn(`${rows.length - byId.size} chunks repeat an id already seen; each id is indexed once`);
    const conn = await connectIndex(dir);
    let table = (await conn.tableNames()).includes(CHUNKS_TABLE)
      ? await conn.openTable(CHUNKS_TABLE)
      : undefined;
    const existing = new Map<string, string>();
    if (table) {
      for (const r of (await table.query().select(['id', 'path']).toArray()) as {
        id: string;
        path: string;
      }[])
        existing.set(String(r.id), String(r.path));
    }
    const toAdd = [...byId.keys()].filter((id) => !existing.has(id));
    const toDelete = input.mode === 'sync' ? [...existing.keys()].filter((id) => !byId.has(id)) : [];
    ctx.progress(0.2, `${toAdd.length} to add, ${toDelete.length} to delete`);
    for (let i = 0; i < toAdd.length; i += BATCH) {
      const batch = toAdd.slice(i, i + BATCH).map((id) => byId.get(id) as Record<string, unknown>);
      if (!table) table = await conn.createTable(CHUNKS_TABLE, batch, { mode: 'create' });
      else await table.add(batch);
    }
    if (!table) throw new Error('index table missing after writing');
    for (let i = 0; i < toDelete.length; i += 1000)
      await table.delete(
        `id IN (${toDelete
          .slice(i, i + 1000)
          .map(sqlString)
          .join(', ')})`,
      );
    const built = await ensureIndices(table, meta);
    if ((toAdd.length || toDelete.length) && built.length === 0) {
      // Folds the new rows into the existing indices and compacts; versions past the window are removed.
      await table.optimize({ cleanupOlderThan: new Date(Date.now() - input.keepVersionsDays * 86_400_000) });
    }
    const tableVersion = await table.version();
    const count = await table.countRows();
    const schema = await table.schema();
    table.close();
    conn.close();

    const ids = [
      ...(input.mode === 'sync' ? byId.keys() : new Set([...existing.keys(), ...byId.keys()])),
    ].sort();
    const hash = createHash('sha256')
      .update(`${embedder}|${dims}|${input.distance}|`)
      .update(ids.join('\n'))
      .digest('hex');
    const index: IndexRef = {
      kind: 'lancedb-index',
      path: dir,
      hash,
      rows: count,
      columns: schema.fields.map((f) => ({ name: f.name, type: String(f.type) })),
      name: input.name,
      version: `v${tableVersion}`,
      table: CHUNKS_TABLE,
      tableVersion,
      embedder,
      dims,
      distance: input.distance,
    };
    const docsBefore = new Set(existing.values());
    const docsNow = new Set([...byId.values()].map((r) => str(r.path)));
    const touched = new Set([
      ...toAdd.map((id) => str(byId.get(id)?.path)),
      ...toDelete.map((id) => existing.get(id) ?? ''),
    ]);
    const documents = {
      total: input.mode === 'sync' ? docsNow.size : new Set([...docsBefore, ...docsNow]).size,
      added: [...docsNow].filter((p) => !docsBefore.has(p)).slice(0, 50),
      changed: [...touched].filter((p) => p && docsBefore.has(p) && docsNow.has(p)).slice(0, 50),
      removed: input.mode === 'sync' ? [...docsBefore].filter((p) => !docsNow.has(p)).slice(0, 50) : [],
    };
    const changes = { added: toAdd.length, deleted: toDelete.length, unchanged: byId.size - toAdd.length };
    const manifest = await ctx.artifacts.putBytes(
      `${JSON.stringify(
        {
          ...index,
          kind: 'pipewright.index',
          id: `${input.name}@${index.version}`,
          changes,
          documents,
          lineage: [{ hash: input.embeddings.hash, path: input.embeddings.path }],
        },
        null,
        2,
      )}\n`,
      { mediaType: 'application/json' },
    );
    ctx.log.info(
      `index ${input.name} ${index.version}: ${changes.added} added, ${changes.deleted} deleted, ${changes.unchanged} kept`,
      { rows: count, built },
    );
    return {
      index,
      changes,
      documents,
      rebuilt,
      built,
      manifest: { hash: manifest.hash, path: manifest.path },
      seconds: (performance.now() - t0) / 1000,
    };
  },
});
