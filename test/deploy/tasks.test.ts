import { describe, expect, it } from 'vitest';
import { modelRoutes } from '../../src/server/models.ts';
import { openModelRegistry } from '../../src/store/index.ts';
import { deployHttp, deploymentTasks, registerModel } from '../../tools/deployment/index.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { toyModel } from './helpers.ts';

describe('model.register and deploy.http', () => {
  it('are catalogued with approval and caching set for side effects', () => {
    expect(deploymentTasks.map((t) => t.id)).toEqual(['model.register', 'deploy.http', 'model.rollback']);
    expect(deployHttp).toMatchObject({ needsApproval: true, cacheable: false });
    expect(registerModel).toMatchObject({ needsApproval: false, cacheable: false });
  });

  it('register versions, deploy with a canary, and a running server follows without a restart', async () => {
    const ctx = makeTaskContext();
    // Each call is another step of the run: its own idempotency key.
    const step = (id: string) => ({ ...ctx, stepId: id, idempotencyKey: `run-test/${id}` });
    const stateDir = ctx.config.stateDir;
    const v1 = await toyModel(stateDir);
    const v2 = await toyModel(stateDir, { inverted: true });
    const dataset = { path: '/data/toy.parquet', hash: 'ds-hash', rows: 40, columns: [], version: 'ds-v1' };

    const r1 = await registerModel.run(registerModel.input.parse({ name: 'toy', model: v1, dataset }), ctx);
    expect(r1).toEqual({ name: 'toy', version: 1, ref: v1 });
    const r2 = await registerModel.run(
      registerModel.input.parse({ name: 'toy', model: v2, alias: 'staging' }),
      step('register-2'),
    );
    expect(r2.version).toBe(2);
    // The same step again (a retry, or a resume after a crash) gets its version back, not a third one.
    const again = await registerModel.run(
      registerModel.input.parse({ name: 'toy', model: v2, alias: 'staging' }),
      step('register-2'),
    );
    expect(again.version).toBe(2);

    const server = openModelRegistry(ctx.config);
    try {
      expect(server.getVersion('toy', 1)).toMatchObject({
        datasetVersion: 'ds-v1',
        runId: 'run-test',
        stepId: 'step-test',
      });
      expect(server.getVersion('toy', 'staging').version).toBe(2);
      const app = modelRoutes({ registry: server });
      const ask = async () =>
        (await (
          await app.request('/models/toy/predict', {
            method: 'POST',
            body: JSON.stringify({ instance: { x: 0.9, color: 'red' } }),
          })
        ).json()) as { version?: number; error?: { code: string } };
      expect((await ask()).error?.code).toBe('MODEL_NOT_DEPLOYED');

      const d1 = await deployHttp.run(deployHttp.input.parse({ model: 'toy', version: 1 }), step('deploy-1'));
      expect(d1).toMatchObject({ endpoint: '/models/toy/predict', version: 1 });
      expect(d1.deploymentId).toMatch(/^dep-/);
      expect(await ask()).toMatchObject({ version: 1 });

      const d2 = await deployHttp.run(
        deployHttp.input.parse({ model: 'toy', version: 'staging', canary: { version: 1, share: 0.1 } }),
        step('deploy-2'),
      );
      expect(d2).toMatchObject({ version: 2, canary: { version: 1, share: 0.1 } });
      expect(server.servingState('toy')).toMatchObject({ version: 2, canary: { version: 1, share: 0.1 } });
      expect(server.getDeployment(d1.deploymentId)?.status).toBe('superseded');
      expect(server.aliasHistory('toy', 'production').map((m) => [m.fromVersion, m.toVersion, m.by])).toEqual(
        [
          [undefined, 1, ctx.config.user],
          [1, 2, ctx.config.user],
        ],
      );
    } finally {
      server.close();
    }

    await expect(
      deployHttp.run(deployHttp.input.parse({ model: 'toy', version: 5 }), step('deploy-3')),
    ).rejects.toMatchObject({ code: 'MODEL_VERSION_NOT_FOUND', why: 'its versions are: 1, 2' });
    expect(
      deployHttp.input.safeParse({ model: 'toy', version: 1, canary: { version: 2, share: 1.5 } }).success,
    ).toBe(false);
  });
});
