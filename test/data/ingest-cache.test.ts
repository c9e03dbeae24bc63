import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ x: i, y: i % 3 === 0 ? 'a' : 'b' }));

const PLAN = {
  name: 'ingest-then-prep',
  steps: [
    { id: 'load', task: 'ingest.file', with: { path: 'data.json' } },
    {
      id: 'prep',
      task: 'prep.transform',
      dependsOn: ['load'],
      with: { dataset: '${{ steps.load.outputs.dataset }}', ops: [{ op: 'dedupe' }] },
    },
  ],
};

describe('ingest and the step cache', () => {
  it('reads a changed file again, while unchanged data still reuses the cached downstream steps', async () => {
    const workspace = makeWorkspace();
    const config = testConfig({ workspace });
    const store = new RunStore(stateTarget(config));
    const engine = new Engine({ store, registry: builtinRegistry(), config, pollMs: 20 });
    onTestFinished(async () => {
      await engine.close();
      store.close();
      rmSync(workspace, { recursive: true, force: true });
    });
    const file = path.join(workspace, 'data.json');
    writeFileSync(file, JSON.stringify(rows(10)));

    const first = await engine.run(PLAN, { createdBy: 'tester' });
    expect(first.status).toBe('succeeded');
    expect(first.results.load?.output).toMatchObject({ rows: 10 });

    // Same bytes: the file is read again, its output hash is the same, so prep comes from the cache.
    const second = await engine.run(PLAN, { createdBy: 'tester' });
    expect(store.getSteps(second.runId).map((s) => [s.stepId, s.cached])).toEqual([
      ['load', false],
      ['prep', true],
    ]);

    // New rows under the same path: the run sees them (the old cache keyed ingest by its path only).
    writeFileSync(file, JSON.stringify(rows(25)));
    const third = await engine.run(PLAN, { createdBy: 'tester' });
    expect(third.results.load?.output).toMatchObject({ rows: 25 });
    expect(third.results.prep?.output).toMatchObject({ profile: { rows: 25 } });
    expect(store.getSteps(third.runId).find((s) => s.stepId === 'prep')?.cached).toBe(false);
  });
});
