import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { openArtifactStore } from '../../src/store/artifact-stores.ts';
import { DiskArtifactStore } from '../../src/store/artifacts.ts';
import type { S3ArtifactStore } from '../../src/store/artifacts-s3.ts';
import { RunStore } from '../../src/store/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { VEGA_DATA } from '../data/fixtures.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { type LocalS3, startLocalS3 } from './server.ts';

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket('pw-artifacts');
});

afterAll(async () => {
  await s3?.close();
});

/** A "machine": its own workspace, state folder and cache; only the bucket is shared. */
function machine(prefix = 'team/a') {
  const workspace = makeWorkspace('pw-s3-machine-');
  onTestFinished(() => rmSync(workspace, { recursive: true, force: true }));
  const config = s3.config(workspace, { artifacts: `s3://pw-artifacts/${prefix}` });
  return { workspace, config, store: openArtifactStore(config) as S3ArtifactStore };
}

const exists = async (key: string) => {
  try {
    await s3.client.send(new HeadObjectCommand({ Bucket: 'pw-artifacts', Key: key }));
    return true;
  } catch {
    return false;
  }
};

describe('S3 artifact store', () => {
  it('is chosen by PIPEWRIGHT_ARTIFACTS; disk stays the default', () => {
    const { config, store } = machine();
    expect(store.url).toBe('s3://pw-artifacts/team/a');
    expect(store.pathOf('a'.repeat(64))).toBe(
      path.join(config.artifactCacheDir, 'sha256', 'aa', 'a'.repeat(62)),
    );
    const disk = openArtifactStore(s3.config(makeWorkspace()));
    expect(disk).toBeInstanceOf(DiskArtifactStore);
  });

  it('stores content-addressed objects once and gives another machine a local copy', async () => {
    const a = machine();
    const ref = await a.store.putBytes('hello artifacts\n');
    expect(await exists(`team/a/sha256/${ref.hash.slice(0, 2)}/${ref.hash.slice(2)}`)).toBe(true);
    expect(readFileSync(ref.path, 'utf8')).toBe('hello artifacts\n');
    const again = await a.store.putBytes('hello artifacts\n');
    expect(again.hash).toBe(ref.hash);

    const b = machine();
    expect(b.store.has(ref.hash)).toBe(false);
    const value = { report: { path: ref.path, hash: ref.hash }, list: [ref.path], other: '/etc/hostname' };
    const local = await b.store.localize(value);
    const bPath = b.store.pathOf(ref.hash);
    expect(local).toEqual({ report: { path: bPath, hash: ref.hash }, list: [bPath], other: '/etc/hostname' });
    expect(readFileSync(bPath, 'utf8')).toBe('hello artifacts\n');
    expect(b.store.has(ref.hash)).toBe(true);
  });

  it('leaves paths the bucket does not hold alone, and refuses bytes that do not match their hash', async () => {
    const a = machine();
    const unknown = `/elsewhere/sha256/ab/${'c'.repeat(62)}`;
    expect(await a.store.localize({ p: unknown })).toEqual({ p: unknown });

    const hash = 'd'.repeat(64);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: 'pw-artifacts',
        Key: `team/a/sha256/dd/${'d'.repeat(62)}`,
        Body: 'tampered',
      }),
    );
    await expect(a.store.fetch(hash)).rejects.toMatchObject({ code: 'ARTIFACT_CORRUPT' });
    expect(a.store.has(hash)).toBe(false);
  });

  it('publishes a model folder and fetches it whole on another machine', async () => {
    const a = machine();
    const hash = 'e'.repeat(64);
    const dir = path.join(a.config.stateDir, 'models', hash);
    mkdirSync(path.join(dir, 'weights'), { recursive: true });
    writeFileSync(path.join(dir, 'model.json'), '{"framework":"builtin"}');
    writeFileSync(path.join(dir, 'weights', 'w.bin'), Buffer.alloc(1000, 7));
    await a.store.publish({ model: { dir, hash, framework: 'builtin' } });
    expect(await exists(`team/a/models/${hash}.json`)).toBe(true);

    const b = machine();
    const local = await b.store.localize({ model: { dir, hash } });
    const bDir = path.join(b.config.stateDir, 'models', hash);
    expect(local.model.dir).toBe(bDir);
    expect(readFileSync(path.join(bDir, 'model.json'), 'utf8')).toBe('{"framework":"builtin"}');
    expect(readFileSync(path.join(bDir, 'weights', 'w.bin'))).toEqual(Buffer.alloc(1000, 7));
  });

  it('runs a pipeline on one machine and trains from its dataset on another with no shared folder', async () => {
    const a = machine('pipelines');
    mkdirSync(path.join(a.workspace, 'data'));
    copyFileSync(path.join(VEGA_DATA, 'penguins.json'), path.join(a.workspace, 'data', 'penguins.json'));
    const storeA = new RunStore(path.join(a.config.stateDir, 'state.db'));
    const engineA = new Engine({ store: storeA, registry: builtinRegistry(), config: a.config, pollMs: 50 });
    onTestFinished(async () => {
      await engineA.close();
      storeA.close();
    });
    const first = await engineA.run(
      {
        name: 'load-penguins',
        steps: [
          { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' } },
          {
            id: 'split',
            task: 'dataset.split',
            dependsOn: ['load'],
            with: { dataset: '${{ steps.load.outputs.dataset }}', testShare: 0.25, seed: 3 },
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
        ],
      },
      { createdBy: 'test' },
    );
    expect(first.status).toBe('succeeded');
    const split = first.results.split?.output as { test: { path: string; hash: string } };
    const model = ((first.results.train?.output ?? {}) as { model: { dir: string; hash: string } }).model;
    expect(await exists(`pipelines/sha256/${split.test.hash.slice(0, 2)}/${split.test.hash.slice(2)}`)).toBe(
      true,
    );
    expect(await exists(`pipelines/models/${model.hash}.json`)).toBe(true);

    // Machine B: another workspace and state folder; it only shares the bucket.
    const b = machine('pipelines');
    const storeB = new RunStore(path.join(b.config.stateDir, 'state.db'));
    const engineB = new Engine({ store: storeB, registry: builtinRegistry(), config: b.config, pollMs: 50 });
    onTestFinished(async () => {
      await engineB.close();
      storeB.close();
    });
    expect(existsSync(b.store.pathOf(split.test.hash))).toBe(false);
    const second = await engineB.run(
      {
        name: 'evaluate-elsewhere',
        steps: [{ id: 'evaluate', task: 'evaluate.model', with: { model, dataset: split.test } }],
      },
      { createdBy: 'test' },
    );
    expect(second.status).toBe('succeeded');
    const metrics = ((second.results.evaluate?.output ?? {}) as { metrics: { accuracy: number } }).metrics;
    expect(metrics.accuracy).toBeGreaterThan(0.8);
    expect(existsSync(path.join(b.config.stateDir, 'models', model.hash, 'model.json'))).toBe(true);
    expect(existsSync(b.config.artifactCacheDir)).toBe(true);
  });
});
