import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFile } from '../../tools/ingest/file.ts';
import { castSql, castValue } from '../../tools/lib/cast.ts';
import { literal, withDuckDB } from '../../tools/lib/duckdb.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { applyTransform } from '../../tools/lib/transforms.ts';
import { prepTransform } from '../../tools/prep/transform.ts';
import type { TestContext } from '../helpers/task-context.ts';
import { contextWith, rejectsWith, vegaJson } from './fixtures.ts';

const rowsOf = (ref: DatasetRef) => withDuckDB((db) => db.all(`SELECT * FROM read_parquet('${ref.path}')`));

/** A workspace holding `rows` as when.json, ingested. */
async function datesIngested(
  rows: Record<string, unknown>[],
): Promise<{ ctx: TestContext; raw: DatasetRef }> {
  const ctx = contextWith();
  writeFileSync(path.join(ctx.workspace, 'when.json'), JSON.stringify(rows));
  const raw = (await ingestFile.run({ path: 'when.json' }, ctx)).dataset;
  return { ctx, raw };
}

const run = (ctx: TestContext, raw: DatasetRef, ops: unknown[]) =>
  prepTransform.run(prepTransform.input.parse({ dataset: raw, ops }), ctx);

// text -> the DATE it should read as (null: does not convert)
const TEXT_DATES: [string | null, string | null][] = [
  ['2024-03-01', '2024-03-01'],
  ['2024-03-01T10:00:00', '2024-03-01'],
  ['2024-03-01 10:00', '2024-03-01'],
  ['2024-03-01 10:00:00.25', '2024-03-01'],
  ['Jun 12 1998', '1998-06-12'],
  ['jun 2 1998', '1998-06-02'],
  ['June 12, 1998', '1998-06-12'],
  ['Jun 12, 1998', '1998-06-12'],
  ['12 Jun 1998', '1998-06-12'],
  ['12 June 1998', '1998-06-12'],
  ['03/01/2024', '2024-03-01'], // US: month first
  [' 2024-02-29 ', '2024-02-29'],
  ['TBD', null],
  ['2023-02-29', null],
  ['13/01/2024', null],
  ['2024-03-01x', null],
  [null, null],
];

describe('prep.transform cast of text to dates', () => {
  it('reads ISO, month-name and US slash dates, the same in DuckDB and in the JS replay', async () => {
    const input = TEXT_DATES.map(([t], i) => ({ id: i, d: t, ts: t }));
    const { ctx, raw } = await datesIngested(input);
    const out = await run(ctx, raw, [{ op: 'cast', types: { d: 'DATE', ts: 'TIMESTAMP' } }]);
    const sqlRows = await rowsOf(out.dataset);
    expect(sqlRows.map((r) => r.d)).toEqual(TEXT_DATES.map(([, d]) => d));
    expect(sqlRows[1]?.ts).toBe('2024-03-01 10:00:00');
    expect(sqlRows[3]?.ts).toBe('2024-03-01 10:00:00.25');
    const jsRows = applyTransform(out.transform.spec, input);
    for (const [i, js] of jsRows.entries()) {
      expect(js.d, `row ${i} DATE`).toEqual(sqlRows[i]?.d);
      expect(js.ts, `row ${i} TIMESTAMP`).toEqual(sqlRows[i]?.ts);
    }
  });

  it('reports the values a cast lost, per column, in the step output and as a warning', async () => {
    const { ctx, raw } = await datesIngested(TEXT_DATES.map(([t], i) => ({ id: i, d: t })));
    const out = await run(ctx, raw, [{ op: 'cast', types: { d: 'DATE' } }]);
    expect(out.steps[0]?.lost).toEqual([
      { column: 'd', type: 'DATE', nonNull: 16, lost: 4, examples: ['TBD', '2023-02-29', '13/01/2024'] },
    ]);
    expect(out.warnings.some((w) => w.includes('"d"') && w.includes('4 of 16') && w.includes('"TBD"'))).toBe(
      true,
    );
    expect(ctx.logs.some((l) => l.level === 'warn' && l.message.includes('4 of 16'))).toBe(true);
  });

  it('takes a strptime format per column, which wins over the built-in list', async () => {
    const input = [{ d: '13/01/2024' }, { d: '03/01/2024' }, { d: '2024-01-05' }];
    const { ctx, raw } = await datesIngested(input);
    const out = await run(ctx, raw, [{ op: 'cast', types: { d: 'DATE' }, formats: { d: '%d/%m/%Y' } }]);
    expect((await rowsOf(out.dataset)).map((r) => r.d)).toEqual(['2024-01-13', '2024-01-03', null]);
    expect(applyTransform(out.transform.spec, input).map((r) => r.d)).toEqual([
      '2024-01-13',
      '2024-01-03',
      null,
    ]);
    await rejectsWith(
      run(ctx, raw, [{ op: 'cast', types: { d: 'DATE' }, formats: { d: '%x' } }]),
      'DATA_INPUT',
    );
    const notDate = await rejectsWith(
      run(ctx, raw, [{ op: 'cast', types: { d: 'VARCHAR' }, formats: { d: '%d/%m/%Y' } }]),
      'DATA_INPUT',
    );
    expect(notDate.what).toContain('DATE or TIMESTAMP');
  });

  it("casts vega movies' Release Date ('Jun 12 1998') to DATE without losing a value", async () => {
    const ctx = contextWith('movies.json');
    const raw = (await ingestFile.run({ path: 'movies.json' }, ctx)).dataset;
    const out = await run(ctx, raw, [{ op: 'cast', types: { 'Release Date': 'DATE' } }]);
    const movies = vegaJson<Record<string, unknown>>('movies.json');
    const rows = await rowsOf(out.dataset);
    expect(rows[0]?.['Release Date']).toBe('1998-06-12');
    expect(rows.filter((r) => r['Release Date'] === null)).toHaveLength(
      movies.filter((m) => m['Release Date'] === null).length,
    );
    expect(out.steps[0]?.lost ?? []).toEqual([]);
  });

  it('fails with a user error naming the column, examples and the fix when every value is lost', async () => {
    const { ctx, raw } = await datesIngested([
      { d: 'soon' },
      { d: 'later' },
      { d: null },
      { d: 'never' },
      { d: 'TBD' },
    ]);
    const err = await rejectsWith(run(ctx, raw, [{ op: 'cast', types: { d: 'DATE' } }]), 'DATA_TYPE');
    expect(err.what).toContain('"d"');
    expect(err.what).toContain('"soon", "later", "never"');
    expect(err.fix).toContain('formats');
    const num = await rejectsWith(run(ctx, raw, [{ op: 'cast', types: { d: 'DOUBLE' } }]), 'DATA_TYPE');
    expect(num.fix).toContain('another type');
  });
});

describe('castSql and castValue agree on awkward text', () => {
  const awkward = [
    'Jun12 1998',
    'Jun  12   1998',
    'JUNE 12, 1998',
    'Sept 12 1998',
    'Junе 12 1998',
    '2024- 03-01',
    '2024-3-1',
    '2024-003-01',
    '12345-03-01',
    '0-03-01',
    '98-03-01',
    '+2024-03-01',
    '2024-03-01\t',
    '\t2024-03-01',
    '2024-03-01 10:00:00.1234567',
    '2024-03-01 10:00:00.000100',
    '2024-03-01T10:00:00.5',
    '2024-03-01T10:00',
    '2024-03-01 24:00:00',
    '2024-03-01 23:59:60',
    '2024-03-01 10:60',
    '1900-02-29',
    '2000-02-29',
    '0004-02-29',
    '04/31/2024',
    '4/1/2024',
    '2024/03/01',
    '1998',
    '',
    ' ',
    '12 jun 1998',
    '1 December 2023',
    '2024-03-01 10:00:00+00',
    '2024-03-01T10:00:00Z',
    '2024-03-01T10:00:00.5+05:30',
    '2024-03-01 10:00 -0800',
    '2024-03-01-01',
    'Jun 12 1998+01',
  ];
  const formats: (string | undefined)[] = [
    undefined,
    '%d/%m/%Y',
    '%Y%m%d',
    '%d.%m.%Y %H:%M',
    '%B %Y',
    '100%% %Y',
  ];
  const extra = ['31/12/1998', '19981231', '31.12.1998 23:59', 'March 2024', '100% 2024', '1.2.2024 7:05'];

  it.each(formats)('format %s: every value converts the same in DuckDB and JS', async (format) => {
    const values = [...awkward, ...extra];
    const sql = await withDuckDB((db) =>
      db.all(
        `SELECT ${castSql('v', 'DATE', format)} AS d, ${castSql('v', 'TIMESTAMP', format)} AS ts FROM (VALUES ${values
          .map((v, i) => `(${i}, ${literal(v)})`)
          .join(', ')}) AS t(i, v) ORDER BY i`,
      ),
    );
    for (const [i, v] of values.entries()) {
      expect(castValue(v, 'DATE', format), `DATE ${JSON.stringify(v)}`).toEqual(sql[i]?.d);
      expect(castValue(v, 'TIMESTAMP', format), `TIMESTAMP ${JSON.stringify(v)}`).toEqual(sql[i]?.ts);
    }
  });

  it('keeps the wall time of a time-zone offset, in text and in TIMESTAMPTZ columns', async () => {
    expect(castValue('2024-03-01T10:00:00Z', 'TIMESTAMP')).toBe('2024-03-01 10:00:00');
    expect(castValue('2024-03-01 23:30:00-08:00', 'DATE')).toBe('2024-03-01');
    const [r] = await withDuckDB((db) =>
      db.all(`SELECT ${castSql('v', 'DATE')} AS d FROM (SELECT TIMESTAMPTZ '2024-03-01 10:00:00+00' AS v)`),
    );
    expect(r?.d).toBe('2024-03-01');
  });
});
