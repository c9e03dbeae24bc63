import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Dictionary,
  Field,
  Int32,
  List,
  makeVector,
  Table,
  TimestampMillisecond,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ingestFile } from '../../tools/ingest/file.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import { contextWith, rejectsWith } from './fixtures.ts';

describe('Arrow IPC through apache-arrow', () => {
  it('reads 64-bit integers exactly, dates, timestamps, dictionaries, lists and nulls, in both IPC formats', async () => {
    const big = 9_007_199_254_740_993n; // 2^53 + 1: not a JS number
    const table = new Table({
      id: makeVector(BigInt64Array.from([big, -5n, 0n])),
      score: vectorFromArray([1.5, null, Number.NaN]),
      species: vectorFromArray(['Adelie', 'Gentoo', 'Adelie'], new Dictionary(new Utf8(), new Int32())),
      tags: vectorFromArray([[1, 2], [], [3]], new List(new Field('item', new Int32(), true))),
      when: vectorFromArray(
        [new Date('2026-01-02T03:04:05Z'), null, new Date('1999-12-31T00:00:00Z')],
        new TimestampMillisecond(),
      ),
    });
    const ctx = contextWith();
    for (const [name, format] of [
      ['t.arrow', 'file'],
      ['t-stream.arrow', 'stream'],
    ] as const) {
      writeFileSync(path.join(ctx.workspace, name), tableToIPC(table, format));
      const out = await ingestFile.run({ path: name, profile: false }, ctx);
      expect(out.rows).toBe(3);
      const rows = await withDuckDB((db) =>
        db.all(
          `SELECT id::VARCHAR AS id, score, species, tags::VARCHAR AS tags, strftime("when", '%Y-%m-%d %H:%M:%S') AS w FROM read_parquet('${out.dataset.path}')`,
        ),
      );
      expect(rows).toEqual([
        { id: String(big), score: 1.5, species: 'Adelie', tags: '[1,2]', w: '2026-01-02 03:04:05' },
        { id: '-5', score: null, species: 'Gentoo', tags: '[]', w: null },
        { id: '0', score: null, species: 'Adelie', tags: '[3]', w: '1999-12-31 00:00:00' },
      ]);
    }
  });

  it('refuses a truncated file as unreadable', async () => {
    const ctx = contextWith();
    const bytes = tableToIPC(new Table({ a: vectorFromArray([1, 2, 3]) }), 'file');
    writeFileSync(path.join(ctx.workspace, 'cut.arrow'), bytes.subarray(0, bytes.length - 40));
    await rejectsWith(ingestFile.run({ path: 'cut.arrow' }, ctx), 'DATA_UNREADABLE');
  });
});
