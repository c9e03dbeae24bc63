/**
 * `pipewright serve` mounts the MCP endpoint at /mcp: the SDK's own streamable HTTP client drives a real
 * server process, which runs what MCP starts on the same executor as the REST API (a run started over MCP
 * is decided over REST and resumes in the server), under the same body limit, request ids and token check.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { until } from '../helpers/wait.ts';
import { call } from '../mcp/helpers.ts';
import { type SecureServer, startSecureServer } from '../security/helpers.ts';

let s: SecureServer;

beforeAll(async () => {
  s = await startSecureServer();
}, 120_000);
afterAll(async () => s?.stop());

const gated = {
  name: 'gated',
  steps: [
    { id: 'ok', kind: 'approval', message: 'Go on?', timeout: '1h' },
    { id: 'say', task: 'notify.send', dependsOn: ['ok'], with: { channel: 'console', text: 'approved' } },
  ],
};

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'serve-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  onTestFinished(() => client.close());
  return client;
}

interface RunAnswer {
  run: { id: string; status: string; createdBy: string; trigger: string };
  pending: { step: string }[];
}

describe('MCP in pipewright serve', () => {
  it('runs a plan started over MCP on the server’s executor: decided over REST, it resumes there', async () => {
    const client = await connect(s.tokens.operator);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['plan', 'run_plan', 'decide_approval', 'show_run']));

    const started = await call<RunAnswer>(client, 'run_plan', { plan: gated, waitSeconds: 30 });
    expect(started.run).toMatchObject({ status: 'waiting', createdBy: 'otto', trigger: 'mcp' });
    expect(started.pending.map((p) => p.step)).toEqual(['ok']);

    // The same run through the REST API of the same server.
    const rest = async (method: string, route: string, token: string, body?: unknown) => {
      const res = await fetch(`${s.url}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const shown = await rest('GET', `/api/runs/${started.run.id}`, s.tokens.viewer);
    expect(shown.status).toBe(200);
    const decided = await rest('POST', `/api/runs/${started.run.id}/approvals/ok`, s.tokens.approver, {
      approved: true,
    });
    expect(decided.status).toBe(200);
    await until(() => s.store.getRun(started.run.id)?.status === 'succeeded', 20_000, 'the resumed run');
    const seen = await call<RunAnswer & { steps: { stepId: string; status: string }[] }>(client, 'show_run', {
      run: started.run.id,
    });
    expect(seen.steps.map((st) => st.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('decides over MCP as the token, audited via mcp; a viewer may read but not decide', async () => {
    const operator = await connect(s.tokens.operator);
    const started = await call<RunAnswer>(operator, 'run_plan', { plan: gated, waitSeconds: 30 });
    const viewer = await connect(s.tokens.viewer);
    const refused = await viewer.callTool({
      name: 'decide_approval',
      arguments: { run: started.run.id, step: 'ok', approved: true },
    });
    expect(refused.isError).toBe(true);
    const approver = await connect(s.tokens.approver);
    const decided = await call<{ approval: { decidedBy: string; via: string } }>(
      approver,
      'decide_approval',
      {
        run: started.run.id,
        step: 'ok',
        approved: true,
        waitSeconds: 30,
      },
    );
    expect(decided.approval).toMatchObject({ decidedBy: 'alice', via: 'mcp' });
    expect(s.store.listAudit({ target: `${started.run.id}/ok` })).toEqual([
      expect.objectContaining({ actor: 'alice', details: expect.objectContaining({ via: 'mcp' }) }),
    ]);
  });

  it('answers /mcp with the server’s body limit, request id and token check', async () => {
    const headers = {
      authorization: `Bearer ${s.tokens.viewer}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const agent = new Agent();
    const big = await fetch(`${s.url}/mcp`, {
      dispatcher: agent,
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { pad: 'a'.repeat(2 * 1024 * 1024) },
      }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('BODY_TOO_LARGE');
    await agent.close();
    const ping = await fetch(`${s.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, 'x-request-id': 'mcp-req-1' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(ping.status).toBe(200);
    expect(ping.headers.get('x-request-id')).toBe('mcp-req-1');
    expect(await ping.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: {} });
    const anonymous = await fetch(`${s.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: headers.accept },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});
