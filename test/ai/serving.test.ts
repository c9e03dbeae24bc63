/**
 * Serving a search index like a model: registered, deployed (with a canary), searched over HTTP on the real
 * app, rolled back, logged; and monitor.retrieval on the search log.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PredictionLog } from '../../src/server/prediction-log.ts';
import { docsChunk } from '../../tools/ai/docs-chunk.ts';
import { docsLoad } from '../../tools/ai/docs-load.ts';
import { embedChunks } from '../../tools/ai/embed.ts';
import { indexLancedb } from '../../tools/ai/index-lancedb.ts';
import { indexRegister } from '../../tools/ai/index-register.ts';
import { monitorRetrieval } from '../../tools/ai/retrieval-drift.ts';
import { deployHttp } from '../../tools/deploy/http.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { testServer } from '../server/helpers.ts';
import { writeDocs } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
type Json = Record<string, any>;
const json = async (res: Response) => (await res.json()) as Json;

function server() {
  const s = testServer();
  onTestFinished(async () => {
    await s.close();
    s.store.close();
    rmSync(s.workspace, { recursive: true, force: true });
  });
  const write = writeDocs(s.workspace);
  const ctx = makeTaskContext({ workspace: s.workspace, config: s.config });
  /** docs/ → a new index version, registered as the next version of "docs". */
  const indexAndRegister = async () => {
    const docs = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
    const chunks = await docsChunk.run(docsChunk.input.parse({ documents: docs.dataset, size: 300 }), ctx);
    const emb = await embedChunks.run(embedChunks.input.parse({ chunks: chunks.dataset }), ctx);
    const idx = await indexLancedb.run(
      indexLancedb.input.parse({ embeddings: emb.dataset, name: 'docs' }),
      ctx,
    );
    const reg = await indexRegister.run(
      indexRegister.input.parse({ index: idx.index, metrics: { recall: 0.9 } }),
      ctx,
    );
    return { idx, reg };
  };
  const search = (body: unknown, headers: Record<string, string> = {}, query = '') =>
    s.call('POST', `/indexes/docs/search${query}`, { body, headers });
  return { ...s, write, ctx, indexAndRegister, search };
}

describe('serving a search index', () => {
  it('deploys, searches, canaries, pins and rolls back, logging every search', async () => {
    const f = server();
    // Each deployment is its own step: a step deploys once (its idempotency key), however often it runs.
    const step = (id: string) => ({ ...f.ctx, stepId: id, idempotencyKey: `run-test/${id}` });
    const { idx: v1, reg: r1 } = await f.indexAndRegister();
    expect(r1).toMatchObject({ name: 'docs', version: 1, endpoint: '/indexes/docs/search' });

    const notYet = await f.search({ query: 'approval timeout' });
    expect(notYet.status).toBe(404);
    expect((await json(notYet)).error.code).toBe('MODEL_NOT_DEPLOYED');

    const dep = await deployHttp.run(
      deployHttp.input.parse({ model: 'docs', version: 1 }),
      step('deploy-v1'),
    );
    expect(dep.endpoint).toBe('/indexes/docs/search');
    const res = await f.search({ query: 'how long until an approval times out', k: 2 });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      index: 'docs',
      version: 1,
      tableVersion: v1.index.tableVersion,
      route: 'stable',
    });
    expect(body.results).toHaveLength(2);
    expect(body.results[0]).toMatchObject({
      path: 'docs/guide.md',
      heading: 'Pipewright guide > Approvals > Timeouts',
    });
    expect(res.headers.get('x-model-version')).toBe('1');

    // A second version: a new document; canary half of the traffic to it.
    f.write(
      'docs/canary.md',
      '# Canary releases\n\nA canary sends a share of the search traffic to the new index.\n',
    );
    const { idx: v2 } = await f.indexAndRegister();
    expect(v2.index.tableVersion).toBeGreaterThan(v1.index.tableVersion);
    await deployHttp.run(
      deployHttp.input.parse({ model: 'docs', version: 1, canary: { version: 2, share: 0.5 } }),
      step('deploy-canary'),
    );
    const routes = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const r = await json(
        await f.search({ query: 'canary share of traffic', k: 1 }, { 'x-request-id': `req-${i}` }),
      );
      routes.set(r.route, (routes.get(r.route) ?? 0) + 1);
      // The canary (version 2) has the new document; the stable version does not.
      if (r.route === 'canary') expect(r.results[0].path).toBe('docs/canary.md');
      else expect(r.results[0].path).not.toBe('docs/canary.md');
    }
    expect(routes.get('canary')).toBeGreaterThan(5);
    expect(routes.get('stable')).toBeGreaterThan(5);
    const same = await json(await f.search({ query: 'x', k: 1 }, { 'x-request-id': 'req-7' }));
    const again = await json(await f.search({ query: 'x', k: 1 }, { 'x-request-id': 'req-7' }));
    expect(again.route).toBe(same.route); // one request id, one route

    const pinned = await json(await f.search({ query: 'canary', k: 1 }, {}, '?version=2'));
    expect(pinned).toMatchObject({ version: 2, route: 'pinned', tableVersion: v2.index.tableVersion });

    // Promote version 2, then roll back over the API: the very next search is served by version 1 again.
    await deployHttp.run(deployHttp.input.parse({ model: 'docs', version: 2 }), step('deploy-v2'));
    expect((await json(await f.search({ query: 'canary', k: 1 }))).version).toBe(2);
    const rb = await f.call('POST', '/models/docs/rollback', {
      token: f.tokens.operator,
      body: { reason: 'worse' },
    });
    expect(rb.status).toBe(200);
    const after = await json(await f.search({ query: 'canary', k: 1 }));
    expect(after).toMatchObject({ version: 1, tableVersion: v1.index.tableVersion });

    // Listing needs a token; predict on an index says where to go instead.
    expect((await f.call('GET', '/indexes')).status).toBe(401);
    const list = await json(await f.call('GET', '/indexes', { token: f.tokens.viewer }));
    expect(list.indexes.map((m: { name: string }) => m.name)).toEqual(['docs']);
    const info = await json(await f.call('GET', '/indexes/docs', { token: f.tokens.viewer }));
    expect(info.versions.map((v: { tableVersion: number }) => v.tableVersion)).toEqual([
      v2.index.tableVersion,
      v1.index.tableVersion,
    ]);
    const predict = await f.call('POST', '/models/docs/predict', { body: { instance: { x: 1 } } });
    expect(predict.status).toBe(400);
    expect((await json(predict)).error).toMatchObject({
      code: 'MODEL_IS_INDEX',
      fix: expect.stringContaining('/indexes/docs/search'),
    });
    const bad = await f.search({ query: '', k: 1000 });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.problems.map((p: { path: string }) => p.path).sort()).toEqual([
      'k',
      'query',
    ]);

    // Every search went to the prediction log, with its query and the nearest distance.
    await f.close();
    const dir = path.join(f.config.stateDir, 'predictions', 'docs');
    expect(existsSync(dir)).toBe(true);
    const files = readdirSync(dir).filter((file) => file.endsWith('.jsonl'));
    const lines = files.flatMap((file) =>
      readFileSync(path.join(dir, file), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
    expect(lines.length).toBeGreaterThanOrEqual(45);
    expect(lines[0]).toMatchObject({ model: 'docs', input: { query: expect.any(String), mode: 'hybrid' } });
    expect(typeof lines[0].prediction.nearest).toBe('number');
    // A malformed search is refused before routing (as predict's are): no version's error rate counts it.
    const errorsDir = path.join(dir, 'errors');
    const errors = existsSync(errorsDir)
      ? readdirSync(errorsDir).flatMap((file) =>
          readFileSync(path.join(errorsDir, file), 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l)),
        )
      : [];
    expect(errors.filter((e) => e.code === 'REQUEST_INVALID')).toEqual([]);
  });
});

describe('monitor.retrieval', () => {
  const topics = [
    'approval timeout',
    'step cache key',
    'gpu workers bullmq',
    'drift checks traffic',
    'release notes',
  ];
  const offTopic = [
    'best pizza in naples',
    'how to train a puppy',
    'cheap flights to lisbon',
    'football scores today',
  ];

  async function logQueries(stateDir: string, queries: { at: Date; query: string; nearest: number }[]) {
    const log = new PredictionLog({ stateDir });
    log.append(
      queries.map((q, i) => ({
        at: q.at.toISOString(),
        model: 'docs',
        version: 1,
        requestId: `r${i}`,
        index: 0,
        route: 'stable' as const,
        input: { query: q.query, k: 5, mode: 'hybrid' },
        prediction: { ids: [], paths: [], nearest: q.nearest },
        latencyMs: 1,
      })),
    );
    await log.close();
  }

  it('flags queries that moved off the indexed topics, and not a window like the reference', async () => {
    const f = server();
    await f.indexAndRegister();
    const now = new Date('2026-12-01T12:00:00Z');
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    const reference = Array.from({ length: 80 }, (_, i) => ({
      at: hoursAgo(30 + i),
      query: `${topics[i % topics.length]} ${i % 3 === 0 ? 'please' : ''}`.trim(),
      nearest: 0.3 + (i % 10) / 100,
    }));
    const similar = Array.from({ length: 60 }, (_, i) => ({
      at: hoursAgo(1 + i / 4),
      query: `${topics[(i + 2) % topics.length]} ${i % 3 === 1 ? 'please' : ''}`.trim(),
      nearest: 0.3 + ((i + 5) % 10) / 100,
    }));
    await logQueries(f.config.stateDir, [...reference, ...similar]);
    const calm = await monitorRetrieval.run(
      monitorRetrieval.input.parse({ index: 'docs', now: now.toISOString() }),
      f.ctx,
    );
    expect(calm).toMatchObject({
      verdict: 'no_drift',
      drifted: false,
      alert: null,
      queries: { reference: 80, current: 60 },
    });
    expect(calm.tests.map((t) => t.name)).toEqual([
      'query_length',
      'terms',
      'embedding_centroid',
      'embedding_distance',
      'retrieval_distance',
    ]);

    // The next day: questions about something else, longer, and far from every chunk.
    const later = new Date(now.getTime() + 24 * 3_600_000);
    const drifted = Array.from({ length: 60 }, (_, i) => ({
      at: new Date(later.getTime() - (1 + i / 4) * 3_600_000),
      query: `${offTopic[i % offTopic.length]} near me this weekend`,
      nearest: 0.8 + (i % 10) / 100,
    }));
    await logQueries(f.config.stateDir, drifted);
    const moved = await monitorRetrieval.run(
      monitorRetrieval.input.parse({ index: 'docs', now: later.toISOString(), referenceHours: 24 * 7 }),
      f.ctx,
    );
    expect(moved.verdict).toBe('drift');
    const flagged = moved.tests.filter((t) => t.drifted).map((t) => t.name);
    expect(flagged).toEqual(
      expect.arrayContaining([
        'query_length',
        'terms',
        'embedding_centroid',
        'embedding_distance',
        'retrieval_distance',
      ]),
    );
    expect(moved.alert).toMatchObject({ kind: 'retrieval_drift', severity: 'critical', index: 'docs' });

    const few = await monitorRetrieval.run(
      monitorRetrieval.input.parse({ index: 'docs', now: later.toISOString(), currentHours: 0.5 }),
      f.ctx,
    );
    expect(few.verdict).toBe('insufficient_data');
  });
});
