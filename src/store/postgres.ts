/**
 * The Postgres backend of the stores' synchronous Db interface. One worker thread holds the connections
 * (node-postgres); each call blocks this thread until the answer arrives (synckit: Atomics.wait on a
 * shared buffer), so the stores and the engine keep one synchronous code path for SQLite and Postgres.
 * The stores' SQL is written for SQLite; toPostgres() translates the few differences once per statement.
 */
import { fileURLToPath } from 'node:url';
import { createSyncFn } from 'synckit';
import { PipewrightError } from '../errors.ts';
import type { Db, RunResult, Statement } from './db.ts';
import { toPostgres } from './sql-dialect.ts';

type Msg =
  | { op: 'open'; url: string; schema?: string }
  | { op: 'query'; id: number; sql: string; params: unknown[] }
  | { op: 'exec'; id: number; sql: string }
  | { op: 'close'; id: number };
type Reply = {
  id?: number;
  rows?: Record<string, unknown>[];
  rowCount?: number;
  error?: { message: string; code?: string };
};

let call: ((msg: Msg) => Reply) | undefined;
const worker = () =>
  (call ??= createSyncFn(fileURLToPath(new URL('./postgres-worker.mjs', import.meta.url)), {
    timeout: 60_000,
  }) as unknown as (msg: Msg) => Reply);

/** postgres://user:secret@host/db?schema=x → the same without the password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly location: string;
  private readonly id: number;
  private depth = 0;
  private readonly translated = new Map<string, { sql: string; returning?: string }>();

  constructor(url: string) {
    this.location = redactUrl(url);
    const u = new URL(url);
    const schema = u.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new PipewrightError({
        code: 'DATABASE_URL_INVALID',
        category: 'user',
        what: `The schema "${schema}" in PIPEWRIGHT_DATABASE_URL is not a plain Postgres name`,
        fix: 'Use lower-case letters, digits and _ only, e.g. ?schema=pipewright',
      });
    }
    u.searchParams.delete('schema');
    const r = this.send({ op: 'open', url: u.toString(), ...(schema ? { schema } : {}) }, 'connect');
    this.id = r.id as number;
  }

  prepare(text: string): Statement {
    let t = this.translated.get(text);
    if (!t) {
      t = toPostgres(text);
      this.translated.set(text, t);
    }
    const { sql, returning } = t;
    const query = (params: unknown[]) =>
      this.send({ op: 'query', id: this.id, sql, params: params.map(toParam) }, 'query');
    return {
      run: (...params: unknown[]): RunResult => {
        const r = query(params);
        const last = returning ? r.rows?.[0]?.[returning] : undefined;
        return { changes: r.rowCount ?? 0, lastInsertRowid: typeof last === 'number' ? last : 0 };
      },
      get: (...params: unknown[]) => query(params).rows?.[0],
      all: (...params: unknown[]) => query(params).rows ?? [],
    };
  }

  exec(sql: string): void {
    this.send({ op: 'exec', id: this.id, sql }, 'exec');
  }

  /**
   * Postgres transactions run at READ COMMITTED: the stores' read-then-write paths are correct there
   * because their writes are conditional (compare-and-set UPDATEs, row locks, unique keys), not because
   * of the isolation level.
   */
  transaction<A extends unknown[], T>(fn: (...args: A) => T, _mode?: 'write' | 'read'): (...args: A) => T {
    return (...args: A) => {
      const savepoint = `sp${this.depth}`;
      this.exec(this.depth === 0 ? 'BEGIN' : `SAVEPOINT ${savepoint}`);
      this.depth++;
      try {
        const out = fn(...args);
        this.depth--;
        this.exec(this.depth === 0 ? 'COMMIT' : `RELEASE SAVEPOINT ${savepoint}`);
        return out;
      } catch (e) {
        this.depth--;
        this.exec(this.depth === 0 ? 'ROLLBACK' : `ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw e;
      }
    };
  }

  close(): void {
    this.send({ op: 'close', id: this.id }, 'close');
  }

  private send(msg: Msg, what: string): Reply {
    let r: Reply;
    try {
      r = worker()(msg);
    } catch (e) {
      throw new PipewrightError({
        code: 'DATABASE_UNREACHABLE',
        category: 'system',
        what: `Postgres at ${this.location ?? 'the configured URL'} did not answer (${what})`,
        why: (e as Error).message,
        fix: 'Check that the server runs and PIPEWRIGHT_DATABASE_URL is right.',
        retryable: true,
      });
    }
    if (r.error) {
      const err = new Error(
        `${r.error.message}${r.error.code ? ` (SQLSTATE ${r.error.code})` : ''}`,
      ) as Error & {
        code?: string;
      };
      err.code = r.error.code;
      if (msg.op === 'open') {
        throw new PipewrightError({
          code: 'DATABASE_UNREACHABLE',
          category: 'system',
          what: `Cannot connect to Postgres at ${redactUrl((msg as { url: string }).url)}`,
          why: r.error.message,
          fix: 'Check that the server runs, the database exists and PIPEWRIGHT_DATABASE_URL is right.',
          retryable: true,
        });
      }
      throw err;
    }
    return r;
  }
}

/** better-sqlite3 takes 0/1 and strings; pg gets the same values (booleans would change types). */
function toParam(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}
