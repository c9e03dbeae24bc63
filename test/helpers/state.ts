/**
 * Where a test keeps its state. By default SQLite in the state folder; in the Postgres run of the suite
 * (`npm run test:postgres`, PIPEWRIGHT_TEST_DATABASE_URL set by test/helpers/postgres-global.ts) each state
 * folder gets its own fresh schema in that Postgres, so the same tests check both backends.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { type Config, type ConfigOverrides, loadConfig } from '../../src/config.ts';

export function testDatabaseUrl(stateDir: string): string | undefined {
  const base = process.env.PIPEWRIGHT_TEST_DATABASE_URL;
  if (!base) return undefined;
  const url = new URL(base);
  url.searchParams.set(
    'schema',
    `t_${createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16)}`,
  );
  return url.toString();
}

/** The RunStore target for a state folder: a Postgres URL in the Postgres run, else <dir>/state.db. */
export function testStateTarget(stateDir: string): string {
  return testDatabaseUrl(stateDir) ?? path.join(stateDir, 'state.db');
}

/** loadConfig without the environment, pointed at the Postgres schema in the Postgres run. */
export function testConfig(overrides: ConfigOverrides & { workspace: string }): Config {
  const base = loadConfig(overrides, {});
  const databaseUrl = testDatabaseUrl(base.stateDir);
  return databaseUrl ? { ...base, databaseUrl } : base;
}
