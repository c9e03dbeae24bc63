/**
 * Benchmark: single-row predictions of a builtin model through the serving routes over real HTTP on
 * 127.0.0.1 (@hono/node-server, keep-alive fetch from the same process, 8 requests in flight), against a bare
 * hono route that returns a constant on the same kind of server. The ratio is what serving costs on top of
 * HTTP itself: registry state check, body validation, prediction, prediction log.
 *
 *   npx tsx evals/bench/serving.ts
 */
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { modelRoutes } from '../../src/server/models.ts';
import { PredictionLog } from '../../src/server/prediction-log.ts';
import { ModelRegistry, RunStore } from '../../src/store/index.ts';
import { toyModel } from '../../test/deploy/helpers.ts';
import { makeWorkspace } from '../../test/helpers/task-context.ts';
import type { BenchResult } from './types.ts';

const REQUESTS = 2000;
const IN_FLIGHT = 8;
const WARMUP = 200;
const ROUNDS = 3;

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
}

interface Target {
  url: string;
  close(): Promise<void>;
}

/** Serves `app` on an ephemeral loopback port. */
async function listen(app: Hono, route: string): Promise<Target> {
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${route}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Sends `total` POSTs with `inFlight` concurrent after a warm-up; every answer must be 200. */
async function load(url: string, body: string, total: number, inFlight: number): Promise<LoadResult> {
  const send = async () => {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (let i = 0; i < WARMUP; i++) await send();
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const t0 = performance.now();
      await send();
      latencies.push(performance.now() - t0);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

/** The round with the median throughput, so one noisy round on a shared machine does not decide. */
function median(results: LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)] as LoadResult;
}

export async function benchServing(): Promise<BenchResult[]> {
  const workspace = makeWorkspace('pw-bench-serving-');
  const stateDir = path.join(workspace, '.pipewright');
  const store = new RunStore(path.join(stateDir, 'state.db'));
  const log = new PredictionLog({ stateDir });
  try {
    const registry = new ModelRegistry(store.db);
    registry.registerVersion({ name: 'toy', ref: await toyModel(stateDir), createdBy: 'bench' });
    registry.deploy({ name: 'toy', version: 1, by: 'bench' });
    const body = JSON.stringify({ instance: { x: 0.9, color: 'red' } });

    const bare = new Hono();
    bare.post('/constant', (c) => c.json({ predictions: ['hi'] }));
    const served = new Hono();
    served.route('/', modelRoutes({ registry, predictionLog: log }));
    const unlogged = new Hono();
    unlogged.route('/', modelRoutes({ registry }));
    const targets = [
      await listen(bare, '/constant'),
      await listen(served, '/models/toy/predict'),
      await listen(unlogged, '/models/toy/predict'),
    ];
    const rounds: LoadResult[][] = [[], [], []];
    try {
      // Interleaved rounds: load on a shared machine drifts, and each configuration sees the same drift.
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, t] of targets.entries()) rounds[i]?.push(await load(t.url, body, REQUESTS, IN_FLIGHT));
      }
    } finally {
      for (const t of targets) await t.close();
    }
    await log.flush();
    const [baseline, model, noLog] = rounds.map(median) as [LoadResult, LoadResult, LoadResult];

    const note = `${REQUESTS} requests, ${IN_FLIGHT} in flight, loopback, median of ${ROUNDS} rounds`;
    return [
      { name: 'predict (builtin tree, log 100%) throughput', value: model.rps, unit: 'req/s', note },
      { name: 'predict (builtin tree, log 100%) p50 latency', value: model.p50, unit: 'ms' },
      { name: 'predict (builtin tree, log 100%) p99 latency', value: model.p99, unit: 'ms' },
      { name: 'predict (no prediction log) throughput', value: noLog.rps, unit: 'req/s', note },
      { name: 'predict (no prediction log) p99 latency', value: noLog.p99, unit: 'ms' },
      { name: 'bare hono constant route throughput', value: baseline.rps, unit: 'req/s', note },
      { name: 'bare hono constant route p99 latency', value: baseline.p99, unit: 'ms' },
      {
        name: 'predict / bare throughput ratio',
        value: model.rps / baseline.rps,
        unit: 'x',
        note: 'same process, interleaved rounds',
      },
    ];
  } finally {
    await log.close();
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await benchServing()) {
    console.log(
      `${r.name}: ${r.value.toFixed(r.value >= 100 ? 0 : 3)} ${r.unit}${r.note ? ` (${r.note})` : ''}`,
    );
  }
}
