/**
 * The console's read routes (/api/console/*) on a real server with real runs: a run waiting for approval, a
 * step that fails once and is retried, a drift check on penguins with its artifacts, triggers, and a model
 * with versions, a deployment and a rollback. Every answer is read from what those runs recorded.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../src/store/index.ts';
import { Scheduler } from '../../src/triggers/index.ts';
import { parseTriggerDef } from '../../src/triggers/schema.ts';
import { gatedPlan, testServer, until } from '../server/helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read in assertions
type Json = Record<string, any>;

const root = path.resolve(import.meta.dirname, '../..');

const flakyPlan = {
  name: 'flaky',
  steps: [
    {
      id: 'try',
      task: 'test.flaky',
      with: { failTimes: 1 },
      retry: { attempts: 3, delay: '50ms', jitter: 0 },
    },
  ],
};

const driftPlan = {
  name: 'island-drift',
  steps: [
    { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' } },
    {
      id: 'biscoe',
      task: 'prep.transform',
      dependsOn: ['load'],
      with: {
        dataset: '${{ steps.load.outputs.dataset }}',
        ops: [{ op: 'filter', where: `"Island" = 'Biscoe'` }],
      },
    },
    {
      id: 'others',
      task: 'prep.transform',
      dependsOn: ['load'],
      with: {
        dataset: '${{ steps.load.outputs.dataset }}',
        ops: [{ op: 'filter', where: `"Island" <> 'Biscoe'` }],
      },
    },
    {
      id: 'drift',
      task: 'monitor.drift',
      dependsOn: ['biscoe', 'others'],
      with: {
        reference: '${{ steps.biscoe.outputs.dataset }}',
        current: '${{ steps.others.outputs.dataset }}',
        columns: ['Beak Length (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'],
      },
    },
  ],
};

describe('the console read routes', () => {
  const server = testServer();
  const ids: Record<string, string> = {};
  afterAll(() => server.close());

  const get = async (url: string, token = server.tokens.viewer) => {
    const res = await server.call('GET', url, { token });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const start = async (plan: unknown, token: string) => {
    const res = await server.call('POST', '/api/runs', { token, body: { plan } });
    expect(res.status).toBe(202);
    return ((await res.json()) as { runId: string }).runId;
  };

  beforeAll(async () => {
    mkdirSync(path.join(server.workspace, 'data'), { recursive: true });
    copyFileSync(
      path.join(root, 'node_modules/vega-datasets/data/penguins.json'),
      path.join(server.workspace, 'data/penguins.json'),
    );
    ids.gated = await start(gatedPlan, server.tokens.operator);
    await until(() => server.store.getRun(ids.gated as string)?.status === 'waiting');
    ids.flaky = await start(flakyPlan, server.tokens.operator);
    await until(() => server.store.getRun(ids.flaky as string)?.status === 'succeeded');
    ids.drift = await start(driftPlan, server.tokens.approver);
    await until(() => server.store.getRun(ids.drift as string)?.status === 'succeeded', 30_000);
  }, 60_000);

  it('refuses callers without a token and lists runs newest first with their step counts', async () => {
    const anon = await server.call('GET', '/api/console/runs');
    expect(anon.status).toBe(401);
    const { status, body } = await get('/api/console/runs');
    expect(status).toBe(200);
    expect(body.total).toBe(3);
    expect(body.runs.map((r: { id: string }) => r.id)).toEqual([ids.drift, ids.flaky, ids.gated]);
    const gated = body.runs.find((r: { id: string }) => r.id === ids.gated);
    expect(gated).toMatchObject({ status: 'waiting', createdBy: 'otto', trigger: 'api', planName: 'gated' });
    expect(gated.steps).toEqual({ succeeded: 1, waiting: 1, pending: 1 });
  });

  it('filters by status, plan, person and text, and pages with a total', async () => {
    const ids_ = (b: Json) => b.runs.map((r: { id: string }) => r.id);
    expect(ids_((await get('/api/console/runs?status=waiting')).body)).toEqual([ids.gated]);
    expect(ids_((await get('/api/console/runs?plan=flaky')).body)).toEqual([ids.flaky]);
    expect(ids_((await get('/api/console/runs?who=alice')).body)).toEqual([ids.drift]);
    expect(ids_((await get('/api/console/runs?q=ISLAND')).body)).toEqual([ids.drift]);
    expect(ids_((await get('/api/console/runs?q=otto&status=')).body)).toEqual([ids.flaky, ids.gated]);
    const today = new Date().toISOString().slice(0, 10);
    expect((await get(`/api/console/runs?from=${today}&to=${today}`)).body.total).toBe(3);
    expect((await get('/api/console/runs?to=2000-01-01')).body.total).toBe(0);
    const page = (await get('/api/console/runs?limit=1&offset=1')).body;
    expect(page).toMatchObject({ total: 3, offset: 1, limit: 1 });
    expect(ids_(page)).toEqual([ids.flaky]);
    const bad = await get('/api/console/runs?status=sleeping&from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems.map((p: { path: string }) => p.path).sort()).toEqual(['from', 'status']);
    const facets = (await get('/api/console/runs/facets')).body;
    expect(facets.plans).toEqual(['flaky', 'gated', 'island-drift']);
    expect(facets.users).toEqual(['alice', 'otto']);
  });

  it('draws a retried step as two attempts with the retry wait between them', async () => {
    const { body } = await get(`/api/console/runs/${ids.flaky}/timeline`);
    const step = body.steps.find((s: { stepId: string }) => s.stepId === 'try');
    expect(step.status).toBe('succeeded');
    expect(
      step.segments.map((g: { kind: string; outcome?: string }) => `${g.kind}:${g.outcome ?? ''}`),
    ).toEqual(['attempt:retried', 'backoff:', 'attempt:succeeded']);
    const [first, wait, second] = step.segments;
    expect(first.note).toBe('failure 1');
    expect(wait.start).toBe(first.end);
    expect(wait.end).toBe(second.start);
    expect(Date.parse(wait.end) - Date.parse(wait.start)).toBeGreaterThanOrEqual(40);
    expect(body.executing.length).toBe(1);
  });

  it('shows an approval wait as open until it is decided', async () => {
    const { body } = await get(`/api/console/runs/${ids.gated}/timeline`);
    const ok = body.steps.find((s: { stepId: string }) => s.stepId === 'ok');
    expect(ok.status).toBe('waiting');
    expect(ok.segments).toEqual([expect.objectContaining({ kind: 'approval', outcome: 'waiting' })]);
    expect(ok.segments[0].end).toBeUndefined();
    const deploy = body.steps.find((s: { stepId: string }) => s.stepId === 'deploy');
    expect(deploy).toMatchObject({ status: 'pending', segments: [] });
    expect(body.executing[0].end).toBeDefined();
  });

  it('lists the artifacts a step names, previews a dataset and refuses anything else', async () => {
    const { body } = await get(`/api/console/runs/${ids.drift}/steps/load`);
    expect(body.step.output.dataset.path).toMatch(/^<state>\/artifacts\/sha256\//);
    const [data] = body.artifacts;
    expect(data).toMatchObject({ field: 'dataset.path', kind: 'file', format: 'parquet' });
    const preview = await get(
      `/api/console/runs/${ids.drift}/steps/load/artifact?path=${encodeURIComponent(data.path)}`,
    );
    expect(preview.status).toBe(200);
    expect(preview.body.table.totalRows).toBe(344);
    expect(preview.body.table.rows).toHaveLength(50);
    expect(preview.body.table.columns.map((c: { name: string }) => c.name)).toContain('Species');

    const download = await server.call(
      'GET',
      `/api/console/runs/${ids.drift}/steps/load/download?path=${encodeURIComponent(data.path)}`,
      { token: server.tokens.viewer },
    );
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.parquet"/);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(Buffer.from(bytes).equals(readFileSync(path.join(server.config.stateDir, data.path)))).toBe(true);

    for (const bad of ['state.db', '../state.db', `${data.path}/../../../state.db`, '/etc/passwd']) {
      const r = await get(
        `/api/console/runs/${ids.drift}/steps/load/artifact?path=${encodeURIComponent(bad)}`,
      );
      expect(r.status, bad).toBe(404);
      expect(r.body.error.code).toBe('ARTIFACT_NOT_FOUND');
    }
    const other = await get(`/api/console/runs/${ids.drift}/steps/nope`);
    expect(other.status).toBe(404);
  });

  it('lists drift checks and opens the HTML report as a page for a token holder only', async () => {
    const { body } = await get('/api/console/drift');
    expect(body.checks).toHaveLength(1);
    expect(body.checks[0]).toMatchObject({ runId: ids.drift, stepId: 'drift', drifted: true, features: 4 });
    const url = `/web/drift/${ids.drift}/drift/report.html`;
    expect((await server.call('GET', url)).status).toBe(401);
    const page = await server.call('GET', `${url}?access_token=${server.tokens.viewer}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain('sandbox');
    expect(await page.text()).toMatch(/^<!doctype html>/i);
    expect(
      (
        await server.call(
          'GET',
          `/web/drift/${ids.flaky}/try/report.html?access_token=${server.tokens.viewer}`,
        )
      ).status,
    ).toBe(404);
  });

  it('lists plans with their runs and triggers, next cron fires in the trigger’s zone, secrets hidden', async () => {
    const scheduler = new Scheduler({ engine: server.engine, execute: false });
    scheduler.add(
      parseTriggerDef({
        name: 'nightly',
        kind: 'cron',
        spec: { schedule: '0 2 * * *', timezone: 'Europe/Oslo' },
      }),
      gatedPlan,
      { by: 'test' },
    );
    scheduler.add(
      parseTriggerDef({ name: 'hook', kind: 'webhook', spec: { secret: 'very-secret-value' } }),
      { ...flakyPlan, name: 'hooked' },
      { by: 'test' },
    );
    const plans = (await get('/api/console/plans')).body.plans as Json[];
    expect(plans.map((p) => p.name).sort()).toEqual(['flaky', 'gated', 'hooked', 'island-drift']);
    const gated = plans.find((p) => p.name === 'gated') as Json;
    expect(gated).toMatchObject({
      runs: 1,
      byStatus: { waiting: 1 },
      lastRun: { id: ids.gated, status: 'waiting' },
    });
    expect(gated.triggers.map((t: { name: string }) => t.name)).toEqual(['nightly']);
    expect(plans.find((p) => p.name === 'hooked')).toMatchObject({ runs: 0, steps: 1 });

    const res = await server.call('GET', '/api/console/schedules', { token: server.tokens.viewer });
    const text = await res.text();
    expect(text).not.toContain('very-secret-value');
    const { triggers } = JSON.parse(text) as { triggers: Json[] };
    const nightly = triggers.find((t) => t.name === 'nightly') as Json;
    expect(nightly).toMatchObject({ timezone: 'Europe/Oslo', timezoneIsDefault: false });
    expect(nightly.nextFires).toHaveLength(3);
    for (const at of nightly.nextFires as string[]) {
      expect(Date.parse(at)).toBeGreaterThan(Date.now());
      const hour = new Intl.DateTimeFormat('en-GB', {
        hour: '2-digit',
        hourCycle: 'h23',
        timeZone: 'Europe/Oslo',
      }).format(new Date(at));
      expect(hour).toBe('02');
    }
    expect(triggers.find((t) => t.name === 'hook')?.spec).toEqual({ secret: 'set' });

    const plan = (await get('/api/console/plans/gated')).body;
    expect(plan.yaml).toMatch(/^name: gated$/m);
    expect(plan.yaml).toMatch(/kind: approval/);
    expect(plan.runs[0]).toMatchObject({ id: ids.gated, status: 'waiting' });
    expect((await get('/api/console/plans/nothing-like-it')).status).toBe(404);
    const yaml = await server.call('POST', '/api/console/plans/yaml', {
      token: server.tokens.viewer,
      body: { plan: flakyPlan },
    });
    const yb = (await yaml.json()) as { yaml: string };
    expect(yb.yaml).toContain('task: test.flaky');
    const broken = await server.call('POST', '/api/console/plans/yaml', {
      token: server.tokens.viewer,
      body: { plan: { name: 'x', steps: [{ id: 'a', task: 'test.flaky', dependsOn: ['b'] }] } },
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as Json).error.problems[0].path).toBe('steps[0].dependsOn[0]');
  });

  it('shows a model with its versions, alias history and deployments', async () => {
    const registry = new ModelRegistry(server.store.db);
    for (const [i, accuracy] of [0.81, 0.86].entries()) {
      registry.registerVersion({
        name: 'species',
        ref: {
          dir: path.join(server.config.stateDir, 'models', `m${i}`),
          hash: `h${i}`,
          metrics: { accuracy, log_loss: 0.5 - i / 10 },
          params: {},
        },
        createdBy: 'alice',
        runId: ids.drift,
        stepId: 'register',
      });
      registry.deploy({ name: 'species', version: i + 1, by: 'alice' });
    }
    registry.rollbackDeployment('species', 'alice', 'worse on fresh data');
    const list = (await get('/api/console/models')).body.models;
    expect(list).toEqual([
      expect.objectContaining({
        name: 'species',
        latestVersion: 2,
        aliases: { production: 1 },
        metrics: { accuracy: 0.86, log_loss: 0.4 },
      }),
    ]);
    const m = (await get('/api/console/models/species')).body;
    expect(m.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(m.versions[1]).toMatchObject({
      aliases: ['production'],
      dir: '<state>/models/m0',
      runId: ids.drift,
    });
    expect(
      m.aliasHistory.map((a: { action: string; toVersion: number }) => `${a.action}:${a.toVersion}`),
    ).toEqual(['set:1', 'set:2', 'rollback:1']);
    expect(m.deployments[0]).toMatchObject({
      kind: 'rollback',
      status: 'active',
      version: 1,
      reason: 'worse on fresh data',
    });
    expect(m.serving).toMatchObject({ alias: 'production', version: 1 });
    expect((await get('/api/console/models/unknown')).status).toBe(404);
  });

  it('says who the token belongs to', async () => {
    expect((await get('/api/console/me', server.tokens.approver)).body).toMatchObject({
      name: 'alice',
      role: 'approver',
    });
  });

  it('streams state changes of every run live, without log lines', async () => {
    const res = await server.call('GET', `/api/console/events?access_token=${server.tokens.viewer}`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    const runId = await start(flakyPlan, server.tokens.operator);
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes(`"runId":"${runId}","type":"run.succeeded"`) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    expect(text).toContain('event: hello');
    expect(text).toContain(`"runId":"${runId}","type":"run.created"`);
    expect(text).toContain(`"runId":"${runId}","type":"run.succeeded"`);
    expect(text).not.toContain('step.log');
    expect(text).not.toContain('step.progress');
    expect(text).toMatch(/^id: \d+$/m);
  });
});
