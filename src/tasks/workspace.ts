/** Every file path a plan names is confined to the workspace, symlinks included. */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { userError } from '../errors.ts';

export function resolveInWorkspace(workspace: string, p: string, what = 'path'): string {
  const root = realpathSync(workspace);
  const abs = path.resolve(root, p);
  let probe = abs;
  while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  const real = path.join(realpathSync(probe), path.relative(probe, abs));
  const rel = path.relative(root, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw userError(
      'PATH_OUTSIDE_WORKSPACE',
      `The ${what} "${p}" is outside the workspace`,
      `plans may only read and write under ${root}`,
      'Copy the file into the workspace, or run pipewright from (or with --workspace set to) a folder that contains it.',
    );
  }
  return real;
}
