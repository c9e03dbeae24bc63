import { afterAll, describe, expect, it } from 'vitest';
import { workspaceDeps } from '../../agents/planner/index.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';
import { planGoalWithProgress, progressLines } from '../../src/server/sse.ts';
import { testServer } from './helpers.ts';

/** Parses an SSE body into [event, data] pairs. */
async function events(res: Response): Promise<[string, Record<string, unknown>][]> {
  const text = await res.text();
  return text
    .split(/\n\n+/)
    .filter((b) => b.trim())
    .map((block) => {
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      return [type, JSON.parse(data.join('\n'))];
    });
}

describe('POST /api/plans/stream', () => {
  const s = testServer();
  afterAll(() => s.close());

  it('streams progress, then the planner answer, then ends', async () => {
    const res = await s.call('POST', '/api/plans/stream', {
      token: s.tokens.viewer,
      body: { goal: 'predict species from data/penguins.json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const got = await events(res);
    const types = got.map(([t]) => t);
    expect(types[0]).toBe('progress');
    expect(['plan', 'clarify', 'refused']).toContain(types.at(-1));
    expect(types.slice(0, -1).every((t) => t === 'progress')).toBe(true);
    expect(got[0]?.[1]).toEqual({ message: expect.any(String) });
  });

  it('refuses a bad body (400) or no token (401) before streaming', async () => {
    expect(
      (await s.call('POST', '/api/plans/stream', { token: s.tokens.viewer, body: { goal: '' } })).status,
    ).toBe(400);
    expect((await s.call('POST', '/api/plans/stream', { body: { goal: 'x' } })).status).toBe(401);
  });

  it('is in the OpenAPI document as an event stream for viewers', async () => {
    const doc = (await (await s.call('GET', '/api/openapi.json', { token: s.tokens.viewer })).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
      >;
    };
    const op = doc.paths['/api/plans/stream']?.post;
    expect(op).toBeDefined();
    expect(Object.keys(op?.responses['200']?.content ?? {})).toContain('text/event-stream');
  });
});

describe('POST /api/plans/stream with a given planner', () => {
  const clarify = testServer({ planner: async () => ({ kind: 'clarify', question: 'Which column?' }) });
  const failing = testServer({
    planner: async () => {
      throw new Error('boom');
    },
  });
  afterAll(() => {
    clarify.close();
    failing.close();
  });

  it('ends with a clarify event', async () => {
    const res = await clarify.call('POST', '/api/plans/stream', {
      token: clarify.tokens.viewer,
      body: { goal: 'predict something' },
    });
    const got = await events(res);
    expect(got.map(([t]) => t)).toEqual(['progress', 'clarify']);
    expect(got[1]?.[1]).toEqual({ clarify: 'Which column?' });
  });

  it('ends with an error event when the planner throws', async () => {
    const res = await failing.call('POST', '/api/plans/stream', {
      token: failing.tokens.viewer,
      body: { goal: 'predict something' },
    });
    const got = await events(res);
    expect(got.map(([t]) => t)).toEqual(['progress', 'error']);
    expect(got[1]?.[1]).toHaveProperty('error');
  });
});

describe('planGoalWithProgress', () => {
  const ws = makeWorkspace();
  afterAll(() => ws.cleanup());

  it('reports each stage of the planner graph, reading before drafting before validating', async () => {
    const lines: string[] = [];
    const result = await planGoalWithProgress(
      'predict species from data/penguins.json',
      { registry: await fullRegistry(), ...workspaceDeps(ws.dir) },
      (l) => lines.push(l),
    );
    expect(result.kind).toBe('plan');
    const reading = lines.findIndex((l) => /^reading data\/penguins\.json: 344 rows, \d+ columns$/.test(l));
    const drafting = lines.indexOf('drafting');
    const validating = lines.findIndex((l) => l.startsWith('validating'));
    expect(reading).toBeGreaterThanOrEqual(0);
    expect(drafting).toBeGreaterThan(reading);
    expect(validating).toBeGreaterThan(drafting);
  });

  it('names repair rounds', () => {
    expect(progressLines('draft', { attempts: 2 })).toEqual(['repair round 1: drafting']);
    expect(progressLines('validate', { problems: [{}, {}] })).toEqual(['validating: 2 problems']);
  });
});
