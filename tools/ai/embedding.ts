/**
 * Embedding texts for the AI tasks: the configured provider (src/lineage/embeddings.ts: lexical, an
 * OpenAI-compatible server, Ollama), or one a step names, in batches under a rate limit with retries,
 * through the content-hash cache. Texts for remote providers pass the secret redaction first.
 */
import { z } from 'zod';
import type { Config } from '../../src/config.ts';
import { userError } from '../../src/errors.ts';
import {
  createEmbedder,
  type Embedder,
  LEXICAL_DIMS,
  lexicalEmbedder,
} from '../../src/lineage/embeddings.ts';
import { EmbeddingCache, textHash } from './embed-cache.ts';
import type { CallLimits } from './provider-calls.ts';

export const EmbeddingProvider = z
  .enum(['lexical', 'openai', 'ollama'])
  .describe(
    'lexical (hashed words, no model), openai (an OpenAI-compatible /v1/embeddings server) or ollama; default: PIPEWRIGHT_EMBEDDINGS',
  );

/** The embedder a step asks for (provider and model), else the configured one. */
export function chooseEmbedder(
  config: Config,
  choice: { provider?: z.infer<typeof EmbeddingProvider> | undefined; model?: string | undefined },
  timeoutMs?: number,
): Embedder {
  const embeddings = choice.provider ?? config.embeddings;
  const model = choice.model ?? (embeddings === config.embeddings ? config.embeddingModel : undefined);
  return createEmbedder(
    { ...config, embeddings, embeddingModel: model },
    // Retries are ours (rate limit aware, counted); the client makes one attempt each.
    { maxRetries: 0, ...(timeoutMs ? { timeoutMs } : {}) },
  );
}

/**
 * The embedder that made vectors with this id ("lexical-384", "openai:text-embedding-3-small",
 * "ollama:nomic-embed-text"): queries must be embedded by the same one as the chunks they search.
 */
export function embedderById(config: Config, id: string): Embedder {
  const lexical = /^lexical-(\d+)$/.exec(id);
  if (lexical) return lexicalEmbedder(Number(lexical[1]) || LEXICAL_DIMS);
  const m = /^(openai|ollama):(.+)$/.exec(id);
  if (!m) {
    throw userError(
      'EMBEDDER_UNKNOWN',
      `The index was embedded with "${id}", which this version cannot recreate`,
      'embedder ids are lexical-<dims>, openai:<model> or ollama:<model>',
      'Rebuild the index (docs.chunk → embed.chunks → index.lancedb) with a current provider.',
    );
  }
  return chooseEmbedder(config, { provider: m[1] as 'openai' | 'ollama', model: m[2] as string });
}

export interface EmbedTextsResult {
  vectors: number[][];
  dims: number;
  hits: number;
  misses: number;
  /** Distinct texts sent to the provider. */
  embedded: number;
  requests: number;
  retries: number;
  rateLimited: number;
}

export interface EmbedTextsOptions {
  embedder: Embedder;
  cache?: EmbeddingCache | undefined;
  limits: CallLimits;
  batchSize: number;
  signal?: AbortSignal;
  /** Applied to each text before a remote provider sees it (and before hashing, so the cache agrees). */
  redact?: (text: string) => string;
  onProgress?: (done: number, total: number) => void;
}

export const isRemote = (embedder: Embedder) => !embedder.id.startsWith('lexical-');

/**
 * Vectors for texts, in order: cached ones from the cache, the rest embedded in batches (each batch stored as
 * soon as it arrives, so a retried step keeps what its first attempt paid for). Identical texts are embedded
 * once.
 */
export async function embedTexts(
  texts: readonly string[],
  opts: EmbedTextsOptions,
): Promise<EmbedTextsResult> {
  const { embedder, cache } = opts;
  const remote = isRemote(embedder);
  const sent = remote && opts.redact ? texts.map(opts.redact) : texts;
  const hashes = sent.map(textHash);
  const cached = cache ? cache.getMany(embedder.id, [...new Set(hashes)]) : new Map<string, number[]>();
  const todo = new Map<string, string>();
  for (const [i, h] of hashes.entries()) if (!cached.has(h) && !todo.has(h)) todo.set(h, sent[i] as string);
  const hits = hashes.filter((h) => cached.has(h)).length;
  const caller = new (await import('./provider-caller.ts')).ProviderCaller(opts.limits, opts.signal);
  const fresh = new Map<string, number[]>();
  const pending = [...todo.entries()];
  let done = 0;
  const batches: Promise<void>[] = [];
  for (let i = 0; i < pending.length; i += opts.batchSize) {
    const batch = pending.slice(i, i + opts.batchSize);
    batches.push(
      caller
        .call(() => embedder.embed(batch.map(([, t]) => t)))
        .then((vectors) => {
          const entries = batch.map(([hash], j) => ({ hash, vector: vectors[j] as number[] }));
          for (const e of entries) fresh.set(e.hash, e.vector);
          cache?.putMany(embedder.id, entries);
          done += batch.length;
          opts.onProgress?.(done, pending.length);
        }),
    );
  }
  // Every batch settles before the first failure is reported, so what succeeded is cached.
  const settled = await Promise.allSettled(batches);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const vectors = hashes.map((h) => (cached.get(h) ?? fresh.get(h)) as number[]);
  const dims = vectors[0]?.length ?? 0;
  const odd = vectors.findIndex((v) => !v || v.length !== dims);
  if (odd !== -1) {
    throw userError(
      'EMBEDDINGS_INCONSISTENT',
      `The ${embedder.id} vectors do not all have ${dims} dimensions`,
      `text ${odd} has ${vectors[odd]?.length ?? 0}; the cache may hold vectors of another model under the same name`,
      'Give the model a distinct name (PIPEWRIGHT_EMBEDDING_MODEL), or delete <state>/ai/embedding-cache.db.',
    );
  }
  return {
    vectors,
    dims,
    hits,
    misses: texts.length - hits,
    embedded: todo.size,
    requests: caller.stats.requests,
    retries: caller.stats.retries,
    rateLimited: caller.stats.rateLimited,
  };
}

export { EmbeddingCache };
