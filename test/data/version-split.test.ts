import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetSplit } from '../../tools/dataset/split.ts';
import { DatasetManifest, datasetVersion } from '../../tools/dataset/version.ts';
import { ingestFile } from '../../tools/ingest/file.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { prepTransform } from '../../tools/prep/transform.ts';
import type { TestContext } from '../helpers/task-context.ts';
import { contextWith, rejectsWith, vegaJson } from './fixtures.ts';

type Penguin = Record<string, string | number | null>;
const penguins = vegaJson<Penguin>('penguins.json');
let ctx: TestContext;
let penguinsRef: DatasetRef;
let weatherRef: DatasetRef;

const version = (dataset: DatasetRef, name = 'penguins', derivedFrom: unknown[] = []) =>
  datasetVersion.run(datasetVersion.input.parse({ dataset, name, derivedFrom }), ctx);
const split = (input: Record<string, unknown>) => datasetSplit.run(datasetSplit.input.parse(input), ctx);
const column = async (ref: DatasetRef, col: string) =>
  (await withDuckDB((db) => db.all(`SELECT "${col}"::VARCHAR AS v FROM read_parquet('${ref.path}')`))).map(
    (r) => String(r.v),
  );

beforeAll(async () => {
  ctx = contextWith('penguins.json', 'seattle-weather.csv');
  penguinsRef = (await ingestFile.run({ path: 'penguins.json' }, ctx)).dataset;
  weatherRef = (await ingestFile.run({ path: 'seattle-weather.csv' }, ctx)).dataset;
});

describe('dataset.version', () => {
  it('gives the same rows the same version, in any order, and other rows another', async () => {
    const a = await version(penguinsRef, 'penguins', [{ ...penguinsRef, step: 'ingest' }]);
    const b = await version(penguinsRef);
    expect(a.version).toMatch(/^[0-9a-f]{12}$/);
    expect(a.id).toBe(`penguins@${a.version}`);
    expect(b.version).toBe(a.version);
    expect(a.dataset).toMatchObject({ name: 'penguins', version: a.version, rows: penguins.length });

    const shuffled = await prepTransform.run(
      prepTransform.input.parse({
        dataset: penguinsRef,
        ops: [{ op: 'sql', query: 'SELECT * FROM input ORDER BY random()' }],
      }),
      ctx,
    );
    expect(shuffled.dataset.hash).not.toBe(penguinsRef.hash);
    expect((await version(shuffled.dataset)).version).toBe(a.version);

    const fewer = await prepTransform.run(
      prepTransform.input.parse({
        dataset: penguinsRef,
        ops: [{ op: 'filter', where: '"Sex" IS NOT NULL' }],
      }),
      ctx,
    );
    const c = await version(fewer.dataset);
    expect(c.version).not.toBe(a.version);
    expect(c.dataset.rows).toBe(penguins.filter((p) => p.Sex !== null).length);
  });

  it('writes a manifest with schema, profile and lineage', async () => {
    const v = await version(penguinsRef, 'penguins', [{ ...penguinsRef, step: 'ingest' }]);
    const manifest = DatasetManifest.parse(JSON.parse(readFileSync(v.manifest.path, 'utf8')));
    expect(manifest.id).toBe(v.id);
    expect(manifest.schema).toEqual(penguinsRef.columns);
    expect(manifest.lineage).toEqual([{ hash: penguinsRef.hash, path: penguinsRef.path, step: 'ingest' }]);
    expect(manifest.profile.columns.find((c) => c.name === 'Sex')?.nulls).toBe(
      penguins.filter((p) => p.Sex === null).length,
    );
  });

  it('rejects a name with spaces', () => {
    expect(datasetVersion.input.safeParse({ dataset: penguinsRef, name: 'my data' }).success).toBe(false);
  });
});

describe('dataset.split', () => {
  it('splits at random with exact sizes, the same way for the same seed', async () => {
    const s1 = await split({ dataset: weatherRef, seed: 7, testShare: 0.2, validationShare: 0.1 });
    expect(s1.sizes).toEqual({ train: 1461 - 292 - 146, test: 292, validation: 146 });
    const s2 = await split({ dataset: weatherRef, seed: 7, testShare: 0.2, validationShare: 0.1 });
    expect(s2.test.hash).toBe(s1.test.hash);
    const s3 = await split({ dataset: weatherRef, seed: 8, testShare: 0.2, validationShare: 0.1 });
    expect(s3.test.hash).not.toBe(s1.test.hash);

    const parts = await Promise.all(
      [s1.train, s1.validation as DatasetRef, s1.test].map((p) => column(p, 'date')),
    );
    const all = parts.flat();
    expect(new Set(all).size).toBe(1461); // every day once: no overlap, nothing lost
  });

  it('keeps the class proportions in a stratified split', async () => {
    const s = await split({
      dataset: penguinsRef,
      by: { method: 'stratified', column: 'Species' },
      testShare: 0.25,
    });
    const test = await column(s.test, 'Species');
    for (const species of ['Adelie', 'Chinstrap', 'Gentoo']) {
      const n = penguins.filter((p) => p.Species === species).length;
      expect(test.filter((v) => v === species)).toHaveLength(Math.round(n * 0.25));
    }
    expect(s.sizes.train + s.sizes.test).toBe(penguins.length);
  });

  it('splits by time at a cutoff, and by share with the latest rows in test', async () => {
    const cut = await split({
      dataset: weatherRef,
      by: { method: 'time', column: 'date', cutoff: '2015-01-01' },
    });
    expect(cut.sizes.test).toBe(365);
    expect((await column(cut.train, 'date')).every((d) => d < '2015-01-01')).toBe(true);

    const share = await split({
      dataset: weatherRef,
      by: { method: 'time', column: 'date' },
      testShare: 0.25,
    });
    expect(share.sizes.test).toBe(Math.round(1461 * 0.25));
    const train = await column(share.train, 'date');
    const test = await column(share.test, 'date');
    expect(train.sort().at(-1)).toBe('2014-12-31');
    expect(test.sort()[0]).toBe('2015-01-01');
  });

  it('names the column that does not exist', async () => {
    const err = await rejectsWith(
      split({ dataset: penguinsRef, by: { method: 'stratified', column: 'species' } }),
      'DATA_COLUMN_NOT_FOUND',
    );
    expect(err.what).toContain('did you mean "Species"');
    await rejectsWith(split({ dataset: penguinsRef, by: { method: 'time', column: 'Island' } }), 'DATA_TYPE');
  });
});
