import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { migrationToPostgres, numberPlaceholders, toPostgres } from '../../src/store/sql-dialect.ts';

describe('SQLite → Postgres statements', () => {
  it('numbers placeholders outside quotes only', () => {
    expect(numberPlaceholders('SELECT * FROM t WHERE a = ? AND b = \'?\' AND "c?" = ?')).toBe(
      'SELECT * FROM t WHERE a = $1 AND b = \'?\' AND "c?" = $2',
    );
  });

  it('turns INSERT OR IGNORE into ON CONFLICT DO NOTHING', () => {
    expect(toPostgres('INSERT OR IGNORE INTO step_cache (key) VALUES (?)').sql).toBe(
      'INSERT INTO step_cache (key) VALUES ($1) ON CONFLICT DO NOTHING',
    );
  });

  it('returns the generated key of append-only tables so lastInsertRowid works', () => {
    expect(toPostgres('INSERT INTO events (run_id) VALUES (?)')).toEqual({
      sql: 'INSERT INTO events (run_id) VALUES ($1) RETURNING seq',
      returning: 'seq',
    });
    expect(toPostgres('INSERT INTO runs (id) VALUES (?)').returning).toBeUndefined();
  });

  it('maps json_each, instr and case-insensitive LIKE', () => {
    const { sql } = toPostgres(
      "SELECT * FROM e WHERE id IN (SELECT value FROM json_each(?)) AND substr(id, instr(id, ':') + 1) LIKE ? ESCAPE '\\'",
    );
    expect(sql).toBe(
      "SELECT * FROM e WHERE id IN (SELECT value FROM json_array_elements_text(CAST($1 AS json))) AND substr(id, strpos(id, ':') + 1) ILIKE $2 ESCAPE '\\'",
    );
  });
});

describe('SQLite → Postgres migrations', () => {
  const all = MIGRATIONS.map(migrationToPostgres).join('\n');

  it('uses 64-bit integers, doubles and BIGSERIAL keys', () => {
    expect(all).not.toMatch(/\bINTEGER\b|\bREAL\b|AUTOINCREMENT|WITHOUT ROWID/);
    expect(all).toMatch(/seq BIGSERIAL PRIMARY KEY/);
  });

  it('gives every other table a rowid for insertion order', () => {
    expect(all).toMatch(/CREATE TABLE runs \(\n\s+rowid BIGSERIAL,/);
    expect(all).not.toMatch(/CREATE TABLE events \(\n\s+rowid/);
  });

  it('keeps append-only tables append-only with a trigger function', () => {
    expect(all).toContain(
      "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION pw_refuse('audit log is append-only');",
    );
    expect(all).not.toMatch(/RAISE\(ABORT/);
  });
});
