/**
 * Many processes, one workspace: 50 `run`s of the same plan at once, each its own process, over a workspace
 * with history. Every writer takes the lock up front (BEGIN IMMEDIATE) and waits its turn (busy timeout),
 * so none dies with SQLITE_BUSY and none is left queued.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { runChild } from '../helpers/engine-child-runner.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { readMarks, testRegistry } from '../helpers/tasks.ts';

// The Postgres run of the suite shares one test server (100 connections) across every test: fewer there.
const PROCESSES = process.env.PIPEWRIGHT_TEST_DATABASE_URL ? 16 : 50;

describe('concurrent runs in one workspace', () => {
  it(`${PROCESSES} runs in ${PROCESSES} processes at once all finish`, async () => {
    const workspace = makeWorkspace();
    const config = testConfig({ workspace });
    const store = new RunStore(stateTarget(config));
    const engine = new Engine({ store, registry: testRegistry(), config });
    onTestFinished(async () => {
      await engine.close();
      store.close();
      rmSync(workspace, { recursive: true, force: true });
    });
    const plan = {
      name: 'busy',
      steps: [
        { id: 'a', task: 'test.mark', with: { label: 'a' }, cache: { enabled: false } },
        { id: 'b', task: 'test.echo', dependsOn: ['a'], with: { value: '${{ steps.a.outputs.label }}' } },
        { id: 'c', task: 'test.publish', dependsOn: ['b'], with: { line: 'c' } },
      ],
    };
    // History: earlier runs of the plan (records, cache entries, checkpoints).
    for (let i = 0; i < 10; i++)
      expect((await engine.run(plan, { createdBy: 't' })).status).toBe('succeeded');
    writeFileSync(path.join(workspace, 'plan.json'), JSON.stringify(plan));

    const children = await Promise.all(
      Array.from({ length: PROCESSES }, () => runChild(workspace, ['run', 'plan.json'])),
    );
    const failures = children.filter((c) => c.result?.status !== 'succeeded');
    expect(failures.map((c) => `${c.exitCode} ${c.result?.message ?? c.stderr}`)).toEqual([]);
    const runs = store.listRuns({ plan: 'busy', limit: 1000 });
    expect(runs).toHaveLength(10 + PROCESSES);
    expect(runs.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(readMarks(workspace)).toHaveLength(10 + PROCESSES);
  }, 600_000);
});
