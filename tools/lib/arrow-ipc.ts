/**
 * A small Arrow IPC (file or stream format) decoder for flat tables, so ingest.file can read .arrow files
 * without a DuckDB extension download or the apache-arrow package. It handles the common column types
 * (integers, floats, booleans, UTF-8 strings, dates, timestamps, dictionary-encoded strings), uncompressed.
 * Anything else is refused with a DATA_FORMAT error that says to convert the file to Parquet.
 *
 * Layout reference: https://arrow.apache.org/docs/format/Columnar.html (Message.fbs, Schema.fbs).
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userError } from '../../src/errors.ts';

/** Minimal flatbuffer table reader. */
class Table {
  constructor(
    readonly v: DataView,
    readonly pos: number,
  ) {}

  static root(v: DataView, at = 0): Table {
    return new Table(v, at + v.getUint32(at, true));
  }

  private field(i: number): number {
    const vt = this.pos - this.v.getInt32(this.pos, true);
    const size = this.v.getUint16(vt, true);
    const o = 4 + 2 * i;
    return o < size ? this.v.getUint16(vt + o, true) : 0;
  }

  u8(i: number, d = 0): number {
    const o = this.field(i);
    return o ? this.v.getUint8(this.pos + o) : d;
  }
  i16(i: number, d = 0): number {
    const o = this.field(i);
    return o ? this.v.getInt16(this.pos + o, true) : d;
  }
  i32(i: number, d = 0): number {
    const o = this.field(i);
    return o ? this.v.getInt32(this.pos + o, true) : d;
  }
  i64(i: number, d = 0): number {
    const o = this.field(i);
    return o ? Number(this.v.getBigInt64(this.pos + o, true)) : d;
  }
  table(i: number): Table | undefined {
    const o = this.field(i);
    if (!o) return undefined;
    const at = this.pos + o;
    return new Table(this.v, at + this.v.getUint32(at, true));
  }
  string(i: number): string | undefined {
    const at = this.vector(i);
    if (!at) return undefined;
    return new TextDecoder().decode(new Uint8Array(this.v.buffer, this.v.byteOffset + at.start, at.length));
  }
  /** Start (absolute byte offset) and length of a vector field. */
  vector(i: number): { start: number; length: number } | undefined {
    const o = this.field(i);
    if (!o) return undefined;
    const at = this.pos + o;
    const vec = at + this.v.getUint32(at, true);
    return { start: vec + 4, length: this.v.getUint32(vec, true) };
  }
  tables(i: number): Table[] {
    const vec = this.vector(i);
    if (!vec) return [];
    return Array.from({ length: vec.length }, (_, k) => {
      const at = vec.start + 4 * k;
      return new Table(this.v, at + this.v.getUint32(at, true));
    });
  }
}

type Kind =
  | { t: 'int'; bits: number; signed: boolean }
  | { t: 'float'; bits: number }
  | { t: 'bool' }
  | { t: 'utf8' }
  | { t: 'date'; unit: number }
  | { t: 'timestamp'; unit: number };

interface FieldInfo {
  name: string;
  kind: Kind;
  dictionaryId?: number;
  /** Kind of the dictionary indices when dictionary-encoded. */
  indexKind?: Kind;
}

const TYPE_NAMES = [
  'NONE',
  'Null',
  'Int',
  'FloatingPoint',
  'Binary',
  'Utf8',
  'Bool',
  'Decimal',
  'Date',
  'Time',
  'Timestamp',
  'Interval',
  'List',
  'Struct',
  'Union',
  'FixedSizeBinary',
  'FixedSizeList',
  'Map',
  'Duration',
  'LargeBinary',
  'LargeUtf8',
  'LargeList',
];

function unsupported(what: string) {
  return userError(
    'DATA_FORMAT',
    `This Arrow file uses ${what}, which pipewright's Arrow reader does not support`,
    'only flat tables of numbers, booleans, strings, dates and timestamps, uncompressed, are read natively',
    'Convert the file to Parquet (e.g. pyarrow.parquet.write_table) and ingest that instead.',
  );
}

function readKind(typeType: number, type: Table | undefined, field: string): Kind {
  switch (typeType) {
    case 2:
      return { t: 'int', bits: type?.i32(0) ?? 32, signed: (type?.u8(1) ?? 0) === 1 };
    case 3: {
      const precision = type?.i16(0) ?? 2;
      if (precision === 0) throw unsupported(`half floats (column "${field}")`);
      return { t: 'float', bits: precision === 1 ? 32 : 64 };
    }
    case 5:
      return { t: 'utf8' };
    case 6:
      return { t: 'bool' };
    case 8:
      return { t: 'date', unit: type?.i16(0, 1) ?? 1 };
    case 10:
      return { t: 'timestamp', unit: type?.i16(0) ?? 0 };
    default:
      throw unsupported(`${TYPE_NAMES[typeType] ?? `type #${typeType}`} (column "${field}")`);
  }
}

function duckType(k: Kind): string {
  switch (k.t) {
    case 'int': {
      const base = { 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' }[k.bits] ?? 'BIGINT';
      return k.signed ? base : `U${base}`;
    }
    case 'float':
      return k.bits === 32 ? 'FLOAT' : 'DOUBLE';
    case 'bool':
      return 'BOOLEAN';
    case 'utf8':
      return 'VARCHAR';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
  }
}

/** Timestamp units (seconds, milli, micro, nano) per millisecond. */
const MS_DIVISOR = [1e-3, 1, 1e3, 1e6];

/** Values of one column in one batch, as JSON text fragments ("null" for nulls). */
function decodeColumn(
  kind: Kind,
  length: number,
  nullCount: number,
  bufs: Uint8Array[],
  dict?: string[],
): string[] {
  const validity = nullCount > 0 ? bufs[0] : undefined;
  const isNull = (i: number) => validity !== undefined && ((validity[i >> 3] ?? 0) & (1 << (i & 7))) === 0;
  const out = new Array<string>(length);
  const data = bufs[1] as Uint8Array;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const intAt = (i: number, bits: number, signed: boolean): bigint | number => {
    switch (bits) {
      case 8:
        return signed ? dv.getInt8(i) : dv.getUint8(i);
      case 16:
        return signed ? dv.getInt16(2 * i, true) : dv.getUint16(2 * i, true);
      case 32:
        return signed ? dv.getInt32(4 * i, true) : dv.getUint32(4 * i, true);
      default:
        return signed ? dv.getBigInt64(8 * i, true) : dv.getBigUint64(8 * i, true);
    }
  };
  for (let i = 0; i < length; i++) {
    if (isNull(i)) {
      out[i] = 'null';
      continue;
    }
    if (dict) {
      const k = kind as Extract<Kind, { t: 'int' }>;
      out[i] = JSON.stringify(dict[Number(intAt(i, k.bits, k.signed))] ?? null);
      continue;
    }
    switch (kind.t) {
      case 'int':
        out[i] = String(intAt(i, kind.bits, kind.signed));
        break;
      case 'float': {
        const x = kind.bits === 32 ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true);
        out[i] = Number.isFinite(x) ? String(x) : 'null';
        break;
      }
      case 'bool':
        out[i] = ((data[i >> 3] ?? 0) & (1 << (i & 7))) !== 0 ? 'true' : 'false';
        break;
      case 'utf8': {
        const offsets = bufs[1] as Uint8Array;
        const odv = new DataView(offsets.buffer, offsets.byteOffset, offsets.byteLength);
        const bytes = bufs[2] as Uint8Array;
        const s = odv.getInt32(4 * i, true);
        const e = odv.getInt32(4 * (i + 1), true);
        out[i] = JSON.stringify(new TextDecoder().decode(bytes.subarray(s, e)));
        break;
      }
      case 'date': {
        const ms =
          kind.unit === 0 ? dv.getInt32(4 * i, true) * 86_400_000 : Number(dv.getBigInt64(8 * i, true));
        out[i] = JSON.stringify(new Date(ms).toISOString().slice(0, 10));
        break;
      }
      case 'timestamp': {
        const raw = dv.getBigInt64(8 * i, true);
        const ms = Number(raw) / (MS_DIVISOR[kind.unit] ?? 1);
        out[i] = JSON.stringify(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
        break;
      }
    }
  }
  return out;
}

/** Field nodes (length, null count) and body buffers of a record batch. */
function bufferSlices(batch: Table, body: Uint8Array): { nodes: [number, number][]; buffers: Uint8Array[] } {
  if (batch.table(3)) throw unsupported('buffer compression');
  const v = batch.v;
  const nodesVec = batch.vector(1);
  const bufVec = batch.vector(2);
  const nodes: [number, number][] = [];
  for (let k = 0; k < (nodesVec?.length ?? 0); k++) {
    const at = (nodesVec?.start ?? 0) + 16 * k;
    nodes.push([Number(v.getBigInt64(at, true)), Number(v.getBigInt64(at + 8, true))]);
  }
  const buffers: Uint8Array[] = [];
  for (let k = 0; k < (bufVec?.length ?? 0); k++) {
    const at = (bufVec?.start ?? 0) + 16 * k;
    const off = Number(v.getBigInt64(at, true));
    const len = Number(v.getBigInt64(at + 8, true));
    buffers.push(body.subarray(off, off + len));
  }
  return { nodes, buffers };
}

/**
 * Decodes the Arrow IPC file at `file` and writes its rows as NDJSON to `out`.
 * Returns the columns with the DuckDB types to read the NDJSON back with.
 */
export async function readArrowIpc(file: string, out: string): Promise<{ name: string; type: string }[]> {
  const buf = await readFile(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = buf.subarray(0, 6).toString('latin1');
  let pos = magic === 'ARROW1' ? 8 : 0;
  let fields: FieldInfo[] | undefined;
  const dictionaries = new Map<number, string[]>();
  const sink = createWriteStream(out);
  try {
    while (pos + 8 <= buf.length) {
      let size = view.getInt32(pos, true);
      pos += 4;
      if (size === -1) {
        size = view.getInt32(pos, true);
        pos += 4;
      }
      if (size <= 0) break;
      const msg = Table.root(view, pos);
      const headerType = msg.u8(1);
      const header = msg.table(2);
      const bodyLength = msg.i64(3);
      const body = buf.subarray(pos + size, pos + size + bodyLength);
      pos += size + bodyLength;
      if (!header) continue;
      if (headerType === 1) {
        fields = header.tables(1).map((f) => {
          const name = f.string(0) ?? '';
          if (f.tables(5).length > 0) throw unsupported(`nested columns (column "${name}")`);
          const info: FieldInfo = { name, kind: readKind(f.u8(2), f.table(3), name) };
          const dict = f.table(4);
          if (dict) {
            if (info.kind.t !== 'utf8') throw unsupported(`non-string dictionaries (column "${name}")`);
            info.dictionaryId = dict.i64(0);
            const idx = dict.table(1);
            info.indexKind = { t: 'int', bits: idx?.i32(0) ?? 32, signed: (idx?.u8(1) ?? 1) === 1 };
          }
          return info;
        });
      } else if (headerType === 2) {
        const data = header.table(1);
        if (!data) continue;
        const { nodes, buffers } = bufferSlices(data, body);
        const [len = 0, nulls = 0] = nodes[0] ?? [];
        const values = decodeColumn({ t: 'utf8' }, len, nulls, buffers).map((s) => JSON.parse(s) as string);
        const id = header.i64(0);
        dictionaries.set(id, header.u8(2) ? [...(dictionaries.get(id) ?? []), ...values] : values);
      } else if (headerType === 3) {
        if (!fields) throw unsupported('a record batch before its schema');
        const { nodes, buffers } = bufferSlices(header, body);
        const rows = header.i64(0);
        let b = 0;
        const cols = fields.map((f, k) => {
          const [len = 0, nulls = 0] = nodes[k] ?? [];
          const n = f.kind.t === 'utf8' && f.dictionaryId === undefined ? 3 : 2;
          const slice = buffers.slice(b, b + n);
          b += n;
          if (f.dictionaryId !== undefined) {
            const dict = dictionaries.get(f.dictionaryId) ?? [];
            return decodeColumn(f.indexKind as Kind, len, nulls, slice, dict);
          }
          return decodeColumn(f.kind, len, nulls, slice);
        });
        const keys = fields.map((f) => `${JSON.stringify(f.name)}:`);
        let chunk = '';
        for (let r = 0; r < rows; r++) {
          let line = '{';
          for (let k = 0; k < cols.length; k++) line += `${k ? ',' : ''}${keys[k]}${cols[k]?.[r]}`;
          chunk += `${line}}\n`;
          if (chunk.length > 1 << 20) {
            if (!sink.write(chunk)) await once(sink, 'drain');
            chunk = '';
          }
        }
        if (chunk && !sink.write(chunk)) await once(sink, 'drain');
      }
    }
  } catch (e) {
    if (e instanceof RangeError) {
      throw userError(
        'DATA_UNREADABLE',
        `Could not decode the Arrow file "${file}"`,
        'it is truncated or corrupt',
      );
    }
    throw e;
  } finally {
    sink.end();
    await once(sink, 'close');
  }
  if (!fields) {
    throw userError('DATA_UNREADABLE', `"${file}" is not an Arrow IPC file`, 'it has no schema message');
  }
  return fields.map((f) => ({ name: f.name, type: duckType(f.kind) }));
}
