import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/server/api.ts';
import { CONSOLE_ROUTES } from '../../src/server/console-api.ts';
import { readMarks } from '../helpers/tasks.ts';
import { gatedPlan, testServer, until } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
type Json = Record<string, any>;
const json = async (res: Response) => (await res.json()) as Json;

describe('API auth', () => {
  const s = testServer();
  afterAll(() => s.close());

  it('refuses everything while no token exists, saying how to create one', async () => {
    const bare = testServer();
    for (const t of bare.auth.listTokens()) bare.auth.revokeToken(t.id, 'test');
    const res = await bare.call('GET', '/api/runs');
    expect(res.status).toBe(401);
    const body = await json(res);
    expect(body.error.code).toBe('NO_TOKENS');
    expect(body.error.fix).toMatch(/pipewright token create --role admin/);
    expect((await bare.call('GET', '/health')).status).toBe(200);
    await bare.close();
  });

  it('answers 401 without a token or with a bad or revoked one', async () => {
    expect((await s.call('GET', '/api/runs')).status).toBe(401);
    const bad = await s.call('GET', '/api/runs', { token: `${s.tokens.viewer.slice(0, -2)}xx` });
    expect(bad.status).toBe(401);
    expect((await json(bad)).error).toMatchObject({
      code: 'UNAUTHORIZED',
      what: 'The bearer token is not valid',
    });
    const { token } = s.auth.createToken({ name: 'temp', role: 'viewer', createdBy: 'test' });
    expect((await s.call('GET', '/api/runs', { token })).status).toBe(200);
    s.auth.revokeToken('temp', 'test');
    expect((await s.call('GET', '/api/runs', { token })).status).toBe(401);
  });

  it('answers 403 when the role is too low, and lets higher roles through', async () => {
    const asViewer = await s.call('POST', '/api/runs', { token: s.tokens.viewer, body: { plan: gatedPlan } });
    expect(asViewer.status).toBe(403);
    expect((await json(asViewer)).error).toMatchObject({
      code: 'FORBIDDEN',
      what: expect.stringMatching(/vera \(viewer\)/),
    });
    expect((await s.call('GET', '/api/approvals', { token: s.tokens.viewer })).status).toBe(200);
    expect((await s.call('GET', '/api/tokens', { token: s.tokens.approver })).status).toBe(403);
    const listed = await json(await s.call('GET', '/api/tokens', { token: s.tokens.admin }));
    expect(listed.tokens.map((t: Json) => t.name)).toEqual(
      expect.arrayContaining(['vera', 'otto', 'alice', 'root']),
    );
    const decide = await s.call('POST', '/api/runs/nope/approvals/ok', {
      token: s.tokens.operator,
      body: { approved: true },
    });
    expect(decide.status).toBe(403);
  });

  it('stores tokens hashed: the plaintext is nowhere in the database', async () => {
    const created = await s.call('POST', '/api/tokens', {
      token: s.tokens.admin,
      body: { name: 'ci', role: 'operator' },
    });
    expect(created.status).toBe(201);
    const { token } = await json(created);
    expect(token).toMatch(/^pw_[a-f0-9]{12}_/);
    const rows = s.store.db.prepare('SELECT * FROM api_tokens').all() as Json[];
    expect(rows.length).toBeGreaterThanOrEqual(5);
    // Tokens are pw_<id>_<secret>; the secret itself may contain "_".
    const secretOf = (t: string) => t.slice(t.indexOf('_', 3) + 1);
    for (const secret of [token, ...Object.values(s.tokens)]) {
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(JSON.stringify(rows)).not.toContain(secretOf(secret));
    }
    if (s.store.db.dialect === 'sqlite') {
      s.store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      const file = readFileSync(path.join(s.config.stateDir, 'state.db')).toString('latin1');
      expect(file).not.toContain(secretOf(token));
    }
    expect(s.store.listAudit({ target: 'token:ci' })[0]).toMatchObject({
      actor: 'root',
      action: 'token.create',
    });
  });
});

describe('API validation', () => {
  const s = testServer();
  afterAll(() => s.close());

  it('lists every problem of a body with its path (400)', async () => {
    const res = await s.call('POST', '/api/runs', {
      token: s.tokens.operator,
      body: { plan: 42, inputs: 'x', extra: true },
    });
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.problems.map((p: Json) => p.path).sort()).toEqual(['', 'inputs', 'plan']);
    expect(error.problems.find((p: Json) => p.path === '').message).toMatch(/extra/);
  });

  it('validates a plan as a whole, every problem with its path', async () => {
    const plan = {
      name: 'broken',
      steps: [
        { id: 'a', task: 'test.mrak', with: { label: 'a' } },
        { id: 'b', task: 'test.mark', dependsOn: ['tain'], with: { label: 'b' } },
      ],
    };
    const res = await s.call('POST', '/api/plans/validate', { token: s.tokens.viewer, body: { plan } });
    expect(res.status).toBe(200);
    const report = await json(res);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p: Json) => p.path)).toEqual(
      expect.arrayContaining(['steps[0].task', 'steps[1].dependsOn[0]']),
    );
    const yaml = 'name: fine\nsteps:\n  - id: a\n    task: test.echo\n    with: { value: 1 }\n';
    expect(
      await json(
        await s.call('POST', '/api/plans/validate', { token: s.tokens.viewer, body: { plan: yaml } }),
      ),
    ).toMatchObject({ ok: true, problems: [] });
    const run = await s.call('POST', '/api/runs', { token: s.tokens.operator, body: { plan } });
    expect(run.status).toBe(400);
    expect((await json(run)).error.problems.length).toBeGreaterThanOrEqual(2);
  });

  it('answers malformed JSON with 400, oversized bodies with 413, unknown runs with 404', async () => {
    const bad = await s.call('POST', '/api/runs', { token: s.tokens.operator, body: '{"plan":' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBe('BODY_NOT_JSON');
    const big = await s.call('POST', '/api/plans/validate', {
      token: s.tokens.viewer,
      body: { plan: 'x'.repeat(1024 * 1024 + 10) },
    });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe('BODY_TOO_LARGE');
    const missing = await s.call('GET', '/api/runs/run-nope', { token: s.tokens.viewer });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('RUN_NOT_FOUND');
  });

  it('turns a goal into a plan, a question or a refusal', async () => {
    const res = await s.call('POST', '/api/plans', {
      token: s.tokens.viewer,
      body: { goal: 'rm -rf / on the server' },
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(Object.keys(body).some((k) => ['plan', 'clarify', 'refused'].includes(k))).toBe(true);
    expect((await s.call('POST', '/api/plans', { token: s.tokens.viewer, body: { goal: '' } })).status).toBe(
      400,
    );
  });
});

describe('API runs and approvals', () => {
  const s = testServer();
  afterAll(() => s.close());

  it('starts a run in the background, approves through the API and the run resumes to success', async () => {
    const started = await s.call('POST', '/api/runs', {
      token: s.tokens.operator,
      body: { plan: gatedPlan },
    });
    expect(started.status).toBe(202);
    const { runId } = await json(started);
    await until(() => s.store.getRun(runId)?.status === 'waiting');
    const pending = await json(
      await s.call('GET', '/api/approvals?status=pending', { token: s.tokens.viewer }),
    );
    expect(pending.approvals).toEqual([expect.objectContaining({ runId, stepId: 'ok', status: 'pending' })]);

    const ok = await s.call('POST', `/api/runs/${runId}/approvals/ok`, {
      token: s.tokens.approver,
      body: { approved: true, comment: 'ship it' },
    });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ status: 'approved', decidedBy: 'alice', via: 'api' });
    await s.executor.idle();
    const detail = await json(await s.call('GET', `/api/runs/${runId}`, { token: s.tokens.viewer }));
    expect(detail.run.status).toBe('succeeded');
    expect(detail.run.createdBy).toBe('otto');
    expect(detail.steps.map((x: Json) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(readMarks(s.workspace)).toEqual(['train', 'deploy']);
    const audit = s.store.listAudit({ target: runId });
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'alice', action: 'approval.approve', target: `${runId}/ok` }),
        expect.objectContaining({ actor: 'otto', action: 'run.create' }),
      ]),
    );

    const again = await s.call('POST', `/api/runs/${runId}/approvals/ok`, {
      token: s.tokens.approver,
      body: { approved: false },
    });
    expect(again.status).toBe(409);
    const { error } = await json(again);
    expect(error.code).toBe('APPROVAL_ALREADY_DECIDED');
    expect(error.why).toMatch(/alice decided at .* via api/);
    expect(error.approval).toMatchObject({ status: 'approved', decidedBy: 'alice' });
    expect(s.store.getApproval(runId, 'ok')?.status).toBe('approved');

    const logs = await json(
      await s.call('GET', `/api/runs/${runId}/logs?after=0`, { token: s.tokens.viewer }),
    );
    expect(logs.events.at(-1).type).toBe('run.succeeded');
    const runs = await json(await s.call('GET', '/api/runs?status=succeeded', { token: s.tokens.viewer }));
    expect(runs.runs.map((r: Json) => r.id)).toContain(runId);
    expect((await s.call('GET', '/api/runs?limit=0', { token: s.tokens.viewer })).status).toBe(400);
  });

  it('cancels a run as the caller', async () => {
    const { runId } = await json(
      await s.call('POST', '/api/runs', {
        token: s.tokens.operator,
        body: {
          plan: {
            name: 'slow',
            steps: [{ id: 'wait', task: 'test.mark', with: { label: 'w', delayMs: 5000 } }],
          },
        },
      }),
    );
    await until(() => s.store.getStep(runId, 'wait')?.status === 'running');
    const res = await s.call('POST', `/api/runs/${runId}/cancel`, { token: s.tokens.operator });
    expect(res.status).toBe(200);
    await s.executor.idle();
    expect(s.store.getRun(runId)?.status).toBe('cancelled');
    expect(s.store.listAudit({ target: runId })).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: 'otto', action: 'run.cancel' })]),
    );
    expect((await s.call('POST', `/api/runs/${runId}/cancel`, { token: s.tokens.operator })).status).toBe(
      409,
    );
  });
});

/** Reads an SSE body to its end: [{ id, event, data }]. */
async function readSse(res: Response): Promise<{ id: number; event: string; data: Json }[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim() ?? '';
      return { id: Number(field('id')), event: field('event'), data: JSON.parse(field('data')) as Json };
    });
}

describe('API events (SSE)', () => {
  const s = testServer();
  afterAll(() => s.close());

  it('streams a run’s events in order, live, and resumes from Last-Event-ID', async () => {
    const { runId } = await json(
      await s.call('POST', '/api/runs', { token: s.tokens.operator, body: { plan: gatedPlan } }),
    );
    // Connected before the run starts: events arrive live until the run waits.
    const live = await s.call('GET', `/api/runs/${runId}/events`, { token: s.tokens.viewer });
    expect(live.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await readSse(live);
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('run.created');
    expect(types).toEqual(expect.arrayContaining(['run.started', 'step.succeeded', 'step.waiting']));
    expect(types.at(-1)).toBe('run.waiting');
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.every((e) => e.data.seq === e.id && e.data.runId === runId)).toBe(true);

    s.executor.decide({ runId, stepId: 'ok', approved: true, by: 'alice', via: 'test' });
    const mid = ids[2] as number;
    const resumed = await readSse(
      await s.call('GET', `/api/runs/${runId}/events`, {
        token: s.tokens.viewer,
        headers: { 'last-event-id': String(mid) },
      }),
    );
    expect(resumed[0]?.id).toBe(ids[3]);
    expect(resumed.every((e) => e.id > mid)).toBe(true);
    await s.executor.idle();
    const tail = await readSse(
      await s.call('GET', `/api/runs/${runId}/events?access_token=${s.tokens.viewer}`, {
        headers: { 'last-event-id': String(ids.at(-1)) },
      }),
    );
    expect(tail.map((e) => e.event)).toEqual(
      expect.arrayContaining(['approval.decided', 'run.resumed', 'run.succeeded']),
    );
    expect(tail.at(-1)?.event).toBe('run.succeeded');
    expect((await s.call('GET', `/api/runs/${runId}/events`)).status).toBe(401);
  });
});

describe('OpenAPI and metrics', () => {
  const s = testServer();
  afterAll(() => s.close());

  it('serves an OpenAPI 3.1 document generated from the route table and zod schemas', async () => {
    const res = await s.call('GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/runs/{id}/approvals/{step}'].post).toMatchObject({
      'x-required-role': 'approver',
      requestBody: {
        content: { 'application/json': { schema: { $ref: '#/components/schemas/DecisionBody' } } },
      },
    });
    expect(doc.components.schemas.DecisionBody).toMatchObject({
      type: 'object',
      properties: { approved: { type: 'boolean' } },
      required: ['approved'],
    });
    expect(doc.components.schemas.StartRunBody.properties.plan).toBeDefined();
    expect(doc.paths['/api/runs'].get.parameters.map((p: Json) => p.name)).toEqual(
      expect.arrayContaining(['status', 'limit']),
    );
    // Every API route the app serves is in the document, and nothing else.
    const served = new Set(
      s.app.routes
        .filter(
          (r) =>
            r.path.startsWith('/api/') &&
            r.method !== 'ALL' &&
            !r.path.includes('*') &&
            r.path !== '/api/openapi.json',
        )
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Json>).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m} ${p}`),
      ),
    );
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect(documented.size).toBe(ROUTES.length + CONSOLE_ROUTES.length);
  });

  it('exposes Prometheus metrics, open, with request, run and approval counters', async () => {
    await s.call('GET', '/api/runs', { token: s.tokens.viewer });
    await s.call('GET', '/api/runs');
    const { runId } = await json(
      await s.call('POST', '/api/runs', { token: s.tokens.operator, body: { plan: gatedPlan } }),
    );
    await until(() => s.store.getRun(runId)?.status === 'waiting');
    await s.call('POST', `/api/runs/${runId}/approvals/ok`, {
      token: s.tokens.approver,
      body: { approved: true },
    });
    await s.executor.idle();
    await s.call('POST', '/models/ghost/predict', { body: { instance: { x: 1 } } });
    const res = await s.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/pipewright_http_requests_total\{method="GET",route="\/api\/runs",status="200"\} 1/);
    expect(text).toMatch(/pipewright_http_requests_total\{method="GET",route="\/api\/runs",status="401"\} 1/);
    expect(text).toMatch(/pipewright_http_request_duration_seconds_bucket\{.*route="\/api\/runs"/);
    expect(text).toMatch(/pipewright_runs_started_total\{kind="started"\} 1/);
    expect(text).toMatch(/pipewright_runs_finished_total\{status="succeeded"\} 1/);
    expect(text).toMatch(/pipewright_runs_finished_total\{status="waiting"\} 1/);
    expect(text).toMatch(/pipewright_approvals_decided_total\{decision="approved",via="api"\} 1/);
    expect(text).toMatch(/pipewright_prediction_requests_total\{model="ghost",status="404"\} 1/);
  });

  it('routes rollbacks on the open model path through the token check', async () => {
    const res = await s.call('POST', '/models/ghost/rollback', { body: {} });
    expect(res.status).toBe(401);
    const withToken = await s.call('POST', '/models/ghost/rollback', { token: s.tokens.operator, body: {} });
    expect(withToken.status).toBe(404);
  });
});
