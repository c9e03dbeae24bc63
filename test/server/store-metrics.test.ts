/**
 * The store-derived metrics, straight from records (in the Postgres run of the suite, on Postgres): each
 * event counted once across scrapes, a late-committed event still counted within the tail, cache hits left
 * out of durations, the last drift check per model, and a store written by another process counted.
 */
import { rmSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Plan } from '../../src/plan/index.ts';
import { StoreMetrics } from '../../src/server/store-metrics.ts';
import { RunStore } from '../../src/store/index.ts';
import { testStateTarget } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

function setup(opts: { tail?: number; now?: () => number } = {}) {
  const workspace = makeWorkspace('pw-store-metrics-');
  const target = testStateTarget(`${workspace}/.pipewright`);
  const store = new RunStore(target);
  const registry = new Registry();
  const metrics = new StoreMetrics(store, registry, opts);
  onTestFinished(() => {
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  });
  const text = async () => {
    metrics.refresh();
    return registry.metrics();
  };
  return { store, target, text };
}

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

const plan = (steps: Plan['steps']): Plan => ({ name: 'p', steps }) as Plan;
const task = (id: string, name: string) => ({ id, kind: 'task', task: name, dependsOn: [], with: {} });
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

describe('metrics from the store', () => {
  it('counts each event once across scrapes, durations by task without cache hits', async () => {
    const { store, text } = setup();
    const run = store.createRun({
      plan: plan([task('a', 'x.one'), task('b', 'x.one')] as Plan['steps']),
      createdBy: 't',
    });
    store.setRunStatus(run.id, 'running');
    store.appendEvent({ runId: run.id, type: 'run.started', data: {} });
    store.recordStep(
      run.id,
      'a',
      { status: 'succeeded', startedAt: at(0), finishedAt: at(3) },
      { type: 'step.succeeded', data: {} },
    );
    store.recordStep(
      run.id,
      'b',
      { status: 'succeeded', startedAt: at(0), finishedAt: at(0), cached: true },
      { type: 'step.succeeded', data: {} },
    );
    store.setRunStatus(run.id, 'succeeded');
    const first = await text();
    const again = await text();
    for (const t of [first, again]) {
      expect(value(t, 'pipewright_runs_started_total{kind="started"}')).toBe(1);
      expect(value(t, 'pipewright_runs_finished_total{status="succeeded"}')).toBe(1);
      expect(value(t, 'pipewright_step_duration_seconds_count{task="x.one",status="succeeded"}')).toBe(1);
      expect(value(t, 'pipewright_step_duration_seconds_sum{task="x.one",status="succeeded"}')).toBe(3);
      expect(value(t, 'pipewright_runs{status="succeeded"}')).toBe(1);
      expect(value(t, 'pipewright_runs{status="queued"}')).toBe(0);
    }
  });

  it('counts what another process writes to the same store', async () => {
    const { target, text } = setup();
    expect(value(await text(), 'pipewright_runs{status="waiting"}')).toBe(0);
    const other = new RunStore(target);
    try {
      const run = other.createRun({ plan: plan([task('a', 'x.one')] as Plan['steps']), createdBy: 'cli' });
      other.setRunStatus(run.id, 'waiting');
    } finally {
      other.close();
    }
    const t = await text();
    expect(value(t, 'pipewright_runs{status="waiting"}')).toBe(1);
    expect(value(t, 'pipewright_runs_finished_total{status="waiting"}')).toBe(1);
  });

  it('still counts an event that committed after a later one, within the tail', async () => {
    const { store, text } = setup({ tail: 100 });
    const run = store.createRun({ plan: plan([task('a', 'x.one')] as Plan['steps']), createdBy: 't' });
    // seq 500 commits first and is counted; seq 400 (handed out earlier, committed later) arrives after.
    const insert = (seq: number, type: string) =>
      store.db
        .prepare(
          'INSERT INTO events (seq, run_id, step_id, type, at, data_json) VALUES (?, ?, NULL, ?, ?, ?)',
        )
        .run(seq, run.id, type, at(0), '{}');
    insert(500, 'run.started');
    expect(value(await text(), 'pipewright_runs_started_total{kind="started"}')).toBe(1);
    insert(450, 'run.started');
    expect(value(await text(), 'pipewright_runs_started_total{kind="started"}')).toBe(2);
    expect(value(await text(), 'pipewright_runs_started_total{kind="started"}')).toBe(2);
  });

  it('reports pending approvals, the oldest wait, and decisions with their wait', async () => {
    const now = Date.parse(at(100));
    const { store, text } = setup({ now: () => now });
    const approval = {
      id: 'ok',
      kind: 'approval',
      message: 'Go?',
      timeout: '1h',
      dependsOn: [],
      approvers: [],
      onTimeout: 'reject',
    };
    const a = store.createRun({ plan: plan([approval] as Plan['steps']), createdBy: 't' });
    const b = store.createRun({ plan: plan([approval] as Plan['steps']), createdBy: 't' });
    for (const [run, s] of [
      [a, 40],
      [b, 70],
    ] as const) {
      store.db
        .prepare(
          `INSERT INTO approvals (run_id, step_id, message, approvers_json, status, requested_at, expires_at, on_timeout)
           VALUES (?, 'ok', 'Go?', '[]', 'pending', ?, ?, 'reject')`,
        )
        .run(run.id, at(s), '2100-01-01T00:00:00.000Z');
    }
    const t = await text();
    expect(value(t, 'pipewright_approvals_pending')).toBe(2);
    expect(value(t, 'pipewright_approval_pending_oldest_seconds')).toBe(60);
    store.decideApproval({ runId: a.id, stepId: 'ok', approved: false, by: 'alice', via: 'slack' });
    const after = await text();
    expect(value(after, 'pipewright_approvals_pending')).toBe(1);
    expect(value(after, 'pipewright_approvals_decided_total{decision="rejected",via="slack"}')).toBe(1);
    expect(value(after, 'pipewright_approval_wait_seconds_count{decision="rejected",via="slack"}')).toBe(1);
  });

  it('gives each model the verdict of its last drift check over served traffic', async () => {
    const { store, text } = setup();
    const check = (model: string, drifted: boolean, share: number, finished: number) => {
      const run = store.createRun({
        plan: plan([task('traffic', 'monitor.traffic'), task('drift', 'monitor.drift')] as Plan['steps']),
        createdBy: 't',
      });
      store.recordStep(run.id, 'traffic', { status: 'succeeded', input: { model } });
      store.recordStep(run.id, 'drift', {
        status: 'succeeded',
        startedAt: at(finished - 1),
        finishedAt: at(finished),
        output: { drifted, share, driftedFeatures: [] },
      });
    };
    check('churn', true, 0.75, 10);
    check('churn', false, 0.1, 20);
    check('fraud', true, 0.5, 15);
    const t = await text();
    expect(value(t, 'pipewright_model_drift{model="churn"}')).toBe(0);
    expect(value(t, 'pipewright_model_drift_share{model="churn"}')).toBe(0.1);
    expect(value(t, 'pipewright_model_drift{model="fraud"}')).toBe(1);
    expect(value(t, 'pipewright_model_drift_checked_timestamp_seconds{model="fraud"}')).toBe(
      Date.parse(at(15)) / 1000,
    );
  });
});
