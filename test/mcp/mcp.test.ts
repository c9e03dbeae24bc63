import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { assembleMcpDeps, mcpHttpApp } from '../../src/mcp/index.ts';
import { call, callError, GOAL, mcpSetup } from './helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/pipewright.mjs', import.meta.url));

const textOf = (c: unknown) => String((c as { text?: string } | undefined)?.text);

interface RunAnswer {
  run: { id: string; status: string; createdBy: string; trigger: string };
  steps: { stepId: string; status: string; output?: unknown }[];
  pending: { step: string; message: string }[];
}

/** An HTTP MCP endpoint on loopback over a fresh engine; closed after the test. */
async function httpServer() {
  const s = mcpSetup();
  const mcp = assembleMcpDeps(s.engine, { log: () => {} });
  const app = mcpHttpApp(mcp.deps);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  onTestFinished(async () => {
    server.close();
    await mcp.close(60_000);
    await s.recorders.flush();
    s.recorders.detach();
    await s.engine.close();
    s.store.close();
  });
  const connect = async (token: string) => {
    const client = new Client({ name: 'test-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    onTestFinished(() => client.close());
    return client;
  };
  return { ...s, url, connect };
}

describe('MCP over streamable HTTP', () => {
  it('lists the tools and resources an agent needs', async () => {
    const s = await httpServer();
    const client = await s.connect(s.token('viewer-bot', 'viewer'));
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual([
      'ask',
      'decide_approval',
      'lineage',
      'list_approvals',
      'list_models',
      'list_runs',
      'plan',
      'rollback_model',
      'run_plan',
      'search_memory',
      'show_run',
      'validate_plan',
    ]);
    const templates = (await client.listResourceTemplates()).resourceTemplates
      .map((t) => t.uriTemplate)
      .sort();
    expect(templates).toEqual([
      'pipewright://drift/{run}/{step}',
      'pipewright://plans/{run}',
      'pipewright://runs/{run}',
    ]);
  });

  it('plans, runs, waits at the approval, approves and gets the result; the decision is audited via mcp', async () => {
    const s = await httpServer();
    const client = await s.connect(s.token('ide-agent', 'approver'));

    const planned = await call<{ plan: { name: string; steps: { id: string; kind: string }[] } }>(
      client,
      'plan',
      {
        goal: GOAL,
      },
    );
    const approval = planned.plan.steps.find((st) => st.kind === 'approval');
    expect(approval).toBeDefined();
    const checked = await call<{ ok: boolean }>(client, 'validate_plan', { plan: planned.plan });
    expect(checked.ok).toBe(true);

    const started = await call<RunAnswer>(client, 'run_plan', { plan: planned.plan, waitSeconds: 120 });
    expect(started.run).toMatchObject({ status: 'waiting', createdBy: 'ide-agent', trigger: 'mcp' });
    expect(started.pending.map((p) => p.step)).toEqual([approval?.id]);

    const pending = await call<{ approvals: { runId: string; stepId: string }[] }>(client, 'list_approvals');
    expect(pending.approvals).toEqual([
      expect.objectContaining({ runId: started.run.id, stepId: approval?.id }),
    ]);

    // The server's policy, not the client, decides: the submitter may not approve their own deploy.
    expect(
      await callError(client, 'decide_approval', { run: started.run.id, step: approval?.id, approved: true }),
    ).toMatch(/APPROVAL_SELF/);
    expect(s.store.getApproval(started.run.id, String(approval?.id))?.status).toBe('pending');
    const reviewer = await s.connect(s.token('reviewer', 'approver'));
    const decided = await call<RunAnswer & { approval: { status: string; decidedBy: string; via: string } }>(
      reviewer,
      'decide_approval',
      { run: started.run.id, step: approval?.id, approved: true, comment: 'looks good', waitSeconds: 120 },
    );
    expect(decided.approval).toMatchObject({ status: 'approved', decidedBy: 'reviewer', via: 'mcp' });
    expect(decided.run.status).toBe('succeeded');

    const shown = await call<RunAnswer>(client, 'show_run', { run: started.run.id });
    const train = shown.steps.find((st) => st.stepId === 'train');
    expect(train?.status).toBe('succeeded');
    const audit = s.store.listAudit({ target: `${started.run.id}/${approval?.id}` });
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'reviewer',
        action: 'approval.approve',
        details: expect.objectContaining({ via: 'mcp' }),
      }),
    ]);
    // A decision is single-use: a second one is refused and changes nothing.
    const again = await callError(client, 'decide_approval', {
      run: started.run.id,
      step: approval?.id,
      approved: false,
    });
    expect(again).toMatch(/single-use/);

    // Resources: the run, its plan, and the models the run registered.
    const runRes = await client.readResource({ uri: `pipewright://runs/${started.run.id}` });
    expect(JSON.parse(textOf(runRes.contents[0])).run.status).toBe('succeeded');
    const planRes = await client.readResource({ uri: `pipewright://plans/${started.run.id}` });
    expect(textOf(planRes.contents[0])).toContain(`name: ${planned.plan.name}`);
    const listed = await client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`pipewright://runs/${started.run.id}`);
    const models = await call<{ models: { name: string; latestVersion: number }[] }>(client, 'list_models');
    expect(models.models).toEqual([expect.objectContaining({ latestVersion: 1 })]);
    const answer = await call<{ answer: string; source: string }>(client, 'ask', {
      question: 'what is in production?',
    });
    expect(answer.source).toBe('lineage');
    expect(answer.answer).toContain(models.models[0]?.name ?? '?');
    // One version only: nothing to roll back to, said as a user error with a fix.
    const noPrevious = await callError(client, 'rollback_model', {
      model: models.models[0]?.name,
      reason: 'test',
    });
    expect(noPrevious).toMatch(/^error\[/);
    expect(noPrevious).toMatch(/fix: /);
    const lineage = await call<{ tree: string }>(client, 'lineage', {
      entity: `run:${started.run.id}`,
      direction: 'down',
    });
    expect(lineage.tree).toContain(started.run.id);
  });

  it('gives each token its role: a viewer may read but not run or decide; no token, no access', async () => {
    const s = await httpServer();
    const viewer = await s.connect(s.token('reader', 'viewer'));
    const planned = await call<{ plan: unknown }>(viewer, 'plan', { goal: GOAL });
    expect(await callError(viewer, 'run_plan', { plan: planned.plan })).toMatch(
      /reader \(viewer\) may not start runs/,
    );
    expect(await callError(viewer, 'decide_approval', { run: 'abcd', step: 'x', approved: true })).toMatch(
      /may not decide approvals/,
    );
    expect(s.store.listRuns()).toEqual([]);

    const operator = await s.connect(s.token('runner', 'operator'));
    const started = await call<RunAnswer>(operator, 'run_plan', { plan: planned.plan, waitSeconds: 120 });
    expect(started.run.status).toBe('waiting');
    const step = started.pending[0]?.step;
    expect(
      await callError(operator, 'decide_approval', { run: started.run.id, step, approved: true }),
    ).toMatch(/runner \(operator\) may not decide approvals/);
    expect(s.store.getApproval(started.run.id, String(step))?.status).toBe('pending');

    const anonymous = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(s.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: 'Bearer pw_000000000000_notatoken',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(await wrong.json())).toContain('not valid');
  });

  it('refuses a plan that waives a deploy approval from a non-admin token, under the server policy', async () => {
    const s = await httpServer();
    const operator = await s.connect(s.token('runner', 'operator'));
    const planned = await call<{ plan: { steps: { id: string; kind?: string; dependsOn?: string[] }[] } }>(
      operator,
      'plan',
      { goal: GOAL },
    );
    // The plan's author tries to switch the checkpoint off: drop the approval step and waive deploy.http.
    const gate = planned.plan.steps.find((st) => st.kind === 'approval');
    const steps = planned.plan.steps
      .filter((st) => st !== gate)
      .map((st) => ({
        ...st,
        dependsOn: (st.dependsOn ?? []).flatMap((d) => (d === gate?.id ? (gate?.dependsOn ?? []) : [d])),
      }));
    const waived = { ...planned.plan, steps, allowUnapproved: ['deploy.http', 'model.register'] };
    expect(await callError(operator, 'run_plan', { plan: waived })).toMatch(/POLICY_REFUSED/);
    expect(s.store.listRuns()).toEqual([]);
  });

  it('answers a bad plan with every problem, not a protocol error', async () => {
    const s = await httpServer();
    const client = await s.connect(s.token('ci', 'operator'));
    const report = await call<{ ok: boolean; problems: { path: string }[] }>(client, 'validate_plan', {
      plan: {
        name: 'bad',
        steps: [
          { id: 'a', task: 'ingest.fil', with: {} },
          { id: 'b', task: 'nope', dependsOn: ['c'] },
        ],
      },
    });
    expect(report.ok).toBe(false);
    // Every problem in one pass: the step that parses is checked too (its misspelt task).
    expect(report.problems.map((p) => p.path)).toEqual([
      'steps[1].task',
      'steps[1].dependsOn[0]',
      'steps[0].task',
    ]);
    const text = await callError(client, 'run_plan', { plan: 'name: x\nsteps: [' });
    expect(text).toMatch(/^error\[/);
    expect(text).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('MCP over stdio (the pipewright mcp command)', () => {
  it('plans, runs, approves and reads the result as the token given in PIPEWRIGHT_MCP_TOKEN', async () => {
    const s = mcpSetup();
    const token = s.token('chat-agent', 'approver');
    const reviewer = s.token('reviewer', 'approver');
    // The child process owns the state while it runs: close ours first.
    s.recorders.detach();
    await s.engine.close();
    s.store.close();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--workspace', s.workspace, 'mcp'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PIPEWRIGHT_MCP_TOKEN: token },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    onTestFinished(() => client.close());

    const planned = await call<{ plan: { steps: { id: string; kind: string }[] } }>(client, 'plan', {
      goal: GOAL,
    });
    const started = await call<RunAnswer>(client, 'run_plan', { plan: planned.plan, waitSeconds: 120 });
    expect(started.run).toMatchObject({ status: 'waiting', createdBy: 'chat-agent', trigger: 'mcp' });
    const step = started.pending[0]?.step;
    expect(await callError(client, 'decide_approval', { run: started.run.id, step, approved: true })).toMatch(
      /APPROVAL_SELF/,
    );
    await client.close();
    // A second client, acting as another approver, decides.
    const reviewerTransport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--workspace', s.workspace, 'mcp'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PIPEWRIGHT_MCP_TOKEN: reviewer },
      stderr: 'pipe',
    });
    const reviewerClient = new Client({ name: 'stdio-reviewer', version: '1.0.0' });
    await reviewerClient.connect(reviewerTransport);
    onTestFinished(() => reviewerClient.close());
    const decided = await call<RunAnswer & { approval: { via: string; decidedBy: string } }>(
      reviewerClient,
      'decide_approval',
      { run: started.run.id, step, approved: true, waitSeconds: 120 },
    );
    expect(decided.approval).toMatchObject({ via: 'mcp', decidedBy: 'reviewer' });
    expect(decided.run.status).toBe('succeeded');
    expect(decided.steps.every((st) => st.status === 'succeeded')).toBe(true);
  });

  it('refuses to start without a valid token, saying how to get one', async () => {
    const s = mcpSetup();
    s.recorders.detach();
    await s.engine.close();
    s.store.close();
    const { execa } = await import('execa');
    const r = await execa(process.execPath, [BIN, '--workspace', s.workspace, 'mcp', '--token', 'pw_bad'], {
      reject: false,
      input: '',
      env: { PIPEWRIGHT_MCP_TOKEN: '' },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/token is not valid/);
    expect(r.stderr).toMatch(/fix: /);
    expect(r.stdout).toBe('');
  });
});

describe('MCP identity checks on every call', () => {
  it('stops serving a client whose token is revoked mid-session', async () => {
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const { createMcpServer, identityFromToken } = await import('../../src/mcp/index.ts');
    const { AuthStore } = await import('../../src/store/index.ts');
    const s = mcpSetup();
    const mcp = assembleMcpDeps(s.engine, { log: () => {} });
    onTestFinished(async () => {
      await mcp.close(1000);
      s.recorders.detach();
      await s.engine.close();
      s.store.close();
    });
    const token = s.token('short-lived', 'viewer');
    const server = createMcpServer(mcp.deps, () => identityFromToken(mcp.deps.auth, token));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'revoked', version: '1.0.0' });
    await client.connect(clientSide);
    onTestFinished(() => client.close());
    expect(await call(client, 'list_runs')).toEqual({ runs: [] });
    const auth = new AuthStore(s.store);
    const id = auth.listTokens().find((t) => t.name === 'short-lived')?.id;
    auth.revokeToken(String(id), 'admin');
    expect(await callError(client, 'list_runs')).toMatch(/token is not valid/);
  });
});
