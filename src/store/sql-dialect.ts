/**
 * The stores write SQLite SQL; these rewrite it for Postgres. Deliberately small: each rule covers a
 * construct the stores use, and test/store/sql-dialect.test.ts pins every one.
 */

/** Tables whose key SQLite assigns (INTEGER PRIMARY KEY AUTOINCREMENT): their INSERTs return it. */
const GENERATED_KEYS: Record<string, string> = { events: 'seq', audit: 'seq', model_alias_history: 'seq' };

/** Rewrites one DML statement; `returning` names the generated key an INSERT hands back. */
export function toPostgres(sql: string): { sql: string; returning?: string } {
  let out = sql;
  let returning: string | undefined;
  const insertIgnore = /^\s*INSERT\s+OR\s+IGNORE\s+INTO/i.test(out);
  if (insertIgnore) out = out.replace(/INSERT\s+OR\s+IGNORE\s+INTO/i, 'INSERT INTO');
  out = out
    .replace(/\bjson_each\(\?\)/gi, 'json_array_elements_text(CAST(? AS json))')
    .replace(/\binstr\(/gi, 'strpos(')
    .replace(/\bNOT\s+LIKE\b/gi, 'NOT ILIKE')
    .replace(/(?<!NOT )\bLIKE\b/gi, 'ILIKE');
  const body = out.replace(/;\s*$/, '');
  out = insertIgnore ? `${body} ON CONFLICT DO NOTHING` : body;
  const insert = /^\s*INSERT\s+INTO\s+(\w+)/i.exec(out);
  const key = insert ? GENERATED_KEYS[insert[1]?.toLowerCase() ?? ''] : undefined;
  if (key && !/\bRETURNING\b/i.test(out)) {
    out = `${out} RETURNING ${key}`;
    returning = key;
  }
  return { sql: numberPlaceholders(out), ...(returning ? { returning } : {}) };
}

/** ? → $1, $2, … outside string literals and quoted identifiers. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') out += `$${++n}`;
    else out += ch;
  }
  return out;
}

/**
 * Functions the translated SQL relies on, created (or replaced) by every migration pass: pw_refuse for
 * append-only tables, json_patch with SQLite's RFC 7396 merge-patch semantics.
 */
export const POSTGRES_PRELUDE = `
CREATE OR REPLACE FUNCTION pw_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
CREATE OR REPLACE FUNCTION pw_json_patch(target jsonb, patch jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE k text; v jsonb; result jsonb;
BEGIN
  IF patch IS NULL OR jsonb_typeof(patch) <> 'object' THEN RETURN patch; END IF;
  result := CASE WHEN target IS NOT NULL AND jsonb_typeof(target) = 'object' THEN target ELSE '{}'::jsonb END;
  FOR k, v IN SELECT * FROM jsonb_each(patch) LOOP
    IF jsonb_typeof(v) = 'null' THEN result := result - k;
    ELSE result := jsonb_set(result, ARRAY[k], pw_json_patch(result -> k, v), true);
    END IF;
  END LOOP;
  RETURN result;
END $$;
CREATE OR REPLACE FUNCTION json_patch(target text, patch text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT pw_json_patch(target::jsonb, patch::jsonb)::text
$$;
`;

/**
 * Rewrites a schema migration: types (INTEGER → BIGINT, REAL → DOUBLE PRECISION, AUTOINCREMENT →
 * BIGSERIAL), append-only triggers (RAISE(ABORT) → a plpgsql function), and a `rowid BIGSERIAL` column on
 * every other table, since the stores order by SQLite's rowid as the insertion order.
 */
export function migrationToPostgres(sql: string): string {
  let out = sql
    .replace(/\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b/gi, 'BIGSERIAL PRIMARY KEY')
    .replace(/\bINTEGER\b/g, 'BIGINT')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION')
    .replace(/\)\s*WITHOUT\s+ROWID\s*;/gi, ');')
    .replace(
      /CREATE\s+TRIGGER\s+(\w+)\s+BEFORE\s+(UPDATE|DELETE)\s+ON\s+(\w+)\s+BEGIN\s+SELECT\s+RAISE\(ABORT,\s*'([^']*)'\);\s*END;/gi,
      (_m, name: string, op: string, table: string, msg: string) =>
        `CREATE TRIGGER ${name} BEFORE ${op} ON ${table} FOR EACH ROW EXECUTE FUNCTION pw_refuse('${msg}');`,
    );
  out = out.replace(
    /CREATE\s+TABLE\s+(\w+)\s*\(([\s\S]*?)\n\s*\);/gi,
    (whole, table: string, cols: string) =>
      /BIGSERIAL\s+PRIMARY\s+KEY/i.test(cols)
        ? whole
        : `CREATE TABLE ${table} (\n    rowid BIGSERIAL,${cols}\n  );`,
  );
  return out;
}
