/**
 * embed.chunks: embeds the chunks of a chunk dataset (docs.chunk) with the configured embeddings provider
 * (or one the step names), batched, rate-limited, retried on rate limits and server errors, and cached by
 * content hash in the state folder: a chunk whose text did not change is never embedded again (the output
 * reports cache hits and misses). Output: the chunk dataset with a `vector` column.
 *
 * The task id has a stage ("embed.chunks") because every task id is stage.name.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { requireColumns } from '../lib/dataset-io.ts';
import { DatasetRef } from '../lib/refs.ts';
import { CHUNK_COLUMNS } from './docs-chunk.ts';
import { chooseEmbedder, EmbeddingCache, EmbeddingProvider, embedTexts, isRemote } from './embedding.ts';
import { CallLimits } from './provider-calls.ts';
import { providerRedactor } from './redact.ts';
import { type ColumnTypes, columnNames, readRows, str, writeRows } from './rows.ts';

export const EmbedInput = z.object({
  chunks: DatasetRef.describe('Chunk dataset from docs.chunk (id, text, heading, title, ...)'),
  provider: EmbeddingProvider.optional(),
  model: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Embedding model for openai/ollama (default PIPEWRIGHT_EMBEDDING_MODEL or the provider default)',
    ),
  context: z
    .enum(['none', 'title', 'heading'])
    .default('heading')
    .describe(
      'What is put before each chunk text when embedding it: nothing, the document title, or its heading path (title when none)',
    ),
  batchSize: z.number().int().min(1).max(512).default(64).describe('Texts per embedding request'),
  limits: CallLimits.default(CallLimits.parse({})),
  timeoutMs: z.number().int().positive().default(60_000).describe('Deadline of one embedding request'),
  cache: z
    .boolean()
    .default(true)
    .describe('Reuse vectors of identical texts from <state>/ai/embedding-cache.db (and store new ones)'),
});

export const EmbedOutput = z.object({
  dataset: DatasetRef.describe('The chunks with an embedder column and a vector column (FLOAT[dims])'),
  embedder: z.string().describe('Provider and model that made the vectors, e.g. "lexical-384"'),
  dims: z.number().int().describe('Vector dimensions'),
  chunks: z.number().int().describe('Chunks embedded'),
  cache: z
    .object({
      hits: z.number().int().describe('Chunks whose vector came from the cache'),
      misses: z.number().int().describe('Chunks whose vector was not cached'),
      embedded: z.number().int().describe('Distinct texts sent to the provider'),
    })
    .describe('Cache use: an unchanged chunk is a hit'),
  requests: z.number().int().describe('Embedding requests made (retries included)'),
  retries: z.number().int().describe('Requests retried after a rate limit, server error or timeout'),
  rateLimited: z.number().int().describe('Requests answered 429'),
  redacted: z.number().int().describe('Texts in which a secret or credential was redacted before sending'),
  seconds: z.number().describe('Time spent embedding'),
});

/** The text embedded for a chunk: its context line, a blank line, the chunk. */
export function embeddingText(row: Record<string, unknown>, context: 'none' | 'title' | 'heading'): string {
  const text = str(row.text);
  if (context === 'none') return text;
  const title = str(row.title);
  const heading = str(row.heading);
  const line = context === 'heading' ? heading || title : title;
  return line && !text.startsWith(line) ? `${line}\n\n${text}` : text;
}

export const embedChunks = defineTask({
  id: 'embed.chunks',
  description:
    'Embed chunks (docs.chunk) with the configured embeddings provider (lexical, OpenAI-compatible or Ollama): batched, rate-limited, retried, and cached by content hash so unchanged chunks are never re-embedded.',
  input: EmbedInput,
  output: EmbedOutput,
  // Which provider and model embed comes from the configuration, not the input: the step runs every time,
  // and its own content cache makes an unchanged chunk free.
  cacheable: false,
  async run(input, ctx) {
    const names = columnNames(input.chunks);
    requireColumns(['id', 'text'], names, 'embed.chunks');
    const embedder = chooseEmbedder(
      ctx.config,
      { provider: input.provider, model: input.model },
      input.timeoutMs,
    );
    const rows = await readRows(input.chunks, { what: 'chunks' });
    if (rows.length === 0) {
      throw userError(
        'EMBED_EMPTY',
        'The chunk dataset has no rows',
        undefined,
        'Check the docs.chunk step.',
      );
    }
    const redact = isRemote(embedder) ? providerRedactor(ctx.config) : undefined;
    const cache = input.cache ? EmbeddingCache.forStateDir(ctx.config.stateDir) : undefined;
    const t0 = performance.now();
    let result: Awaited<ReturnType<typeof embedTexts>>;
    try {
      result = await embedTexts(
        rows.map((r) => embeddingText(r, input.context)),
        {
          embedder,
          cache,
          limits: input.limits,
          batchSize: input.batchSize,
          signal: ctx.signal,
          ...(redact ? { redact } : {}),
          onProgress: (done, total) => ctx.progress(done / total, `${done}/${total} embedded`),
        },
      );
    } finally {
      cache?.close();
    }
    const seconds = (performance.now() - t0) / 1000;
    const types: ColumnTypes = {};
    for (const c of input.chunks.columns)
      if (c.name !== 'vector' && c.name !== 'embedder') types[c.name] = CHUNK_COLUMNS[c.name] ?? c.type;
    // The embedder's id travels with the vectors (a constant column costs nothing in Parquet): the index
    // built from them must embed its queries with the same model.
    types.embedder = 'VARCHAR';
    types.vector = `FLOAT[${result.dims}]`;
    const out = rows.map((r, i) => ({ ...r, embedder: embedder.id, vector: result.vectors[i] }));
    const dataset = await writeRows(out, types, ctx, {
      orderBy: names.includes('path') && names.includes('idx') ? ['path', 'idx'] : ['id'],
    });
    ctx.log.info(
      `embedded ${rows.length} chunks with ${embedder.id}: ${result.hits} cached, ${result.embedded} sent in ${result.requests} requests`,
      { retries: result.retries },
    );
    return {
      dataset,
      embedder: embedder.id,
      dims: result.dims,
      chunks: rows.length,
      cache: { hits: result.hits, misses: result.misses, embedded: result.embedded },
      requests: result.requests,
      retries: result.retries,
      rateLimited: result.rateLimited,
      redacted: redact?.count ?? 0,
      seconds,
    };
  },
});
