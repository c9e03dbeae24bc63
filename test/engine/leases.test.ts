/**
 * Runs have one executor at a time: it holds a lease it renews; when it stops renewing (killed, stopped),
 * the run is interrupted, shown as such, and resumed by `resume`, by `serve` or by the scheduler. An
 * executor that comes back after losing its run writes nothing more.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Config } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { RunExecutor } from '../../src/server/executor.ts';
import { Metrics } from '../../src/server/metrics.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { Scheduler } from '../../src/triggers/index.ts';
import { outcome, runChild, startChild } from '../helpers/engine-child-runner.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { readMarks, testRegistry } from '../helpers/tasks.ts';

function setup(overrides: Partial<Config> = {}) {
  const workspace = makeWorkspace();
  const config = { ...testConfig({ workspace }), ...overrides };
  const store = new RunStore(stateTarget(config));
  const engine = new Engine({ store, registry: testRegistry(), config, pollMs: 20 });
  onTestFinished(async () => {
    await engine.close();
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  });
  return { workspace, config, store, engine };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const mark = (id: string, deps: string[] = [], delayMs = 0) => ({
  id,
  task: 'test.mark',
  dependsOn: deps,
  with: { label: id, delayMs },
  cache: { enabled: false },
});

/** A run killed (SIGKILL at a fault point) as step `slow` started, before it did anything: interrupted. */
async function interruptedRun(workspace: string, slowMs = 300): Promise<string> {
  writeFileSync(
    path.join(workspace, 'plan.json'),
    JSON.stringify({
      name: 'leased',
      steps: [mark('a'), mark('slow', ['a'], slowMs), mark('after', ['slow'])],
    }),
  );
  const killed = await runChild(workspace, ['run', 'plan.json'], { PIPEWRIGHT_FAULTS: 'step.start:slow' });
  expect(killed.signal).toBe('SIGKILL');
  return killed.runId as string;
}

describe('leases', () => {
  it('a stalled executor loses its run to a resumer, and writes nothing when it wakes up', async () => {
    const { workspace, store, engine } = setup();
    writeFileSync(
      path.join(workspace, 'plan.json'),
      JSON.stringify({
        name: 'stall',
        steps: [mark('a'), mark('slow', ['a'], 3000), mark('after', ['slow'])],
      }),
    );
    const a = startChild(workspace, ['run', 'plan.json'], { PIPEWRIGHT_LEASE_MS: '2000' });
    // A child process starts slowly on a loaded machine.
    await until(() => readMarks(workspace).includes('slow'), 90_000, 'the slow step to start');
    a.kill('SIGSTOP');
    const runId = store.listRuns({ limit: 1 })[0]?.id as string;
    // Stopped, not dead: only the lapse of its lease frees the run.
    await until(() => store.requireRun(runId).status === 'interrupted', 20_000, 'the lease to lapse');
    const resumed = engine.execute(runId);
    await until(() => readMarks(workspace).filter((m) => m === 'slow').length === 2, 10_000, 'the resume');
    a.kill('SIGCONT');
    const [b, stale] = await Promise.all([resumed, a.then(outcome)]);
    expect(b.status).toBe('succeeded');
    expect(stale.result?.error).toBe('RUN_LEASE_LOST');
    // The old executor did not go on to the next step, nor record anything over the new one's records.
    expect(readMarks(workspace)).toEqual(['a', 'slow', 'slow', 'after']);
    expect(store.getStep(runId, 'slow')).toMatchObject({ status: 'succeeded', attempt: 2, interrupted: 1 });
    expect(store.requireRun(runId)).toMatchObject({ status: 'succeeded', leaseOwner: undefined });
    expect(store.events(runId, { types: ['run.interrupted'] })[0]?.data.reason).toMatch(
      /stopped renewing its lease/,
    );
  }, 180_000);

  it('two resumers at once: one executes the run, the other is refused', async () => {
    const { workspace, store } = setup();
    // The resumed slow step lasts long enough that both resumers usually overlap; on a loaded machine one
    // may start after the other finished, and is then refused as finished instead of busy.
    const runId = await interruptedRun(workspace, 4000);
    expect(store.requireRun(runId).status).toBe('interrupted');
    const [x, y] = await Promise.all([
      runChild(workspace, ['resume', runId]),
      runChild(workspace, ['resume', runId]),
    ]);
    const results = [x.result, y.result];
    expect(results).toContainEqual({ runId, status: 'succeeded' });
    const refused = results.find((r) => r?.status !== 'succeeded');
    expect(['RUN_BUSY', 'RUN_FINISHED']).toContain(refused?.error);
    // Exactly one executor ran the rest of the run: each step ran once.
    expect(readMarks(workspace)).toEqual(['a', 'slow', 'after']);
    expect(store.events(runId, { types: ['run.resumed'] })).toHaveLength(1);
  }, 120_000);

  it('serve resumes interrupted runs by itself', async () => {
    const { workspace, store, engine } = setup();
    const runId = await interruptedRun(workspace);
    const executor = new RunExecutor(engine, () => {});
    onTestFinished(() => executor.close());
    executor.sweepTimeouts(50);
    await until(() => store.requireRun(runId).status === 'succeeded', 30_000, 'the server to resume it');
    expect(readMarks(workspace)).toEqual(['a', 'slow', 'after']);
    expect(store.events(runId, { types: ['run.resumed'] })).toHaveLength(1);
  }, 60_000);

  it('serve resumes a run whose approval was decided by a process that died before resuming it', async () => {
    const { workspace, store, engine } = setup();
    const first = await engine.run(
      {
        name: 'gated',
        steps: [{ id: 'ok', kind: 'approval', message: 'go?' }, mark('after', ['ok'])],
      },
      { createdBy: 't' },
    );
    expect(first.status).toBe('waiting');
    // Recorded, then nobody resumed it (the API process that took the decision was killed).
    store.decideApproval({ runId: first.runId, stepId: 'ok', approved: true, by: 'alice', via: 'api' });
    const executor = new RunExecutor(engine, () => {});
    onTestFinished(() => executor.close());
    executor.sweepTimeouts(50);
    await until(
      () => store.requireRun(first.runId).status === 'succeeded',
      30_000,
      'the server to resume it',
    );
    expect(readMarks(workspace)).toEqual(['after']);
  }, 60_000);

  it('the scheduler resumes interrupted runs, unless auto-resume is off', async () => {
    const off = setup({ autoResume: false });
    const stuck = await interruptedRun(off.workspace);
    const idle = new Scheduler({ engine: off.engine, execute: true, log: () => {} });
    expect(idle.recover()).toEqual([]);
    expect(off.store.requireRun(stuck).status).toBe('interrupted');

    const { workspace, store, engine } = setup();
    const runId = await interruptedRun(workspace);
    const scheduler = new Scheduler({ engine, log: () => {} });
    expect(scheduler.recover()).toEqual([runId]);
    await scheduler.idle();
    expect(store.requireRun(runId).status).toBe('succeeded');
  }, 60_000);

  it('keeps timers and the lease going while thousands of in-process steps run back to back', async () => {
    const { store, engine } = setup({ leaseMs: 1000 });
    const steps = Array.from({ length: 1500 }, (_, i) => ({
      id: `s${i}`,
      task: 'test.echo',
      dependsOn: i ? [`s${i - 1}`] : [],
      with: { value: i },
    }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = Date.now();
    const out = await engine.run({ name: 'busy', steps }, { createdBy: 't' });
    const ms = Date.now() - t0;
    clearInterval(timer);
    expect(out.status).toBe('succeeded');
    // A 10 ms timer starved by the steps would tick a handful of times; served, once per few steps.
    expect(ticks).toBeGreaterThan(ms / 100);
    expect(store.events(out.runId, { types: ['run.interrupted'] })).toEqual([]);
  }, 120_000);

  it('counts interrupted runs in /metrics', async () => {
    const { workspace, store } = setup();
    const runId = await interruptedRun(workspace);
    const metrics = new Metrics({ store });
    const text = await metrics.text();
    expect(text).toContain('pipewright_runs{status="interrupted"} 1');
    expect(store.requireRun(runId).status).toBe('interrupted');
  }, 60_000);

  it('fails a step whose process died in each of its attempts instead of running it forever', async () => {
    const { store, engine } = setup();
    const run = engine.createRun({ name: 'crashy', steps: [mark('x')] }, { createdBy: 't' });
    // As three executions left it: each killed while x ran.
    store.recordStep(run.id, 'x', { status: 'running', attempt: 3, interrupted: 2 });
    const out = await engine.execute(run.id);
    expect(out.status).toBe('failed');
    expect(store.getStep(run.id, 'x')).toMatchObject({
      status: 'failed',
      interrupted: 3,
      error: { code: 'STEP_INTERRUPTED' },
    });
  });
});
