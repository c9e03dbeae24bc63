import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('the README demo', () => {
  it('takes penguins from file to a deployed model, a prediction over HTTP and a drift alert', async () => {
    const r = await execa('node', ['--import', 'tsx', 'scripts/demo.ts'], {
      cwd: root,
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/Run run-\S+ succeeded/);
    expect(r.all).toMatch(/→ predicted (Adelie|Chinstrap|Gentoo)/);
    expect(r.all).toContain('drift detected: true');
    expect(r.all).toContain('Body Mass (g)');
    expect(r.all).toMatch(/In production: model penguins-species v1 .* Trained on penguins-clean-train@/);
    expect(r.all).toMatch(/Approved by \S+ at /);
    const html = readFileSync(path.join(root, '.demo/reports/drift.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(existsSync(path.join(root, '.demo/.pipewright/state.db'))).toBe(true);
  }, 180_000);
});
