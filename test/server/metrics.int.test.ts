/**
 * /metrics on a real `pipewright serve` scaled out (Redis + BullMQ): runs started from the CLI are counted
 * as well as the server's own, the queue depth of a lane with no worker shows, a step duration and an
 * approval decided from the CLI are measured, the last drift check of a served model is a gauge; and the
 * whole text passes `promtool check metrics` (Debian's prometheus package; scripts/setup.sh installs it).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelRegistry } from '../../src/store/index.ts';
import { toyModel } from '../deploy/helpers.ts';
import { BIN, pw } from '../helpers/cli.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { until } from '../helpers/wait.ts';
import { folderBytes, type SecureServer, startSecureServer } from '../security/helpers.ts';
import { eventually } from './contract.ts';

const QUEUE = 'metrics-test';
let redis: TestRedis;
let s: SecureServer;
let worker: ResultPromise | undefined;

const gated = 'name: gated\nsteps:\n  - id: ok\n    kind: approval\n    message: Go on?\n    timeout: 1h\n';
const hello =
  'name: hello\nsteps:\n  - id: say\n    task: notify.send\n    with: { channel: console, text: hi }\n';
const read = 'name: read\nsteps:\n  - id: load\n    task: ingest.file\n    with: { path: reference.csv }\n';

beforeAll(async () => {
  redis = await startRedis();
  s = await startSecureServer({
    env: { PIPEWRIGHT_REDIS_URL: redis.url, PIPEWRIGHT_QUEUE: QUEUE },
    before: async (stateDir) => {
      const registry = openModelRegistry({ stateDir });
      registry.registerVersion({ name: 'toy', ref: await toyModel(stateDir), createdBy: 'setup' });
      registry.deploy({ name: 'toy', version: 1, by: 'setup' });
      registry.close();
      const ws = path.dirname(stateDir);
      const rows = Array.from({ length: 60 }, (_, i) => `${(i % 20) / 20},${i % 2 ? 'red' : 'blue'}`);
      writeFileSync(path.join(ws, 'reference.csv'), `x,color\n${rows.join('\n')}\n`);
      writeFileSync(path.join(ws, 'gated.yaml'), gated);
      writeFileSync(path.join(ws, 'hello.yaml'), hello);
    },
  });
}, 120_000);
afterAll(async () => {
  worker?.kill('SIGKILL');
  await s?.stop();
  await redis?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${s.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series, e.g. value(text, 'pipewright_runs{status="waiting"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function startRun(plan: string): Promise<string> {
  const res = await fetch(`${s.url}/api/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.tokens.operator}`, 'content-type': 'application/json' },
    body: JSON.stringify({ plan }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { runId: string }).runId;
}

const statusOf = (runId: string) => s.store.getRun(runId)?.status;

describe('/metrics from the shared store', () => {
  it('counts runs from every surface, by status; pending approvals and their wait', async () => {
    const fromCli = await pw(s.workspace, ['run', 'hello.yaml']);
    expect(fromCli.exitCode, fromCli.stderr).toBe(0);
    const waiting = await startRun(gated);
    await until(() => statusOf(waiting) === 'waiting', 20_000);
    const text = await scrape();
    // The CLI's run executed in its own process: the server knows it only through the store.
    expect(value(text, 'pipewright_runs{status="succeeded"}')).toBe(1);
    expect(value(text, 'pipewright_runs{status="waiting"}')).toBe(1);
    expect(value(text, 'pipewright_runs_started_total{kind="started"}')).toBe(2);
    expect(value(text, 'pipewright_runs_finished_total{status="succeeded"}')).toBe(1);
    expect(value(text, 'pipewright_approvals_pending')).toBe(1);
    expect(value(text, 'pipewright_approval_pending_oldest_seconds')).toBeGreaterThan(0);
    expect(value(text, 'pipewright_step_duration_seconds_count{task="notify.send",status="succeeded"}')).toBe(
      1,
    );

    // Decided from the CLI, resumed by the server: the decision and its wait are counted.
    const approved = await pw(s.workspace, ['approve', waiting, 'ok', '--comment', 'metrics']);
    expect(approved.exitCode, approved.stderr).toBe(0);
    await until(() => statusOf(waiting) === 'succeeded', 20_000);
    const after = await scrape();
    expect(value(after, 'pipewright_approvals_decided_total{decision="approved",via="cli"}')).toBe(1);
    expect(value(after, 'pipewright_approval_wait_seconds_count{decision="approved",via="cli"}')).toBe(1);
    expect(value(after, 'pipewright_approvals_pending')).toBe(0);
    expect(value(after, 'pipewright_runs{status="succeeded"}')).toBe(2);
    expect(value(after, 'pipewright_runs_started_total{kind="resumed"}')).toBeGreaterThanOrEqual(1);
  });

  it('shows the depth of a BullMQ lane with no worker, and the running step waiting on it', async () => {
    const runId = await startRun(read);
    const text = await eventually(
      async () => {
        const t = await scrape();
        return value(t, 'pipewright_queue_jobs{lane="cpu",state="waiting"}') === 1 ? t : undefined;
      },
      20_000,
      'the job in the cpu lane',
    );
    expect(value(text, 'pipewright_queue_up')).toBe(1);
    expect(value(text, 'pipewright_queue_workers')).toBe(0);
    expect(value(text, 'pipewright_steps_running{task="ingest.file"}')).toBe(1);

    worker = execa('node', [BIN, '--json', 'worker', '--id', 'metrics-w', '--gpus', 'none'], {
      cwd: s.workspace,
      env: {
        PATH: process.env.PATH ?? '',
        PIPEWRIGHT_WORKSPACE: s.workspace,
        PIPEWRIGHT_REDIS_URL: redis.url,
        PIPEWRIGHT_QUEUE: QUEUE,
        PIPEWRIGHT_USER: 'worker',
      },
      extendEnv: false,
      reject: false,
    });
    await until(() => statusOf(runId) === 'succeeded', 60_000);
    const drained = await scrape();
    expect(value(drained, 'pipewright_queue_jobs{lane="cpu",state="waiting"}')).toBe(0);
    expect(value(drained, 'pipewright_queue_workers')).toBe(1);
    expect(value(drained, 'pipewright_steps_running{task="ingest.file"}')).toBeUndefined();
  }, 120_000);

  it('reports the last drift check of each served model', async () => {
    const instances = Array.from({ length: 40 }, (_, i) => ({ x: 0.5 + i / 80, color: 'red' }));
    const scored = await fetch(`${s.url}/models/toy/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances }),
    });
    expect(scored.status).toBe(200);
    // The server writes the prediction log in the background.
    await until(() => folderBytes(path.join(s.stateDir, 'predictions')) > 0, 10_000);
    const drift = {
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
    const runId = await startRun(JSON.stringify(drift));
    await until(() => ['succeeded', 'failed'].includes(statusOf(runId) ?? ''), 60_000);
    expect(statusOf(runId), JSON.stringify(s.store.getSteps(runId).map((x) => x.error))).toBe('succeeded');
    const out = s.store.getStep(runId, 'drift')?.output as { drifted: boolean; share: number };
    const text = await scrape();
    expect(value(text, 'pipewright_model_drift{model="toy"}')).toBe(out.drifted ? 1 : 0);
    expect(value(text, 'pipewright_model_drift_share{model="toy"}')).toBeCloseTo(out.share, 6);
    expect(value(text, 'pipewright_model_drift_checked_timestamp_seconds{model="toy"}')).toBeGreaterThan(
      Date.now() / 1000 - 600,
    );
  }, 120_000);

  it('passes promtool check metrics', async () => {
    const text = await scrape();
    const checked = await execa('promtool', ['check', 'metrics'], { input: text, reject: false });
    expect(checked.exitCode, `${checked.stdout}\n${checked.stderr}`).toBe(0);
    expect(`${checked.stdout}${checked.stderr}`.trim()).toBe('');
    for (const family of [
      'pipewright_runs',
      'pipewright_steps_running',
      'pipewright_step_duration_seconds',
      'pipewright_approval_wait_seconds',
      'pipewright_queue_jobs',
      'pipewright_model_drift',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${family} (gauge|counter|histogram)$`, 'm'));
    }
  });
});
