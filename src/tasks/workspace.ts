/**
 * Every file path a plan or a request names is confined to the workspace, symlinks included: the path is
 * resolved with realpath (its longest existing prefix, for a file yet to be written) before the check.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { userError } from '../errors.ts';

/** Whether `p` is `root` or lies under it (both already resolved). */
export function isWithin(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The real path of `p` (relative to `base`), following symlinks of its longest existing prefix. */
export function realPathOf(base: string, p: string): string {
  const abs = path.resolve(base, p);
  let probe = abs;
  while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  return path.join(realpathSync(probe), path.relative(probe, abs));
}

export function resolveInWorkspace(workspace: string, p: string, what = 'path'): string {
  const root = realpathSync(workspace);
  const real = realPathOf(root, p);
  if (!isWithin(root, real)) {
    throw userError(
      'PATH_OUTSIDE_WORKSPACE',
      `The ${what} "${p}" is outside the workspace`,
      `plans may only read and write under ${root} (symlinks are followed before this check)`,
      'Copy the file into the workspace, or run pipewright from (or with --workspace set to) a folder that contains it.',
    );
  }
  return real;
}
