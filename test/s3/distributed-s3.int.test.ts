/**
 * Workers on "another machine" with no shared folder: a `pipewright worker` process with its own workspace
 * and state folder, a coordinator engine in this process with another, Redis for the queue and a loopback
 * S3 server as the only thing they share (PIPEWRIGHT_ARTIFACTS=s3://…).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { RunStore } from '../../src/store/index.ts';
import { BullmqDispatcher } from '../../src/workers/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { VEGA_DATA } from '../data/fixtures.ts';
import { BIN } from '../helpers/cli.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { type LocalS3, startLocalS3 } from './server.ts';

const QUEUE = 's3test';
let s3: LocalS3;
let redis: TestRedis;
let worker: ResultPromise | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  [s3, redis] = await Promise.all([startLocalS3(), startRedis()]);
  await s3.createBucket('pw-shared');
  await s3.put('pw-shared', 'data/penguins.json', readFileSync(path.join(VEGA_DATA, 'penguins.json')));
}, 90_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  await redis?.stop();
  await s3?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a worker that shares only the bucket', () => {
  it('ingests, trains and evaluates on the worker; the coordinator registers the model it never saw', async () => {
    const workerWs = makeWorkspace('pw-s3-worker-');
    const coordWs = makeWorkspace('pw-s3-coord-');
    dirs.push(workerWs, coordWs);
    const env = {
      PATH: process.env.PATH ?? '',
      PIPEWRIGHT_WORKSPACE: workerWs,
      PIPEWRIGHT_REDIS_URL: redis.url,
      PIPEWRIGHT_QUEUE: QUEUE,
      PIPEWRIGHT_ARTIFACTS: 's3://pw-shared/artifacts',
      ...s3.env,
    };
    worker = execa('node', [BIN, '--json', 'worker', '--id', 'remote-w', '--gpus', 'none'], {
      cwd: workerWs,
      env,
      extendEnv: false,
      reject: false,
      buffer: false,
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(`worker did not start: ${out}`)), 60_000);
      const seen = (d: Buffer) => {
        out += d.toString();
        if (out.includes('"ready"')) {
          clearTimeout(t);
          resolve();
        }
      };
      worker?.stdout?.on('data', seen);
      worker?.stderr?.on('data', (d: Buffer) => {
        out += d.toString();
      });
    });

    const config = s3.config(coordWs, {
      artifacts: 's3://pw-shared/artifacts',
      redisUrl: redis.url,
      queue: QUEUE,
      user: 'coordinator',
    });
    const store = new RunStore(path.join(config.stateDir, 'state.db'));
    const dispatcher = new BullmqDispatcher({ redisUrl: redis.url, queue: QUEUE, recheckMs: 300 });
    const engine = new Engine({
      store,
      registry: builtinRegistry(),
      config,
      executor: dispatcher,
      pollMs: 50,
    });
    try {
      const out = await engine.run(
        {
          name: 'penguins-remote',
          allowUnapproved: true,
          steps: [
            {
              id: 'load',
              task: 'ingest.s3',
              with: { url: 's3://pw-shared/data/penguins.json', profile: false },
            },
            {
              id: 'split',
              task: 'dataset.split',
              dependsOn: ['load'],
              with: { dataset: '${{ steps.load.outputs.dataset }}', testShare: 0.25, seed: 1 },
            },
            {
              id: 'train',
              task: 'train.tabular',
              dependsOn: ['split'],
              with: {
                dataset: '${{ steps.split.outputs.train }}',
                target: 'Species',
                framework: 'builtin',
                algorithm: 'logistic_regression',
              },
            },
            {
              id: 'evaluate',
              task: 'evaluate.model',
              dependsOn: ['train'],
              with: { model: '${{ steps.train.outputs.model }}', dataset: '${{ steps.split.outputs.test }}' },
            },
            {
              id: 'register',
              task: 'model.register',
              dependsOn: ['evaluate'],
              with: { name: 'penguins-remote', model: '${{ steps.train.outputs.model }}' },
            },
          ],
        },
        { createdBy: 'test' },
      );
      expect(out.status).toBe('succeeded');
      // The data steps ran on the worker (its log line names it)...
      const ranOn = store
        .events(out.runId)
        .filter((e) => e.type === 'step.log' && /running on worker remote-w/.test(String(e.data.message)))
        .map((e) => e.stepId);
      expect(ranOn).toEqual(expect.arrayContaining(['load', 'split', 'train', 'evaluate']));
      // ...in its own folders: the model folder exists on both "machines", copied through the bucket.
      const model = (out.results.train?.output as { model: { dir: string; hash: string } } | undefined)
        ?.model;
      expect(model?.dir.startsWith(workerWs)).toBe(true);
      expect(existsSync(path.join(config.stateDir, 'models', String(model?.hash), 'model.json'))).toBe(true);
      const reg = out.results.register?.output as { version: number } | undefined;
      expect(reg?.version).toBe(1);
    } finally {
      await engine.close();
      store.close();
    }
  });
});
