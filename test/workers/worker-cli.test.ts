import { describe, expect, it } from 'vitest';
import { pw } from '../helpers/cli.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

describe('pipewright worker: mistakes get what/why/fix and exit 2, a missing Redis exit 1', () => {
  const ws = makeWorkspace('pw-worker-cli-');

  it('asks for a Redis URL when none is configured', async () => {
    const r = await pw(ws, ['worker']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/No Redis to take work from/);
    expect(r.stderr).toMatch(/PIPEWRIGHT_REDIS_URL/);
  });

  it('refuses unreadable GPU options before connecting', async () => {
    const bad = await pw(ws, ['worker', '--redis', 'redis://127.0.0.1:1', '--simulate-gpus', 'two big ones']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/<count>x<memory>/);
    const conc = await pw(ws, ['worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '0']);
    expect(conc.exitCode).toBe(2);
    expect(conc.stderr).toMatch(/--concurrency must be a whole number/);
  });

  it('says Redis cannot be reached instead of hanging, without printing a stack', async () => {
    const r = await pw(ws, ['worker', '--redis', 'redis://127.0.0.1:1', '--gpus', 'none']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Cannot reach Redis at 127\.0\.0\.1:1/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
