/**
 * The contract checker refuses what the document does not allow: an undocumented status, an undocumented
 * field, an error code the route does not list, a body where none is documented, a wrong content type.
 * (contract.int.test.ts relies on it to check every live answer.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ContractChecker } from './contract.ts';
import { testServer } from './helpers.ts';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('the contract checker', () => {
  const s = testServer();
  afterAll(() => s.close());
  const doc = async () =>
    new ContractChecker((await (await s.app.request('/api/openapi.json')).json()) as Record<string, unknown>);

  const run = {
    id: 'run-1',
    planName: 'p',
    plan: { name: 'p', steps: [] },
    planHash: 'h',
    inputs: {},
    status: 'succeeded',
    createdAt: 't',
    createdBy: 'otto',
    trigger: 'api',
    cancelRequested: false,
  };
  const detail = { run, steps: [], approvals: [] };
  const error = (code: string) => ({ error: { code, what: 'w', why: null, fix: null, problems: [] } });

  it('accepts an answer that fits, and records the operation as called', async () => {
    const c = await doc();
    await c.check('GET', '/api/runs/{id}', json(200, detail));
    await c.check('GET', '/api/runs/{id}', json(404, error('RUN_NOT_FOUND')));
    expect([...(c.seen.get('get /api/runs/{id}') ?? [])]).toEqual([200, 404]);
  });

  it('refuses an undocumented field, a missing one, and a wrong type', async () => {
    const c = await doc();
    await expect(c.check('GET', '/api/runs/{id}', json(200, { ...detail, extra: 1 }))).rejects.toThrow(
      /does not fit/,
    );
    const { createdBy: _, ...missing } = run;
    await expect(c.check('GET', '/api/runs/{id}', json(200, { ...detail, run: missing }))).rejects.toThrow(
      /createdBy/,
    );
    await expect(
      c.check('GET', '/api/runs/{id}', json(200, { ...detail, run: { ...run, status: 'exploded' } })),
    ).rejects.toThrow(/does not fit/);
  });

  it('refuses an undocumented status and an error code the route does not list', async () => {
    const c = await doc();
    await expect(c.check('GET', '/api/runs/{id}', json(409, error('RUN_BUSY')))).rejects.toThrow(
      /status not documented/,
    );
    await expect(c.check('GET', '/api/runs/{id}', json(404, error('MODEL_NOT_REGISTERED')))).rejects.toThrow(
      /does not fit/,
    );
  });

  it('refuses a wrong content type, a body where none is documented, and a missing documented header', async () => {
    const c = await doc();
    await expect(c.check('GET', '/health', new Response('ok', { status: 200 }))).rejects.toThrow(
      /content type/,
    );
    await expect(c.check('POST', '/mcp', json(202, { ok: true }))).rejects.toThrow(/without a body/);
    const scored = { model: 'toy', version: 1, predictions: ['hi'] };
    await expect(c.check('POST', '/models/{name}/predict', json(200, scored))).rejects.toThrow(
      /x-model-version/,
    );
    await c.check(
      'POST',
      '/models/{name}/predict',
      json(200, scored, { 'x-model-version': '1', 'x-request-id': 'r' }),
    );
  });

  it('checks each event of a stream', async () => {
    const c = await doc();
    const sse = (data: unknown) =>
      new Response(`id: 1\nevent: run.created\ndata: ${JSON.stringify(data)}\n\n`, {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
      });
    const event = { seq: 1, runId: 'run-1', type: 'run.created', at: 't', data: {} };
    await c.check('GET', '/api/runs/{id}/events', sse(event));
    await expect(
      c.check('GET', '/api/runs/{id}/events', sse({ ...event, type: 'run.exploded' })),
    ).rejects.toThrow(/does not fit/);
  });
});
