/** Runs the real `pipewright` command in a child process. */
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { testDatabaseUrl } from './state.ts';

export const BIN = path.resolve(import.meta.dirname, '../../bin/pipewright.mjs');

export function cliEnv(workspace: string): Record<string, string> {
  // In the Postgres run of the suite, the CLI uses the same Postgres schema as the test's own store.
  const databaseUrl = testDatabaseUrl(path.join(workspace, '.pipewright'));
  return {
    PIPEWRIGHT_WORKSPACE: workspace,
    PIPEWRIGHT_USER: 'tester',
    PATH: process.env.PATH ?? '',
    ...(databaseUrl ? { PIPEWRIGHT_DATABASE_URL: databaseUrl } : {}),
  };
}

export function pw(
  workspace: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string> } = {},
) {
  return execa('node', [BIN, ...args], {
    cwd: workspace,
    env: { ...cliEnv(workspace), ...opts.env },
    extendEnv: false,
    reject: false,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

export function pwBackground(
  workspace: string,
  args: string[],
  opts: { env?: Record<string, string> } = {},
): ResultPromise {
  return execa('node', [BIN, ...args], {
    cwd: workspace,
    env: { ...cliEnv(workspace), ...opts.env },
    extendEnv: false,
    reject: false,
  });
}
