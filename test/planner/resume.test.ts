/** A review that waits survives a restart: a new graph with a new SqliteSaver on the same file resumes it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlannerGraph, type PlannerDeps, workspaceDeps } from '../../agents/planner/index.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';

let ws: ReturnType<typeof makeWorkspace>;
let base: PlannerDeps;
let dir: string;
beforeAll(async () => {
  ws = makeWorkspace();
  base = { registry: await fullRegistry(), ...workspaceDeps(ws.dir) };
  dir = mkdtempSync(path.join(tmpdir(), 'pw-planner-resume-'));
});
afterAll(() => {
  ws.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('planner review across a restart', () => {
  it('waits at review with a SqliteSaver; a new graph on the same file resumes with approve', async () => {
    const file = path.join(dir, 'checkpoints.db');
    const config = { configurable: { thread_id: 'review-1' } };
    const first = SqliteSaver.fromConnString(file);
    const before = createPlannerGraph(base, { checkpointer: first });
    const waiting = await before.invoke({ goal: 'predict species from data/penguins.json' }, config);
    expect(waiting.result).toBeUndefined();
    const state = await before.getState(config);
    expect(state.next).toEqual(['review']);
    first.db.close();

    // "Restart": nothing shared but the file.
    const second = SqliteSaver.fromConnString(file);
    const after = createPlannerGraph(base, { checkpointer: second });
    expect((await after.getState(config)).next).toEqual(['review']);
    const done = await after.invoke(new Command({ resume: { action: 'approve', by: 'ana' } }), config);
    second.db.close();
    expect(done.result?.kind).toBe('plan');
    if (done.result?.kind !== 'plan') return;
    expect(done.result.plan.name).toBe('penguins-species');
    expect(done.result.plan.metadata.review).toEqual({ decision: 'approved', by: 'ana' });
  });
});
