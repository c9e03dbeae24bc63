import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/index.ts';
import { newRunId, RunStore } from '../../src/store/index.ts';
import { testStateTarget } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const plan = parsePlan({ name: 'p', steps: [{ id: 'a', task: 'x.y' }] });
const second = new Date('2026-12-02T14:51:12.345Z');

describe('run ids', () => {
  it('keep the sortable run-YYYYMMDD-HHMMSS- prefix', () => {
    expect(newRunId(second)).toMatch(/^run-20261202-145112-[0-9a-f]+$/);
  });

  it('never repeat when many runs start in one second', () => {
    const ids = Array.from({ length: 20_000 }, () => newRunId(second));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sort in creation order within one second and one process', () => {
    const ids = Array.from({ length: 1_000 }, () => newRunId(second));
    expect([...ids].sort()).toEqual(ids);
  });

  it('retry with a fresh id when a generated id is already taken', () => {
    const ids = ['run-20261202-145112-aaaa', 'run-20261202-145112-aaaa', 'run-20261202-145112-bbbb'];
    const fresh: boolean[] = [];
    const store = new RunStore(testStateTarget(makeWorkspace()), undefined, (_now, isFresh) => {
      fresh.push(isFresh);
      return ids.shift() as string;
    });
    const first = store.createRun({ plan, createdBy: 'alice' });
    const next = store.createRun({ plan, createdBy: 'bob' });
    expect([first.id, next.id]).toEqual(['run-20261202-145112-aaaa', 'run-20261202-145112-bbbb']);
    expect(store.getRun(first.id)?.createdBy).toBe('alice');
    expect(store.listRuns().length).toBe(2);
    expect(fresh).toEqual([false, false, true]);
  });

  it('refuse a caller-chosen id that is taken, with a clear error', () => {
    const store = new RunStore(testStateTarget(makeWorkspace()));
    store.createRun({ plan, createdBy: 'alice', id: 'run-mine' });
    expect(() => store.createRun({ plan, createdBy: 'bob', id: 'run-mine' })).toThrow(
      /already a run "run-mine"/,
    );
    expect(store.getRun('run-mine')?.createdBy).toBe('alice');
  });
});
