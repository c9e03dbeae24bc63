/**
 * The cast operation in its two replays, which must agree value for value:
 *   - castSql(column, type, format): the DuckDB expression prep.transform runs;
 *   - castValue(value, type, format): the same conversion on plain JS values (serving).
 * DATE and TIMESTAMP read text with try_strptime over a fixed list of formats (or one format per column);
 * parseDateText mirrors DuckDB's strptime for the directives listed in DATE_DIRECTIVES.
 * castLoss counts the values a cast turns into null, so nothing is lost without a word.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { type DuckDB, ident, literal } from './duckdb.ts';

export const CastType = z
  .enum(['DOUBLE', 'FLOAT', 'BIGINT', 'INTEGER', 'SMALLINT', 'VARCHAR', 'BOOLEAN', 'DATE', 'TIMESTAMP'])
  .describe('Target DuckDB type');
export type CastType = z.infer<typeof CastType>;

/**
 * Text date formats tried in order when a column has no `formats` entry. The slash form is read the US
 * way (month/day/year); give a format such as "%d/%m/%Y" for day-first data.
 */
export const DATE_FORMATS = [
  '%Y-%m-%d',
  '%Y-%m-%d %H:%M:%S',
  '%Y-%m-%dT%H:%M:%S',
  '%Y-%m-%d %H:%M:%S.%f',
  '%Y-%m-%dT%H:%M:%S.%f',
  '%Y-%m-%d %H:%M',
  '%Y-%m-%dT%H:%M',
  '%b %d %Y',
  '%b %d, %Y',
  '%B %d %Y',
  '%B %d, %Y',
  '%d %b %Y',
  '%d %B %Y',
  '%m/%d/%Y',
] as const;

/**
 * A time-zone offset after a time ("10:00:00Z", "10:00+01:00", TIMESTAMPTZ as text) is dropped before
 * parsing: the wall time is kept as written, like train.tabular's date parts.
 */
const ZONE_RE = '(:\\d{2}(\\.\\d+)?)\\s*(Z|[+-]\\d{2}(:?\\d{2})?)$';
const zoneRe = new RegExp(ZONE_RE);

/** strptime directives a `formats` entry may use (the ones both replays read the same way). */
export const DATE_DIRECTIVES = ['%Y', '%m', '%d', '%b', '%B', '%H', '%M', '%S', '%f', '%%'] as const;

const isNull = (v: unknown) => v === null || v === undefined;
const isDateType = (t: CastType) => t === 'DATE' || t === 'TIMESTAMP';

/** Throws a user error when a format is not for a date column or uses a directive outside DATE_DIRECTIVES. */
export function checkDateFormat(
  column: string,
  type: CastType | undefined,
  format: string,
  where: string,
): void {
  if (type && !isDateType(type)) {
    throw userError(
      'DATA_INPUT',
      `${where}: formats gives "${column}" a date format, but it is cast to ${type}, not DATE or TIMESTAMP`,
      undefined,
      `Cast "${column}" to DATE or TIMESTAMP, or remove its formats entry.`,
    );
  }
  for (const m of format.matchAll(/%./g)) {
    if (!(DATE_DIRECTIVES as readonly string[]).includes(m[0])) {
      throw userError(
        'DATA_INPUT',
        `${where}: the date format "${format}" uses ${m[0]}, which is not supported`,
        `formats may use ${DATE_DIRECTIVES.join(' ')}`,
        'Rewrite the format with those directives, e.g. "%d/%m/%Y" or "%b %d %Y".',
      );
    }
  }
}

/** The DuckDB expression casting column `c` to `type`; `format` is used for DATE/TIMESTAMP only. */
export function castSql(c: string, type: CastType, format?: string): string {
  const col = ident(c);
  if (type === 'BIGINT' || type === 'INTEGER' || type === 'SMALLINT') {
    return `TRY_CAST(TRY_CAST(${col} AS DOUBLE) AS ${type})`;
  }
  if (isDateType(type)) {
    const formats = format ? literal(format) : `[${DATE_FORMATS.map(literal).join(', ')}]`;
    const text = `regexp_replace(${col}::VARCHAR, ${literal(ZONE_RE)}, '\\1')`;
    const ts = `try_strptime(${text}, ${formats})`;
    return type === 'DATE' ? `${ts}::DATE` : ts;
  }
  return `TRY_CAST(${col} AS ${type})`;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type Field = 'Y' | 'm' | 'd' | 'b' | 'B' | 'H' | 'M' | 'S' | 'f';
// Most digits each number field reads; DuckDB reads them greedily and never gives digits back.
const DIGITS: Partial<Record<Field, number>> = { Y: 4, m: 2, d: 2, H: 2, M: 2, S: 2, f: 6 };
const MONTH_RE: Partial<Record<Field, string>> = {
  b: `(${MONTHS.map((m) => m.slice(0, 3)).join('|')})`,
  B: `(${MONTHS.join('|')})`,
};

const compiled = new Map<string, { re: RegExp; fields: Field[] }>();

/** A strptime format as an anchored regular expression (a blank matches one or more blanks, as DuckDB). */
function compile(format: string): { re: RegExp; fields: Field[] } {
  const hit = compiled.get(format);
  if (hit) return hit;
  const fields: Field[] = [];
  let src = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i] as string;
    if (ch === '%' && i + 1 < format.length) {
      const d = format[++i] as string;
      if (d === '%') src += '%';
      else if (DIGITS[d as Field]) {
        // (?=(\d{1,n}))\k is an atomic group: greedy, without backtracking into fewer digits.
        fields.push(d as Field);
        src += `(?=(\\d{1,${DIGITS[d as Field]}}))(?:\\${fields.length})`;
      } else if (MONTH_RE[d as Field]) {
        fields.push(d as Field);
        src += MONTH_RE[d as Field];
      } else return { re: /(?!)/, fields: [] };
    } else if (/\s/.test(ch)) {
      while (i + 1 < format.length && /\s/.test(format[i + 1] as string)) i++;
      src += '\\s+';
    } else src += escapeRe(ch);
  }
  const out = { re: new RegExp(`^${src}$`, 'i'), fields };
  compiled.set(format, out);
  return out;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate() || 31;

/** Reads text with one strptime format: "YYYY-MM-DD HH:MM:SS[.ffffff]" as DuckDB prints it, or null. */
function strptime(text: string, format: string): string | null {
  const { re, fields } = compile(format);
  const m = re.exec(text.trim());
  if (!m) return null;
  const v = { Y: 1900, m: 1, d: 1, H: 0, M: 0, S: 0, f: 0 };
  for (const [i, f] of fields.entries()) {
    const s = m[i + 1] as string;
    if (f === 'b' || f === 'B') v.m = MONTHS.findIndex((n) => n.startsWith(s.toLowerCase())) + 1;
    else if (f === 'f') v.f = Number(s.padEnd(6, '0'));
    else v[f] = Number(s);
  }
  // Date.UTC maps years 0-99 to 1900-1999: daysIn only needs leap-ness, which 400 years keep.
  const leapYear = v.Y < 100 ? v.Y + 2000 : v.Y;
  if (v.m < 1 || v.m > 12 || v.d < 1 || v.d > daysIn(leapYear, v.m)) return null;
  if (v.H > 23 || v.M > 59 || v.S > 59) return null;
  const frac = v.f ? `.${pad(v.f, 6).replace(/0+$/, '')}` : '';
  return `${pad(v.Y, 4)}-${pad(v.m)}-${pad(v.d)} ${pad(v.H)}:${pad(v.M)}:${pad(v.S)}${frac}`;
}

/** Text to a timestamp string with the given format, or the first of DATE_FORMATS that reads it. */
export function parseDateText(text: string, format?: string): string | null {
  const wall = text.replace(zoneRe, '$1');
  for (const f of format ? [format] : DATE_FORMATS) {
    const ts = strptime(wall, f);
    if (ts !== null) return ts;
  }
  return null;
}

/** DuckDB's double-to-integer cast rounds half to even (like C's nearbyint). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function toNumber(v: unknown): number | null {
  if (isNull(v)) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const x = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(x) ? x : null;
}

function dateText(v: unknown): string {
  if (v instanceof Date)
    return v
      .toISOString()
      .replace('Z', '')
      .replace(/\.000$/, '');
  return String(v);
}

export function castValue(v: unknown, type: CastType, format?: string): unknown {
  if (isNull(v)) return null;
  switch (type) {
    case 'DOUBLE':
    case 'FLOAT':
      return toNumber(v);
    case 'BIGINT':
    case 'INTEGER':
    case 'SMALLINT': {
      const x = toNumber(v);
      return x === null ? null : roundHalfEven(x);
    }
    case 'VARCHAR':
      return String(v);
    case 'BOOLEAN': {
      if (typeof v === 'boolean') return v;
      const s = String(v).trim().toLowerCase();
      if (['true', 't', '1', 'yes', 'y'].includes(s)) return true;
      if (['false', 'f', '0', 'no', 'n'].includes(s)) return false;
      return null;
    }
    case 'DATE':
    case 'TIMESTAMP': {
      const ts = parseDateText(dateText(v), format);
      if (ts === null) return null;
      return type === 'DATE' ? ts.slice(0, 10) : ts;
    }
  }
}

export const CastLoss = z.object({
  column: z.string().describe('Column cast'),
  type: CastType,
  nonNull: z.number().int().describe('Values that were not null before the cast'),
  lost: z.number().int().describe('Of those, how many did not convert and became null'),
  examples: z.array(z.string()).describe('Up to 3 values that did not convert'),
});
export type CastLoss = z.infer<typeof CastLoss>;

/** Per cast column of `table`, how many non-null values the cast would turn into null (columns losing none are left out). */
export async function castLoss(
  db: DuckDB,
  table: string,
  types: Record<string, CastType>,
  formats: Record<string, string> = {},
): Promise<CastLoss[]> {
  const out: CastLoss[] = [];
  for (const [column, type] of Object.entries(types)) {
    const col = ident(column);
    const lostWhere = `${col} IS NOT NULL AND ${castSql(column, type, formats[column])} IS NULL`;
    const [r] = await db.all(
      `SELECT count(${col}) AS nonnull, count(*) FILTER (WHERE ${lostWhere}) AS lost FROM ${table}`,
    );
    const lost = Number(r?.lost ?? 0);
    if (lost === 0) continue;
    const ex = await db.all(
      `SELECT ${col}::VARCHAR AS v FROM ${table} WHERE ${lostWhere} GROUP BY 1 ORDER BY min(rowid) LIMIT 3`,
    );
    out.push({ column, type, nonNull: Number(r?.nonnull ?? 0), lost, examples: ex.map((e) => String(e.v)) });
  }
  return out;
}

/** The warning for a partial loss; throws a user error when a column loses every non-null value. */
export function reportCastLoss(loss: CastLoss, where: string): string {
  const examples = loss.examples.map((e) => JSON.stringify(e)).join(', ');
  if (loss.lost === loss.nonNull) {
    const dateFix = isDateType(loss.type)
      ? `Add a format for it, e.g. formats: { "${loss.column}": "%d/%m/%Y" } (strptime: ${DATE_DIRECTIVES.join(' ')}), or cast it to another type.`
      : `Cast it to another type (VARCHAR keeps the text), or clean the values first.`;
    throw userError(
      'DATA_TYPE',
      `${where}: casting "${loss.column}" to ${loss.type} turned every value into null (${loss.lost} of ${loss.nonNull}), e.g. ${examples}`,
      isDateType(loss.type)
        ? `none of its values matches the date formats read (${DATE_FORMATS.join(', ')})`
        : `none of its values reads as ${loss.type}`,
      dateFix,
      loss,
    );
  }
  return `${where}: casting "${loss.column}" to ${loss.type} turned ${loss.lost} of ${loss.nonNull} values into null, e.g. ${examples}`;
}
