import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFile } from '../../tools/ingest/file.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import { contextWith, rejectsWith, vegaJson } from './fixtures.ts';

type Penguin = Record<string, string | number | null>;

describe('ingest.file', () => {
  it('reads JSON into Parquet with a schema and a profile that match the source', async () => {
    const ctx = contextWith('penguins.json');
    const out = await ingestFile.run({ path: 'penguins.json', name: 'penguins-raw' }, ctx);
    const src = vegaJson<Penguin>('penguins.json');
    expect(out.rows).toBe(src.length);
    expect(out.dataset.path).toBe(ctx.artifacts.pathOf(out.hash));
    expect(out.dataset.name).toBe('penguins-raw');
    expect(out.columns.map((c) => c.name)).toEqual(Object.keys(src[0] as Penguin));
    expect(out.source).toMatchObject({ kind: 'file', format: 'json', location: 'penguins.json' });

    const beak = (out.profile?.columns ?? []).find((c) => c.name === 'Beak Length (mm)');
    const beakValues = src
      .map((r) => r['Beak Length (mm)'])
      .filter((v): v is number => typeof v === 'number');
    expect(beak?.nulls).toBe(src.length - beakValues.length);
    expect(beak?.min).toBe(Math.min(...beakValues));
    expect(beak?.max).toBe(Math.max(...beakValues));
    expect(beak?.mean).toBeCloseTo(beakValues.reduce((a, b) => a + b, 0) / beakValues.length, 9);
    expect(beak?.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(beakValues.length);
    expect(beak?.histogram?.edges).toHaveLength(11);

    const species = (out.profile?.columns ?? []).find((c) => c.name === 'Species');
    const adelie = src.filter((r) => r.Species === 'Adelie').length;
    expect(species?.distinct).toBe(new Set(src.map((r) => r.Species)).size);
    expect(species?.top?.[0]).toEqual({ value: 'Adelie', count: adelie });
  });

  it('reads CSV and TSV with inferred types, and honours delimiter/header options', async () => {
    const ctx = contextWith('seattle-weather.csv', 'unemployment.tsv');
    const csv = await ingestFile.run({ path: 'seattle-weather.csv' }, ctx);
    expect(csv.rows).toBe(1461); // 4 years of days, 2012-2015
    expect(csv.columns).toContainEqual({ name: 'date', type: 'DATE' });
    expect(csv.columns).toContainEqual({ name: 'temp_max', type: 'DOUBLE' });
    const tsv = await ingestFile.run({ path: 'unemployment.tsv' }, ctx);
    expect(tsv.columns.map((c) => c.name)).toEqual(['id', 'rate']);
    expect(tsv.rows).toBe(3218);

    writeFileSync(path.join(ctx.workspace, 'semi.txt'), '1;a\n2;b\n3;\n');
    const semi = await ingestFile.run(
      { path: 'semi.txt', format: 'csv', options: { delimiter: ';', header: false, nullValues: [''] } },
      ctx,
    );
    expect(semi.rows).toBe(3);
    expect(semi.columns).toHaveLength(2);
    expect((semi.profile?.columns ?? [])[1]?.nulls).toBe(1);
  });

  it('reads Parquet and Arrow; the Arrow decoder agrees with the JSON copy of the same flights', async () => {
    const ctx = contextWith('flights-200k.arrow', 'flights-200k.json');
    const arrow = await ingestFile.run({ path: 'flights-200k.arrow' }, ctx);
    const json = vegaJson<{ delay: number; distance: number; time: number }>('flights-200k.json');
    expect(arrow.rows).toBe(json.length);
    const sums = await withDuckDB((db) =>
      db.all(
        `SELECT sum(delay) AS d, sum(distance) AS km, sum(time) AS t FROM read_parquet('${arrow.dataset.path}')`,
      ),
    );
    expect(Number(sums[0]?.d)).toBe(json.reduce((a, r) => a + r.delay, 0));
    expect(Number(sums[0]?.km)).toBe(json.reduce((a, r) => a + r.distance, 0));
    expect(Number(sums[0]?.t)).toBeCloseTo(
      json.reduce((a, r) => a + r.time, 0),
      0,
    );

    copyFileSync(arrow.dataset.path, path.join(ctx.workspace, 'flights.parquet'));
    const pq = await ingestFile.run({ path: 'flights.parquet' }, ctx);
    expect(pq.rows).toBe(json.length);
    expect(pq.hash).toBe(arrow.hash); // same rows, same writer: same bytes
  });

  it('names a missing file', async () => {
    const ctx = contextWith();
    const err = await rejectsWith(ingestFile.run({ path: 'data/nope.csv' }, ctx), 'DATA_FILE_NOT_FOUND');
    expect(err.what).toContain('data/nope.csv');
  });

  it('refuses a path outside the workspace', async () => {
    const ctx = contextWith();
    await rejectsWith(
      ingestFile.run({ path: '../../etc/passwd', format: 'csv' }, ctx),
      'PATH_OUTSIDE_WORKSPACE',
    );
  });

  it('refuses an unknown extension and says which formats exist', async () => {
    const ctx = contextWith();
    writeFileSync(path.join(ctx.workspace, 'data.xlsx'), 'x');
    const err = await rejectsWith(ingestFile.run({ path: 'data.xlsx' }, ctx), 'DATA_FORMAT');
    expect(err.fix).toContain('parquet');
  });

  it('reports a corrupt file clearly instead of a DuckDB stack', async () => {
    const ctx = contextWith();
    writeFileSync(path.join(ctx.workspace, 'broken.parquet'), 'this is not parquet at all');
    const err = await rejectsWith(ingestFile.run({ path: 'broken.parquet' }, ctx), 'DATA_UNREADABLE');
    expect(err.what).toContain('broken.parquet');
    expect(err.why).not.toMatch(/\n\s+at /);
    writeFileSync(path.join(ctx.workspace, 'broken.json'), '[{"a": 1}, {"a": ');
    await rejectsWith(ingestFile.run({ path: 'broken.json' }, ctx), 'DATA_UNREADABLE');
    writeFileSync(path.join(ctx.workspace, 'broken.arrow'), 'ARROW1\0\0garbage');
    await rejectsWith(ingestFile.run({ path: 'broken.arrow' }, ctx), 'DATA_UNREADABLE');
  });
});
