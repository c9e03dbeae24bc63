/**
 * Piped progress (a CI log, `| tee`): one line per event, and one per change of a step's progress message
 * (fold, trial, time left), at most one a second per step, so a long training shows movement without
 * flooding the log.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ProgressRenderer } from '../../src/cli/progress.ts';
import { parsePlan } from '../../src/plan/index.ts';
import { RunStore } from '../../src/store/index.ts';
import { testStateTarget } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

describe('piped progress', () => {
  it('prints each new progress message with its percentage, at most once a second per step', () => {
    const dir = makeWorkspace('pw-progress-');
    const store = new RunStore(testStateTarget(dir));
    onTestFinished(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const run = store.createRun({
      plan: parsePlan({ name: 'p', steps: [{ id: 'train', task: 'train.tabular' }] }),
      createdBy: 'tester',
    });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const at = (ms: number) => new Date(t0 + ms).toISOString();
    const ev = (ms: number, type: string, data: Record<string, unknown> = {}) =>
      store.appendEvent({ runId: run.id, stepId: 'train', type: type as never, data, at: at(ms) });
    ev(0, 'step.started', { attempt: 1, of: 1 });
    ev(10, 'step.progress', { fraction: 0.05, message: 'reading data' });
    ev(1200, 'step.progress', { fraction: 0.2, message: 'trial 1/1 fold 1/5, ~6 s left' });
    ev(1300, 'step.progress', { fraction: 0.35, message: 'trial 1/1 fold 2/5, ~5 s left' }); // within 1 s
    ev(2400, 'step.progress', { fraction: 0.5, message: 'trial 1/1 fold 3/5, ~3 s left' });
    ev(2500, 'step.progress', { fraction: 0.5, message: 'trial 1/1 fold 3/5, ~3 s left' }); // same message
    ev(3000, 'step.progress', { fraction: 1, message: 'model saved' }); // the last one always shows
    ev(3010, 'step.succeeded', {});
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(...s.split('\n').filter(Boolean)) } as never;
    new ProgressRenderer(store, run.id, out, false).stop();
    expect(lines).toEqual([
      '▶ train (train.tabular) started',
      '  train   5% reading data',
      '  train  20% trial 1/1 fold 1/5, ~6 s left',
      '  train  50% trial 1/1 fold 3/5, ~3 s left',
      '  train 100% model saved',
      '✓ train succeeded in 3.01s',
    ]);
  });
});
