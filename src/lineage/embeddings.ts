/**
 * Embeddings for memory search, chosen by config.embeddings:
 * - lexical (default, no model, no download): hashed word unigrams, word bigrams and character 3-grams,
 *   L2-normalised. It captures shared words and spellings, NOT meaning: "car" and "automobile" are unrelated.
 * - openai: any OpenAI-compatible /v1/embeddings server (config.llmBaseUrl, config.embeddingModel).
 * - ollama: an Ollama server's /api/embed.
 */
import type { Config } from '../config.ts';
import { systemError } from '../errors.ts';

export interface Embedder {
  /** Provider and model, e.g. "lexical-384" or "openai:text-embedding-3-small". */
  readonly id: string;
  embed(texts: string[]): Promise<number[][]>;
}

export const LEXICAL_DIMS = 384;

/** FNV-1a, 32 bits: fast and well spread for short strings. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The lexical embedding of one text. Each feature adds ±weight at a hashed position (the sign from another
 * hash bit keeps collisions from piling up); the vector is then scaled to unit length. Empty text → zeros.
 */
export function lexicalEmbedding(text: string, dims = LEXICAL_DIMS): Float32Array {
  const v = new Float32Array(dims);
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature);
    v[h % dims] = (v[h % dims] as number) + (h & 0x80000000 ? -weight : weight);
  };
  const words = tokenize(text);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    add(`w:${w}`, 1);
    if (i > 0) add(`b:${words[i - 1]} ${w}`, 0.7);
    const padded = `^${w}$`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, 0.3);
  }
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += (v[i] as number) ** 2;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dims; i++) v[i] = (v[i] as number) / norm;
  return v;
}

export function lexicalEmbedder(dims = LEXICAL_DIMS): Embedder {
  return {
    id: `lexical-${dims}`,
    embed: async (texts) => texts.map((t) => Array.from(lexicalEmbedding(t, dims))),
  };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

/** Client settings for remote providers: retries inside the client (default 1) and a per-request deadline. */
export interface EmbedderOptions {
  maxRetries?: number;
  timeoutMs?: number;
}

/** The embedder the config names. Remote providers load their client on first use. */
export function createEmbedder(
  config: Pick<Config, 'embeddings' | 'embeddingModel' | 'llmBaseUrl' | 'llmApiKey'>,
  opts: EmbedderOptions = {},
): Embedder {
  const maxRetries = opts.maxRetries ?? 1;
  if (config.embeddings === 'openai') {
    const model = config.embeddingModel ?? 'text-embedding-3-small';
    return remote(`openai:${model}`, async (texts) => {
      const { OpenAIEmbeddings } = await import('@langchain/openai');
      const client = new OpenAIEmbeddings({
        model,
        apiKey: config.llmApiKey ?? 'not-needed',
        maxRetries,
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
        ...(config.llmBaseUrl ? { configuration: { baseURL: config.llmBaseUrl } } : {}),
      });
      return client.embedDocuments(texts);
    });
  }
  if (config.embeddings === 'ollama') {
    const model = config.embeddingModel ?? 'nomic-embed-text';
    return remote(`ollama:${model}`, async (texts) => {
      const { OllamaEmbeddings } = await import('@langchain/ollama');
      const client = new OllamaEmbeddings({
        model,
        baseUrl: config.llmBaseUrl ?? 'http://127.0.0.1:11434',
        maxRetries,
      });
      return client.embedDocuments(texts);
    });
  }
  return lexicalEmbedder();
}

function remote(id: string, call: (texts: string[]) => Promise<number[][]>): Embedder {
  return {
    id,
    async embed(texts) {
      if (texts.length === 0) return [];
      let vectors: number[][];
      try {
        vectors = await call(texts);
      } catch (e) {
        throw systemError(
          'EMBEDDINGS_FAILED',
          `The ${id} embedding server did not answer`,
          (e as Error).message,
          'Check PIPEWRIGHT_LLM_BASE_URL and PIPEWRIGHT_EMBEDDING_MODEL, or set PIPEWRIGHT_EMBEDDINGS=lexical.',
          e,
        );
      }
      if (vectors.length !== texts.length || vectors.some((v) => !Array.isArray(v) || v.length === 0)) {
        throw systemError(
          'EMBEDDINGS_INVALID',
          `The ${id} embedding server returned ${vectors.length} vectors for ${texts.length} texts`,
          'every text needs one non-empty vector',
          'Check that PIPEWRIGHT_EMBEDDING_MODEL names an embedding model.',
        );
      }
      return vectors;
    },
  };
}
