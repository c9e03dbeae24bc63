import { afterEach, describe, expect, it } from 'vitest';
import { isPipewrightError } from '../../src/errors.ts';
import {
  ask,
  attachLineage,
  diffRuns,
  lineageOf,
  renderTree,
  walkLineage,
  whatIsInProduction,
} from '../../src/lineage/index.ts';
import { lineageCli as cli, setup, trainingPlan } from './helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

/** Runs the toy training plan through the real engine, approving as alice. */
async function trainAndDeploy(env: ReturnType<typeof setup>, depth: number, approver = 'alice') {
  const first = await env.engine.run(trainingPlan(depth), { createdBy: 'bob' });
  expect(first.status).toBe('waiting');
  env.engine.decide({
    runId: first.runId,
    stepId: 'approve',
    approved: true,
    by: approver,
    comment: 'ship it',
    via: 'test',
  });
  const done = await env.engine.execute(first.runId);
  expect(done.status).toBe('succeeded');
  return done;
}

function lineageEnv() {
  const env = setup();
  const logs: string[] = [];
  cleanups.push(attachLineage(env.store, { log: (m) => logs.push(m) }));
  cleanups.push(() => env.store.close());
  return { ...env, logs };
}

describe('lineage graph recorded from real runs', () => {
  it('walks upstream from the registered model to the raw dataset through every derivation', async () => {
    const env = lineageEnv();
    const run = await trainAndDeploy(env, 3);
    const L = lineageOf(env.store);
    const model = L.resolve('model:toy@1');
    expect(model.kind).toBe('model');
    expect(model.label).toBe('toy v1');

    const up = walkLineage(env.store, 'model:toy@1', 'up');
    const ids = up.nodes.map((n) => n.id);
    const raw = run.results.load?.output as { dataset: { hash: string } };
    const version = run.results.version?.output as { dataset: { hash: string } };
    const trainSplit = run.results.split?.output as { train: { hash: string } };
    expect(ids).toContain(`dataset:${trainSplit.train.hash.slice(0, 12)}`);
    expect(ids).toContain(`dataset:${version.dataset.hash.slice(0, 12)}`);
    expect(ids).toContain(`dataset:${raw.dataset.hash.slice(0, 12)}`);
    // The chain is made of typed edges: model —trained_on→ train split —derived_from→ … → raw.
    const edge = (src: string, type: string) => up.edges.find((e) => e.src === src && e.type === type);
    expect(edge(model.id, 'trained_on')?.dst).toBe(`dataset:${trainSplit.train.hash.slice(0, 12)}`);
    expect(edge(`dataset:${trainSplit.train.hash.slice(0, 12)}`, 'derived_from')?.dst).toBe(
      `dataset:${version.dataset.hash.slice(0, 12)}`,
    );
    // clean and version hold the same rows, so they are one content-addressed dataset: raw is 3 edges up.
    expect(up.nodes.find((n) => n.id === `dataset:${raw.dataset.hash.slice(0, 12)}`)?.depth).toBe(3);
    // The run, its plan revision and the approval are there too.
    expect(ids).toContain(`run:${run.runId}`);
    expect(ids.some((i) => i.startsWith('plan:toy-train@'))).toBe(true);
    expect(ids).toContain(`approval:${run.runId}/approve`);

    const tree = renderTree(up);
    expect(tree.split('\n')[0]).toContain(model.id);
    expect(tree).toContain('trained_on →');
    expect(tree).toContain('toy-clean@');

    // Depth limits the walk; downstream of the raw data reaches the deployment.
    expect(walkLineage(env.store, model.id, 'up', 1).nodes.every((n) => n.depth <= 1)).toBe(true);
    const down = walkLineage(env.store, `dataset:${raw.dataset.hash.slice(0, 12)}`, 'down');
    expect(down.nodes.some((n) => n.kind === 'deployment')).toBe(true);
    expect(env.logs).toEqual([]);
  });

  it('answers what is in production: model version, its training data and who approved it', async () => {
    const env = lineageEnv();
    const first = await trainAndDeploy(env, 3, 'alice');
    const second = await trainAndDeploy(env, 5, 'carol');
    const prod = whatIsInProduction(env.store);
    expect(prod).toHaveLength(1);
    const p = prod[0];
    expect(p?.model).toBe('toy');
    expect(p?.version).toBe(2);
    const model = second.results.train?.output as { model: { hash: string } };
    expect(p?.modelVersion?.id).toBe(`model:${model.model.hash.slice(0, 12)}`);
    const trainSplit = second.results.split?.output as { train: { hash: string } };
    expect(p?.trainingData.map((d) => d.id)).toEqual([`dataset:${trainSplit.train.hash.slice(0, 12)}`]);
    expect(p?.derivedFrom.some((d) => d.label.startsWith('toy-clean@'))).toBe(true);
    expect(p?.approvals).toEqual([
      expect.objectContaining({ by: 'carol', approved: true, comment: 'ship it', runId: second.runId }),
    ]);
    expect(p?.runs).toContain(second.runId);

    // The second deployment replaced the first.
    const L = lineageOf(env.store);
    const deps = L.listEntities({ kind: 'deployment' });
    expect(deps).toHaveLength(2);
    const newest = deps.find((d) => d.runId === second.runId);
    expect(L.edges({ from: newest?.id ?? '', type: 'replaced' })[0]?.dst).toBe(
      deps.find((d) => d.runId === first.runId)?.id,
    );

    const a = await ask(
      env.store,
      env.config,
      'Which data trained the model in production, and who approved it?',
    );
    expect(a.source).toBe('lineage');
    expect(a.answer).toContain('toy v2');
    expect(a.answer).toContain('carol');
    expect(a.citations.datasets).toContain(`dataset:${trainSplit.train.hash.slice(0, 12)}`);
    expect(a.citations.runs).toContain(second.runId);
    expect(a.citations.approvals).toContain(`approval:${second.runId}/approve`);
  });

  it('diffs two runs: plan, params, data versions and metrics', async () => {
    const env = lineageEnv();
    const a = await trainAndDeploy(env, 3);
    const b = await trainAndDeploy(env, 7);
    const d = diffRuns(env.store, a.runId, b.runId);
    expect(d.plan.same).toBe(false);
    expect(d.plan.stepsChanged).toEqual(['train']);
    expect(d.params).toContainEqual({ step: 'train', path: 'depth', a: 3, b: 7 });
    expect(d.data.some((x) => x.step === 'train' && x.path === 'output.model')).toBe(true);
    const accuracy = d.metrics.find((m) => m.step === 'train' && m.metric === 'accuracy');
    expect(accuracy?.a).toBeCloseTo(0.83);
    expect(accuracy?.b).toBeCloseTo(0.87);
    expect(accuracy?.delta).toBeCloseTo(0.04);
    // Same data in both runs: the cached data steps show no data change.
    expect(d.data.filter((x) => x.step === 'split')).toEqual([]);
  });

  it('gives clear errors for unknown ids', async () => {
    const env = lineageEnv();
    await trainAndDeploy(env, 3);
    const err = (() => {
      try {
        walkLineage(env.store, 'model:nope@9');
      } catch (e) {
        return e;
      }
    })();
    expect(isPipewrightError(err) && err.code).toBe('LINEAGE_NOT_FOUND');
    expect(isPipewrightError(err) && err.fix).toContain('pipewright lineage');
    expect(() => diffRuns(env.store, 'run-nope', 'run-nope2')).toThrow(/No run "run-nope"/);
  });

  it('never lets a lineage failure break the run', async () => {
    const env = lineageEnv();
    env.store.db.exec('DROP TABLE lineage_edges');
    const out = await env.engine.run(
      { name: 'solo', steps: [{ id: 'load', task: 'lt.raw', with: { rows: 5 } }] },
      { createdBy: 'bob' },
    );
    expect(out.status).toBe('succeeded');
    expect(env.logs).toHaveLength(1);
    expect(env.logs[0]).toMatch(/lineage not recorded/);
  });

  it('prints a tree and JSON from the CLI', async () => {
    const env = lineageEnv();
    await trainAndDeploy(env, 3);
    const out = await cli([
      '--state-dir',
      env.config.stateDir,
      '-w',
      env.workspace,
      'lineage',
      'toy@1',
      '--depth',
      '2',
    ]);
    expect(out.split('\n')[0]).toMatch(/^model:[0-9a-f]{12} {2}toy v1$/);
    expect(out).toContain('trained_on →');
    const json = JSON.parse(
      await cli([
        '--json',
        '--state-dir',
        env.config.stateDir,
        '-w',
        env.workspace,
        'ask',
        'what is in production?',
      ]),
    ) as { citations: { models: string[] } };
    expect(json.citations.models).toContain('model:toy@1');
  });
});
