/** Runs the real `pipewright` command in a child process. */
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const BIN = path.resolve(import.meta.dirname, '../../bin/pipewright.mjs');

export function cliEnv(workspace: string): Record<string, string> {
  return { PIPEWRIGHT_WORKSPACE: workspace, PIPEWRIGHT_USER: 'tester', PATH: process.env.PATH ?? '' };
}

export function pw(workspace: string, args: string[], opts: { input?: string } = {}) {
  return execa('node', [BIN, ...args], {
    cwd: workspace,
    env: cliEnv(workspace),
    extendEnv: false,
    reject: false,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

export function pwBackground(workspace: string, args: string[]): ResultPromise {
  return execa('node', [BIN, ...args], {
    cwd: workspace,
    env: cliEnv(workspace),
    extendEnv: false,
    reject: false,
  });
}
