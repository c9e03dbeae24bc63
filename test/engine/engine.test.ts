import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { readMarks, testRegistry } from '../helpers/tasks.ts';

function setup() {
  const workspace = makeWorkspace();
  const config = testConfig({ workspace });
  const store = new RunStore(stateTarget(config));
  const engine = new Engine({ store, registry: testRegistry(), config, pollMs: 20 });
  return { workspace, config, store, engine };
}

describe('engine', () => {
  it('runs a diamond with parallel branches and passes outputs downstream', async () => {
    const { engine, store, workspace } = setup();
    const out = await engine.run(
      {
        name: 'diamond',
        steps: [
          { id: 'a', task: 'test.mark', with: { label: 'a', score: 2 } },
          { id: 'b', task: 'test.mark', dependsOn: ['a'], with: { label: 'b', delayMs: 150 } },
          { id: 'c', task: 'test.mark', dependsOn: ['a'], with: { label: 'c', delayMs: 150 } },
          {
            id: 'd',
            task: 'test.echo',
            dependsOn: ['b', 'c'],
            with: { value: '${{ steps.a.outputs.score }}' },
          },
        ],
      },
      { createdBy: 'tester' },
    );
    expect(out.status).toBe('succeeded');
    expect(out.results.d?.output).toEqual({ value: 2 });
    expect(readMarks(workspace).sort()).toEqual(['a', 'b', 'c']);
    const b = store.getStep(out.runId, 'b');
    const c = store.getStep(out.runId, 'c');
    // b and c overlap in time: both started before either finished.
    expect(Date.parse(b?.startedAt ?? '')).toBeLessThan(Date.parse(c?.finishedAt ?? ''));
    expect(Date.parse(c?.startedAt ?? '')).toBeLessThan(Date.parse(b?.finishedAt ?? ''));
  });

  it('pauses at an approval and continues after a decision', async () => {
    const { engine, store, workspace } = setup();
    const first = await engine.run(
      {
        name: 'gated',
        steps: [
          { id: 'train', task: 'test.mark', with: { label: 'train' } },
          { id: 'ok', kind: 'approval', dependsOn: ['train'], message: 'Deploy?', timeout: '1h' },
          { id: 'deploy', task: 'test.mark', dependsOn: ['ok'], with: { label: 'deploy' } },
        ],
      },
      { createdBy: 'tester' },
    );
    expect(first.status).toBe('waiting');
    expect(first.waiting.map((a) => a.stepId)).toEqual(['ok']);
    expect(readMarks(workspace)).toEqual(['train']);
    engine.decide({
      runId: first.runId,
      stepId: 'ok',
      approved: true,
      by: 'alice',
      comment: 'ship it',
      via: 'test',
    });
    const second = await engine.execute(first.runId);
    expect(second.status).toBe('succeeded');
    expect(readMarks(workspace)).toEqual(['train', 'deploy']);
    expect(store.getStep(first.runId, 'ok')?.output).toEqual({
      approved: true,
      by: 'alice',
      comment: 'ship it',
    });
  });
});

describe('engine: failure, retries, timeouts, cache, gates', () => {
  it('retries with backoff and records each attempt', async () => {
    const { engine, store } = setup();
    const out = await engine.run(
      {
        name: 'flaky',
        steps: [
          {
            id: 'f',
            task: 'test.flaky',
            with: { failTimes: 2 },
            retry: { attempts: 3, delay: '10ms', jitter: 0 },
          },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('succeeded');
    expect(out.results.f?.output).toEqual({ calls: 3 });
    const retries = store.events(out.runId, { types: ['step.retry'] });
    expect(retries.map((e) => e.data.delayMs)).toEqual([10, 20]);
    expect(store.getStep(out.runId, 'f')?.attempt).toBe(3);
  });

  it('never retries a validation error', async () => {
    const { engine, store, workspace } = setup();
    const out = await engine.run(
      {
        name: 'bad',
        steps: [
          {
            id: 'f',
            task: 'test.flaky',
            with: { failTimes: 0, userMistake: true },
            retry: { attempts: 5, delay: '1ms' },
          },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('failed');
    expect(readMarks(workspace, 'flaky.txt')).toEqual(['x']);
    expect(store.getStep(out.runId, 'f')?.error).toMatchObject({ code: 'BAD', category: 'user' });
    expect(store.requireRun(out.runId).error?.what).toMatch(/Step "f" failed/);
  });

  it('keeps independent branches going when one fails, and skips what depends on it', async () => {
    const { engine } = setup();
    const out = await engine.run(
      {
        name: 'partial',
        steps: [
          { id: 'bad', task: 'test.flaky', with: { failTimes: 9 } },
          { id: 'after-bad', task: 'test.echo', dependsOn: ['bad'], with: { value: 1 } },
          { id: 'good', task: 'test.echo', with: { value: 2 } },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('failed');
    expect(out.results).toMatchObject({
      bad: { status: 'failed' },
      'after-bad': { status: 'skipped', reason: 'upstream step "bad" failed' },
      good: { status: 'succeeded' },
    });
  });

  it('times a step out and kills its process', async () => {
    const { engine, store, workspace } = setup();
    const out = await engine.run(
      {
        name: 'slow',
        allowUnapproved: true,
        steps: [
          {
            id: 's',
            task: 'shell.exec',
            timeout: '400ms',
            // A child in the background too: the whole tree must stop writing, not only the first process.
            with: {
              command: ['sh', '-c', '(while :; do echo x >> tick.txt; sleep 0.05; done) & exec sleep 30'],
            },
          },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('failed');
    expect(store.getStep(out.runId, 's')?.error?.code).toBe('STEP_TIMEOUT');
    const { statSync } = await import('node:fs');
    await new Promise((r) => setTimeout(r, 300));
    const size = statSync(path.join(workspace, 'tick.txt')).size;
    expect(size).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(statSync(path.join(workspace, 'tick.txt')).size).toBe(size);
  });

  it('abandons a task that ignores its signal at the timeout', async () => {
    const { engine, store } = setup();
    const out = await engine.run(
      { name: 'hang', steps: [{ id: 'h', task: 'test.hang', timeout: '100ms' }] },
      { createdBy: 't' },
    );
    expect(out.status).toBe('failed');
    expect(store.getStep(out.runId, 'h')?.error?.code).toBe('STEP_TIMEOUT');
  });

  it('reuses outputs of identical steps from the cache on a second run', async () => {
    const { engine, store, workspace } = setup();
    const plan = {
      name: 'cached',
      steps: [
        { id: 'a', task: 'test.mark', with: { label: 'a', score: 1 } },
        {
          id: 'b',
          task: 'test.mark',
          dependsOn: ['a'],
          with: { label: 'b', score: '${{ steps.a.outputs.score }}' },
        },
        { id: 'c', task: 'test.mark', with: { label: 'c' }, cache: { enabled: false } },
      ],
    };
    await engine.run(plan, { createdBy: 't' });
    const second = await engine.run(plan, { createdBy: 't' });
    expect(second.status).toBe('succeeded');
    expect(readMarks(workspace).sort()).toEqual(['a', 'b', 'c', 'c']);
    expect(store.getSteps(second.runId).map((s) => [s.stepId, s.cached])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
    ]);
  });

  it('skips a step whose condition is false, and everything after it', async () => {
    const { engine, workspace } = setup();
    const out = await engine.run(
      {
        name: 'gate',
        steps: [
          { id: 'eval', task: 'test.mark', with: { label: 'eval', score: 0.7 } },
          {
            id: 'deploy',
            task: 'test.mark',
            dependsOn: ['eval'],
            when: 'steps.eval.outputs.score >= 0.9',
            with: { label: 'deploy' },
          },
          { id: 'notify', task: 'test.mark', dependsOn: ['deploy'], with: { label: 'notify' } },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('succeeded');
    expect(readMarks(workspace)).toEqual(['eval']);
    expect(out.results.deploy).toMatchObject({
      status: 'skipped',
      reason: 'condition is false: score 0.7 < 0.9 (when: steps.eval.outputs.score >= 0.9)',
    });
    expect(out.results.notify?.status).toBe('skipped');
  });

  it('stops what follows a rejected approval', async () => {
    const { engine, store, workspace } = setup();
    const first = await engine.run(
      {
        name: 'reject',
        steps: [
          { id: 'ok', kind: 'approval', message: 'go?' },
          { id: 'deploy', task: 'test.mark', dependsOn: ['ok'], with: { label: 'deploy' } },
        ],
      },
      { createdBy: 't' },
    );
    engine.decide({
      runId: first.runId,
      stepId: 'ok',
      approved: false,
      by: 'bob',
      comment: 'metrics look off',
      via: 'test',
    });
    const out = await engine.execute(first.runId);
    expect(readMarks(workspace)).toEqual([]);
    expect(out.results.deploy?.reason).toBe('approval "ok" was rejected (by bob: metrics look off)');
    // Recorded as what happened: the approval step was rejected, not "succeeded"; nothing failed.
    expect(store.getStep(first.runId, 'ok')).toMatchObject({
      status: 'rejected',
      reason: 'by bob: metrics look off',
      output: { approved: false, by: 'bob' },
    });
    expect(store.getStep(first.runId, 'deploy')).toMatchObject({
      status: 'skipped',
      reason: 'approval "ok" was rejected (by bob: metrics look off)',
    });
    expect(out.status).toBe('succeeded');
  });

  // LangGraph runs in supersteps: an approval still pending in a superstep holds back the next one, so
  // work after a decided approval starts once its sibling approvals are decided too (docs/engine.md).
  it('waits on two parallel approvals and continues once both are decided', async () => {
    const { engine, workspace } = setup();
    const plan = {
      name: 'two',
      steps: [
        { id: 'a', kind: 'approval', message: 'A?' },
        { id: 'b', kind: 'approval', message: 'B?' },
        { id: 'after-a', task: 'test.mark', dependsOn: ['a'], with: { label: 'after-a' } },
        { id: 'after-b', task: 'test.mark', dependsOn: ['b'], with: { label: 'after-b' } },
      ],
    };
    const first = await engine.run(plan, { createdBy: 't' });
    expect(first.waiting.map((w) => w.stepId).sort()).toEqual(['a', 'b']);
    engine.decide({ runId: first.runId, stepId: 'b', approved: true, by: 'x', via: 'test' });
    const second = await engine.execute(first.runId);
    expect(second.status).toBe('waiting');
    expect(second.waiting.map((w) => w.stepId)).toEqual(['a']);
    expect(readMarks(workspace)).toEqual([]);
    engine.decide({ runId: first.runId, stepId: 'a', approved: true, by: 'x', via: 'test' });
    const third = await engine.execute(first.runId);
    expect(third.status).toBe('succeeded');
    expect(readMarks(workspace).sort()).toEqual(['after-a', 'after-b']);
  });

  it('applies onTimeout when an approval expires', async () => {
    const { engine, workspace } = setup();
    const first = await engine.run(
      {
        name: 'expire',
        steps: [
          { id: 'ok', kind: 'approval', message: 'go?', timeout: '50ms', onTimeout: 'approve' },
          { id: 'deploy', task: 'test.mark', dependsOn: ['ok'], with: { label: 'deploy' } },
        ],
      },
      { createdBy: 't' },
    );
    await new Promise((r) => setTimeout(r, 80));
    expect(() =>
      engine.decide({ runId: first.runId, stepId: 'ok', approved: false, by: 'late', via: 'test' }),
    ).toThrow(/timed out/);
    const out = await engine.execute(first.runId);
    expect(out.status).toBe('succeeded');
    expect(readMarks(workspace)).toEqual(['deploy']);
  });

  it('cancels a running run and kills its step', async () => {
    const { engine, store, workspace } = setup();
    const running = engine.run(
      {
        name: 'cancel',
        steps: [
          { id: 'slow', task: 'test.mark', with: { label: 'slow', delayMs: 10_000 } },
          { id: 'next', task: 'test.mark', dependsOn: ['slow'], with: { label: 'next' } },
        ],
      },
      { createdBy: 't' },
    );
    // Cancel once the slow step is really running (Postgres checkpointer set-up can take a moment).
    let runId = '';
    for (let i = 0; i < 200 && !(runId && readMarks(workspace).includes('slow')); i++) {
      await new Promise((r) => setTimeout(r, 50));
      runId = store.listRuns({ limit: 1 })[0]?.id ?? '';
    }
    engine.cancel(runId, 'tester');
    const out = await running;
    expect(out.status).toBe('cancelled');
    expect(readMarks(workspace)).toEqual(['slow']);
    expect(store.getStep(runId, 'slow')?.status).toBe('cancelled');
    expect(
      store.listAudit({ target: runId }).some((a) => a.action === 'run.cancel' && a.actor === 'tester'),
    ).toBe(true);
  });

  it('refuses inputs that do not fit the task after templates resolve, without retrying', async () => {
    const { engine, store } = setup();
    const out = await engine.run(
      {
        name: 'types',
        inputs: { label: { type: 'number', default: 5 } },
        steps: [
          {
            id: 'm',
            task: 'test.mark',
            with: { label: '${{ inputs.label }}' },
            retry: { attempts: 3, delay: '1ms' },
          },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('failed');
    expect(store.getStep(out.runId, 'm')).toMatchObject({ attempt: 0, error: { code: 'INPUT_INVALID' } });
  });
});

describe('engine: subprocesses', () => {
  it('records a step whose process is killed as failed, with the signal, and keeps the records intact', async () => {
    const { engine, store } = setup();
    const out = await engine.run(
      {
        name: 'killed',
        allowUnapproved: true,
        steps: [
          { id: 'ok', task: 'shell.exec', with: { command: ['echo', 'fine'] } },
          {
            id: 'dies',
            task: 'shell.exec',
            dependsOn: ['ok'],
            with: { command: ['sh', '-c', 'echo about to die; kill -9 $$'] },
          },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('failed');
    expect(store.getStep(out.runId, 'ok')?.status).toBe('succeeded');
    expect(store.getStep(out.runId, 'dies')?.error).toMatchObject({
      code: 'COMMAND_KILLED',
      what: expect.stringContaining('SIGKILL'),
    });
    const logs = store.events(out.runId, { stepId: 'dies', types: ['step.log'] }).map((e) => e.data.message);
    expect(logs).toContain('about to die');
  });

  it('streams progress and outputs from the line protocol', async () => {
    const { engine, store } = setup();
    const out = await engine.run(
      {
        name: 'protocol',
        allowUnapproved: true,
        steps: [
          {
            id: 'p',
            task: 'shell.exec',
            with: {
              command: [
                'sh',
                '-c',
                'echo "::progress 0.5 halfway"; echo "::metric auc 0.91"; echo \'::output {"rows": 12}\'',
              ],
            },
          },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.results.p?.output).toMatchObject({ metrics: { auc: 0.91 }, outputs: { rows: 12 } });
    const progress = store.events(out.runId, { types: ['step.progress'] });
    expect(progress[0]?.data).toEqual({ fraction: 0.5, message: 'halfway' });
  });

  it('confines working directories to the workspace', async () => {
    const { engine, store } = setup();
    const out = await engine.run(
      {
        name: 'escape',
        allowUnapproved: true,
        steps: [{ id: 'x', task: 'shell.exec', with: { command: ['ls'], cwd: '../..' } }],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('failed');
    expect(store.getStep(out.runId, 'x')?.error?.code).toBe('PATH_OUTSIDE_WORKSPACE');
  });
});

describe('engine: python.script', () => {
  it('runs a workspace script with the configured interpreter and reads its outputs', async () => {
    const { engine, store, workspace } = setup();
    (await import('node:fs')).writeFileSync(
      path.join(workspace, 'score.py'),
      'import json, sys\nprint("::progress 0.5 scoring")\nprint("::metric rmse", float(sys.argv[1]) / 2)\nprint("::output " + json.dumps({"args": sys.argv[1:]}))\n',
    );
    const out = await engine.run(
      {
        name: 'py',
        allowUnapproved: ['python.script'],
        steps: [{ id: 's', task: 'python.script', with: { script: 'score.py', args: ['3'] } }],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('succeeded');
    expect(out.results.s?.output).toMatchObject({
      exitCode: 0,
      metrics: { rmse: 1.5 },
      outputs: { args: ['3'] },
    });
    expect(store.events(out.runId, { types: ['step.progress'] })[0]?.data.message).toBe('scoring');
  });

  it('names a missing script, and a script outside the workspace', async () => {
    const { engine, store } = setup();
    const out = await engine.run(
      {
        name: 'py-missing',
        allowUnapproved: true,
        steps: [
          { id: 'missing', task: 'python.script', with: { script: 'nope.py' } },
          { id: 'outside', task: 'python.script', with: { script: '/etc/passwd' } },
        ],
      },
      { createdBy: 't' },
    );
    expect(out.status).toBe('failed');
    expect(store.getStep(out.runId, 'missing')?.error).toMatchObject({
      code: 'SCRIPT_NOT_FOUND',
      what: expect.stringContaining('nope.py'),
    });
    expect(store.getStep(out.runId, 'outside')?.error?.code).toBe('PATH_OUTSIDE_WORKSPACE');
  });
});
