import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/index.ts';
import { MIGRATIONS, RunStore, schemaVersion } from '../../src/store/index.ts';
import { testStateTarget } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const plan = parsePlan({
  name: 'p',
  steps: [
    { id: 'a', task: 'x.y' },
    { id: 'ok', kind: 'approval', dependsOn: ['a'], message: 'go?', approvers: ['alice', 'bob'] },
  ],
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function open(clock?: () => Date) {
  const file = testStateTarget(makeWorkspace());
  return { file, store: new RunStore(file, clock) };
}

describe('RunStore', () => {
  it('records a run with a pending row per step and finds it by prefix', () => {
    const { store } = open();
    const run = store.createRun({ plan, createdBy: 'alice' });
    expect(store.getSteps(run.id).map((s) => [s.stepId, s.status])).toEqual([
      ['a', 'pending'],
      ['ok', 'pending'],
    ]);
    expect(store.requireRun(run.id.slice(0, 22)).id).toBe(run.id);
    expect(() => store.requireRun('run-nope')).toThrow(/No run "run-nope"/);
  });

  it('keeps decisions single-use: a second decision is refused and changes nothing', () => {
    const { store } = open();
    const run = store.createRun({ plan, createdBy: 'alice' });
    store.requestApproval({
      runId: run.id,
      stepId: 'ok',
      message: 'go?',
      approvers: ['alice', 'bob'],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      onTimeout: 'reject',
    });
    const first = store.decideApproval({
      runId: run.id,
      stepId: 'ok',
      approved: true,
      by: 'alice',
      via: 'cli',
    });
    expect(first.approval.status).toBe('approved');
    expect(() =>
      store.decideApproval({ runId: run.id, stepId: 'ok', approved: false, by: 'bob', via: 'slack' }),
    ).toThrow(/already approved/);
    expect(store.getApproval(run.id, 'ok')).toMatchObject({
      status: 'approved',
      decidedBy: 'alice',
      via: 'cli',
    });
    expect(store.listAudit({ target: run.id }).filter((a) => a.action.startsWith('approval.'))).toHaveLength(
      1,
    );
  });

  /** A run with one pending approval at step "ok" that only these approvers may decide. */
  const pendingApproval = (approvers: string[]) => {
    const { store } = open();
    const run = store.createRun({ plan, createdBy: 'alice' });
    store.requestApproval({
      runId: run.id,
      stepId: 'ok',
      message: 'go?',
      approvers,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      onTimeout: 'reject',
    });
    return { store, run };
  };

  it('only lets listed approvers decide', () => {
    const { store, run } = pendingApproval(['alice']);
    expect(() =>
      store.decideApproval({ runId: run.id, stepId: 'ok', approved: true, by: 'mallory', via: 'cli' }),
    ).toThrow(/mallory may not decide/);
    expect(store.getApproval(run.id, 'ok')?.status).toBe('pending');
  });

  it('matches listed approvers without regard to case: a plan says "Dana", the token is dana', () => {
    const { store, run } = pendingApproval(['Dana']);
    expect(() =>
      store.decideApproval({ runId: run.id, stepId: 'ok', approved: true, by: 'dan', via: 'cli' }),
    ).toThrow(/dan may not decide/);
    store.decideApproval({ runId: run.id, stepId: 'ok', approved: true, by: 'dana', via: 'cli' });
    expect(store.getApproval(run.id, 'ok')).toMatchObject({ status: 'approved', decidedBy: 'dana' });
  });

  it('applies onTimeout to a late decision and to expired approvals', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const { store } = open(() => now);
    const run = store.createRun({ plan, createdBy: 'alice' });
    store.requestApproval({
      runId: run.id,
      stepId: 'ok',
      message: 'go?',
      approvers: [],
      expiresAt: '2026-01-01T01:00:00.000Z',
      onTimeout: 'reject',
    });
    now = new Date('2026-01-01T02:00:00Z');
    const late = store.decideApproval({
      runId: run.id,
      stepId: 'ok',
      approved: true,
      by: 'alice',
      via: 'cli',
    });
    expect(late.outcome).toBe('expired');
    expect(late.approval).toMatchObject({ status: 'rejected', decidedBy: 'system:timeout', via: 'timeout' });
    expect(store.expireApprovals()).toEqual([]);
  });

  it('keeps the audit log append-only', () => {
    const { store } = open();
    store.audit('alice', 'test.action', 'target-1');
    expect(() => store.db.prepare("UPDATE audit SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(store.listAudit()[0]).toMatchObject({ actor: 'alice', action: 'test.action' });
  });

  it('leases a run to one executor; an expired lease makes it interrupted and claimable', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store } = open(() => new Date(now));
    const run = store.createRun({ plan, createdBy: 'alice' });
    // Owners on another machine: only their lease says whether they are alive.
    const a = 'host-a/111/aaaa';
    const b = 'host-b/222/bbbb';
    store.claimRun(run.id, { owner: a, leaseMs: 10_000, resumed: false });
    expect(() => store.claimRun(run.id, { owner: b, leaseMs: 10_000, resumed: true })).toThrow(
      /being executed by process 111 on host-a/,
    );
    now += 8_000;
    expect(store.renewLease(run.id, a, 10_000).held).toBe(true);
    now += 8_000;
    expect(store.listRuns()[0]?.status).toBe('running');
    now += 3_000;
    expect(store.listRuns()[0]?.status).toBe('interrupted');
    expect(store.events(run.id, { types: ['run.interrupted'] })[0]?.data).toMatchObject({
      owner: a,
      reason: expect.stringContaining('stopped renewing its lease'),
    });
    const claimed = store.claimRun(run.id, { owner: b, leaseMs: 10_000, resumed: true });
    expect(claimed).toMatchObject({ status: 'running', leaseOwner: b });
    // The old executor wakes up: it no longer holds the run, and cannot write its outcome.
    expect(store.renewLease(run.id, a, 10_000).held).toBe(false);
    expect(store.holdsLease(run.id, a)).toBe(false);
    expect(store.setRunStatus(run.id, 'succeeded', {}, undefined, a)).toBe(false);
    expect(store.requireRun(run.id).status).toBe('running');
    expect(store.setRunStatus(run.id, 'succeeded', {}, undefined, b)).toBe(true);
    expect(store.requireRun(run.id)).toMatchObject({ status: 'succeeded', leaseOwner: undefined });
  });

  it('interrupts a run at once when its executor on this machine is a dead process', () => {
    const { store } = open();
    const run = store.createRun({ plan, createdBy: 'alice' });
    const dead = `${hostname()}/${deadPid()}/cccc`;
    store.claimRun(run.id, { owner: dead, leaseMs: 60_000, resumed: false });
    expect(store.requireRun(run.id).status).toBe('interrupted');
    const again = store.claimRun(run.id, {
      owner: `${hostname()}/${process.pid}/dddd`,
      leaseMs: 60_000,
      resumed: true,
    });
    expect(again.status).toBe('running');
  });

  it('lets an interrupted executor take its run back while nobody else has', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { store } = open(() => new Date(now));
    const run = store.createRun({ plan, createdBy: 'alice' });
    store.claimRun(run.id, { owner: 'host-a/1/aaaa', leaseMs: 1_000, resumed: false });
    now += 5_000;
    expect(store.listRuns()[0]?.status).toBe('interrupted');
    expect(store.renewLease(run.id, 'host-a/1/aaaa', 1_000).held).toBe(true);
    expect(store.requireRun(run.id).status).toBe('running');
  });

  it('reopens an existing database without re-running migrations', () => {
    const { file, store } = open();
    const run = store.createRun({ plan, createdBy: 'alice' });
    store.close();
    const again = new RunStore(file);
    expect(again.requireRun(run.id).planName).toBe('p');
    expect(schemaVersion(again.db)).toBe(MIGRATIONS.length);
  });
});
