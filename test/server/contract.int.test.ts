/**
 * The API contract, live: a real `pipewright serve` (child process) is called on every route its OpenAPI
 * document lists, with the right token, and every answer (status, content type, body; errors too) is
 * validated against that document with Ajv. The last test checks that no documented route was left out.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelRegistry } from '../../src/store/index.ts';
import { docsChunk } from '../../tools/ai/docs-chunk.ts';
import { docsLoad } from '../../tools/ai/docs-load.ts';
import { embedChunks } from '../../tools/ai/embed.ts';
import { indexLancedb } from '../../tools/ai/index-lancedb.ts';
import { indexRegister } from '../../tools/ai/index-register.ts';
import { writeDocs } from '../ai/helpers.ts';
import { toyModel } from '../deploy/helpers.ts';
import { pw } from '../helpers/cli.ts';
import { type SlackStandIn, slackHeaders, startSlackStandIn } from '../helpers/slack-standin.ts';
import { testConfig } from '../helpers/state.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { until } from '../helpers/wait.ts';
import { SECRETS, type SecureServer, startSecureServer } from '../security/helpers.ts';
import { type Answer, ContractChecker, eventually } from './contract.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
type Json = Record<string, any>;

let s: SecureServer;
let slack: SlackStandIn;
let contract: ContractChecker;

const HOOK_SECRET = 'hook-secret-for-the-contract';
const gated = {
  name: 'gated',
  steps: [
    { id: 'ok', kind: 'approval', message: 'Go on?', timeout: '1h' },
    { id: 'say', task: 'notify.send', dependsOn: ['ok'], with: { channel: 'console', text: 'approved' } },
  ],
};

beforeAll(async () => {
  slack = await startSlackStandIn();
  s = await startSecureServer({
    env: { PIPEWRIGHT_SLACK_API_URL: slack.apiUrl },
    before: async (stateDir) => {
      const registry = openModelRegistry({ stateDir });
      registry.registerVersion({ name: 'toy', ref: await toyModel(stateDir), createdBy: 'setup' });
      registry.registerVersion({
        name: 'toy',
        ref: await toyModel(stateDir, { inverted: true }),
        createdBy: 'setup',
      });
      registry.deploy({ name: 'toy', version: 1, by: 'setup' });
      registry.deploy({ name: 'toy', version: 2, by: 'setup' });
      const ws = path.dirname(stateDir);
      // A search index over a few documents, registered and deployed like a model (/indexes/docs/search).
      writeDocs(ws);
      const ctx = makeTaskContext({ workspace: ws, config: testConfig({ workspace: ws, stateDir }) });
      const docs = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), ctx);
      const chunks = await docsChunk.run(docsChunk.input.parse({ documents: docs.dataset, size: 300 }), ctx);
      const emb = await embedChunks.run(embedChunks.input.parse({ chunks: chunks.dataset }), ctx);
      const idx = await indexLancedb.run(
        indexLancedb.input.parse({ embeddings: emb.dataset, name: 'docs' }),
        ctx,
      );
      await indexRegister.run(indexRegister.input.parse({ index: idx.index }), ctx);
      registry.deploy({ name: 'docs', version: 1, by: 'setup' });
      registry.close();
      writeFileSync(
        path.join(ws, 'hooked.yaml'),
        'name: hooked\ninputs:\n  who: { type: string, default: nobody }\nsteps:\n  - id: say\n    task: notify.send\n    with: { channel: console, text: "hi ${{ inputs.who }}" }\n',
      );
      const rows = Array.from({ length: 60 }, (_, i) => `${(i % 20) / 20},${i % 2 ? 'red' : 'blue'}`);
      writeFileSync(path.join(ws, 'reference.csv'), `x,color\n${rows.join('\n')}\n`);
    },
  });
  const added = await pw(s.workspace, [
    'scheduler',
    'add',
    'hooked.yaml',
    '--webhook',
    '--name',
    'deploy-hook',
    '--secret',
    HOOK_SECRET,
  ]);
  expect(added.exitCode, added.stderr).toBe(0);
  const res = await fetch(`${s.url}/api/openapi.json`);
  contract = new ContractChecker((await res.json()) as Json);
}, 120_000);
afterAll(async () => {
  await s?.stop();
  await slack?.close();
});

interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  token?: string;
  body?: unknown;
  /** Sent as is, with its own content type. */
  raw?: string;
  headers?: Record<string, string>;
  /**
   * On a connection of its own: the server answers an over-limit body before reading it and closes that
   * connection, which a pooled keep-alive socket would then hand to the next request.
   */
  ownConnection?: boolean;
}

/** Calls the route `template` (an OpenAPI path) and checks the answer against the document. */
async function call(method: string, template: string, o: CallOptions = {}): Promise<Answer & { json: Json }> {
  const url =
    template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(o.params?.[k] ?? '')) +
    (o.query ? `?${new URLSearchParams(o.query)}` : '');
  const agent = o.ownConnection ? new Agent() : undefined;
  const res = await fetch(`${s.url}${url}`, {
    ...(agent ? { dispatcher: agent } : {}),
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...o.headers,
    },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : o.raw !== undefined ? { body: o.raw } : {}),
  });
  // Every answer, whatever made it (a handler, a guard, a stream, the MCP transport), names its request.
  expect(res.headers.get('x-request-id'), `${method} ${template}`).toBeTruthy();
  const answer = await contract.check(method, template, res);
  await agent?.close();
  return { ...answer, json: (answer.body ?? {}) as Json };
}

const code = (a: { json: Json }) => a.json.error?.code as string | undefined;

/**
 * Calls a stream that does not end by itself (the console's live feed): reads until `enough` holds for what
 * came so far, stops reading, and checks the complete events read against the document.
 */
async function callStream(
  template: string,
  o: CallOptions,
  enough: (text: string) => boolean,
): Promise<Answer & { json: Json }> {
  const url =
    template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(o.params?.[k] ?? '')) +
    (o.query ? `?${new URLSearchParams(o.query)}` : '');
  const aborted = new AbortController();
  const res = await fetch(`${s.url}${url}`, {
    headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
    signal: aborted.signal,
  });
  expect(res.headers.get('x-request-id'), `GET ${template}`).toBeTruthy();
  let text = '';
  if (res.body && res.status === 200) {
    const decoder = new TextDecoder();
    const deadline = Date.now() + 10_000;
    for await (const chunk of res.body) {
      text += decoder.decode(chunk, { stream: true });
      if (enough(text) || Date.now() > deadline) break;
    }
    aborted.abort();
  } else text = await res.text();
  // Only whole events: the last one may have been cut where reading stopped.
  const whole = res.status === 200 ? text.slice(0, text.lastIndexOf('\n\n') + 2) : text;
  const answer = await contract.check('GET', template, {
    status: res.status,
    headers: res.headers,
    text: async () => whole,
  });
  return { ...answer, json: (answer.body ?? {}) as Json };
}

/** The run of the drift test: the console's routes read its steps and artifacts. */
let driftRunId = '';

async function waitForStatus(runId: string, statuses: string[]) {
  return until(() => {
    const run = s.store.getRun(runId);
    return run && statuses.includes(run.status) ? run : undefined;
  }, 30_000);
}

describe('the contract of a running server', () => {
  it('documents itself: every route with its role, body, answers and error codes', () => {
    const doc = contract.doc;
    expect(doc.openapi).toBe('3.1.0');
    const ops = contract.operations();
    for (const op of [
      'get /health',
      'get /metrics',
      'post /hooks/{name}',
      'post /slack/commands',
      'post /mcp',
      'get /models/{name}',
      'post /api/models/{name}/predict',
      'get /web/drift/{run}/{step}',
    ]) {
      expect(ops).toContain(op);
    }
    expect(doc.paths['/api/runs'].post['x-required-role']).toBe('operator');
    expect(doc.paths['/models/{name}/predict'].post['x-required-role']).toBe('predict');
  });

  it('open routes: health, metrics, the document, the page and its files', async () => {
    expect((await call('GET', '/health')).json.status).toBe('ok');
    const metrics = await call('GET', '/metrics');
    expect(metrics.text).toContain('pipewright_runs{');
    await call('GET', '/api/openapi.json');
    expect((await call('GET', '/')).text).toContain('<script type="module" src="/static/app.js">');
    await call('GET', '/static/{file}', { params: { file: 'app.js' } });
    expect(code(await call('GET', '/static/{file}', { params: { file: 'nope.js' } }))).toBe('NOT_FOUND');
  });

  it('plans: from a goal (JSON and live), validation, and the refusals before any work', async () => {
    const { viewer } = s.tokens;
    const goal = 'train a classifier on data/penguins.csv to predict species';
    const planned = await call('POST', '/api/plans', { token: viewer, body: { goal } });
    expect(planned.status).toBe(200);
    const streamed = await call('POST', '/api/plans/stream', { token: viewer, body: { goal } });
    const last = (streamed.body as { event?: string; data: Json }[]).at(-1);
    expect(last?.event).toMatch(/plan|clarify|refused/);
    // A planning conversation: the follow-up on the thread answers the question or changes the plan.
    expect(last?.data.thread).toMatch(/^web-/);
    const followUp = await call('POST', '/api/plans/stream', {
      token: viewer,
      body: { goal: 'use gradient boosting instead', thread: last?.data.thread },
    });
    expect((followUp.body as { event?: string }[]).at(-1)?.event).toMatch(/plan|clarify|refused/);
    expect(
      code(await call('POST', '/api/plans/stream', { token: viewer, body: { goal, thread: '../x' } })),
    ).toBe('REQUEST_INVALID');
    expect(
      (await call('POST', '/api/plans/validate', { token: viewer, body: { plan: gated } })).json.ok,
    ).toBe(true);
    const broken = await call('POST', '/api/plans/validate', {
      token: viewer,
      body: { plan: { name: 'broken', steps: [{ id: 'a', task: 'no.such' }] } },
    });
    expect(broken.json.problems.length).toBeGreaterThan(0);
    expect(code(await call('POST', '/api/plans', { token: viewer, body: { goal: '' } }))).toBe(
      'REQUEST_INVALID',
    );
    expect(
      code(
        await call('POST', '/api/plans', {
          token: viewer,
          raw: '{"goal":',
          headers: { 'content-type': 'application/json' },
        }),
      ),
    ).toBe('BODY_NOT_JSON');
    expect(code(await call('POST', '/api/plans', { body: { goal } }))).toBe('UNAUTHORIZED');
    const big = await call('POST', '/api/plans/validate', {
      token: viewer,
      body: { plan: 'x'.repeat(1024 * 1024 + 10) },
      ownConnection: true,
    });
    expect(code(big)).toBe('BODY_TOO_LARGE');
  });

  it('runs and approvals: start, list, read, stream, decide once, cancel', async () => {
    const { viewer, operator, approver } = s.tokens;
    expect(code(await call('POST', '/api/runs', { token: viewer, body: { plan: gated } }))).toBe('FORBIDDEN');
    const started = await call('POST', '/api/runs', { token: operator, body: { plan: gated } });
    expect(started.status).toBe(202);
    const runId = started.json.runId as string;
    await waitForStatus(runId, ['waiting']);
    expect((await call('GET', '/api/runs', { token: viewer })).json.runs.length).toBeGreaterThan(0);
    expect(code(await call('GET', '/api/runs', { token: viewer, query: { limit: '0' } }))).toBe(
      'REQUEST_INVALID',
    );
    expect((await call('GET', '/api/runs/{id}', { token: viewer, params: { id: runId } })).json.run.id).toBe(
      runId,
    );
    expect(code(await call('GET', '/api/runs/{id}', { token: viewer, params: { id: 'run-nope' } }))).toBe(
      'RUN_NOT_FOUND',
    );
    await call('GET', '/api/runs/{id}/logs', { token: viewer, params: { id: runId } });
    const events = await call('GET', '/api/runs/{id}/events', {
      params: { id: runId },
      query: { access_token: viewer },
    });
    expect((events.body as { event?: string }[]).at(-1)?.event).toBe('run.waiting');
    expect(
      (await call('GET', '/api/approvals', { token: viewer, query: { status: 'pending' } })).json.approvals,
    ).toEqual(
      expect.arrayContaining([
        // The evidence the engine computed when the run reached the step, as documented.
        expect.objectContaining({
          runId,
          stepId: 'ok',
          evidence: expect.objectContaining({ requestedBy: 'otto' }),
        }),
      ]),
    );
    const decided = await call('POST', '/api/runs/{id}/approvals/{step}', {
      token: approver,
      params: { id: runId, step: 'ok' },
      body: { approved: true, comment: 'contract' },
    });
    expect(decided.json).toMatchObject({ status: 'approved', decidedBy: 'alice', via: 'api' });
    const again = await call('POST', '/api/runs/{id}/approvals/{step}', {
      token: approver,
      params: { id: runId, step: 'ok' },
      body: { approved: false },
    });
    expect(code(again)).toBe('APPROVAL_ALREADY_DECIDED');
    await waitForStatus(runId, ['succeeded']);

    const second = await call('POST', '/api/runs', { token: operator, body: { plan: gated } });
    const secondId = second.json.runId as string;
    await waitForStatus(secondId, ['waiting']);
    const cancelled = await call('POST', '/api/runs/{id}/cancel', {
      token: operator,
      params: { id: secondId },
    });
    expect(cancelled.json.run.id).toBe(secondId);
  });

  it('tokens: list, create once, revoke', async () => {
    const { admin, approver } = s.tokens;
    expect(code(await call('GET', '/api/tokens', { token: approver }))).toBe('FORBIDDEN');
    expect((await call('GET', '/api/tokens', { token: admin })).json.tokens.length).toBeGreaterThan(3);
    const created = await call('POST', '/api/tokens', {
      token: admin,
      body: { name: 'ci-bot', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    expect(
      code(await call('POST', '/api/tokens', { token: admin, body: { name: 'ci-bot', role: 'viewer' } })),
    ).toBe('TOKEN_NAME_TAKEN');
    await call('POST', '/api/tokens/{id}/revoke', { token: admin, params: { id: 'ci-bot' } });
    expect(
      code(await call('POST', '/api/tokens/{id}/revoke', { token: admin, params: { id: 'ci-bot' } })),
    ).toBe('TOKEN_NOT_FOUND');
  });

  it('models: listing, description, predict (open, /api for operators), rollback', async () => {
    const { viewer, operator } = s.tokens;
    expect(code(await call('GET', '/models'))).toBe('UNAUTHORIZED');
    // The docs index is registered too (an index is a model of kind "index").
    expect((await call('GET', '/models', { token: viewer })).json.models.map((m: Json) => m.name)).toEqual(
      expect.arrayContaining(['toy', 'docs']),
    );
    expect(
      (await call('GET', '/models/{name}', { token: viewer, params: { name: 'toy' } })).json.serving.version,
    ).toBe(2);
    await call('GET', '/api/models', { token: viewer });
    await call('GET', '/api/models/{name}', { token: viewer, params: { name: 'toy' } });
    const instances = Array.from({ length: 40 }, (_, i) => ({ x: i / 40, color: i % 2 ? 'red' : 'blue' }));
    const scored = await call('POST', '/models/{name}/predict', {
      params: { name: 'toy' },
      body: { instances },
    });
    expect(scored.json.predictions).toHaveLength(40);
    const pinned = await call('POST', '/api/models/{name}/predict', {
      token: operator,
      params: { name: 'toy' },
      query: { version: '1' },
      body: { instance: { x: 0.9, color: 'red' } },
    });
    expect(pinned.json.version).toBe(1);
    expect(
      code(
        await call('POST', '/api/models/{name}/predict', {
          token: viewer,
          params: { name: 'toy' },
          body: { instance: {} },
        }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      code(await call('POST', '/models/{name}/predict', { params: { name: 'toy' }, body: { rows: [] } })),
    ).toBe('REQUEST_INVALID');
    expect(
      code(
        await call('POST', '/models/{name}/predict', {
          params: { name: 'toy' },
          body: { instance: { x: 'high' } },
        }),
      ),
    ).toBe('PREDICT_INVALID_INSTANCES');
    expect(
      code(
        await call('POST', '/models/{name}/predict', { params: { name: 'ghost' }, body: { instance: {} } }),
      ),
    ).toBe('MODEL_NOT_REGISTERED');
    const huge = await call('POST', '/models/{name}/predict', {
      params: { name: 'toy' },
      raw: JSON.stringify({ instance: { x: 1, pad: 'a'.repeat(5 * 1024 * 1024) } }),
      headers: { 'content-type': 'application/json' },
      ownConnection: true,
    });
    expect(code(huge)).toBe('BODY_TOO_LARGE');
    expect(code(await call('POST', '/models/{name}/rollback', { params: { name: 'toy' }, body: {} }))).toBe(
      'UNAUTHORIZED',
    );
    const back = await call('POST', '/models/{name}/rollback', {
      token: operator,
      params: { name: 'toy' },
      body: { reason: 'contract test' },
    });
    expect(back.json).toMatchObject({ model: 'toy', version: 1 });
    const nothing = await call('POST', '/models/{name}/rollback', {
      token: operator,
      params: { name: 'toy' },
    });
    expect(code(nothing)).toBe('MODEL_ROLLBACK_NOTHING');
    // Deployed again from another process (as the CLI's deploy.http would), then rolled back under /api.
    const registry = openModelRegistry({ stateDir: s.stateDir });
    registry.deploy({ name: 'toy', version: 2, by: 'setup' });
    registry.close();
    const viaApi = await call('POST', '/api/models/{name}/rollback', {
      token: operator,
      params: { name: 'toy' },
    });
    expect(viaApi.json).toMatchObject({ model: 'toy', version: 1 });
  });

  it('indexes: listing, description, search (open), and its refusals', async () => {
    const { viewer } = s.tokens;
    expect(code(await call('GET', '/indexes'))).toBe('UNAUTHORIZED');
    expect((await call('GET', '/indexes', { token: viewer })).json.indexes.map((i: Json) => i.name)).toEqual([
      'docs',
    ]);
    const detail = await call('GET', '/indexes/{name}', { token: viewer, params: { name: 'docs' } });
    expect(detail.json.serving).toMatchObject({ version: 1, endpoint: '/indexes/docs/search' });
    const found = await call('POST', '/indexes/{name}/search', {
      params: { name: 'docs' },
      body: { query: 'how do workers run steps on GPU machines?', k: 2 },
    });
    expect(found.status).toBe(200);
    expect(found.json.results.length).toBeGreaterThan(0);
    expect(
      code(await call('POST', '/indexes/{name}/search', { params: { name: 'docs' }, body: { k: 0 } })),
    ).toBe('REQUEST_INVALID');
    expect(
      code(await call('POST', '/indexes/{name}/search', { params: { name: 'ghost' }, body: { query: 'x' } })),
    ).toBe('MODEL_NOT_REGISTERED');
    // A model is not an index, and an index is not a model: each says where to go.
    expect(
      code(await call('POST', '/indexes/{name}/search', { params: { name: 'toy' }, body: { query: 'x' } })),
    ).toBe('INDEX_IS_MODEL');
  });

  it('lineage, production, memory and ask', async () => {
    const { viewer } = s.tokens;
    const run = s.store.listRuns({ status: 'succeeded', limit: 1 })[0];
    expect(run).toBeDefined();
    const walk = await eventually(async () => {
      const a = await call('GET', '/api/lineage/{entity}', {
        token: viewer,
        params: { entity: run?.id ?? '' },
      });
      return a.status === 200 ? a : undefined;
    }, 20_000);
    expect(walk.json.root.id).toBe(`run:${run?.id}`);
    expect(
      code(await call('GET', '/api/lineage/{entity}', { token: viewer, params: { entity: 'dataset:nope' } })),
    ).toBe('LINEAGE_NOT_FOUND');
    await call('GET', '/api/production', { token: viewer });
    await call('GET', '/api/memory/search', { token: viewer, query: { q: 'gated approval' } });
    expect(code(await call('GET', '/api/memory/search', { token: viewer }))).toBe('REQUEST_INVALID');
    const asked = await call('POST', '/api/ask', {
      token: viewer,
      body: { question: 'what is in production?' },
    });
    expect(asked.json.answer).toBeTruthy();
  });

  it('webhooks: fire once per key, refuse a wrong secret and an unknown hook', async () => {
    const headers = { 'x-pipewright-hook-secret': HOOK_SECRET, 'idempotency-key': 'contract-1' };
    const fired = await call('POST', '/hooks/{name}', {
      params: { name: 'deploy-hook' },
      headers,
      body: { inputs: { who: 'contract' } },
    });
    expect(fired.status).toBe(202);
    expect(fired.json.status).toBe('fired');
    const dup = await call('POST', '/hooks/{name}', { params: { name: 'deploy-hook' }, headers, body: {} });
    expect(dup.status).toBe(200);
    expect(dup.json.status).toBe('duplicate');
    const wrong = await call('POST', '/hooks/{name}', {
      params: { name: 'deploy-hook' },
      headers: { 'x-pipewright-hook-secret': 'guess' },
    });
    expect(code(wrong)).toBe('HOOK_FORBIDDEN');
    expect(code(await call('POST', '/hooks/{name}', { params: { name: 'nope' } }))).toBe('HOOK_NOT_FOUND');
    expect(
      code(
        await call('POST', '/hooks/{name}', {
          params: { name: 'deploy-hook' },
          headers,
          body: { inputs: { who: { x: 1 } } },
        }),
      ),
    ).toBe('REQUEST_INVALID');
  });

  it('Slack: signed commands, clicks and events; a replay or a bad signature is refused', async () => {
    const secret = SECRETS.PIPEWRIGHT_SLACK_SIGNING_SECRET;
    const form = new URLSearchParams({
      command: '/pipewright',
      text: 'help',
      user_id: 'U0NOBODY',
      channel_id: 'C0TEST',
      response_url: slack.responseUrl('contract'),
    }).toString();
    const headers = slackHeaders(secret, form);
    const ack = await call('POST', '/slack/commands', { raw: form, headers });
    expect(ack.json.response_type).toBe('ephemeral');
    expect(code(await call('POST', '/slack/commands', { raw: form, headers }))).toBe('SLACK_REPLAY');
    expect(
      code(await call('POST', '/slack/commands', { raw: form, headers: slackHeaders('wrong', form) })),
    ).toBe('UNAUTHORIZED');
    const click = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission' }) }).toString();
    expect(
      (await call('POST', '/slack/interactions', { raw: click, headers: slackHeaders(secret, click) }))
        .status,
    ).toBe(200);
    const event = JSON.stringify({ type: 'url_verification', challenge: 'c-123' });
    const verified = await call('POST', '/slack/events', {
      raw: event,
      headers: slackHeaders(secret, event, { contentType: 'application/json' }),
    });
    expect(verified.json).toEqual({ challenge: 'c-123' });
    await slack.waitFor((c) => c.path.includes('contract'));
  });

  it('MCP: JSON-RPC over POST with a token; notifications accepted; GET and DELETE refused', async () => {
    const headers = { accept: 'application/json, text/event-stream' };
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'contract', version: '1' },
      },
    };
    const answered = await call('POST', '/mcp', { token: s.tokens.viewer, headers, body: init });
    expect(answered.json.result.serverInfo.name).toBe('pipewright');
    const note = await call('POST', '/mcp', {
      token: s.tokens.viewer,
      headers: { ...headers, 'mcp-protocol-version': '2025-06-18' },
      body: { jsonrpc: '2.0', method: 'notifications/initialized' },
    });
    expect(note.status).toBe(202);
    expect(code(await call('POST', '/mcp', { headers, body: init }))).toBe('UNAUTHORIZED');
    expect(code(await call('POST', '/mcp', { token: s.tokens.viewer, body: init }))).toBe(
      'MCP_NOT_ACCEPTABLE',
    );
    expect(code(await call('POST', '/mcp', { token: s.tokens.viewer, headers, body: { hello: 1 } }))).toBe(
      'REQUEST_INVALID',
    );
    const get = await call('GET', '/mcp');
    expect(code(get)).toBe('METHOD_NOT_ALLOWED');
    expect(get.headers.get('allow')).toBe('POST');
    expect(code(await call('DELETE', '/mcp'))).toBe('METHOD_NOT_ALLOWED');
  });

  it('a drift check over served traffic: the page reads its plots', async () => {
    const { operator, viewer } = s.tokens;
    // The server writes its prediction log in the background: the traffic step reads it once it is there.
    const log = path.join(s.stateDir, 'predictions', 'toy');
    await until(
      () => existsSync(log) && readdirSync(log).some((f) => f.endsWith('.jsonl')),
      10_000,
      'the prediction log',
    );
    const plan = {
      name: 'toy-drift',
      steps: [
        { id: 'traffic', task: 'monitor.traffic', with: { model: 'toy' } },
        { id: 'reference', task: 'ingest.file', with: { path: 'reference.csv' } },
        {
          id: 'drift',
          task: 'monitor.drift',
          dependsOn: ['traffic', 'reference'],
          with: {
            reference: '${{ steps.reference.outputs.dataset }}',
            current: '${{ steps.traffic.outputs.dataset }}',
          },
        },
      ],
    };
    const started = await call('POST', '/api/runs', { token: operator, body: { plan } });
    const runId = started.json.runId as string;
    const run = await waitForStatus(runId, ['succeeded', 'failed']);
    expect(run.status, JSON.stringify(s.store.getSteps(runId).map((x) => x.error))).toBe('succeeded');
    driftRunId = runId;
    const plots = await call('GET', '/web/drift/{run}/{step}', {
      token: viewer,
      params: { run: runId, step: 'drift' },
    });
    expect(plots.json.features.map((f: Json) => f.name).sort()).toEqual(['color', 'x']);
    expect(
      code(
        await call('GET', '/web/drift/{run}/{step}', {
          token: viewer,
          params: { run: runId, step: 'traffic' },
        }),
      ),
    ).toBe('STEP_NOT_FOUND');
    const report = await call('GET', '/web/drift/{run}/{step}/report.html', {
      params: { run: runId, step: 'drift' },
      query: { access_token: viewer },
    });
    expect(report.text).toMatch(/^<!doctype html>/i);
    expect(
      code(
        await call('GET', '/web/drift/{run}/{step}/report.html', { params: { run: runId, step: 'drift' } }),
      ),
    ).toBe('UNAUTHORIZED');
    expect(
      code(
        await call('GET', '/web/drift/{run}/{step}/report.html', {
          token: viewer,
          params: { run: runId, step: 'traffic' },
        }),
      ),
    ).toBe('STEP_NOT_FOUND');
  });

  it('the web console: its files, and its read routes over runs, steps, plans, models, drift, lineage', async () => {
    const { viewer } = s.tokens;
    expect(driftRunId).not.toBe('');
    const page = await call('GET', '/');
    const etag = page.headers.get('etag') ?? '';
    expect((await call('GET', '/', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await call('GET', '/static/{file}', { params: { file: 'uplot.js' } })).status).toBe(200);

    expect((await call('GET', '/api/console/me', { token: viewer })).json).toMatchObject({
      name: 'vera',
      role: 'viewer',
    });
    expect(code(await call('GET', '/api/console/me'))).toBe('UNAUTHORIZED');
    const runs = await call('GET', '/api/console/runs', { token: viewer, query: { plan: 'toy-drift' } });
    expect(runs.json.runs.map((r: Json) => r.id)).toEqual([driftRunId]);
    expect(
      code(await call('GET', '/api/console/runs', { token: viewer, query: { status: 'sleeping' } })),
    ).toBe('REQUEST_INVALID');
    expect((await call('GET', '/api/console/runs/facets', { token: viewer })).json.plans).toContain(
      'toy-drift',
    );
    const timeline = await call('GET', '/api/console/runs/{id}/timeline', {
      token: viewer,
      params: { id: driftRunId },
    });
    expect(timeline.json.steps.map((t: Json) => t.stepId)).toEqual(['traffic', 'reference', 'drift']);
    expect(
      code(
        await call('GET', '/api/console/runs/{id}/timeline', { token: viewer, params: { id: 'run-nope' } }),
      ),
    ).toBe('RUN_NOT_FOUND');

    const step = await call('GET', '/api/console/runs/{id}/steps/{step}', {
      token: viewer,
      params: { id: driftRunId, step: 'reference' },
    });
    const data = (step.json.artifacts as Json[]).find((a) => a.kind === 'file') as Json;
    expect(data.path).toMatch(/^artifacts\//);
    expect(
      code(
        await call('GET', '/api/console/runs/{id}/steps/{step}', {
          token: viewer,
          params: { id: driftRunId, step: 'nope' },
        }),
      ),
    ).toBe('STEP_NOT_FOUND');
    const params = { id: driftRunId, step: 'reference' };
    const preview = await call('GET', '/api/console/runs/{id}/steps/{step}/artifact', {
      token: viewer,
      params,
      query: { path: data.path },
    });
    expect(preview.json.table.totalRows).toBe(60);
    expect(
      code(
        await call('GET', '/api/console/runs/{id}/steps/{step}/artifact', {
          token: viewer,
          params,
          query: { path: '../state.db' },
        }),
      ),
    ).toBe('ARTIFACT_NOT_FOUND');
    const download = await call('GET', '/api/console/runs/{id}/steps/{step}/download', {
      token: viewer,
      params,
      query: { path: data.path },
    });
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename=/);

    const plans = await call('GET', '/api/console/plans', { token: viewer });
    expect(plans.json.plans.map((p: Json) => p.name)).toEqual(expect.arrayContaining(['gated', 'hooked']));
    const gatedPlan = await call('GET', '/api/console/plans/{name}', {
      token: viewer,
      params: { name: 'gated' },
    });
    expect(gatedPlan.json.yaml).toMatch(/^name: gated$/m);
    expect(
      code(await call('GET', '/api/console/plans/{name}', { token: viewer, params: { name: 'nothing' } })),
    ).toBe('PLAN_NOT_FOUND');
    expect(
      (await call('POST', '/api/console/plans/yaml', { token: viewer, body: { plan: gated } })).json.yaml,
    ).toContain('kind: approval');
    const broken = { name: 'x', steps: [{ id: 'a', task: 'notify.send', dependsOn: ['b'] }] };
    expect(
      code(await call('POST', '/api/console/plans/yaml', { token: viewer, body: { plan: broken } })),
    ).toBe('PLAN_INVALID');
    const schedules = await call('GET', '/api/console/schedules', { token: viewer });
    expect(schedules.json.triggers.find((t: Json) => t.name === 'deploy-hook').spec.secret).toBe('set');
    expect(schedules.text).not.toContain(HOOK_SECRET);

    expect(
      (await call('GET', '/api/console/models', { token: viewer })).json.models.map((m: Json) => m.name),
    ).toEqual(expect.arrayContaining(['toy', 'docs']));
    const toy = await call('GET', '/api/console/models/{name}', { token: viewer, params: { name: 'toy' } });
    expect(toy.json.drift.map((d: Json) => d.runId)).toContain(driftRunId);
    expect(
      code(await call('GET', '/api/console/models/{name}', { token: viewer, params: { name: 'ghost' } })),
    ).toBe('MODEL_NOT_REGISTERED');
    const drift = await call('GET', '/api/console/drift', { token: viewer, query: { model: 'toy' } });
    expect(drift.json.checks[0]).toMatchObject({ runId: driftRunId, stepId: 'drift', model: 'toy' });
    expect(code(await call('GET', '/api/console/drift', { token: viewer, query: { limit: '0' } }))).toBe(
      'REQUEST_INVALID',
    );
    const entities = await call('GET', '/api/console/lineage', { token: viewer, query: { kind: 'run' } });
    expect(entities.json.entities.length).toBeGreaterThan(0);

    // The live feed replays from ?after=0: hello, then the state changes of every run so far.
    const feed = await callStream(
      '/api/console/events',
      { query: { access_token: viewer, after: '0' } },
      (text) => text.includes(`"runId":"${driftRunId}","type":"run.succeeded"`),
    );
    const events = feed.body as { event?: string; data: Json }[];
    expect(events[0]?.event).toBe('hello');
    expect(events.filter((e) => e.event === 'change').map((e) => e.data.type)).toContain('run.succeeded');
    expect(code(await callStream('/api/console/events', {}, () => true))).toBe('UNAUTHORIZED');
  });

  it('left no documented route uncalled', () => {
    const uncalled = contract.operations().filter((op) => !contract.seen.has(op));
    expect(uncalled).toEqual([]);
    // Every route that can succeed was seen succeeding.
    const neverOk = contract
      .operations()
      .filter((op) => op !== 'get /mcp' && op !== 'delete /mcp')
      .filter((op) => ![...(contract.seen.get(op) ?? [])].some((st) => st < 300));
    expect(neverOk).toEqual([]);
  });
});
