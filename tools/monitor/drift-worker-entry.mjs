// Entry of monitor.drift's worker threads: loads the TypeScript worker, registering tsx in this thread when
// the parent's loader hooks did not carry over to it (they do not on Node 20).
try {
  await import('./drift-worker.ts');
} catch (e) {
  if (e?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
  const { register } = await import('tsx/esm/api');
  register();
  // A new specifier: the failed import above stays cached under the plain one.
  await import('./drift-worker.ts?tsx');
}
