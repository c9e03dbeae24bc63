import { configDefaults, defineConfig } from 'vitest/config';

// scripts/setup.sh names suites it had to leave out (packages it could not install); never set in CI.
const leftOut = (process.env.PIPEWRIGHT_TEST_EXCLUDE ?? '').split(',').filter(Boolean);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...leftOut],
    testTimeout: 60_000,
    // Hooks start real servers and child processes; under load a start can take over a minute.
    hookTimeout: 120_000,
    // Two cores here: keep heavy suites (Python, DuckDB, child processes) from starving each other.
    maxWorkers: 2,
  },
});
