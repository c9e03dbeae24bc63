/** Real data for the data-stage tests: vega-datasets files copied into a fresh workspace. */
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTaskContext, type TestContext } from '../helpers/task-context.ts';

export const VEGA_DATA = fileURLToPath(new URL('../../node_modules/vega-datasets/data', import.meta.url));

/** A task context whose workspace holds copies of the named vega-datasets files. */
export function contextWith(...files: string[]): TestContext {
  const ctx = makeTaskContext();
  for (const f of files) copyFileSync(path.join(VEGA_DATA, f), path.join(ctx.workspace, f));
  return ctx;
}

/** A vega-datasets JSON file parsed in plain JS, to check DuckDB's results independently. */
export function vegaJson<T = Record<string, unknown>>(file: string): T[] {
  return JSON.parse(readFileSync(path.join(VEGA_DATA, file), 'utf8')) as T[];
}

/** Expects `promise` to reject with a pipewright error of `code`; returns the error for further checks. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: string,
): Promise<{ code: string; what: string; why?: string; fix?: string; details?: unknown }> {
  try {
    await promise;
  } catch (e) {
    const err = e as { code?: string; what: string };
    if (err.code !== code) throw new Error(`expected error ${code}, got ${err.code}: ${String(e)}`);
    return err as { code: string; what: string };
  }
  throw new Error(`expected error ${code}, but it resolved`);
}
