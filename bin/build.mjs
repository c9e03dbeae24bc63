#!/usr/bin/env node
/**
 * Compiles the CLI to JavaScript in dist/ (esbuild: one ESM bundle with code splitting, npm packages left
 * external), so `pipewright` starts without transpiling TypeScript on every run. Each `await import()` in the
 * sources becomes its own chunk, so a command still loads only what it uses.
 *
 * `node bin/build.mjs` (or `npm run build`) builds; bin/pipewright.mjs calls `ensureBuild()`, which rebuilds
 * when a source file changed since the last build, and says so when it cannot (then the sources run through
 * tsx). Writes are atomic (a temporary name, then rename) so concurrent CLI starts never read half a file,
 * and chunks are content-named and kept for a day, so a long-running process (serve, worker) that loads a
 * chunk late still finds the one it was built with.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
export const ENTRY = path.join(DIST, 'main.js');
const INFO = path.join(DIST, 'build-info.json');
const FORMAT = 2;
const KEEP_OLD_CHUNKS_MS = 24 * 3600_000;
/** Worker-thread entries compiled beside the CLI (dist/<name>.js), so a worker need not load tsx. */
const WORKERS = { 'drift-worker': 'tools/monitor/drift-worker.ts' };

/**
 * Whether dist/ holds a build of the current sources: every input the last build read (its metafile's list,
 * node_modules excluded) has the size and modification time it had then. A new source file only matters
 * once an existing one imports it, and that edit shows up here; a file copied back with an older time does
 * too (the time differs from the recorded one).
 */
export function isFresh() {
  let info;
  try {
    info = JSON.parse(readFileSync(INFO, 'utf8'));
  } catch {
    return false;
  }
  if (info.format !== FORMAT || !Array.isArray(info.inputs)) return false;
  try {
    for (const [rel, mtimeMs, size] of info.inputs) {
      const st = statSync(path.join(ROOT, rel));
      if (st.mtimeMs !== mtimeMs || st.size !== size) return false;
    }
    return statSync(ENTRY).isFile();
  } catch {
    return false;
  }
}

/**
 * Rewrites `import.meta.url` / `dirname` / `filename` in a source file to name the source file itself, so
 * paths built from them (prompts/, static/, python/, worker entries) stay the same once the file is bundled
 * into dist/ (every output lands directly in dist/, so the source is `../<its path>` from any of them).
 */
function importMetaPlugin() {
  return {
    name: 'pipewright-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta') || args.path.includes(`${path.sep}node_modules${path.sep}`)) {
          return undefined;
        }
        const rel = path.relative(DIST, args.path).split(path.sep).join('/');
        const relDir = path.posix.dirname(rel);
        const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
        const contents = text
          .replaceAll('import.meta.url', url)
          .replaceAll('import.meta.filename', `__pwFileURLToPath(${url})`)
          .replaceAll(
            'import.meta.dirname',
            `__pwFileURLToPath(new URL(${JSON.stringify(`${relDir}/`)}, import.meta.url)).replace(/[\\\\/]$/, '')`,
          );
        return {
          contents: `import { fileURLToPath as __pwFileURLToPath } from 'node:url';\n${contents}`,
          loader: 'ts',
        };
      });
    },
  };
}

function writeAtomic(file, data) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** Builds dist/ from src/cli/main.ts. Returns the build's figures. */
export async function build({ quiet = false } = {}) {
  const started = Date.now();
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      main: 'src/cli/main.ts',
      ...Object.fromEntries(Object.entries(WORKERS).filter(([, src]) => existsSync(path.join(ROOT, src)))),
    },
    outdir: DIST,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.11',
    packages: 'external',
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: quiet ? 'silent' : 'warning',
    plugins: [importMetaPlugin()],
  });
  mkdirSync(DIST, { recursive: true });
  const written = new Set();
  // Chunks before the entry, the entry before the build info: a reader never sees a half-made build.
  const files = [...result.outputFiles].sort((a, b) => rank(a.path) - rank(b.path));
  for (const f of files) {
    writeAtomic(f.path, f.contents);
    written.add(path.basename(f.path));
  }
  // This file too: a change to how the build is made makes the last build stale. A file changed while the
  // build ran is recorded with no time, so the next start builds again.
  const inputs = [
    'bin/build.mjs',
    ...Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules/')),
  ].map((rel) => {
    const st = statSync(path.join(ROOT, rel));
    return [rel, st.mtimeMs > started ? -1 : st.mtimeMs, st.size];
  });
  writeAtomic(INFO, JSON.stringify({ format: FORMAT, startedAt: started, inputs }));
  written.add(path.basename(INFO));
  pruneOldChunks(written);
  return { ms: Date.now() - started, files: files.length, inputs: inputs.length };
}

function rank(file) {
  const base = path.basename(file);
  if (base === 'main.js') return 2;
  if (base === 'main.js.map') return 1;
  return 0;
}

function pruneOldChunks(keep) {
  const now = Date.now();
  for (const name of readdirSync(DIST)) {
    if (keep.has(name)) continue;
    const file = path.join(DIST, name);
    try {
      if (now - statSync(file).mtimeMs > KEEP_OLD_CHUNKS_MS) unlinkSync(file);
    } catch {
      // Removed by a concurrent build.
    }
  }
}

/**
 * The compiled entry when dist/ is current (rebuilding it first when a source changed); undefined when no
 * build can be had here (esbuild missing, a read-only install), and the caller runs the sources via tsx.
 */
export async function ensureBuild() {
  if (isFresh()) return ENTRY;
  try {
    await build({ quiet: true });
    return ENTRY;
  } catch {
    return undefined;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await build();
  process.stderr.write(`built dist/ in ${r.ms} ms (${r.files} files from ${r.inputs} sources)\n`);
}
