import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The suites that exercise the stores and the engine, again with every store on a real Postgres
// (a fresh schema per test state folder) and the LangGraph checkpointer on Postgres too.
// `npm run test:postgres -- test/engine` runs a subset.
// scripts/setup.sh leaves the Postgres suites out where it could not install PostgreSQL (never in CI).
const noPostgres = (process.env.PIPEWRIGHT_TEST_EXCLUDE ?? '').includes('postgres');

export default defineConfig({
  test: {
    ...base.test,
    passWithNoTests: noPostgres,
    include: noPostgres
      ? []
      : [
          'test/store/**/*.test.ts',
          'test/engine/**/*.test.ts',
          'test/deploy/**/*.test.ts',
          'test/server/**/*.test.ts',
          'test/web/console-api.test.ts',
          'test/lineage/**/*.test.ts',
          'test/triggers/**/*.test.ts',
          'test/triage/**/*.test.ts',
          'test/workers/distributed.int.test.ts',
        ],
    globalSetup: ['test/helpers/postgres-global.ts'],
  },
});
