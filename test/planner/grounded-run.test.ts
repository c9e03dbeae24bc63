/**
 * Plans made against the populated workspace run for real (on a private copy of it): scoring by alias writes
 * the scored rows where the goal said, and a rollback changes nothing in the registry until it is approved.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { planGoal, workspaceDeps } from '../../agents/planner/index.ts';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { ModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../fixtures/populated-workspace.ts';

let ws: PopulatedWorkspace;
beforeAll(async () => {
  ws = await populatedWorkspace();
}, 300_000);

/** A private copy of the fixture (its records still point at the shared one's model files, read only). */
function copy() {
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-grounded-run-'));
  cpSync(ws.dir, dir, { recursive: true });
  const config = loadConfig({ workspace: dir, user: 'carol' }, {});
  const store = new RunStore(stateTarget(config));
  const registry = builtinRegistry();
  const engine = new Engine({ store, registry, config, pollMs: 20 });
  onTestFinished(async () => {
    await engine.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const plan = async (goal: string) => {
    const r = await planGoal(goal, { registry, ...workspaceDeps(dir, config, { now: () => ws.now }) });
    if (r.kind !== 'plan') throw new Error(`no plan: ${JSON.stringify(r)}`);
    return r.plan;
  };
  return { dir, store, engine, plan };
}

describe('grounded plans run', () => {
  it('scores new rows with the production model by alias and writes them to scores/', async () => {
    const { dir, engine, plan } = copy();
    const p = await plan(
      'score data/new-cars.json with the production cars model and write the predictions to scores/',
    );
    const out = await engine.run(p, { createdBy: 'carol' });
    expect(out.status).toBe('succeeded');
    const score = out.results.score as
      | { output?: { scoredWith?: { name?: string; version?: number } } }
      | undefined;
    expect(score?.output?.scoredWith).toMatchObject({ name: 'cars-mpg', version: 1 });
    expect(existsSync(path.join(dir, 'scores')) && readdirSync(path.join(dir, 'scores')).length).toBe(1);
  }, 120_000);

  it('a rollback waits for its approval before production moves', async () => {
    const { store, engine, plan } = copy();
    const registry = new ModelRegistry(store.db);
    const p = await plan('roll back penguins-species to version 1 now');
    const waiting = await engine.run(p, { createdBy: 'carol' });
    expect(waiting.status).toBe('waiting');
    expect(registry.getAliases('penguins-species').production).toBe(2);
    engine.decide({ runId: waiting.runId, stepId: 'approve', approved: true, by: 'dave', via: 'cli' });
    const done = await engine.execute(waiting.runId);
    expect(done.status).toBe('succeeded');
    expect(registry.getAliases('penguins-species').production).toBe(1);
  }, 120_000);
});
