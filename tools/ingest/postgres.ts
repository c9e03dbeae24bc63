/**
 * ingest.postgres: reads a table, or the result of a query run in a READ ONLY transaction, from PostgreSQL.
 * Rows stream through a server-side cursor into NDJSON in scratch, then DuckDB casts them to the Postgres
 * column types and writes Parquet. The password in the connection string never reaches logs or errors.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { isPipewrightError, PipewrightError, userError } from '../../src/errors.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { duckMessage, materialize } from '../lib/dataset-io.ts';
import { ident, literal, withDuckDB } from '../lib/duckdb.ts';
import { profileParquet } from '../lib/profile.ts';
import { IngestOutput } from './file.ts';

/** DuckDB type for a Postgres type OID (text values are cast to it); anything unlisted stays VARCHAR. */
const PG_TYPES: Record<number, string> = {
  16: 'BOOLEAN',
  20: 'BIGINT',
  21: 'SMALLINT',
  23: 'INTEGER',
  26: 'BIGINT',
  700: 'FLOAT',
  701: 'DOUBLE',
  1700: 'DOUBLE',
  1082: 'DATE',
  1083: 'TIME',
  1114: 'TIMESTAMP',
  1184: 'TIMESTAMPTZ',
  2950: 'UUID',
};

/** The connection string with its password replaced by ***, in URL or key=value form. */
export function redactConnection(conn: string): string {
  try {
    const u = new URL(conn);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return conn.replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
  }
}

function passwordOf(conn: string): string | undefined {
  try {
    const p = new URL(conn).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return /password\s*=\s*'?([^'\s]+)/i.exec(conn)?.[1];
  }
}

/** Removes every occurrence of the password from a message. */
function scrub(message: string, password: string | undefined): string {
  if (!password) return message;
  return message.split(password).join('***').split(encodeURIComponent(password)).join('***');
}

const BATCH = 5000;

export const ingestPostgres = defineTask({
  id: 'ingest.postgres',
  // The source can change under the same input (a file rewritten, new rows, a new object): always read it.
  // Downstream steps still hit the cache when the data is the same, as their key includes its hash.
  cacheable: false,
  description:
    'Read a PostgreSQL table, or the rows of a read-only query, into a Parquet dataset with a column profile.',
  input: z
    .object({
      connection: z
        .string()
        .min(1)
        .describe(
          'Connection string, e.g. postgres://user:password@host:5432/db (the password is never logged)',
        ),
      table: z.string().optional().describe('Table to read, optionally schema-qualified ("public.orders")'),
      query: z
        .string()
        .optional()
        .describe('A SELECT to run instead of a table; it runs in a READ ONLY transaction'),
      limit: z.number().int().positive().optional().describe('Read at most this many rows'),
      timeout: z
        .number()
        .int()
        .positive()
        .default(600_000)
        .describe('Statement timeout on the server, in milliseconds'),
      name: z.string().optional().describe('Name to attach to the dataset'),
    })
    .refine((v) => (v.table === undefined) !== (v.query === undefined), {
      message: 'give exactly one of table or query',
    }),
  output: IngestOutput,
  async run(input, ctx) {
    const shown = redactConnection(input.connection);
    const password = passwordOf(input.connection);
    const client = new pg.Client({
      connectionString: input.connection,
      connectionTimeoutMillis: 30_000,
      // Every value arrives as Postgres text; DuckDB casts it to the column type below.
      types: { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig,
    });
    // A broken connection after connect() emits 'error'; without a listener it would crash the process.
    client.on('error', (e) => ctx.log.warn(`postgres connection error: ${scrub(e.message, password)}`));
    const source = input.table ? `table ${input.table}` : 'query';
    const location = `${shown} (${source})`;
    const fail = (e: unknown): PipewrightError => {
      if (isPipewrightError(e)) return e;
      const err = e as { message?: string; code?: string };
      const msg = scrub(err.message ?? String(e), password);
      const sqlState = typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
      if (sqlState?.startsWith('42') || sqlState === '25006') {
        return userError(
          'DATA_POSTGRES_QUERY',
          `Reading ${source} from Postgres failed`,
          msg,
          sqlState === '25006'
            ? 'The query tried to write: only read-only SELECTs are allowed.'
            : input.query
              ? 'Write one read-only SELECT and check its table and column names against the database.'
              : 'Check the table name (schema-qualify it, e.g. "sales.orders") against the database.',
          { sqlState },
        );
      }
      if (sqlState === '28P01' || sqlState === '28000' || sqlState === '3D000') {
        return userError(
          'DATA_POSTGRES_CONNECT',
          `Could not log in to ${shown}`,
          msg,
          'Check the user, password and database name.',
          {
            sqlState,
          },
        );
      }
      return new PipewrightError({
        code: 'DATA_POSTGRES_CONNECT',
        category: 'third-party',
        what: `Could not read from Postgres at ${shown}`,
        why: msg,
        fix: 'Check that the server is running and reachable from this machine.',
        retryable: true,
        ...(sqlState ? { details: { sqlState } } : {}),
      });
    };

    const ndjson = path.join(ctx.scratchDir, `postgres-${Date.now()}.ndjson`);
    const onAbort = () => void client.end().catch(() => {});
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let fields: { name: string; type: string }[] = [];
    let rows = 0;
    ctx.log.info(`reading ${source} from ${shown}`);
    try {
      await client.connect();
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${input.timeout}`);
      let sql: string;
      if (input.table) {
        sql = `SELECT * FROM ${input.table
          .split('.')
          .map((p) => client.escapeIdentifier(p))
          .join('.')}`;
      } else {
        sql = (input.query ?? '').trim().replace(/;\s*$/, '');
        if (sql.includes(';')) {
          throw userError(
            'DATA_POSTGRES_QUERY',
            'The query holds more than one statement',
            'only a single SELECT may be run',
            'Remove the extra statements (and any ";").',
          );
        }
      }
      if (input.limit) sql = `SELECT * FROM (${sql}) AS pw_limited LIMIT ${input.limit}`;
      await client.query(`DECLARE pw_cursor NO SCROLL CURSOR FOR ${sql}`);
      const sink = createWriteStream(ndjson);
      try {
        for (;;) {
          ctx.signal.throwIfAborted();
          const res = await client.query({ text: `FETCH ${BATCH} FROM pw_cursor`, rowMode: 'array' });
          if (fields.length === 0) {
            const seen = new Map<string, number>();
            fields = res.fields.map((f) => {
              const n = (seen.get(f.name) ?? 0) + 1;
              seen.set(f.name, n);
              return { name: n > 1 ? `${f.name}_${n}` : f.name, type: PG_TYPES[f.dataTypeID] ?? 'VARCHAR' };
            });
          }
          let chunk = '';
          for (const row of res.rows as unknown[][]) chunk += `${JSON.stringify(row)}\n`;
          if (chunk && !sink.write(chunk)) await once(sink, 'drain');
          rows += res.rows.length;
          if (res.rows.length < BATCH) break;
        }
      } finally {
        sink.end();
        await once(sink, 'close');
      }
      await client.query('COMMIT');
    } catch (e) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? e;
      throw fail(e);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await client.end().catch(() => {});
    }
    ctx.progress(0.5, `${rows} rows read`);

    try {
      return await withDuckDB(async (db) => {
        // Each NDJSON line is a JSON array of text values; DuckDB reads it as one VARCHAR[] column.
        const casts = fields.map((f, i) => `CAST(v[${i + 1}] AS ${f.type}) AS ${ident(f.name)}`).join(', ');
        const query =
          rows === 0
            ? `SELECT ${fields.map((f) => `NULL::${f.type} AS ${ident(f.name)}`).join(', ')} LIMIT 0`
            : `SELECT ${casts} FROM read_json(${literal(ndjson)}, format = 'newline_delimited', records = false, columns = {v: 'VARCHAR[]'})`;
        let dataset: Awaited<ReturnType<typeof materialize>>;
        try {
          dataset = await materialize(db, query, ctx, input.name ? { name: input.name } : {});
        } catch (e) {
          throw userError(
            'DATA_UNREADABLE',
            `Could not convert the rows of ${source} to Parquet`,
            duckMessage(e),
            'Cast the offending column to text in a query, e.g. SELECT col::text AS col FROM ...',
          );
        }
        const profile = await profileParquet(db, dataset.path);
        ctx.progress(1, `${dataset.rows} rows`);
        return {
          dataset,
          source: { kind: 'postgres' as const, location, format: 'postgres' },
          rows: dataset.rows,
          columns: dataset.columns,
          hash: dataset.hash,
          profile,
        };
      });
    } finally {
      await rm(ndjson, { force: true });
    }
  },
});
