import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestFile } from '../../tools/ingest/file.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { applyTransform, TransformSpec } from '../../tools/lib/transforms.ts';
import { prepTransform } from '../../tools/prep/transform.ts';
import type { TestContext } from '../helpers/task-context.ts';
import { contextWith, rejectsWith, vegaJson } from './fixtures.ts';

type Penguin = Record<string, string | number | null>;
const penguins = vegaJson<Penguin>('penguins.json');
let ctx: TestContext;
let raw: DatasetRef;

const run = (ops: unknown[], extra: Record<string, unknown> = {}) =>
  prepTransform.run(prepTransform.input.parse({ dataset: raw, ops, ...extra }), ctx);

const rowsOf = (ref: DatasetRef) => withDuckDB((db) => db.all(`SELECT * FROM read_parquet('${ref.path}')`));

beforeAll(async () => {
  ctx = contextWith('penguins.json');
  raw = (await ingestFile.run({ path: 'penguins.json' }, ctx)).dataset;
});

describe('prep.transform', () => {
  it('filters, dedupes, selects and derives, recording rows in and out of each step', async () => {
    const out = await run([
      { op: 'filter', where: `"Sex" IN ('MALE', 'FEMALE')` },
      { op: 'dedupe', keys: ['Species', 'Island', 'Sex'] },
      { op: 'derive', name: 'mass_kg', expr: '"Body Mass (g)" / 1000' },
      { op: 'select', columns: ['Species', 'Island', 'Sex', 'mass_kg'] },
    ]);
    const sexed = penguins.filter((p) => p.Sex === 'MALE' || p.Sex === 'FEMALE');
    const groups = new Set(sexed.map((p) => `${p.Species}|${p.Island}|${p.Sex}`));
    expect(out.steps.map((s) => [s.op, s.rowsIn, s.rowsOut])).toEqual([
      ['filter', penguins.length, sexed.length],
      ['dedupe', sexed.length, groups.size],
      ['derive', groups.size, groups.size],
      ['select', groups.size, groups.size],
    ]);
    const rows = await rowsOf(out.dataset);
    // dedupe keeps the first row of each group, in file order
    const first = sexed.find(
      (p) => p.Species === rows[0]?.Species && p.Island === rows[0]?.Island && p.Sex === rows[0]?.Sex,
    );
    expect(rows[0]?.mass_kg).toBe(Number(first?.['Body Mass (g)']) / 1000);
    expect(out.dataset.columns.map((c) => c.name)).toEqual(['Species', 'Island', 'Sex', 'mass_kg']);
    expect(out.profile.rows).toBe(groups.size);
    expect(out.transform.spec.notReplayed.map((n) => n.op)).toEqual(['filter', 'dedupe', 'derive']);
  });

  it('fits impute/clip/scale/onehot only on the fitOn rows and stores the spec as an artifact', async () => {
    const out = await run(
      [
        { op: 'derive', name: 'part', expr: `CASE WHEN "Island" = 'Biscoe' THEN 'train' ELSE 'test' END` },
        { op: 'impute', columns: ['Beak Length (mm)'], strategy: 'mean' },
        { op: 'impute', columns: ['Sex'], strategy: 'mode' },
        { op: 'clip', columns: ['Body Mass (g)'], quantiles: [0.05, 0.95] },
        { op: 'scale', columns: ['Flipper Length (mm)'], method: 'zscore' },
        { op: 'onehot', column: 'Species' },
      ],
      { fitOn: `part = 'train'` },
    );
    const train = penguins.filter((p) => p.Island === 'Biscoe');
    const beaks = train.map((p) => p['Beak Length (mm)']).filter((v): v is number => v !== null);
    const [impute, mode, , scale, onehot] = out.transform.spec.steps;
    expect(out.transform.spec.fittedRows).toBe(train.length);
    expect(impute).toMatchObject({ op: 'impute' });
    expect((impute as { fills: Record<string, number> }).fills['Beak Length (mm)']).toBeCloseTo(
      beaks.reduce((a, b) => a + b, 0) / beaks.length,
      10,
    );
    expect(mode).toEqual({ op: 'impute', fills: { Sex: 'MALE' } }); // Biscoe has more males than females
    const flippers = train.map((p) => Number(p['Flipper Length (mm)'])).filter((v) => v > 0);
    const mean = flippers.reduce((a, b) => a + b, 0) / flippers.length;
    expect(
      (scale as { params: Record<string, { center: number }> }).params['Flipper Length (mm)']?.center,
    ).toBeCloseTo(mean, 10);
    // Chinstraps never live on Biscoe: fitted on train rows, the encoder does not know them.
    expect([...(onehot as { categories: string[] }).categories].sort()).toEqual(['Adelie', 'Gentoo']);

    const rows = await rowsOf(out.dataset);
    expect(rows.filter((r) => r['Beak Length (mm)'] === null)).toHaveLength(0);
    expect(rows.filter((r) => r.Species_Adelie === 1)).toHaveLength(
      penguins.filter((p) => p.Species === 'Adelie').length,
    );
    expect(rows.filter((r) => r.Species_Adelie === 0 && r.Species_Gentoo === 0)).toHaveLength(
      penguins.filter((p) => p.Species === 'Chinstrap').length,
    );
    const stored = TransformSpec.parse(JSON.parse(readFileSync(out.transform.path, 'utf8')));
    expect(stored).toEqual(out.transform.spec);
    expect(ctx.artifacts.has(out.transform.hash)).toBe(true);
  });

  it('replays the fitted spec on plain JS rows with the same values DuckDB produced', async () => {
    const ops = [
      { op: 'impute', columns: ['Beak Length (mm)', 'Body Mass (g)'], strategy: 'median' },
      { op: 'impute', columns: ['Sex'], strategy: 'constant', value: 'UNKNOWN' },
      { op: 'clip', columns: ['Beak Depth (mm)'], quantiles: [0.1, 0.9] },
      { op: 'clip', columns: ['Body Mass (g)'], lower: 3000, upper: 5500 },
      { op: 'scale', columns: ['Flipper Length (mm)', 'Beak Depth (mm)'], method: 'zscore' },
      { op: 'scale', columns: ['Body Mass (g)'], method: 'minmax' },
      { op: 'onehot', column: 'Island', maxCategories: 2 },
      { op: 'cast', types: { 'Beak Length (mm)': 'INTEGER' } },
      { op: 'drop', columns: ['Sex'] },
    ];
    const out = await run(ops);
    const sqlRows = await rowsOf(out.dataset);
    const jsRows = applyTransform(out.transform.spec, penguins);
    expect(jsRows).toHaveLength(sqlRows.length);
    expect(Object.keys(jsRows[0] ?? {})).toEqual(out.dataset.columns.map((c) => c.name));
    for (const [i, js] of jsRows.entries()) {
      const sql = sqlRows[i] as Record<string, unknown>;
      for (const [k, v] of Object.entries(js)) {
        const s = sql[k] === null ? null : typeof v === 'number' ? Number(sql[k]) : sql[k];
        if (typeof v === 'number') expect(s, `row ${i} ${k}`).toBeCloseTo(v, 12);
        else expect(s, `row ${i} ${k}`).toEqual(v);
      }
    }
    // the inputs are untouched and one new row replays on its own (the serving path)
    expect(penguins[3]?.['Beak Length (mm)']).toBeNull();
    const [one] = applyTransform(out.transform.spec, [
      { Island: 'Dream', 'Beak Length (mm)': null, 'Body Mass (g)': 9000 },
    ]);
    expect(one?.['Body Mass (g)']).toBe(1);
    expect(one?.['Beak Length (mm)']).toBe(
      Math.round(
        Number(
          out.transform.spec.steps[0]?.op === 'impute' &&
            out.transform.spec.steps[0].fills['Beak Length (mm)'],
        ),
      ),
    );
  });

  it('names the columns that exist when an op names one that does not, with a did-you-mean', async () => {
    const err = await rejectsWith(run([{ op: 'drop', columns: ['Speces'] }]), 'DATA_COLUMN_NOT_FOUND');
    expect(err.what).toContain('did you mean "Species"');
    expect(err.why).toContain('"Island"');
    const inExpr = await rejectsWith(run([{ op: 'filter', where: 'Islnd = 1' }]), 'DATA_COLUMN_NOT_FOUND');
    expect(inExpr.what).toContain('"Island"');
  });

  it('refuses expressions that smuggle statements, and SQL that reads other files', async () => {
    await rejectsWith(run([{ op: 'filter', where: '1=1; DROP TABLE t0' }]), 'DATA_EXPRESSION');
    const err = await rejectsWith(
      run([{ op: 'sql', query: `SELECT * FROM read_csv('/etc/passwd')` }]),
      'DATA_SQL',
    );
    expect(err.why).toMatch(/disabled|Permission/);
  });

  it('runs raw SQL over "input"', async () => {
    const out = await run([
      { op: 'sql', query: 'SELECT "Species", count(*) AS n FROM input GROUP BY 1 ORDER BY 1' },
    ]);
    expect(out.dataset.rows).toBe(3);
    const rows = await rowsOf(out.dataset);
    expect(rows.map((r) => Number(r.n))).toEqual(
      ['Adelie', 'Chinstrap', 'Gentoo'].map((s) => penguins.filter((p) => p.Species === s).length),
    );
  });

  it('warns but succeeds when a filter leaves no rows', async () => {
    const out = await run([{ op: 'filter', where: `"Body Mass (g)" > 100000` }]);
    expect(out.dataset.rows).toBe(0);
    expect(out.warnings).toEqual(['ops[0] (filter) left no rows']);
    expect(ctx.logs.some((l) => l.level === 'warn' && l.message.includes('left no rows'))).toBe(true);
  });

  it('refuses mean imputation of a text column', async () => {
    await rejectsWith(run([{ op: 'impute', columns: ['Island'], strategy: 'mean' }]), 'DATA_TYPE');
  });
});
