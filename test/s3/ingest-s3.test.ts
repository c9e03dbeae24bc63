import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { attachLineage } from '../../src/lineage/index.ts';
import { LineageStore, RunStore } from '../../src/store/index.ts';
import { datasetExport } from '../../tools/dataset/export.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { ingestFile } from '../../tools/ingest/file.ts';
import { ingestS3 } from '../../tools/ingest/s3.ts';
import { rejectsWith, VEGA_DATA } from '../data/fixtures.ts';
import { makeTaskContext, makeWorkspace } from '../helpers/task-context.ts';
import { type LocalS3, startLocalS3 } from './server.ts';

let s3: LocalS3;
const weather = readFileSync(path.join(VEGA_DATA, 'seattle-weather.csv'), 'utf8');
const lines = weather.trimEnd().split('\n');
const header = lines[0] ?? '';
const firstHalf = `${[header, ...lines.slice(1, 700)].join('\n')}\n`;
const secondHalf = `${[header, ...lines.slice(700)].join('\n')}\n`;
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const etags: Record<string, string> = {};

beforeAll(async () => {
  s3 = await startLocalS3();
  await s3.createBucket('pw-data');
  etags.a = await s3.put('pw-data', 'weather/2012/part-a.csv', firstHalf);
  etags.b = await s3.put('pw-data', 'weather/2013/part-b.csv', secondHalf);
  await s3.put('pw-data', 'weather/2013/_SUCCESS', '');
  await s3.put('pw-data', 'weather/notes.txt', 'not data');
});

afterAll(async () => {
  await s3?.close();
});

function ctx() {
  const workspace = makeWorkspace('pw-s3-');
  return makeTaskContext({ workspace, config: s3.config(workspace) });
}

describe('ingest.s3', () => {
  it('reads one key and records the object version and content hash', async () => {
    const c = ctx();
    const out = await ingestS3.run(ingestS3.input.parse({ url: 's3://pw-data/weather/2012/part-a.csv' }), c);
    expect(out.rows).toBe(699);
    expect(out.source).toMatchObject({
      kind: 's3',
      location: 's3://pw-data/weather/2012/part-a.csv',
      format: 'csv',
    });
    expect(out.source.objects).toEqual([
      expect.objectContaining({
        key: 'weather/2012/part-a.csv',
        etag: etags.a,
        bytes: Buffer.byteLength(firstHalf),
        sha256: sha(firstHalf),
      }),
    ]);
    expect(out.columns.map((col) => col.name)).toContain('temp_max');
  });

  it('reads every data object under a prefix as one table, skipping markers and other files', async () => {
    const out = await ingestS3.run(
      ingestS3.input.parse({ url: 's3://pw-data/weather/', format: 'csv', profile: false }),
      ctx(),
    );
    // notes.txt and the _SUCCESS marker have no data extension: a prefix leaves them out.
    expect(out.source.objects?.map((o) => o.key)).toEqual([
      'weather/2012/part-a.csv',
      'weather/2013/part-b.csv',
    ]);
    expect(out.rows).toBe(lines.length - 1);
  });

  it('reads a glob across folders ("**") and within one folder ("*")', async () => {
    const all = await ingestS3.run(
      ingestS3.input.parse({ url: 's3://pw-data/weather/**/*.csv', profile: false }),
      ctx(),
    );
    expect(all.rows).toBe(1461);
    expect(all.source.objects).toHaveLength(2);
    const one = await ingestS3.run(
      ingestS3.input.parse({ url: 's3://pw-data/weather/2013/*.csv', profile: false }),
      ctx(),
    );
    expect(one.source.objects?.map((o) => o.key)).toEqual(['weather/2013/part-b.csv']);
    expect(one.rows).toBe(1461 - 699);
  });

  it('refuses more bytes than maxBytes before downloading, and says how to fix it', async () => {
    const err = await rejectsWith(
      ingestS3.run(ingestS3.input.parse({ url: 's3://pw-data/weather/**/*.csv', maxBytes: 1000 }), ctx()),
      'DATA_TOO_LARGE',
    );
    expect(err.fix).toMatch(/maxBytes/);
  });

  it('names a missing key or bucket as a user error', async () => {
    const missing = await rejectsWith(
      ingestS3.run(ingestS3.input.parse({ url: 's3://pw-data/weather/nope.csv' }), ctx()),
      'S3_NOT_FOUND',
    );
    expect(missing.what).toContain('s3://pw-data/weather/nope.csv');
    await rejectsWith(
      ingestS3.run(ingestS3.input.parse({ url: 's3://no-such-bucket/x.csv' }), ctx()),
      'S3_NOT_FOUND',
    );
    await rejectsWith(
      ingestS3.run(ingestS3.input.parse({ url: 's3://Bad_Bucket/x.csv' }), ctx()),
      'S3_URL_INVALID',
    );
  });

  it('reports refused credentials without echoing them', async () => {
    const workspace = makeWorkspace('pw-s3-');
    const config = s3.config(workspace);
    // s3rver checks the access key id (not v4 signatures): an unknown key stands for refused credentials.
    const before = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = 'AKIAUNKNOWN';
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret-value';
    try {
      const err = await rejectsWith(
        ingestS3.run(
          ingestS3.input.parse({ url: 's3://pw-data/weather/2012/part-a.csv' }),
          makeTaskContext({ workspace, config }),
        ),
        'S3_CREDENTIALS',
      );
      expect(JSON.stringify(err)).not.toContain('wrong-secret-value');
    } finally {
      process.env.AWS_ACCESS_KEY_ID = before.AWS_ACCESS_KEY_ID;
      process.env.AWS_SECRET_ACCESS_KEY = before.AWS_SECRET_ACCESS_KEY;
    }
  });
});

describe('dataset.export', () => {
  it('writes a dataset to S3 as Parquet and as CSV that read back the same rows', async () => {
    const c = ctx();
    const { copyFileSync } = await import('node:fs');
    copyFileSync(path.join(VEGA_DATA, 'penguins.json'), path.join(c.workspace, 'penguins.json'));
    const penguins = await ingestFile.run(
      ingestFile.input.parse({ path: 'penguins.json', name: 'penguins' }),
      c,
    );

    const pq = await datasetExport.run(
      datasetExport.input.parse({ dataset: penguins.dataset, url: 's3://pw-data/exports/' }),
      c,
    );
    expect(pq).toMatchObject({
      key: 'exports/penguins.parquet',
      format: 'parquet',
      rows: 344,
      skipped: false,
    });
    const back = await ingestS3.run(ingestS3.input.parse({ url: pq.url }), ctx());
    expect(back.rows).toBe(344);
    expect(back.source.objects?.[0]?.sha256).toBe(pq.sha256);
    expect(back.source.objects?.[0]?.etag).toBe(pq.etag);

    const csv = await datasetExport.run(
      datasetExport.input.parse({ dataset: penguins.dataset, url: 's3://pw-data/exports/penguins.csv' }),
      c,
    );
    expect(csv.format).toBe('csv');
    const body = await s3.client.send(
      new GetObjectCommand({ Bucket: 'pw-data', Key: 'exports/penguins.csv' }),
    );
    const text = await body.Body?.transformToString();
    expect(text?.split('\n')[0]).toContain('Species');
    expect(sha(text ?? '')).toBe(csv.sha256);
  });

  it('skip-same leaves identical bytes alone; fail refuses an existing key', async () => {
    const c = ctx();
    const { copyFileSync } = await import('node:fs');
    copyFileSync(path.join(VEGA_DATA, 'penguins.json'), path.join(c.workspace, 'penguins.json'));
    const penguins = await ingestFile.run(
      ingestFile.input.parse({ path: 'penguins.json', profile: false }),
      c,
    );
    const url = 's3://pw-data/exports/same.parquet';
    const first = await datasetExport.run(datasetExport.input.parse({ dataset: penguins.dataset, url }), c);
    const again = await datasetExport.run(
      datasetExport.input.parse({ dataset: penguins.dataset, url, ifExists: 'skip-same' }),
      c,
    );
    expect(again).toMatchObject({ skipped: true, etag: first.etag, sha256: first.sha256 });
    await rejectsWith(
      datasetExport.run(datasetExport.input.parse({ dataset: penguins.dataset, url, ifExists: 'fail' }), c),
      'S3_EXISTS',
    );
  });
});

describe('ingest.s3 in the lineage', () => {
  it('keeps the object keys, ETags and hashes read on the dataset entity', async () => {
    const workspace = makeWorkspace('pw-s3-lineage-');
    const config = s3.config(workspace);
    const store = new RunStore(path.join(config.stateDir, 'state.db'));
    const detach = attachLineage(store, { log: () => {} });
    const engine = new Engine({ store, registry: builtinRegistry(), config, pollMs: 50 });
    onTestFinished(async () => {
      detach();
      await engine.close();
      store.close();
    });
    const out = await engine.run(
      {
        name: 'weather-from-s3',
        steps: [
          { id: 'load', task: 'ingest.s3', with: { url: 's3://pw-data/weather/**/*.csv', profile: false } },
        ],
      },
      { createdBy: 'test' },
    );
    expect(out.status).toBe('succeeded');
    const hash = (out.results.load?.output as { hash: string } | undefined)?.hash ?? '';
    const entity = new LineageStore(store.db).getEntity(`dataset:${hash.slice(0, 12)}`);
    expect(entity?.attrs.source).toMatchObject({
      kind: 's3',
      location: 's3://pw-data/weather/**/*.csv',
      objectCount: 2,
      objects: [
        { key: 'weather/2012/part-a.csv', etag: etags.a, sha256: sha(firstHalf) },
        { key: 'weather/2013/part-b.csv', etag: etags.b, sha256: sha(secondHalf) },
      ],
    });
  });
});
