/** Helpers for SQLite rows shared by the stores: JSON columns, NULL ↔ undefined, WHERE clauses. */

export type Row = Record<string, unknown>;

/** A value for a JSON column: undefined is stored as NULL. */
export const toJson = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** A JSON column back to a value; NULL reads as undefined. */
export const fromJson = <T>(v: unknown): T | undefined =>
  typeof v === 'string' ? (JSON.parse(v) as T) : undefined;

/** A nullable column as an optional field. */
export const optional = <T>(v: unknown): T | undefined =>
  v === null || v === undefined ? undefined : (v as T);

/** `WHERE a = ? AND b = ?` from the conditions whose value is set; empty when none is. */
export function whereEquals(conditions: Record<string, unknown>): { sql: string; args: unknown[] } {
  const set = Object.entries(conditions).filter(([, v]) => v !== undefined && v !== '');
  return {
    sql: set.length ? `WHERE ${set.map(([col]) => `${col} = ?`).join(' AND ')}` : '',
    args: set.map(([, v]) => v),
  };
}
