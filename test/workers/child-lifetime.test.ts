import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tiedToParent } from '../../tools/lib/child-lifetime.ts';

const linux = process.platform === 'linux' && existsSync('/usr/bin/setpriv');

describe('step processes die with their parent', () => {
  it('wraps a program it can find, and leaves a missing one alone for its own error', () => {
    const env = { PATH: process.env.PATH ?? '' };
    const [file, args] = tiedToParent('python3', ['-c', 'pass'], env, '/');
    if (linux) expect([file, args.slice(0, 3)]).toEqual(['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--']]);
    expect(tiedToParent('no-such-program-xyz', [], env, '/')).toEqual(['no-such-program-xyz', []]);
  });

  it.runIf(linux)('a child of a process killed with kill -9 is killed too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-pdeath-'));
    const pidFile = path.join(dir, 'pid');
    // A parent node process that starts a long sleeper through tiedToParent, then gets kill -9.
    const script = `
      import { execa } from 'execa';
      import { writeFileSync } from 'node:fs';
      import { tiedToParent } from ${JSON.stringify(path.resolve('tools/lib/child-lifetime.ts'))};
      const [f, a] = tiedToParent('sleep', ['30'], process.env, '/');
      const c = execa(f, a, { reject: false });
      writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));
      await c;`;
    const parent = execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], { reject: false });
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 25));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await parent;
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 25));
    expect(isAlive(pid)).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
