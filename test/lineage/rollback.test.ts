import { afterEach, describe, expect, it } from 'vitest';
import {
  attachLineage,
  lineageOf,
  recordDeploymentChange,
  whatIsInProduction,
} from '../../src/lineage/index.ts';
import { ModelRegistry } from '../../src/store/index.ts';
import { lineageCli as cli, setup, trainingPlan } from './helpers.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

async function trainAndDeploy(env: ReturnType<typeof setup>, depth: number) {
  const run = await env.engine.run(trainingPlan(depth), { createdBy: 'bob' });
  env.engine.decide({ runId: run.runId, stepId: 'approve', approved: true, by: 'alice', via: 'test' });
  const done = await env.engine.execute(run.runId);
  expect(done.status).toBe('succeeded');
  return done;
}

describe('deployment changes made outside a run', () => {
  it('`pipewright models rollback` records the rollback: deployed_as the previous version, replaced the deployment', async () => {
    const env = setup();
    cleanups.push(attachLineage(env.store));
    cleanups.push(() => env.store.close());
    await trainAndDeploy(env, 3);
    const second = await trainAndDeploy(env, 5);
    const L = lineageOf(env.store);
    const v1 = L.aliasOf('model:toy@1');
    const deployedBySecond = L.listEntities({ kind: 'deployment' }).find((d) => d.runId === second.runId);
    expect(v1).toBeDefined();
    expect(deployedBySecond).toBeDefined();

    const out = JSON.parse(
      await cli([
        '--json',
        '--state-dir',
        env.config.stateDir,
        '-w',
        env.workspace,
        '--as',
        'dana',
        'models',
        'rollback',
        'toy',
        '--reason',
        'accuracy dropped',
      ]),
    ) as { deployment: { id: string; version: number; kind: string }; lineage: string };
    expect(out.deployment).toMatchObject({ version: 1, kind: 'rollback' });
    expect(out.lineage).toBe(`deployment:${out.deployment.id}`);

    const rollback = L.getEntity(out.lineage);
    expect(rollback?.attrs).toMatchObject({
      model: 'toy',
      alias: 'production',
      version: 1,
      kind: 'rollback',
      by: 'dana',
      reason: 'accuracy dropped',
    });
    expect(L.edges({ from: out.lineage, type: 'deployed_as' }).map((e) => e.dst)).toEqual([v1]);
    expect(L.edges({ from: out.lineage, type: 'replaced' }).map((e) => e.dst)).toEqual([
      deployedBySecond?.id,
    ]);
    // The graph now answers "what is in production" with the rolled-back version.
    expect(whatIsInProduction(env.store)[0]).toMatchObject({ model: 'toy', version: 1 });
  });

  it('a deployment change from the API, recorded twice, adds nothing twice', async () => {
    const env = setup();
    cleanups.push(attachLineage(env.store));
    cleanups.push(() => env.store.close());
    await trainAndDeploy(env, 3);
    await trainAndDeploy(env, 5);
    const d = new ModelRegistry(env.store.db).rollbackDeployment('toy', 'api', 'canary errors');
    const id = recordDeploymentChange(env.store, d);
    recordDeploymentChange(env.store, d);
    const L = lineageOf(env.store);
    expect(L.edges({ from: id, type: 'replaced' })).toHaveLength(1);
    expect(L.edges({ from: id, type: 'deployed_as' })).toHaveLength(1);
    expect(L.listEntities({ kind: 'deployment' })).toHaveLength(3);
  });
});

describe('deployment changes made over HTTP', () => {
  it('POST /api/models/:name/rollback lands in the lineage graph like the CLI rollback', async () => {
    const env = setup();
    cleanups.push(attachLineage(env.store));
    cleanups.push(() => env.store.close());
    await trainAndDeploy(env, 3);
    await trainAndDeploy(env, 5);
    const { createApp } = await import('../../src/server/app.ts');
    const server = createApp({
      config: env.config,
      engine: env.engine,
      registry: new ModelRegistry(env.store.db),
      approvalSweepMs: 0,
    });
    const token = server.auth.createToken({ name: 'olga', role: 'operator', createdBy: 'test' }).token;
    try {
      const res = await server.app.request('/api/models/toy/rollback', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ reason: 'latency regression' }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { deploymentId: string; version: number };
      expect(body.version).toBe(1);
      const L = lineageOf(env.store);
      const rollback = L.getEntity(`deployment:${body.deploymentId}`);
      expect(rollback?.attrs).toMatchObject({
        kind: 'rollback',
        version: 1,
        by: 'olga',
        reason: 'latency regression',
      });
      expect(L.edges({ from: rollback?.id as string, type: 'deployed_as' }).map((e) => e.dst)).toEqual([
        L.aliasOf('model:toy@1'),
      ]);
    } finally {
      await server.close();
    }
  });
});
