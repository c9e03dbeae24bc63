/**
 * On Linux, a step's child process dies with the process that started it (setpriv --pdeathsig KILL):
 * a worker or engine killed with kill -9 leaves no orphan still writing outputs while the step is
 * retried elsewhere. Elsewhere, or without setpriv, the command runs as given. This is the sandbox's
 * fallback (tools/lib/sandbox.ts): it covers the direct child only; its process group and the pid file a
 * resume reaps cover the rest.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

const SETPRIV = '/usr/bin/setpriv';
const available = process.platform === 'linux' && existsSync(SETPRIV);

/** Whether a program can be found (a path, or a name on PATH) and executed. */
export function findProgram(file: string, pathVar: string | undefined): boolean {
  const candidates = file.includes('/')
    ? [file]
    : (pathVar ?? '').split(':').map((d) => path.join(d || '.', file));
  return candidates.some((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The argv to start: wrapped in setpriv when possible. A program that cannot be found is left
 * unwrapped, so the caller still gets its own "not found" error.
 */
export function tiedToParent(
  file: string,
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): [string, string[]] {
  if (!available) return [file, args];
  const resolved = file.includes('/') && !path.isAbsolute(file) ? path.resolve(cwd, file) : file;
  if (!findProgram(resolved, env.PATH)) return [file, args];
  return [SETPRIV, ['--pdeathsig', 'KILL', '--', resolved, ...args]];
}
