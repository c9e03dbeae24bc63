/**
 * The scheduler with a fake clock: ticks are driven by hand, runs execute through the real engine over a
 * real SQLite file, file triggers watch a real temporary folder.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import {
  parseTriggerDef,
  Scheduler,
  type SchedulerOptions,
  triggerRoutes,
} from '../../src/triggers/index.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { readMarks, testRegistry } from '../helpers/tasks.ts';
import { until } from '../helpers/wait.ts';

const T0 = new Date('2026-03-01T00:00:30Z');
const MARK = {
  name: 'nightly',
  steps: [{ id: 'work', task: 'test.mark', with: { label: 'tick' } }],
};

class FakeClock {
  constructor(public t: Date) {}
  now = () => this.t;
  set(iso: string) {
    this.t = new Date(iso);
  }
}

const open: { close(): void; stop?: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.stop?.();
    o.close();
  }
});

function setup(workspace = makeWorkspace('pw-sched-'), clock = new FakeClock(T0)) {
  const config: Config = testConfig({ workspace });
  return { workspace, config, clock, ...scheduler(config, clock) };
}

function scheduler(config: Config, clock: FakeClock, opts: Partial<SchedulerOptions> = {}) {
  const store = new RunStore(stateTarget(config));
  const engine = new Engine({ store, registry: testRegistry(), config, pollMs: 20 });
  const s = new Scheduler({ engine, clock: clock.now, log: () => {}, ...opts });
  open.push({ close: () => store.close(), stop: () => s.stop() });
  return { store, engine, scheduler: s };
}

const cron = (name: string, schedule: string, extra: Record<string, unknown> = {}) =>
  parseTriggerDef({ name, kind: 'cron', spec: { schedule }, ...extra });

describe('cron triggers', () => {
  it('fires each due minute once and records the run with its trigger', async () => {
    const { scheduler: s, store, workspace, clock } = setup();
    s.add(cron('every-minute', '* * * * *'), MARK, { by: 'tester' });
    expect(await s.tick()).toEqual([]);
    clock.set('2026-03-01T00:01:05Z');
    const fired = await s.tick();
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ status: 'fired', tick: '2026-03-01T00:01:00.000Z' });
    await s.idle();
    const run = store.requireRun(fired[0]?.runId as string);
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('cron:every-minute');
    expect(run.createdBy).toBe('trigger:every-minute');
    // The same instant again fires nothing.
    expect(await s.tick()).toEqual([]);
    expect(readMarks(workspace)).toEqual(['tick']);
  });

  it('fires a tick once when two schedulers share the database', async () => {
    const { config, clock, scheduler: a } = setup();
    const { scheduler: b } = scheduler(config, clock);
    a.add(cron('shared', '*/5 * * * *'), MARK, { by: 'tester' });
    clock.set('2026-03-01T00:05:01Z');
    const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
    expect([...ra, ...rb].filter((r) => r.status === 'fired')).toHaveLength(1);
    // A scheduler that computed the same tick from a stale view loses the lock row: nothing runs twice.
    const late = b.fire('shared', '2026-03-01T00:05:00.000Z');
    expect(late.status).toBe('duplicate');
    expect(late.runId).toBeUndefined();
    await a.idle();
    await b.idle();
    expect(readMarks(config.workspace)).toEqual(['tick']);
  });

  it('two scheduler processes ticking at the same moment fire each tick once', async () => {
    const { config, scheduler: s, store } = setup();
    s.add(cron('race', '* * * * *', { catchUp: 'all', maxConcurrent: 100 }), MARK, { by: 't' });
    const child = path.join(import.meta.dirname, 'tick-child.ts');
    const startAt = String(Date.now() + 4000);
    const results = await Promise.all(
      [0, 1].map(() =>
        execa('node', ['--import', 'tsx', child, config.workspace, '2026-03-01T00:10:30Z', startAt]),
      ),
    );
    const all = results.flatMap((r) => JSON.parse(r.stdout) as { status: string; tick: string }[]);
    const fired = all.filter((r) => r.status === 'fired').map((r) => r.tick);
    // Ten due minutes (00:01 … 00:10), each fired by exactly one of the two processes.
    expect(fired.sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `2026-03-01T00:${String(i + 1).padStart(2, '0')}:00.000Z`),
    );
    expect(store.listRuns({ plan: 'nightly' })).toHaveLength(10);
  });

  it('catch-up "one" fires only the latest missed tick; "all" fires every one; "skip" none', async () => {
    const { scheduler: s, clock, store } = setup();
    s.add(cron('one', '0 * * * *'), { ...MARK, name: 'p-one' }, { by: 't' });
    s.add(
      cron('all', '0 * * * *', { catchUp: 'all', maxConcurrent: 10 }),
      { ...MARK, name: 'p-all' },
      { by: 't' },
    );
    s.add(cron('skip', '0 * * * *', { catchUp: 'skip' }), { ...MARK, name: 'p-skip' }, { by: 't' });
    // Down for a little over three hours: 01:00, 02:00 and 03:00 were missed.
    clock.set('2026-03-01T03:20:00Z');
    const out = await s.tick();
    await s.idle();
    const by = (name: string) => out.filter((r) => r.trigger === name);
    expect(by('one').map((r) => [r.status, r.tick])).toEqual([['fired', '2026-03-01T03:00:00.000Z']]);
    expect(by('one')[0]?.runId).toBeDefined();
    expect(s.triggers.getFire('one', '2026-03-01T03:00:00.000Z')?.reason).toMatch(/latest of 3 due ticks/);
    expect(by('all').map((r) => r.status)).toEqual(['fired', 'fired', 'fired']);
    expect(by('skip').map((r) => r.status)).toEqual(['skipped']);
    expect(by('skip')[0]?.reason).toMatch(/3 missed ticks not fired/);
    expect(store.listRuns({ plan: 'p-skip' })).toHaveLength(0);
    // Back on schedule, "skip" fires the tick that is on time.
    clock.set('2026-03-01T04:00:10Z');
    const next = await s.tick();
    expect(next.filter((r) => r.trigger === 'skip').map((r) => r.status)).toEqual(['fired']);
  });

  it('keeps the last tick across a restart: no replay, and missed ticks follow the policy', async () => {
    const { config, clock, scheduler: first, store } = setup();
    first.add(cron('hourly', '0 * * * *'), MARK, { by: 't' });
    clock.set('2026-03-01T01:00:05Z');
    expect((await first.tick()).map((r) => r.status)).toEqual(['fired']);
    await first.idle();
    await first.stop();
    // A new process over the same state file, at the same instant: nothing to fire again.
    const { scheduler: second } = scheduler(config, clock);
    expect(await second.tick()).toEqual([]);
    clock.set('2026-03-01T03:30:00Z');
    const caught = await second.tick();
    expect(caught.map((r) => [r.status, r.tick])).toEqual([['fired', '2026-03-01T03:00:00.000Z']]);
    await second.idle();
    expect(store.listRuns({ plan: 'nightly' })).toHaveLength(2);
  });

  it('resumes a run a killed scheduler left behind, without firing the tick again', async () => {
    const { config, clock, scheduler: first, store } = setup();
    const { scheduler: noExec } = scheduler(config, clock, { execute: false });
    noExec.add(cron('crash', '0 * * * *'), MARK, { by: 't' });
    clock.set('2026-03-01T01:00:05Z');
    const [fired] = await noExec.tick();
    // The process that claimed the tick died before executing: the run sits queued.
    expect(store.requireRun(fired?.runId as string).status).toBe('queued');
    expect(first.recover()).toEqual([fired?.runId]);
    await first.idle();
    expect(store.requireRun(fired?.runId as string).status).toBe('succeeded');
    expect(await first.tick()).toEqual([]);
    expect(store.listRuns({ plan: 'nightly' })).toHaveLength(1);
  });

  it('enforces the concurrency limit per pipeline: skip records why, queue starts later', async () => {
    const { scheduler: s, clock, store } = setup();
    const slow = {
      name: 'slow',
      steps: [{ id: 'w', task: 'test.mark', with: { label: 's', delayMs: 300 } }],
    };
    s.add(cron('skipper', '* * * * *'), slow, { by: 't' });
    s.add(cron('queuer', '* * * * *', { onLimit: 'queue' }), slow, { by: 't' });
    clock.set('2026-03-01T00:01:01Z');
    const out = await s.tick();
    const statuses = out.map((r) => `${r.trigger}:${r.status}`).sort();
    // One of the two got the single slot of pipeline "slow"; the other was held back.
    expect(statuses.filter((x) => x.endsWith(':fired'))).toHaveLength(1);
    const held = out.find((r) => r.status !== 'fired');
    expect(held?.reason).toMatch(/concurrency limit: 1 of 1/);
    await s.idle();
    if (held?.trigger === 'queuer') {
      expect(held.status).toBe('queued');
      // The queued fire started when the slot freed up.
      expect(s.triggers.getFire('queuer', held.tick)?.status).toBe('fired');
      expect(store.listRuns({ plan: 'slow' })).toHaveLength(2);
    } else {
      expect(held?.status).toBe('skipped');
      expect(store.listRuns({ plan: 'slow' })).toHaveLength(1);
    }
  });

  it('queues a fire while the pipeline is busy and starts it once the run ends', async () => {
    const { scheduler: s, clock, store } = setup();
    const slow = {
      name: 'slow-q',
      steps: [{ id: 'w', task: 'test.mark', with: { label: 's', delayMs: 200 } }],
    };
    s.add(cron('q', '* * * * *', { onLimit: 'queue', catchUp: 'all' }), slow, { by: 't' });
    clock.set('2026-03-01T00:02:01Z');
    const out = await s.tick();
    expect(out.map((r) => r.status)).toEqual(['fired', 'queued']);
    await s.idle();
    const fires = s.triggers.listFires({ trigger: 'q' });
    expect(fires.map((f) => f.status)).toEqual(['fired', 'fired']);
    expect(fires[1]?.reason).toBe('started from the queue');
    expect(store.listRuns({ plan: 'slow-q' }).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('refuses an invalid schedule and a plan with unknown tasks at registration', () => {
    const { scheduler: s } = setup();
    expect(() => cron('bad', 'every day at noon')).toThrow(/Cannot read the schedule/);
    expect(() =>
      s.add(cron('x', '* * * * *'), { name: 'x', steps: [{ id: 'a', task: 'no.such' }] }, { by: 't' }),
    ).toThrow();
  });
});

describe('file triggers', () => {
  it('runs the plan with the path of each new CSV that lands, once per file', async () => {
    const workspace = makeWorkspace('pw-file-');
    mkdirSync(path.join(workspace, 'inbox'));
    writeFileSync(path.join(workspace, 'inbox', 'old.csv'), 'a\n1\n');
    const { scheduler: s, store } = setup(workspace);
    const plan = {
      name: 'on-file',
      inputs: { file: { type: 'string' } },
      steps: [{ id: 'w', task: 'test.mark', with: { label: '${{ inputs.file }}' } }],
    };
    s.add(parseTriggerDef({ name: 'inbox', kind: 'file', spec: { path: 'inbox' }, maxConcurrent: 5 }), plan, {
      by: 't',
    });
    s.start({ intervalMs: 60_000 });
    await s.tick();
    await s.watching();
    writeFileSync(path.join(workspace, 'inbox', 'new.csv'), 'a\n2\n');
    writeFileSync(path.join(workspace, 'inbox', 'notes.txt'), 'not a csv');
    await until(() => store.listRuns({ plan: 'on-file' }).length >= 2);
    await s.idle();
    expect(readMarks(workspace).sort()).toEqual(['inbox/new.csv', 'inbox/old.csv']);
    await s.stop();
    // A restart sees both files again and fires neither.
    const again = scheduler(testConfig({ workspace }), new FakeClock(T0)).scheduler;
    again.start({ intervalMs: 60_000 });
    await again.tick();
    await again.watching();
    await new Promise((r) => setTimeout(r, 400));
    await again.idle();
    expect(store.listRuns({ plan: 'on-file' })).toHaveLength(2);
  });
});

describe('webhook triggers', () => {
  it('POST /hooks/:name fires the plan once per idempotency key and checks the secret', async () => {
    const { scheduler: s, store } = setup();
    const plan = {
      name: 'hooked',
      inputs: { who: { type: 'string', default: 'nobody' } },
      steps: [{ id: 'w', task: 'test.mark', with: { label: '${{ inputs.who }}' } }],
    };
    s.add(
      parseTriggerDef({
        name: 'deploy-hook',
        kind: 'webhook',
        spec: { secret: 's3cret-value' },
        maxConcurrent: 5,
      }),
      plan,
      { by: 't' },
    );
    const app = triggerRoutes(s);
    const call = (headers: Record<string, string>, body?: unknown) =>
      app.request('/hooks/deploy-hook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const denied = await call({ 'x-pipewright-hook-secret': 'wrong-value' }, { inputs: { who: 'x' } });
    expect(denied.status).toBe(403);
    const ok = await call(
      { 'x-pipewright-hook-secret': 's3cret-value', 'idempotency-key': 'k1' },
      { inputs: { who: 'ci' } },
    );
    expect(ok.status).toBe(202);
    const body = (await ok.json()) as { status: string; runId: string };
    expect(body.status).toBe('fired');
    const again = await call({ 'x-pipewright-hook-secret': 's3cret-value', 'idempotency-key': 'k1' }, {});
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe('duplicate');
    expect((await app.request('/hooks/nope', { method: 'POST' })).status).toBe(404);
    const bad = await call({ 'x-pipewright-hook-secret': 's3cret-value' }, { inputs: { who: { x: 1 } } });
    expect(bad.status).toBe(400);
    await s.idle();
    expect(store.requireRun(body.runId).inputs).toEqual({ who: 'ci' });
    expect(store.listRuns({ plan: 'hooked' })).toHaveLength(1);
  });
});
