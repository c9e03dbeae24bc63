/** Starts test/helpers/engine-child.ts processes (run or resume a run, optionally killed at a fault point). */
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { testDatabaseUrl } from './state.ts';

const CHILD = path.resolve(import.meta.dirname, 'engine-child.ts');
// Resolved here: the child starts in a workspace outside the repository, where `tsx` is not resolvable.
const TSX = import.meta.resolve('tsx');

export interface ChildOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  runId: string | undefined;
  /** The child's JSON line: { runId, status } or { error, message }. */
  result: { runId?: string; status?: string; error?: string; message?: string } | undefined;
  stderr: string;
}

export function childEnv(workspace: string, env: Record<string, string> = {}): Record<string, string> {
  const databaseUrl = testDatabaseUrl(path.join(workspace, '.pipewright'));
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PIPEWRIGHT_WORKSPACE: workspace,
    PIPEWRIGHT_USER: 'tester',
    ...(databaseUrl ? { PIPEWRIGHT_DATABASE_URL: databaseUrl } : {}),
    ...env,
  };
}

export function startChild(
  workspace: string,
  args: string[],
  env: Record<string, string> = {},
): ResultPromise<{ reject: false; stdin: 'ignore' }> {
  return execa(process.execPath, ['--import', TSX, CHILD, ...args], {
    cwd: workspace,
    env: childEnv(workspace, env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
}

export async function runChild(
  workspace: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ChildOutcome> {
  return outcome(await startChild(workspace, args, env));
}

export function outcome(r: {
  exitCode?: number | undefined;
  signal?: string | undefined;
  stdout: unknown;
  stderr: unknown;
}): ChildOutcome {
  const stderr = String(r.stderr);
  const line = String(r.stdout).trim().split('\n').at(-1);
  let result: ChildOutcome['result'];
  try {
    result = line ? JSON.parse(line) : undefined;
  } catch {
    result = undefined;
  }
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    runId: /RUN (run-\S+)/.exec(stderr)?.[1],
    result,
    stderr,
  };
}
