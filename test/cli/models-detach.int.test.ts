/**
 * CLI pieces in real processes: `models list|show`, `run --detach` (the run goes on in the background after
 * the command returns), `plan --out` into a folder that does not exist yet, and output cut short by a
 * reader that stops (EPIPE) — none of them ends in a stack trace.
 */

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRegistry, RunStore } from '../../src/store/index.ts';
import { BIN, cliEnv, pw } from '../helpers/cli.ts';
import { testStateTarget } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { until } from '../helpers/wait.ts';

const root = path.resolve(import.meta.dirname, '../..');
const workspaces: string[] = [];
afterEach(() => {
  // A detached run can still be writing its memory entry after its status says succeeded: retry ENOTEMPTY.
  for (const ws of workspaces.splice(0))
    rmSync(ws, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});
const workspace = () => {
  const ws = makeWorkspace('pw-cli-');
  workspaces.push(ws);
  return ws;
};
/** The run's status once it has finished (polled through `pipewright show`), or the last one seen. */
async function finished(ws: string, runId: string, timeoutMs = 45_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = JSON.parse((await pw(ws, ['show', runId, '--json'])).stdout).run.status as string;
    if (['succeeded', 'failed', 'cancelled'].includes(status) || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |EPIPE|node:internal/);

describe('pipewright models', () => {
  it('lists models and shows one with its versions’ metrics side by side; unknown names are a user error', async () => {
    const ws = workspace();
    const none = await pw(ws, ['models', 'list']);
    expect(none.exitCode).toBe(0);
    expect(none.stdout).toContain('No registered models');

    const store = new RunStore(testStateTarget(path.join(ws, '.pipewright')));
    try {
      const registry = new ModelRegistry(store.db);
      for (const [i, metrics] of [
        { accuracy: 0.91, log_loss: 0.31, cv_folds: 3 },
        { accuracy: 0.9433333, log_loss: 0.2, cv_folds: 3 },
      ].entries()) {
        registry.registerVersion({
          name: 'churn',
          ref: { dir: path.join(ws, `m${i}`), hash: `hash${i}`, metrics, params: {} },
          createdBy: 'ana',
        });
      }
      registry.deploy({ name: 'churn', version: 2, by: 'ana', reason: 'better' });
    } finally {
      store.close();
    }

    const list = await pw(ws, ['models', 'list']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/churn\s+v2\s+production=v2\s+production v2 since/);
    const shown = await pw(ws, ['models', 'show', 'churn']);
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain('model churn: serving v2 as production');
    const header = shown.stdout.split('\n').find((l) => l.startsWith('version')) ?? '';
    // Metrics as columns (settings such as cv_folds are not), plain numbers, the served version starred.
    expect(header).toMatch(/^version\s+aliases\s+accuracy\s+log_loss\s+data\s+run\s+registered$/);
    expect(shown.stdout).toMatch(/^v2 \*\s+production\s+0\.9433\s+0\.2\s/m);
    expect(shown.stdout).toMatch(/^v1\s+-\s+0\.91\s+0\.31\s/m);
    expect(shown.stdout).toContain('deploy production -> v2');

    const json = JSON.parse((await pw(ws, ['models', 'show', 'churn', '--json'])).stdout);
    expect(json.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(json.serving).toEqual({ alias: 'production', version: 2, canary: null });

    const unknown = await pw(ws, ['models', 'show', 'chrun']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('error[MODEL_NOT_REGISTERED]');
    noStack(unknown.stderr);
  }, 60_000);
});

describe('pipewright run --detach', () => {
  it('returns at once and the run goes on in the background, its output in a log file', async () => {
    const ws = workspace();
    writeFileSync(
      path.join(ws, 'slow.yaml'),
      'name: slow\nallowUnapproved: true\nsteps:\n  - id: wait\n    task: shell.exec\n    with: { command: [sh, -c, "sleep 2; echo done > done.txt"] }\n',
    );
    const res = await pw(ws, ['run', 'slow.yaml', '--detach', '--json']);
    expect(res.exitCode).toBe(0);
    const out = JSON.parse(res.stdout) as { run: { id: string }; pid: number; log: string };
    expect(out.pid).toBeGreaterThan(0);
    // Returned before the step could finish: the file it writes is not there yet.
    expect(existsSync(path.join(ws, 'done.txt'))).toBe(false);
    expect(await finished(ws, out.run.id)).toBe('succeeded');
    expect(readFileSync(path.join(ws, 'done.txt'), 'utf8').trim()).toBe('done');
    await until(() => readFileSync(out.log, 'utf8').includes('succeeded'), 10_000, 'the log to end');
    expect(out.log).toBe(path.join(ws, '.pipewright', 'logs', `${out.run.id}.log`));
    const text = await pw(ws, ['run', 'slow.yaml', '--detach']);
    expect(text.stderr).toMatch(
      /Running in the background \(pid \d+\), output in .+\.log\n {2}follow: pipewright logs run-\S+ --follow/,
    );
    // The second one finishes too before the workspace is removed.
    expect(await finished(ws, /logs (run-\S+) --follow/.exec(text.stderr)?.[1] as string)).toBe('succeeded');
  }, 120_000);
});

describe('errors people cause at the command line', () => {
  it('plan --out writes into a folder it creates, and says plainly when the path cannot be written', async () => {
    const ws = workspace();
    mkdirSync(path.join(ws, 'data'));
    copyFileSync(
      path.join(root, 'node_modules/vega-datasets/data/penguins.json'),
      path.join(ws, 'data/penguins.json'),
    );
    const goal =
      'predict species from data/penguins.json with a decision tree, deploy if accuracy >= 0.8, ask me first';
    const ok = await pw(ws, ['plan', goal, '--out', 'plans/new/penguins.yaml']);
    expect(ok.exitCode).toBe(0);
    expect(readFileSync(path.join(ws, 'plans/new/penguins.yaml'), 'utf8')).toMatch(
      /^apiVersion: pipewright\/v1\nname: /,
    );
    writeFileSync(path.join(ws, 'afile'), '');
    const bad = await pw(ws, ['plan', goal, '--out', 'afile/penguins.yaml']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(
      'error[OUTPUT_NOT_WRITABLE]: Cannot write the plan to "afile/penguins.yaml"',
    );
    expect(bad.stderr).toContain('why: a part of the path is a file, not a folder');
    noStack(bad.stderr);
  }, 60_000);

  it('stops quietly when the reader of its output stops early (| head)', async () => {
    const ws = workspace();
    // The reader takes the first chunk and closes the pipe, as `| head -c 20` does.
    const child = spawn('node', [BIN, 'tasks', '--json'], {
      cwd: ws,
      env: cliEnv(ws),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const first = await new Promise<Buffer>((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    expect(String(first)).toMatch(/^\[/);
    expect(await closed).toBe(0);
    noStack(stderr);
    expect(stderr).toBe('');
  }, 30_000);
});
