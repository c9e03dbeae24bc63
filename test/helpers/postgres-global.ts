/** vitest globalSetup of the Postgres run: one real server for the whole run (see test/helpers/state.ts). */
import { startPostgres, type TestPostgres } from './postgres.ts';

let pg: TestPostgres | undefined;

export async function setup(): Promise<void> {
  pg = await startPostgres();
  process.env.PIPEWRIGHT_TEST_DATABASE_URL = pg.url;
}

export async function teardown(): Promise<void> {
  await pg?.stop();
}
