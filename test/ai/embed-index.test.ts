import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { lexicalEmbedding } from '../../src/lineage/embeddings.ts';
import { docsChunk } from '../../tools/ai/docs-chunk.ts';
import { docsLoad } from '../../tools/ai/docs-load.ts';
import { embedChunks } from '../../tools/ai/embed.ts';
import { EmbeddingCache } from '../../tools/ai/embed-cache.ts';
import { evaluateRetrieval } from '../../tools/ai/evaluate-retrieval.ts';
import { indexLancedb } from '../../tools/ai/index-lancedb.ts';
import { openIndexTable, searchIndex } from '../../tools/ai/lance-index.ts';
import { readRows } from '../../tools/ai/rows.ts';
import { startOllamaStandin } from '../helpers/ollama-standin.ts';
import { startOpenAIStandin } from '../helpers/openai-standin.ts';
import { aiWorkspace } from './helpers.ts';

/** The stand-in's "model": the lexical embedding, so search results are meaningful. */
const vec = (t: string) => Array.from(lexicalEmbedding(t, 64));
const fast = { limits: { backoffMs: 5, maxRequestsPerSecond: 1000, concurrency: 2, retries: 5 } };

async function chunks(ctx: ReturnType<typeof aiWorkspace>['ctx']) {
  const docs = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
  return docsChunk.run(docsChunk.input.parse({ documents: docs.dataset, size: 300 }), ctx);
}

describe('embed.chunks', () => {
  it('embeds with the lexical default, and a second run is all cache hits with identical output', async () => {
    const { ctx } = aiWorkspace();
    const c = await chunks(ctx);
    const a = await embedChunks.run(embedChunks.input.parse({ chunks: c.dataset }), ctx);
    expect(a.embedder).toBe('lexical-384');
    expect(a.dims).toBe(384);
    expect(a.cache).toEqual({ hits: 0, misses: c.chunks, embedded: c.chunks });
    const rows = await readRows(a.dataset);
    expect(rows[0]?.embedder).toBe('lexical-384');
    expect(((rows[0] as Record<string, unknown>).vector as number[]).length).toBe(384);
    const b = await embedChunks.run(embedChunks.input.parse({ chunks: c.dataset }), ctx);
    expect(b.cache).toEqual({ hits: c.chunks, misses: 0, embedded: 0 });
    expect(b.dataset.hash).toBe(a.dataset.hash);
  });

  it('calls an OpenAI-compatible server in batches, retries 429 and 5xx, and caches by content', async () => {
    let calls = 0;
    const standin = await startOpenAIStandin(
      () => ({ text: 'unused' }),
      (texts) => {
        calls++;
        if (calls === 1) return { status: 429, body: { error: { message: 'slow down' } } };
        if (calls === 2) return { status: 503, body: { error: { message: 'overloaded' } } };
        return texts.map(vec);
      },
    );
    onTestFinished(() => standin.close());
    const { ctx } = aiWorkspace({
      embeddings: 'openai',
      embeddingModel: 'emb-test',
      llmBaseUrl: standin.url,
    });
    const c = await chunks(ctx);
    const out = await embedChunks.run(
      embedChunks.input.parse({ chunks: c.dataset, batchSize: 2, ...fast }),
      ctx,
    );
    expect(out.embedder).toBe('openai:emb-test');
    expect(out.dims).toBe(64);
    expect(out.retries).toBe(2);
    expect(out.rateLimited).toBe(1);
    const embedReqs = standin.requests.filter((r) => r.path === '/v1/embeddings');
    expect(embedReqs).toHaveLength(Math.ceil(c.chunks / 2) + 2);
    expect(embedReqs.every((r) => r.body.model === 'emb-test')).toBe(true);
    // The vectors are the server's, in the chunks' order.
    const rows = await readRows(out.dataset);
    const first = rows[0] as Record<string, unknown>;
    const sent = `${first.heading || first.title}\n\n${first.text}`;
    expect((first.vector as number[])[0]).toBeCloseTo(vec(sent)[0] as number, 5);
    const again = await embedChunks.run(embedChunks.input.parse({ chunks: c.dataset, ...fast }), ctx);
    expect(again.cache.hits).toBe(c.chunks);
    expect(standin.requests.filter((r) => r.path === '/v1/embeddings')).toHaveLength(embedReqs.length);
    const cache = EmbeddingCache.forStateDir(ctx.config.stateDir);
    onTestFinished(() => cache.close());
    expect(cache.count('openai:emb-test')).toBe(c.chunks);
  });

  it('redacts secrets before a remote provider sees them, and never retries a 400', async () => {
    const standin = await startOllamaStandin(
      () => ({ text: 'unused' }),
      (texts) => texts.map(vec),
    );
    onTestFinished(() => standin.close());
    const { ctx, write } = aiWorkspace({
      embeddings: 'ollama',
      embeddingModel: 'nomic',
      llmBaseUrl: standin.url,
      llmApiKey: 'sk-live-abcdefghijklmnop',
    });
    write(
      'docs/leak.md',
      '# Leak\n\nThe key is sk-live-abcdefghijklmnop and the db is postgres://etl:hunter22@db/x.',
    );
    const c = await chunks(ctx);
    const out = await embedChunks.run(embedChunks.input.parse({ chunks: c.dataset, ...fast }), ctx);
    expect(out.redacted).toBeGreaterThan(0);
    const bodies = standin.requests.filter((r) => r.path === '/api/embed').map((r) => r.raw);
    expect(bodies.join('')).not.toContain('abcdefghijklmnop');
    expect(bodies.join('')).not.toContain('hunter22');

    let n = 0;
    const bad = await startOpenAIStandin(
      () => ({ text: 'unused' }),
      () => {
        n++;
        return { status: 400, body: { error: { message: 'bad input' } } };
      },
    );
    onTestFinished(() => bad.close());
    const w2 = aiWorkspace({ embeddings: 'openai', embeddingModel: 'e', llmBaseUrl: bad.url });
    const c2 = await chunks(w2.ctx);
    await expect(
      embedChunks.run(embedChunks.input.parse({ chunks: c2.dataset, batchSize: 512, ...fast }), w2.ctx),
    ).rejects.toMatchObject({ code: 'EMBEDDINGS_FAILED' });
    expect(n).toBe(1);
  });
});

describe('index.lancedb and evaluate.retrieval', () => {
  it('builds a versioned index, adds only changed chunks, deletes removed documents, searches hybrid', async () => {
    const { ctx, write } = aiWorkspace();
    const emb1 = await embedChunks.run(embedChunks.input.parse({ chunks: (await chunks(ctx)).dataset }), ctx);
    const v1 = await indexLancedb.run(
      indexLancedb.input.parse({ embeddings: emb1.dataset, name: 'docs' }),
      ctx,
    );
    expect(v1.rebuilt).toBe(true);
    expect(v1.built).toContain('fts');
    expect(v1.changes.added).toBe(emb1.chunks);
    expect(v1.index).toMatchObject({
      kind: 'lancedb-index',
      name: 'docs',
      embedder: 'lexical-384',
      dims: 384,
    });
    expect(v1.index.version).toBe(`v${v1.index.tableVersion}`);
    expect(JSON.parse(readFileSync(v1.manifest.path, 'utf8'))).toMatchObject({
      kind: 'pipewright.index',
      id: `docs@${v1.index.version}`,
    });

    const same = await indexLancedb.run(
      indexLancedb.input.parse({ embeddings: emb1.dataset, name: 'docs' }),
      ctx,
    );
    expect(same.changes).toEqual({ added: 0, deleted: 0, unchanged: emb1.chunks });
    expect(same.index.tableVersion).toBe(v1.index.tableVersion);
    expect(same.index.hash).toBe(v1.index.hash);

    write('docs/notes.txt', 'Release notes\n\nDrift checks now watch search queries and embeddings too.\n');
    write('docs/new.md', '# Canary\n\nA canary sends a share of the traffic to the new version.\n');
    const { rmSync } = await import('node:fs');
    rmSync(`${ctx.workspace}/docs/manual.pdf`);
    const emb2 = await embedChunks.run(embedChunks.input.parse({ chunks: (await chunks(ctx)).dataset }), ctx);
    expect(emb2.cache.misses).toBe(2); // the changed note and the new document; the rest from the cache
    const v2 = await indexLancedb.run(
      indexLancedb.input.parse({ embeddings: emb2.dataset, name: 'docs' }),
      ctx,
    );
    expect(v2.changes.added).toBe(2);
    expect(v2.changes.deleted).toBe(2); // the old note chunk and the PDF's
    expect(v2.documents.added).toEqual(['docs/new.md']);
    expect(v2.documents.changed).toEqual(['docs/notes.txt']);
    expect(v2.documents.removed).toEqual(['docs/manual.pdf']);
    expect(v2.index.tableVersion).toBeGreaterThan(v1.index.tableVersion);
    expect(v2.index.hash).not.toBe(v1.index.hash);

    // The new version finds the new text; the old version is still readable as it was.
    const meta = { embedder: 'lexical-384', dims: 384, distance: 'cosine' as const };
    const now = await openIndexTable(v2.index.path);
    const hits = await searchIndex(now, meta, {
      text: 'canary share of traffic',
      vector: Array.from(lexicalEmbedding('canary share of traffic')),
      k: 3,
      mode: 'hybrid',
    });
    now.close();
    expect(hits[0]?.path).toBe('docs/new.md');
    const old = await openIndexTable(v1.index.path, v1.index.tableVersion);
    expect(await old.countRows()).toBe(emb1.chunks);
    old.close();
  });

  it('scores retrieval on a question set: hit rate, recall@k and MRR, with misses listed', async () => {
    const { ctx, write } = aiWorkspace();
    const emb = await embedChunks.run(embedChunks.input.parse({ chunks: (await chunks(ctx)).dataset }), ctx);
    const idx = await indexLancedb.run(
      indexLancedb.input.parse({ embeddings: emb.dataset, name: 'docs' }),
      ctx,
    );
    write(
      'evals/questions.jsonl',
      [
        { question: 'How long until an undecided approval times out?', expected: ['docs/guide.md'] },
        { question: 'What is the step cache key made of?', expected: 'web/cache.html' },
        { question: 'Which queue do GPU workers use to run steps?', sources: ['docs/manual.pdf'] },
        { question: 'zebra giraffe elephant savanna', expected: ['docs/notes.txt'] },
      ]
        .map((q) => JSON.stringify(q))
        .join('\n'),
    );
    const out = await evaluateRetrieval.run(
      evaluateRetrieval.input.parse({ index: idx.index, questions: 'evals/questions.jsonl', k: 1 }),
      ctx,
    );
    expect(out.metrics.questions).toBe(4);
    expect(out.metrics.hit_rate).toBe(0.75);
    expect(out.metrics.recall).toBe(0.75);
    expect(out.metrics.mrr).toBe(0.75);
    expect(out.misses).toEqual([
      {
        question: 'zebra giraffe elephant savanna',
        expected: ['docs/notes.txt'],
        retrieved: [expect.any(String)],
      },
    ]);
    const report = JSON.parse(readFileSync(out.report.path, 'utf8'));
    expect(report.results).toHaveLength(4);

    write(
      'evals/q.csv',
      'question,expected\n"Where are approvals explained?",docs/guide.md|docs/web/cache.html\n',
    );
    const csv = await evaluateRetrieval.run(
      evaluateRetrieval.input.parse({ index: idx.index, questions: 'evals/q.csv', k: 5 }),
      ctx,
    );
    expect(csv.metrics.hit_rate).toBe(1);
    expect(csv.metrics.recall).toBeGreaterThanOrEqual(0.5);

    write('evals/bad.jsonl', '{"question": "no sources"}\n{"expected": ["a.md"]}\n');
    await expect(
      evaluateRetrieval.run(
        evaluateRetrieval.input.parse({ index: idx.index, questions: 'evals/bad.jsonl' }),
        ctx,
      ),
    ).rejects.toMatchObject({ code: 'QUESTIONS_INVALID', details: { problems: expect.any(Array) } });
    expect(existsSync(idx.index.path)).toBe(true);
  });
});
