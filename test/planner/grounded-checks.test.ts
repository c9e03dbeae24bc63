/**
 * The grounded eval checks added for the development goal set (evals/planner/grounded-checks.ts): the traffic
 * window a drift check reads, where batch scores are written and the alias a new version is registered under.
 * Each is checked on a plan that has it right and on one that has it wrong, against the real populated workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGrounded, type GroundedContext } from '../../evals/planner/grounded-checks.ts';
import { Plan } from '../../src/plan/index.ts';
import { ModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { populatedWorkspace } from '../fixtures/populated-workspace.ts';

let store: RunStore;
let ctx: GroundedContext;

beforeAll(async () => {
  const ws = await populatedWorkspace();
  store = new RunStore(stateTarget(ws.config));
  ctx = { facts: ws.facts, registry: new ModelRegistry(store.db), runPlan: (id) => store.getRun(id)?.plan };
}, 300_000);
afterAll(() => store?.close());

const plan = (steps: Record<string, unknown>[]) =>
  Plan.parse({ apiVersion: 'pipewright/v1', name: 'check', steps });

const traffic = (window?: string) =>
  plan([
    { id: 'reference', task: 'model.dataset', with: { model: 'cars-mpg' } },
    { id: 'traffic', task: 'monitor.traffic', with: { model: 'cars-mpg', ...(window ? { window } : {}) } },
  ]);

describe('grounded checks of the development set', () => {
  it('trafficWindow compares the monitor.traffic window as a duration', () => {
    expect(checkGrounded({ trafficWindow: '24h' }, traffic('1d'), ctx)).toEqual({ total: 1, failures: [] });
    const wrong = checkGrounded({ trafficWindow: '24h' }, traffic('7d'), ctx);
    expect(wrong.total).toBe(1);
    expect(wrong.failures[0]).toMatch(/^trafficWindow: got .*7d/);
    expect(checkGrounded({ trafficWindow: '24h' }, traffic(), ctx).failures).toHaveLength(1);
  });

  it('scoreOutput compares the predict.batch output path, ignoring a leading ./', () => {
    const scored = (output?: string) =>
      plan([
        { id: 'load', task: 'ingest.file', with: { path: 'data/new-cars.json' } },
        {
          id: 'score',
          task: 'predict.batch',
          dependsOn: ['load'],
          with: {
            model: 'cars-mpg',
            dataset: '${{ steps.load.outputs.dataset }}',
            ...(output ? { output } : {}),
          },
        },
      ]);
    expect(checkGrounded({ scoreOutput: 'scores/' }, scored('./scores/'), ctx).failures).toEqual([]);
    expect(checkGrounded({ scoreOutput: 'scores/' }, scored('out/scores.csv'), ctx).failures).toHaveLength(1);
    expect(checkGrounded({ scoreOutput: 'scores/' }, scored(), ctx).failures).toHaveLength(1);
  });

  it('registerAlias compares the alias of the first model.register step', () => {
    const registered = (alias?: string) =>
      plan([
        {
          id: 'register',
          task: 'model.register',
          with: { name: 'cars-mpg', model: '${{ steps.train.outputs.model }}', ...(alias ? { alias } : {}) },
        },
      ]);
    expect(checkGrounded({ registerAlias: 'staging' }, registered('staging'), ctx).failures).toEqual([]);
    expect(checkGrounded({ registerAlias: 'staging' }, registered('production'), ctx).failures).toHaveLength(
      1,
    );
    expect(checkGrounded({ registerAlias: 'staging' }, registered(), ctx).failures).toHaveLength(1);
  });
  it('champion accepts the bare model name or its production alias as the baseline, not another alias or model', () => {
    const judged = (baseline: string) =>
      plan([
        { id: 'judge', task: 'evaluate.model', with: { model: 'x.joblib', baseline, primaryMetric: 'rmse' } },
      ]);
    for (const b of ['cars-mpg', 'cars-mpg@production'])
      expect(checkGrounded({ champion: 'cars-mpg' }, judged(b), ctx).failures, b).toEqual([]);
    for (const b of ['cars-mpg@staging', 'penguins-species'])
      expect(checkGrounded({ champion: 'cars-mpg' }, judged(b), ctx).failures, b).toHaveLength(1);
  });
});
