/**
 * bin/build.mjs on a small copy of the layout (src/cli/main.ts, a prompt file beside the sources): the
 * compiled entry finds files through import.meta as the sources do, a dynamic import stays its own chunk,
 * a source edit (newer or older time, or a deleted file) makes the build stale, and ensureBuild() rebuilds it.
 */
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeWorkspace } from '../helpers/task-context.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

function tree(): string {
  const root = makeWorkspace('pw-build-');
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'bin'));
  mkdirSync(path.join(root, 'src/cli'), { recursive: true });
  mkdirSync(path.join(root, 'prompts'));
  copyFileSync(path.join(REPO, 'bin/build.mjs'), path.join(root, 'bin/build.mjs'));
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  writeFileSync(path.join(root, 'prompts/hello.md'), 'hello from the prompt file');
  writeFileSync(
    path.join(root, 'src/cli/main.ts'),
    [
      "import { readFileSync } from 'node:fs';",
      "import path from 'node:path';",
      "import { fileURLToPath } from 'node:url';",
      "const viaUrl = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prompts/hello.md');",
      "const viaDirname = path.join(import.meta.dirname, '../../prompts/hello.md');",
      "const { word } = await import('./word.ts');",
      "console.log(JSON.stringify({ url: readFileSync(viaUrl, 'utf8'), dirname: readFileSync(viaDirname, 'utf8'), word }));",
    ].join('\n'),
  );
  writeFileSync(path.join(root, 'src/cli/word.ts'), "export const word: string = 'first';\n");
  return root;
}

const node = (root: string, code: string) =>
  execa('node', ['--input-type=module', '-e', code], { cwd: root }).then((r) => r.stdout.trim());

describe('bin/build.mjs', () => {
  it('compiles to dist/ with import.meta paths kept, lazy chunks, and rebuilds when a source changes', async () => {
    const root = tree();
    await execa('node', ['bin/build.mjs'], { cwd: root });
    const chunks = readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.js'));
    expect(chunks).toContain('main.js');
    expect(chunks.some((f) => f.startsWith('word-'))).toBe(true);
    const run = async () => JSON.parse((await execa('node', ['dist/main.js'], { cwd: root })).stdout);
    expect(await run()).toEqual({
      url: 'hello from the prompt file',
      dirname: 'hello from the prompt file',
      word: 'first',
    });
    expect(await node(root, "console.log((await import('./bin/build.mjs')).isFresh())")).toBe('true');

    writeFileSync(path.join(root, 'src/cli/word.ts'), "export const word: string = 'second';\n");
    const later = new Date(Date.now() + 5_000);
    utimesSync(path.join(root, 'src/cli/word.ts'), later, later);
    expect(await node(root, "console.log((await import('./bin/build.mjs')).isFresh())")).toBe('false');
    await node(root, "await (await import('./bin/build.mjs')).ensureBuild()");
    expect((await run()).word).toBe('second');

    // A file put back with an older time (a copy that keeps times) is a change too.
    const earlier = new Date(Date.now() - 3600_000);
    utimesSync(path.join(root, 'src/cli/word.ts'), earlier, earlier);
    expect(await node(root, "console.log((await import('./bin/build.mjs')).isFresh())")).toBe('false');
  });

  it('a deleted source makes the build stale too', async () => {
    const root = tree();
    await execa('node', ['bin/build.mjs'], { cwd: root });
    rmSync(path.join(root, 'src/cli/word.ts'));
    expect(await node(root, "console.log((await import('./bin/build.mjs')).isFresh())")).toBe('false');
  });
});
