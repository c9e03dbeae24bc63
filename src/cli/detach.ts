/**
 * `run --detach`: the run is recorded here and executed by a second `pipewright resume` process that
 * outlives this one (its own session, no terminal), writing its progress to <state>/logs/<run>.log.
 * Follow it with `pipewright logs <run> --follow`, stop it with `pipewright cancel <run>`.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

export interface Detached {
  pid: number;
  /** Where the background process writes its progress and summary. */
  log: string;
}

/** Starts `pipewright resume <run>` in the background with this command's workspace, state and identity. */
export function startDetached(
  config: Pick<Config, 'workspace' | 'stateDir' | 'user'>,
  runId: string,
  entry = process.argv[1] as string,
): Detached {
  const dir = path.join(config.stateDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const log = path.join(dir, `${runId}.log`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        entry,
        '--workspace',
        config.workspace,
        '--state-dir',
        config.stateDir,
        '--as',
        config.user,
        'resume',
        runId,
      ],
      { cwd: config.workspace, detached: true, stdio: ['ignore', fd, fd], env: process.env },
    );
    child.unref();
    return { pid: child.pid ?? 0, log };
  } finally {
    closeSync(fd);
  }
}
