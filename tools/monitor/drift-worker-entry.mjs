// Entry of monitor.drift's worker threads: runs the compiled worker (dist/drift-worker.js) when dist/ holds
// a build of the current sources (bin/build.mjs), which saves loading tsx and transpiling in every worker;
// otherwise loads the TypeScript worker, registering tsx in this thread when the parent's loader hooks did
// not carry over to it (they do not on Node 20).
import { existsSync } from 'node:fs';

const compiled = new URL('../../dist/drift-worker.js', import.meta.url);

async function buildIsCurrent() {
  try {
    return existsSync(compiled) && (await import('../../bin/build.mjs')).isFresh();
  } catch {
    return false;
  }
}

if (await buildIsCurrent()) {
  await import(compiled.href);
} else {
  try {
    await import('./drift-worker.ts');
  } catch (e) {
    if (e?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const { register } = await import('tsx/esm/api');
    register();
    // A new specifier: the failed import above stays cached under the plain one.
    await import('./drift-worker.ts?tsx');
  }
}
