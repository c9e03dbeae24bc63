/**
 * Arrow IPC (file or stream format) → NDJSON plus DuckDB column types, so ingest.file reads .arrow files
 * without a DuckDB extension download. Decoding is apache-arrow's (RecordBatchReader, every batch and
 * dictionary); this file only maps Arrow types to DuckDB types and writes each value as JSON text
 * (64-bit integers as exact digits, dates and timestamps as ISO text, lists and structs as JSON).
 * Compressed IPC bodies (LZ4/ZSTD) are not supported by the JS library: refused with a fix.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type DataType, type Field, RecordBatchReader, Type } from 'apache-arrow';
import { userError } from '../../src/errors.ts';

type ToJson = (v: unknown) => string;

const json: ToJson = (v) => JSON.stringify(v);
const finite: ToJson = (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : 'null');
const exactInt: ToJson = (v) => (typeof v === 'bigint' || typeof v === 'number' ? String(v) : 'null');
const isoDate: ToJson = (v) =>
  typeof v === 'number' ? JSON.stringify(new Date(v).toISOString().slice(0, 10)) : 'null';
const isoTime: ToJson = (v) =>
  typeof v === 'number'
    ? JSON.stringify(new Date(v).toISOString().replace('T', ' ').replace('Z', ''))
    : 'null';
const nested: ToJson = (v) =>
  JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint' ? Number(x) : x && typeof x.toJSON === 'function' ? x.toJSON() : x,
  );

/** DuckDB type and JSON writer for an Arrow type; undefined for types not read here. */
function columnOf(t: DataType): { type: string; write: ToJson } | undefined {
  switch (t.typeId) {
    case Type.Int: {
      const { bitWidth, isSigned } = t as DataType & { bitWidth: 8 | 16 | 32 | 64; isSigned: boolean };
      const base = { 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' }[bitWidth];
      return { type: isSigned ? base : `U${base}`, write: exactInt };
    }
    case Type.Float:
      return {
        type: (t as DataType & { precision: number }).precision === 2 ? 'DOUBLE' : 'FLOAT',
        write: finite,
      };
    case Type.Bool:
      return { type: 'BOOLEAN', write: json };
    case Type.Utf8:
    case Type.LargeUtf8:
      return { type: 'VARCHAR', write: json };
    case Type.Date:
      return { type: 'DATE', write: isoDate };
    case Type.Timestamp:
      return { type: 'TIMESTAMP', write: isoTime };
    case Type.Dictionary:
      return columnOf((t as DataType & { dictionary: DataType }).dictionary);
    case Type.List:
    case Type.FixedSizeList:
    case Type.Struct:
    case Type.Map:
      return { type: 'JSON', write: nested };
    default:
      return undefined;
  }
}

function unsupported(what: string) {
  return userError(
    'DATA_FORMAT',
    `This Arrow file uses ${what}, which ingest.file cannot read`,
    'Arrow columns of integers, floats, booleans, strings, dates, timestamps, dictionaries, lists and structs are read',
    'Convert the file to Parquet (pyarrow: pq.write_table(table, "data.parquet")) and ingest that.',
  );
}

/**
 * Decodes the Arrow IPC file at `file` and writes its rows as NDJSON to `out`.
 * Returns the columns with the DuckDB types to read the NDJSON back with.
 */
export async function readArrowIpc(file: string, out: string): Promise<{ name: string; type: string }[]> {
  const bytes = await readFile(file);
  let reader: RecordBatchReader;
  try {
    reader = RecordBatchReader.from(bytes).open();
  } catch (e) {
    throw unreadable(file, e);
  }
  if (!reader.schema) throw unreadable(file, new Error('it has no schema message'));
  const fields: Field[] = reader.schema.fields;
  const columns = fields.map((f) => {
    const c = columnOf(f.type);
    if (!c) throw unsupported(`${String(f.type)} (column "${f.name}")`);
    return { name: f.name, ...c };
  });
  const keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
  const sink = createWriteStream(out);
  try {
    for (const batch of reader) {
      const vectors = columns.map((_, k) => batch.getChildAt(k));
      let chunk = '';
      for (let r = 0; r < batch.numRows; r++) {
        let line = '{';
        for (let k = 0; k < columns.length; k++) {
          const v = vectors[k]?.get(r);
          line += `${k ? ',' : ''}${keys[k]}${v === null || v === undefined ? 'null' : (columns[k] as { write: ToJson }).write(v)}`;
        }
        chunk += `${line}}\n`;
        if (chunk.length > 1 << 20) {
          if (!sink.write(chunk)) await once(sink, 'drain');
          chunk = '';
        }
      }
      if (chunk && !sink.write(chunk)) await once(sink, 'drain');
    }
  } catch (e) {
    throw unreadable(file, e);
  } finally {
    sink.end();
    await once(sink, 'close');
  }
  return columns.map(({ name, type }) => ({ name, type }));
}

function unreadable(file: string, e: unknown) {
  const message = e instanceof Error ? e.message : String(e);
  if (/compress/i.test(message)) {
    return userError(
      'DATA_FORMAT',
      `The Arrow file "${file}" is compressed (LZ4/ZSTD buffers)`,
      'the apache-arrow JS library reads uncompressed IPC only',
      'Write it uncompressed, or as Parquet, and ingest that.',
    );
  }
  return userError('DATA_UNREADABLE', `Could not decode the Arrow file "${file}"`, message);
}
