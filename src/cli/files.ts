/** Files the CLI writes for people (`plan --out`): folders made as needed, failures said plainly. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { userError } from '../errors.ts';

/** Writes `text` to `file`, creating its folder; a path that cannot be written is a user error. */
export async function writeOutputFile(file: string, text: string, what = 'the output'): Promise<void> {
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'you may not write there'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'a part of the path is a file, not a folder'
            : code === 'EROFS'
              ? 'the file system is read-only'
              : ((e as Error).message ?? String(e));
    throw userError(
      'OUTPUT_NOT_WRITABLE',
      `Cannot write ${what} to "${file}"`,
      why,
      'Pass a file path in a folder you can write to, e.g. --out plans/penguins.yaml.',
    );
  }
}
