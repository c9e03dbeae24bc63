/**
 * 10,000-step plans run and finish: a chain (each step reads the one before) and a fan-out (the shape
 * that used to finish every step and stay `running`). Time per step and checkpoint bytes per step are
 * benchmark figures (`npm run bench -- engine`); here: they finish, every step is recorded once, and the
 * checkpoint stays small.
 */
import { rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { testRegistry } from '../helpers/tasks.ts';

const N = 10_000;

function setup() {
  const workspace = makeWorkspace();
  const config = testConfig({ workspace });
  const store = new RunStore(stateTarget(config));
  const engine = new Engine({ store, registry: testRegistry(), config });
  onTestFinished(async () => {
    await engine.close();
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  });
  return { config, store, engine };
}

const checkpointBytes = (stateDir: string) =>
  ['checkpoints.db', 'checkpoints.db-wal']
    .map((f) => statSync(path.join(stateDir, f), { throwIfNoEntry: false })?.size ?? 0)
    .reduce((a, b) => a + b, 0);

describe('10,000-step runs', () => {
  for (const shape of ['chain', 'fanout'] as const) {
    it(`a ${shape} of ${N} steps runs and finishes`, async () => {
      const { config, store, engine } = setup();
      const steps = Array.from({ length: N }, (_, i) => ({
        id: `s${i}`,
        task: 'test.echo',
        dependsOn: i === 0 ? [] : shape === 'chain' ? [`s${i - 1}`] : ['s0'],
        with: { value: i === 0 ? 0 : shape === 'chain' ? `\${{ steps.s${i - 1}.outputs.value }}` : i },
      }));
      const out = await engine.run({ name: `big-${shape}`, steps }, { createdBy: 't' });
      expect(out.status).toBe('succeeded');
      expect(Object.keys(out.results)).toHaveLength(N);
      expect(store.requireRun(out.runId).status).toBe('succeeded');
      expect(store.events(out.runId, { types: ['step.succeeded'], limit: 2 * N })).toHaveLength(N);
      if (shape === 'chain') expect(out.results[`s${N - 1}`]?.output).toEqual({ value: 0 });
      // Outputs live in the run store; the graph's checkpoint holds no step results.
      if (store.db.dialect === 'sqlite') expect(checkpointBytes(config.stateDir)).toBeLessThan(2_000_000);
    }, 600_000);
  }
});
