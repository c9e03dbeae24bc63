import { readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticDocs } from '../../evals/bench/memory.ts';
import {
  ANN_THRESHOLD,
  ask,
  attachMemory,
  cosine,
  createEmbedder,
  lexicalEmbedder,
  lexicalEmbedding,
  MemoryIndex,
  partitionsFor,
  rebuildMemory,
  searchMemory,
  VECTOR_SEARCH,
} from '../../src/lineage/index.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { failingPlan, setup } from './helpers.ts';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function memoryEnv(memoryDir?: string) {
  const env = setup(memoryDir ? { memoryDir } : {});
  const logs: string[] = [];
  const memory = attachMemory(env.store, env.config, { log: (m) => logs.push(m), retryMs: 60_000 });
  cleanups.push(() => env.store.close());
  cleanups.push(() => memory.detach());
  return { ...env, memory, logs };
}

const okPlan = (name: string, goal: string) => ({
  name,
  goal,
  steps: [{ id: 'load', task: 'lt.raw', with: { rows: 12 } }],
});

describe('run memory', () => {
  it('finds a failed run by its error message with a status filter, and says it happened before', async () => {
    const env = memoryEnv();
    await env.engine.run(okPlan('penguins', 'predict species from penguins'), { createdBy: 'bob' });
    const first = await env.engine.run(failingPlan(), { createdBy: 'cron' });
    await env.engine.run(okPlan('weather', 'forecast rain in seattle'), { createdBy: 'bob' });
    const last = await env.engine.run(failingPlan(), { createdBy: 'cron' });
    expect(first.status).toBe('failed');
    expect(last.status).toBe('failed');
    expect(await env.memory.flush()).toEqual({ pending: 0 });

    const hits = await searchMemory(env.config, 'CUDA out of memory', {
      filter: "status = 'failed'",
      limit: 5,
    });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.status === 'failed')).toBe(true);
    expect(hits[0]?.text).toContain('out of memory');
    expect([first.runId, last.runId]).toContain(hits[0]?.run_id);
    // Object filters and metadata columns work too.
    const byPipeline = await searchMemory(env.config, 'species', { filter: { pipeline: 'penguins' } });
    expect(byPipeline.length).toBeGreaterThan(0);
    expect(byPipeline.every((h) => h.pipeline === 'penguins')).toBe(true);

    const a = await ask(
      env.store,
      env.config,
      "Why did last night's run fail, and has that happened before?",
    );
    expect(a.source).toBe('memory');
    expect(a.answer).toContain(last.runId);
    expect(a.answer).toContain('out of memory');
    expect(a.answer).toContain(first.runId);
    expect(a.citations.runs).toEqual([last.runId, first.runId]);
    expect(env.logs).toEqual([]);
  });

  it('a bad filter is a user error with a fix', async () => {
    const env = memoryEnv();
    await env.engine.run(okPlan('penguins', 'predict species'), { createdBy: 'bob' });
    await env.memory.flush();
    await expect(searchMemory(env.config, 'species', { filter: 'no_such_column = 1' })).rejects.toMatchObject(
      {
        code: 'MEMORY_FILTER_INVALID',
      },
    );
  });

  it('a blocked memory folder does not fail runs, and rebuild restores search', async () => {
    const ws = setup();
    ws.store.close();
    const blocked = path.join(ws.workspace, 'blocked-memory');
    writeFileSync(blocked, 'not a folder'); // LanceDB cannot create its folder here
    const env = memoryEnv(blocked);
    const out = await env.engine.run(failingPlan('disk quota exceeded while writing checkpoint'), {
      createdBy: 'cron',
    });
    expect(out.status).toBe('failed');
    const ok = await env.engine.run(okPlan('penguins', 'predict species'), { createdBy: 'bob' });
    expect(ok.status).toBe('succeeded');
    expect((await env.memory.flush()).pending).toBe(2);
    expect(env.logs).toHaveLength(1);
    expect(env.logs[0]).toMatch(/retrying in the background/);

    const r = await rebuildMemory(env.store, env.config);
    expect(r.runs).toBe(2);
    const hits = await searchMemory(env.config, 'disk quota exceeded', { filter: "status = 'failed'" });
    expect(hits[0]?.run_id).toBe(out.runId);
    // The background writer now succeeds and adds nothing twice.
    expect((await env.memory.flush()).pending).toBe(0);
    const all = await searchMemory(env.config, 'disk quota exceeded', { limit: 100 });
    expect(all.filter((h) => h.kind === 'run' && h.run_id === out.runId)).toHaveLength(1);
  });

  it('a corrupted memory table does not fail runs, and rebuild restores search', async () => {
    const env = memoryEnv();
    await env.engine.run(okPlan('penguins', 'predict species'), { createdBy: 'bob' });
    await env.memory.flush();
    // Corrupt every manifest of the table.
    const versions = path.join(env.config.memoryDir, 'runs.lance', '_versions');
    for (const f of readdirSync(versions)) writeFileSync(path.join(versions, f), 'garbage');
    env.memory.detach();
    const memory = attachMemory(env.store, env.config, { log: (m) => env.logs.push(m), retryMs: 60_000 });
    cleanups.push(() => memory.detach());
    const out = await env.engine.run(failingPlan('segfault in the tokenizer'), { createdBy: 'cron' });
    expect(out.status).toBe('failed');
    expect((await memory.flush()).pending).toBe(1);
    await expect(searchMemory(env.config, 'segfault')).rejects.toMatchObject({ code: 'MEMORY_UNREADABLE' });

    await rebuildMemory(env.store, env.config);
    const hits = await searchMemory(env.config, 'segfault in the tokenizer', { filter: "status = 'failed'" });
    expect(hits[0]?.run_id).toBe(out.runId);
    expect((await memory.flush()).pending).toBe(0);
  });
});

describe('run memory at scale', () => {
  it('search sees runs written after it first opened the table (another handle wrote them)', async () => {
    const env = memoryEnv();
    await env.engine.run(okPlan('penguins', 'predict species from penguins'), { createdBy: 'bob' });
    await env.memory.flush();
    expect((await searchMemory(env.config, 'species')).length).toBeGreaterThan(0); // opens and keeps the table
    const later = await env.engine.run(failingPlan('segfault in the tokenizer'), { createdBy: 'cron' });
    await env.memory.flush();
    const hits = await searchMemory(env.config, 'segfault in the tokenizer', { filter: "status = 'failed'" });
    expect(hits[0]?.run_id).toBe(later.runId);
  });

  it(`from ${ANN_THRESHOLD} rows: an IVF_FLAT index and filter-column indices, replacing an older vector index`, async () => {
    const dir = path.join(makeWorkspace('pw-memory-scale-'), 'memory');
    const docs = syntheticDocs(ANN_THRESHOLD + 2_000);
    const index = new MemoryIndex(dir, lexicalEmbedder());
    cleanups.push(() => index.close());
    await index.append(docs.slice(0, ANN_THRESHOLD - 1));
    expect(await index.hasAnnIndex()).toBe(false);
    const table = await index.open();
    if (!table) throw new Error('no table');
    // A vector index of an older kind (as tables built before IVF_FLAT have) is replaced on the next append.
    const { Index } = await import('@lancedb/lancedb');
    await table.createIndex('vector', { config: Index.ivfFlat({ numPartitions: 2 }), name: 'vector_idx' });
    await index.append(docs.slice(ANN_THRESHOLD - 1, ANN_THRESHOLD + 2_000));

    const indices = await table.listIndices();
    const vector = indices.filter((i) => i.columns.includes('vector'));
    expect(vector.map((i) => [i.name, i.indexType])).toEqual([
      [`vector_ivf_flat_p${partitionsFor(ANN_THRESHOLD + 2_000)}`, VECTOR_SEARCH.index],
    ]);
    const indexed = new Map(indices.map((i) => [i.columns.join(','), i.indexType]));
    for (const c of ['status', 'kind', 'pipeline', 'code', 'step']) expect(indexed.get(c)).toBe('Bitmap');
    for (const c of ['run_id', 'time', 'model', 'dataset']) expect(indexed.get(c)).toBe('BTree');

    // The index finds what brute force finds, and filtered hybrid search returns whole documents.
    const [v] = await index.embedder.embed(['fraud-scoring Step train of pipeline fraud-scoring failed']);
    const ann = await index.nearest(v as number[], { limit: 10 });
    const exact = await index.nearest(v as number[], { limit: 10, exact: true });
    expect(ann.map((r) => r.id)).toEqual(exact.map((r) => r.id));
    const hits = await index.search('CUDA out of memory', { filter: { status: 'failed' }, limit: 5 });
    expect(hits).toHaveLength(5);
    for (const h of hits) {
      expect(h.status).toBe('failed');
      expect(h.text).toMatch(/^\S/);
      const doc = docs.find((d) => d.id === h.id);
      expect(doc).toMatchObject({ text: h.text, run_id: h.run_id, kind: h.kind, pipeline: h.pipeline });
    }
    expect(hits[0]?.text).toContain('CUDA out of memory');
  }, 60_000);

  it('tables written before the packed document column are still searched and appended to', async () => {
    const dir = path.join(makeWorkspace('pw-memory-legacy-'), 'memory');
    const [a, b, c] = syntheticDocs(20).filter((d) => d.kind === 'error' || d.kind === 'run');
    if (!a || !b || !c) throw new Error('need three documents');
    const lancedb = await import('@lancedb/lancedb');
    const conn = await lancedb.connect(dir);
    const legacy = await conn.createTable(
      'runs',
      [a, b].map((d) => ({ ...d, vector: Array.from(lexicalEmbedding(d.text)) })),
    );
    await legacy.createIndex('text', { config: lancedb.Index.fts() });
    conn.close();

    const index = new MemoryIndex(dir, lexicalEmbedder());
    cleanups.push(() => index.close());
    expect(await index.append([c])).toBe(1);
    const table = await index.open();
    expect((await table?.schema())?.fields.map((f) => f.name)).not.toContain('doc');
    const hits = await index.search(c.text, { withVectors: true });
    expect(hits.map((h) => h.id).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(hits[0]).toMatchObject({
      id: c.id,
      text: c.text,
      run_id: c.run_id,
      status: c.status,
      code: c.code,
    });
    expect(hits[0]?.vector).toHaveLength(384);
  });

  it('IVF partitions hold about 800 rows each, up to a cap', () => {
    expect(partitionsFor(ANN_THRESHOLD)).toBe(13);
    expect(partitionsFor(100_000)).toBe(125);
    expect(partitionsFor(10_000_000)).toBe(VECTOR_SEARCH.maxPartitions);
  });
});

describe('embeddings', () => {
  it('lexical: same text, same vector; unit norm; similar texts closer than unrelated ones', () => {
    const a = lexicalEmbedding('training failed: CUDA out of memory on device 0');
    const b = lexicalEmbedding('training failed: CUDA out of memory on device 0');
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.length).toBe(384);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    const similar = lexicalEmbedding('train step failed with CUDA out of memory');
    const unrelated = lexicalEmbedding('deployed penguin species classifier to production');
    expect(cosine(a, similar)).toBeGreaterThan(cosine(a, unrelated) + 0.2);
    expect(Array.from(lexicalEmbedding(''))).toEqual(new Array(384).fill(0));
  });

  it('openai-compatible and ollama providers call their HTTP APIs', async () => {
    const seen: { url: string; body: Record<string, unknown> }[] = [];
    const vec = (t: string) => [t.length, 1, 0.5];
    const server: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        const body = JSON.parse(raw) as { input: string | string[]; encoding_format?: string };
        seen.push({ url: req.url ?? '', body });
        const inputs = Array.isArray(body.input) ? body.input : [body.input];
        res.setHeader('content-type', 'application/json');
        if (req.url === '/v1/embeddings') {
          const data = inputs.map((t, index) => {
            const v = vec(t);
            const embedding =
              body.encoding_format === 'base64'
                ? Buffer.from(new Float32Array(v).buffer).toString('base64')
                : v;
            return { object: 'embedding', index, embedding };
          });
          res.end(
            JSON.stringify({
              object: 'list',
              data,
              model: 'm',
              usage: { prompt_tokens: 1, total_tokens: 1 },
            }),
          );
        } else if (req.url === '/api/embed') {
          res.end(JSON.stringify({ model: 'm', embeddings: inputs.map(vec) }));
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const openai = createEmbedder({
      embeddings: 'openai',
      embeddingModel: 'emb-small',
      llmBaseUrl: `${base}/v1`,
    });
    expect(await openai.embed(['hello', 'hi'])).toEqual([vec('hello'), vec('hi')]);
    expect(seen[0]).toMatchObject({ url: '/v1/embeddings', body: { model: 'emb-small' } });

    const ollama = createEmbedder({ embeddings: 'ollama', embeddingModel: 'nomic', llmBaseUrl: base });
    expect(await ollama.embed(['abc'])).toEqual([vec('abc')]);
    expect(seen.at(-1)).toMatchObject({ url: '/api/embed', body: { model: 'nomic' } });

    const down = createEmbedder({ embeddings: 'ollama', llmBaseUrl: 'http://127.0.0.1:9' });
    await expect(down.embed(['x'])).rejects.toMatchObject({ code: 'EMBEDDINGS_FAILED' });
  });
});
