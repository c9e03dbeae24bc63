import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLineage } from '../../src/lineage/index.ts';
import { testServer, until } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
type Json = Record<string, any>;
const json = async (res: Response) => (await res.json()) as Json;

const plan = {
  name: 'small',
  steps: [
    { id: 'a', task: 'test.mark', with: { label: 'a', score: 1 } },
    { id: 'b', task: 'test.mark', dependsOn: ['a'], with: { label: 'b', score: 2 } },
  ],
};

describe('lineage, production, memory and ask routes', () => {
  const s = testServer();
  const detach = attachLineage(s.store, { log: () => {} });
  let runId = '';
  const viewer = (method: string, url: string, body?: unknown) =>
    s.call(method, url, { token: s.tokens.viewer, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    const started = await s.call('POST', '/api/runs', { token: s.tokens.operator, body: { plan } });
    expect(started.status).toBe(202);
    runId = (await json(started)).runId;
    await until(() => s.store.getRun(runId)?.status === 'succeeded');
  });
  afterAll(async () => {
    detach();
    await s.close();
  });

  it('lists the new routes in the OpenAPI document, for viewers', async () => {
    const doc = await json(await viewer('GET', '/api/openapi.json'));
    expect(doc.paths['/api/lineage/{entity}'].get.parameters.map((p: Json) => p.name)).toEqual(
      expect.arrayContaining(['entity', 'direction', 'depth']),
    );
    expect(doc.paths['/api/production'].get).toBeDefined();
    expect(doc.paths['/api/memory/search'].get.parameters.map((p: Json) => p.name)).toEqual(
      expect.arrayContaining(['q', 'status', 'limit']),
    );
    expect(doc.paths['/api/ask'].post.requestBody).toBeDefined();
    for (const p of ['/api/lineage/:entity', '/api/production', '/api/memory/search', '/api/ask']) {
      expect(s.routes.find((r) => r.path === p)?.role).toBe('viewer');
    }
    expect(doc.paths['/api/lineage/{entity}'].get['x-required-role']).toBe('viewer');
  });

  it('walks the lineage of a run, both directions', async () => {
    const up = await viewer('GET', `/api/lineage/${runId}?direction=up&depth=3`);
    expect(up.status).toBe(200);
    const walk = await json(up);
    expect(walk.root.id).toBe(`run:${runId}`);
    expect(walk.direction).toBe('up');
    expect(walk.depth).toBe(3);
    expect(walk.tree).toContain(`run:${runId}`);
    const down = await json(
      await viewer('GET', `/api/lineage/${encodeURIComponent(`run:${runId}`)}?direction=down`),
    );
    expect(down.root.id).toBe(`run:${runId}`);
    expect(down.nodes.map((n: Json) => n.id)).toEqual(
      expect.arrayContaining([`run:${runId}`, `step:${runId}/a`, `step:${runId}/b`]),
    );
  });

  it('answers 404 with a clear error for an unknown entity, 400 for a bad direction', async () => {
    const res = await viewer('GET', '/api/lineage/dataset:nothing-like-this');
    expect(res.status).toBe(404);
    const body = await json(res);
    expect(body.error).toMatchObject({
      code: 'LINEAGE_NOT_FOUND',
      what: expect.stringMatching(/nothing-like-this/),
    });
    expect(body.error.fix).toMatch(/pipewright lineage/);
    expect((await viewer('GET', `/api/lineage/${runId}?direction=sideways`)).status).toBe(400);
  });

  it('says what is in production (nothing yet)', async () => {
    const res = await viewer('GET', '/api/production');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ production: [] });
  });

  it('searches run memory: no memory folder yet gives no hits, not an error', async () => {
    const res = await viewer('GET', '/api/memory/search?q=why%20did%20it%20fail&status=failed&limit=5');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ query: 'why did it fail', hits: [] });
    expect((await viewer('GET', '/api/memory/search')).status).toBe(400);
  });

  it('answers questions with cited ids', async () => {
    const res = await viewer('POST', '/api/ask', { question: 'What is in production?' });
    expect(res.status).toBe(200);
    const a = await json(res);
    expect(a).toMatchObject({ source: 'lineage', answer: expect.stringMatching(/Nothing is in production/) });
    expect(Object.keys(a.citations).sort()).toEqual([
      'approvals',
      'datasets',
      'deployments',
      'models',
      'runs',
    ]);
    const lineage = await json(
      await viewer('POST', '/api/ask', { question: `What is upstream of run:${runId}?` }),
    );
    expect(lineage.source).toBe('lineage');
    expect(lineage.citations.runs).toContain(runId);
    expect((await viewer('POST', '/api/ask', { question: '' })).status).toBe(400);
    expect((await s.call('POST', '/api/ask', { body: { question: 'hi' } })).status).toBe(401);
  });
});
