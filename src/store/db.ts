/**
 * The one database handle every store uses: SQLite (better-sqlite3, the embedded default) or Postgres
 * (PIPEWRIGHT_DATABASE_URL, to share state across machines). Both are synchronous, so the stores and the
 * engine read the same either way; docs/scale-out.md says how Postgres is reached synchronously.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import { PostgresDb } from './postgres.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface Db {
  readonly dialect: Dialect;
  /** Where it lives, for messages: a file path, or the Postgres URL without its password. */
  readonly location: string;
  /** A statement for this SQL; the same text gives the same prepared statement (cached per connection). */
  prepare(sql: string): Statement;
  /** Runs one or more statements without parameters (schema changes). */
  exec(sql: string): void;
  /**
   * Wraps fn in a transaction (a savepoint when nested), like better-sqlite3's db.transaction. A write
   * transaction (the default) takes the write lock up front (SQLite `BEGIN IMMEDIATE`), so a transaction
   * that reads and then writes never fails half-way with SQLITE_BUSY; it waits (busy timeout) instead.
   * `read` is for consistent reads that write nothing (they never block writers).
   */
  transaction<A extends unknown[], T>(fn: (...args: A) => T, mode?: 'write' | 'read'): (...args: A) => T;
  close(): void;
}

export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//.test(target);

/** Where a config keeps its state: the Postgres URL when set, else <stateDir>/state.db. */
export function stateTarget(config: Pick<Config, 'stateDir' | 'databaseUrl'>): string {
  return config.databaseUrl ?? path.join(config.stateDir, 'state.db');
}

/**
 * How long a SQLite writer waits for another process's write lock before giving up with SQLITE_BUSY. Every
 * write transaction is short (one step transition, one decision), so a long wait only happens when many
 * processes share one workspace; 50 concurrent runs stay well below it.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 30_000;

/** Opens a SQLite file (WAL, busy timeout, foreign keys) or a Postgres URL. Not migrated yet. */
export function openDb(target: string): Db {
  if (isPostgresUrl(target)) {
    return new PostgresDb(target);
  }
  if (target !== ':memory:') mkdirSync(path.dirname(target), { recursive: true });
  const db = new Database(target);
  // The busy timeout first: switching a fresh file to WAL takes a lock that a concurrent opener may hold.
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return new SqliteDb(db, target);
}

class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  constructor(
    readonly raw: Database.Database,
    readonly location: string,
  ) {}
  /** Prepared once per connection, reused: preparing is a measurable share of per-step engine overhead. */
  prepare(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.raw.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }
  exec(sql: string): void {
    this.raw.exec(sql);
  }
  transaction<A extends unknown[], T>(
    fn: (...args: A) => T,
    mode: 'write' | 'read' = 'write',
  ): (...args: A) => T {
    const tx = this.raw.transaction(fn);
    // Nested calls become savepoints whichever variant is used.
    return (mode === 'write' ? tx.immediate : tx.deferred) as unknown as (...args: A) => T;
  }
  close(): void {
    this.raw.close();
  }
}
