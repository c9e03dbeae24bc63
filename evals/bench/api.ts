/**
 * API under load, over a real loopback port: a run read and an approval decision with 50 clients in flight,
 * and one run's SSE stream fanned out to 200 subscribers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { createApp } from '../../src/server/app.ts';
import { openModelRegistry, RunStore } from '../../src/store/index.ts';
import { defineTask, TaskRegistry } from '../../src/tasks/index.ts';
import { type BenchResult, quantile } from './types.ts';

const CLIENTS = 50;
const READS = 2000;
const APPROVALS = 300;
const SUBSCRIBERS = 200;

const noop = defineTask({
  id: 'bench.noop',
  description: 'does nothing',
  input: z.object({}),
  output: z.object({}),
  run: async () => ({}),
});

const sleep = defineTask({
  id: 'bench.sleep',
  description: 'waits, keeping its run running',
  input: z.object({ ms: z.number().describe('how long') }),
  output: z.object({}),
  run: ({ ms }) => new Promise((resolve) => setTimeout(() => resolve({}), ms)),
});

/** Runs `count` requests with `clients` in flight; returns requests/s and per-request latencies. */
async function load(count: number, clients: number, request: (i: number) => Promise<Response>) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < count; i = next++) {
        const s = performance.now();
        const res = await request(i);
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`request ${i} answered ${res.status}`);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { perSecond: count / ((performance.now() - t0) / 1000), latencies };
}

export async function benchApi(): Promise<BenchResult[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-api-'));
  const config = loadConfig({ workspace, user: 'bench' }, {});
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const engine = new Engine({ store, registry: new TaskRegistry([noop, sleep]), config });
  const server = createApp({ config, registry: openModelRegistry(config), engine, approvalSweepMs: 0 });
  const viewer = server.auth.createToken({ name: 'viewer', role: 'viewer', createdBy: 'bench' }).token;
  const approver = server.auth.createToken({ name: 'approver', role: 'approver', createdBy: 'bench' }).token;
  const http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => http.once('listening', r));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  try {
    const gated = {
      name: 'bench-gated',
      steps: [
        { id: 'ok', kind: 'approval', message: 'go?', timeout: '1h' },
        { id: 'after', task: 'bench.noop', dependsOn: ['ok'] },
      ],
    };
    const first = await engine.run(gated, { createdBy: 'bench' });
    const reads = await load(READS, CLIENTS, () =>
      fetch(`${base}/api/runs/${first.runId}`, { headers: auth(viewer) }),
    );

    const waiting: string[] = [];
    for (let i = 0; i < APPROVALS; i++) waiting.push((await engine.run(gated, { createdBy: 'bench' })).runId);
    const approvals = await load(APPROVALS, CLIENTS, (i) =>
      fetch(`${base}/api/runs/${waiting[i]}/approvals/ok`, {
        method: 'POST',
        headers: { ...auth(approver), 'content-type': 'application/json' },
        body: JSON.stringify({ approved: true, comment: 'bench' }),
      }),
    );
    await server.idle();

    // SSE: 200 subscribers of one running run; time from an appended event to the last subscriber seeing it.
    const running = engine.run(
      { name: 'bench-running', steps: [{ id: 'wait', task: 'bench.sleep', with: { ms: 6000 } }] },
      { createdBy: 'bench' },
    );
    let liveId: string | undefined;
    while (!liveId) {
      await new Promise((r) => setTimeout(r, 20));
      liveId = store.listRuns({ limit: 1, plan: 'bench-running', status: 'running' })[0]?.id;
    }
    const live = { runId: liveId };
    const after = store.events(live.runId).at(-1)?.seq ?? 0;
    const controller = new AbortController();
    const seen: number[] = [];
    let appendedAt = 0;
    const subscribers = Array.from({ length: SUBSCRIBERS }, async () => {
      const res = await fetch(`${base}/api/runs/${live.runId}/events?after=${after}&access_token=${viewer}`, {
        signal: controller.signal,
      });
      const reader = res.body?.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (;;) {
        const chunk = await reader?.read().catch(() => undefined);
        if (!chunk || chunk.done) return;
        text += decoder.decode(chunk.value);
        if (text.includes('bench-marker')) {
          seen.push(performance.now() - appendedAt);
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    appendedAt = performance.now();
    store.appendEvent({
      runId: live.runId,
      type: 'step.log',
      data: { level: 'info', message: 'bench-marker' },
    });
    const deadline = Date.now() + 20_000;
    while (seen.length < SUBSCRIBERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await Promise.allSettled(subscribers);
    await running;

    return [
      { name: `run read (GET /api/runs/:id), ${CLIENTS} clients`, value: reads.perSecond, unit: 'req/s' },
      { name: 'run read p99', value: quantile(reads.latencies, 0.99), unit: 'ms' },
      {
        name: `approval decision (POST /api/runs/:id/approvals/:step), ${CLIENTS} clients`,
        value: approvals.perSecond,
        unit: 'req/s',
        note: `${APPROVALS} waiting runs, each resumed in the background`,
      },
      { name: 'approval decision p99', value: quantile(approvals.latencies, 0.99), unit: 'ms' },
      {
        name: `SSE fan-out: one event to ${SUBSCRIBERS} subscribers, last delivery`,
        value: seen.length ? Math.max(...seen) : Number.NaN,
        unit: 'ms',
        note: `${seen.length}/${SUBSCRIBERS} subscribers received it`,
      },
    ];
  } finally {
    http.close();
    await server.close();
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}
