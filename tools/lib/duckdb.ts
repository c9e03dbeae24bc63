/** A thin DuckDB helper for tasks: one in-memory database per call site, closed when done. */
import type { DuckDBConnection } from '@duckdb/node-api';

export async function withDuckDB<T>(fn: (db: DuckDB) => Promise<T>): Promise<T> {
  // Loaded on first use: the native module costs start-up time for commands that never touch data.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return await fn(new DuckDB(conn));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export class DuckDB {
  constructor(readonly conn: DuckDBConnection) {}

  async run(sql: string): Promise<void> {
    await this.conn.run(sql);
  }

  /** Rows as JSON-friendly objects (BIGINT arrives as a string, as DuckDB's JSON conversion gives it). */
  async all(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  async columns(relation: string): Promise<{ name: string; type: string }[]> {
    const rows = await this.all(`DESCRIBE SELECT * FROM ${relation}`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }
}

/** Quotes an identifier (column or table name) for SQL. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal for SQL (file paths, values). */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
