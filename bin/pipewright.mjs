#!/usr/bin/env node
// Runs the compiled CLI in dist/ (bin/build.mjs; rebuilt here first when a source changed since the last
// build), or, where no build can be made (esbuild missing, a read-only install), the TypeScript sources
// through tsx.
import { pathToFileURL } from 'node:url';
import { ensureBuild } from './build.mjs';

const entry = await ensureBuild();
if (entry) {
  // Stack traces of internal errors name the TypeScript sources (costs ~2 % of an offline `plan`).
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
