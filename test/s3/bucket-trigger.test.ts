import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { RunStore } from '../../src/store/index.ts';
import { checkBucketPlan, parseTriggerDef, Scheduler } from '../../src/triggers/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { rejectsWith } from '../data/fixtures.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { type LocalS3, startLocalS3 } from './server.ts';

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3();
});

afterAll(async () => {
  await s3?.close();
});

const PLAN = {
  name: 'score-arrivals',
  inputs: { url: { type: 'string' } },
  steps: [{ id: 'load', task: 'ingest.s3', with: { url: '${{ inputs.url }}', profile: false } }],
};

let bucketNo = 0;
async function setup(opts: { execute?: boolean } = {}) {
  const bucket = `pw-inbox-${++bucketNo}`;
  await s3.createBucket(bucket);
  const workspace = makeWorkspace('pw-bucket-');
  const config = s3.config(workspace);
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const engine = new Engine({ store, registry: builtinRegistry(), config, pollMs: 50 });
  const logs: string[] = [];
  const scheduler = new Scheduler({ engine, execute: opts.execute ?? false, log: (l) => logs.push(l) });
  onTestFinished(async () => {
    await scheduler.stop();
    await scheduler.idle();
    await engine.close();
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  });
  // Each tick is a minute later than the last, so every tick polls (the default interval is 1m).
  let minutes = 0;
  const tick = () => scheduler.tick(new Date(Date.now() + ++minutes * 60_000));
  return { bucket, workspace, config, store, engine, scheduler, logs, tick };
}

const fired = (rs: { status: string; tick: string }[]) =>
  rs.filter((r) => r.status === 'fired').map((r) => r.tick);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bucket triggers', () => {
  it('fires once per new object, skips what was there before, and again for new bytes under the same key', async () => {
    const t = await setup();
    await s3.put(t.bucket, 'incoming/old.csv', 'a,b\n1,2\n');
    await sleep(1100); // S3 LastModified has one-second resolution
    t.scheduler.add(
      parseTriggerDef({
        name: 'arrivals',
        kind: 'bucket',
        maxConcurrent: 10, // runs stay queued here (execute: false): leave room for both
        spec: { url: `s3://${t.bucket}/incoming/` },
      }),
      PLAN,
      {
        by: 'test',
      },
    );
    expect(fired(await t.tick())).toEqual([]);

    const etagB = await s3.put(t.bucket, 'incoming/b.csv', 'a,b\n3,4\n');
    await s3.put(t.bucket, 'elsewhere/c.csv', 'a,b\n5,6\n');
    expect(fired(await t.tick())).toEqual([`s3:incoming/b.csv@${etagB}`]);
    const fire = t.scheduler.triggers.listFires({ trigger: 'arrivals' }).at(-1);
    const run = t.store.requireRun(String(fire?.runId));
    expect(run.inputs).toEqual({ url: `s3://${t.bucket}/incoming/b.csv` });
    expect(run.trigger).toBe('bucket:arrivals');

    // Polling again, or from a restarted scheduler on the same database, fires nothing new.
    expect(fired(await t.tick())).toEqual([]);
    const again = new Scheduler({ engine: t.engine, execute: false, log: () => {} });
    expect(fired(await again.tick(new Date(Date.now() + 3_600_000)))).toEqual([]);

    // New bytes under the same key: a new ETag, a new run.
    const etagB2 = await s3.put(t.bucket, 'incoming/b.csv', 'a,b\n7,8\n');
    expect(etagB2).not.toBe(etagB);
    expect(fired(await t.tick())).toEqual([`s3:incoming/b.csv@${etagB2}`]);
    expect(t.store.listRuns({ plan: 'score-arrivals' })).toHaveLength(2);
  });

  it('fires for objects already there with existing: fire, and only those a glob matches', async () => {
    const t = await setup();
    const etag = await s3.put(t.bucket, 'drop/2026/x.csv', 'a\n1\n');
    await s3.put(t.bucket, 'drop/2026/readme.txt', 'not data');
    t.scheduler.add(
      parseTriggerDef({
        name: 'backfill',
        kind: 'bucket',
        spec: { url: `s3://${t.bucket}/drop/**/*.csv`, existing: 'fire', every: '5m' },
      }),
      PLAN,
      { by: 'test' },
    );
    expect(fired(await t.tick())).toEqual([`s3:drop/2026/x.csv@${etag}`]);
  });

  it('runs the plan on the new object: ingest.s3 reads it and records its ETag', async () => {
    const t = await setup({ execute: true });
    t.scheduler.add(
      parseTriggerDef({
        name: 'ingest-arrivals',
        kind: 'bucket',
        spec: { url: `s3://${t.bucket}/in/`, existing: 'fire' },
      }),
      PLAN,
      { by: 'test' },
    );
    const etag = await s3.put(t.bucket, 'in/rows.csv', 'id,value\n1,10\n2,20\n3,30\n');
    expect(fired(await t.tick())).toHaveLength(1);
    await t.scheduler.idle();
    const [run] = t.store.listRuns({ plan: 'score-arrivals' });
    expect(run?.status).toBe('succeeded');
    const load = t.store.getStep(String(run?.id), 'load')?.output as {
      rows: number;
      source: { objects: { key: string; etag: string }[] };
    };
    expect(load.rows).toBe(3);
    expect(load.source.objects).toEqual([expect.objectContaining({ key: 'in/rows.csv', etag })]);
  });

  it('says once when the bucket cannot be listed, and keeps its cursor', async () => {
    const t = await setup();
    t.scheduler.add(
      parseTriggerDef({ name: 'gone', kind: 'bucket', spec: { url: 's3://no-such-bucket-x/in/' } }),
      PLAN,
      {
        by: 'test',
      },
    );
    await t.tick();
    await t.tick();
    expect(t.logs.filter((l) => l.includes('cannot list s3://no-such-bucket-x/in/'))).toHaveLength(1);
    expect(t.scheduler.triggers.requireTrigger('gone').lastTick).toBeUndefined();
  });

  it('refuses a definition without an s3 address, and a plan without the input', async () => {
    expect(() => parseTriggerDef({ name: 'x', kind: 'bucket', spec: { url: '/tmp/in' } })).toThrow(/s3:\/\//);
    const def = parseTriggerDef({ name: 'x', kind: 'bucket', spec: { url: 's3://pw-in/in/' } });
    expect(def.spec).toMatchObject({ input: 'url', every: '1m', existing: 'skip' });
    await rejectsWith(
      Promise.resolve().then(() => checkBucketPlan(def as never, { name: 'p', inputs: {} })),
      'TRIGGER_INPUT_MISSING',
    );
  });
});
