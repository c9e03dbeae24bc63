/**
 * /metrics read from the shared store: the scrape time over a store with a long history (RUNS runs, each
 * with three steps, a decided approval and its events; log lines in between), the first scrape (which
 * tallies the whole event log once) against the next ones (which read only new events), and a scrape
 * after a burst of new runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { Metrics } from '../../src/server/metrics.ts';
import { RunStore } from '../../src/store/index.ts';
import { type BenchResult, quantile } from './types.ts';

const RUNS = 20_000;
const LOGS_PER_RUN = 5;
const BURST = 500;

/** Writes `count` finished runs straight into the tables (what the engine would have written). */
function seed(store: RunStore, from: number, count: number): number {
  const db = store.db;
  const run = db.prepare(
    `INSERT INTO runs (id, plan_name, plan_json, plan_hash, inputs_json, status, created_at, started_at, finished_at, created_by, trigger)
     VALUES (?, 'bench', '{"name":"bench","steps":[]}', 'h', '{}', ?, ?, ?, ?, 'bench', 'api')`,
  );
  const step = db.prepare(
    `INSERT INTO steps (run_id, step_id, kind, task, status, attempt, started_at, finished_at)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
  );
  const approval = db.prepare(
    `INSERT INTO approvals (run_id, step_id, message, approvers_json, status, requested_at, expires_at, on_timeout, decided_by, decided_at, via)
     VALUES (?, 'ok', 'go?', '[]', 'approved', ?, ?, 'reject', 'alice', ?, 'api')`,
  );
  const event = db.prepare(
    'INSERT INTO events (run_id, step_id, type, at, data_json) VALUES (?, ?, ?, ?, ?)',
  );
  let events = 0;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  db.transaction(() => {
    for (let i = from; i < from + count; i++) {
      const id = `run-bench-${i}`;
      const at = (ms: number) => new Date(t0 + i * 60_000 + ms).toISOString();
      const failed = i % 10 === 0;
      run.run(id, failed ? 'failed' : 'succeeded', at(0), at(10), at(9_000));
      step.run(id, 'load', 'task', 'ingest.file', 'succeeded', at(10), at(400 + (i % 7) * 100));
      step.run(id, 'ok', 'approval', null, 'succeeded', at(500), at(5_000));
      step.run(id, 'train', 'task', 'train.tabular', failed ? 'failed' : 'succeeded', at(5_000), at(9_000));
      approval.run(id, at(500), at(3_600_500), at(5_000));
      const add = (stepId: string | null, type: string, ms: number, data = '{}') => {
        event.run(id, stepId, type, at(ms), data);
        events++;
      };
      add(null, 'run.created', 0);
      add(null, 'run.started', 10);
      add('load', 'step.succeeded', 400);
      for (let k = 0; k < LOGS_PER_RUN; k++)
        add('train', 'step.log', 5_100 + k, '{"level":"info","message":"epoch"}');
      add('ok', 'approval.decided', 5_000, '{"approved":true,"by":"alice","via":"api"}');
      add(null, 'run.resumed', 5_000);
      add('train', failed ? 'step.failed' : 'step.succeeded', 9_000);
      add(null, failed ? 'run.failed' : 'run.succeeded', 9_000);
    }
  })();
  return events;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function benchMetrics(): Promise<BenchResult[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-metrics-'));
  const config = loadConfig({ workspace, user: 'bench' }, {});
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  try {
    const events = seed(store, 0, RUNS);
    const metrics = new Metrics({ store });
    const first = await timed(() => metrics.text());
    const next: number[] = [];
    for (let i = 0; i < 20; i++) next.push(await timed(() => metrics.text()));
    seed(store, RUNS, BURST);
    const afterBurst = await timed(() => metrics.text());
    const text = await metrics.text();
    const succeeded = /pipewright_runs_finished_total\{status="succeeded"\} (\d+)/.exec(text)?.[1];
    return [
      {
        name: `first scrape, ${RUNS} runs / ${events} events in the store`,
        value: first,
        unit: 'ms',
        note: 'tallies the whole event log once',
      },
      { name: 'next scrapes, nothing new (median of 20)', value: quantile(next, 0.5), unit: 'ms' },
      { name: 'next scrapes, p99', value: quantile(next, 0.99), unit: 'ms' },
      {
        name: `scrape after ${BURST} new runs`,
        value: afterBurst,
        unit: 'ms',
        note: `runs_finished_total{succeeded} = ${succeeded} (expected ${Math.round((RUNS + BURST) * 0.9)})`,
      },
    ];
  } finally {
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}
