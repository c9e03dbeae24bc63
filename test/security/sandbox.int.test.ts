/**
 * Steps run sealed (bubblewrap): the attacks of issue 13 from inside a step of a real `pipewright serve`,
 * secrets by declaration and redaction, the loud fallback, and issue 14's process trees: a step's whole
 * tree dies with it, and with a killed coordinator.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pw, pwBackground } from '../helpers/cli.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { until } from '../helpers/wait.ts';
import { SECRETS, type SecureServer, startSecureServer } from './helpers.ts';

let s: SecureServer;
const HF = 'hf_granted_secret_value_9c1d77';
let hfFile = '';

beforeAll(async () => {
  s = await startSecureServer({
    before: async (stateDir) => {
      // A named secret the policy grants to shell.exec steps of admins, from a file outside the workspace.
      hfFile = path.resolve(stateDir, '..', '..', `hf-token-${path.basename(path.dirname(stateDir))}`);
      writeFileSync(hfFile, `${HF}\n`);
      writeFileSync(
        path.join(stateDir, 'policy.yaml'),
        `secrets:\n  HF_TOKEN:\n    file: ${hfFile}\n    tasks: [shell.exec]\n    roles: [admin]\n`,
      );
    },
  });
});
afterAll(async () => {
  await s.stop();
  rmSync(hfFile, { force: true });
});

/** Runs one shell step as admin through the API and waits for the run to end. */
async function runShell(script: string, extra: Record<string, unknown> = {}) {
  const r = await s.call('POST', '/api/runs', {
    token: s.tokens.admin,
    body: {
      plan: {
        name: 'probe',
        allowUnapproved: true,
        steps: [{ id: 'probe', task: 'shell.exec', with: { command: ['sh', '-c', script] }, ...extra }],
      },
    },
  });
  expect(r.status).toBe(202);
  const runId = String(r.body.runId);
  const run = await until(() => {
    const x = s.store.getRun(runId);
    return x && ['succeeded', 'failed'].includes(x.status) ? x : undefined;
  }, 30_000);
  const logs = await s.call('GET', `/api/runs/${runId}/logs`, { token: s.tokens.viewer });
  return { runId, run, logs: JSON.stringify(logs.body) };
}

const read = (file: string) => readFileSync(path.join(s.workspace, file), 'utf8');

describe('a step of a running server', () => {
  it("cannot read the server's secrets from its parent's environment (or anyone's)", async () => {
    const { run, logs } = await runShell(
      'tr "\\0" "\\n" < /proc/$PPID/environ; for p in /proc/[0-9]*; do tr "\\0" "\\n" < $p/environ; done; env > seen.txt; tr "\\0" "\\n" < /proc/$PPID/environ >> seen.txt; cat /proc/*/environ >> seen.txt 2>/dev/null; true',
    );
    expect(run.status).toBe('succeeded');
    const seen = read('seen.txt');
    expect(seen).toContain('PATH=');
    for (const secret of Object.values(SECRETS)) {
      expect(seen).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });

  it('cannot read the state folder: run records, token hashes, checkpoints, policy', async () => {
    const { run } = await runShell(
      'ls -a .pipewright > state.txt; if cat .pipewright/state.db > /dev/null 2>&1; then echo READ >> state.txt; else echo DENIED >> state.txt; fi',
    );
    expect(run.status).toBe('succeeded');
    const out = read('state.txt');
    expect(out).toContain('DENIED');
    expect(out).not.toMatch(/state\.db|checkpoints|policy\.yaml/);
  });

  it('sees only its own processes, not the server (no memory or files of the parent to open)', async () => {
    const { run } = await runShell(
      'ls /proc | grep -cE "^[0-9]+$" > procs.txt; cat /proc/1/cmdline > init.txt',
    );
    expect(run.status).toBe('succeeded');
    expect(Number(read('procs.txt'))).toBeLessThan(10);
    expect(read('init.txt')).not.toContain('serve');
  });

  it('gets a secret only by declaring one the policy grants, and its value is redacted from the logs', async () => {
    const { run, logs } = await runShell('echo "token=$HF_TOKEN"; echo "$HF_TOKEN" > got.txt', {
      secrets: ['HF_TOKEN'],
    });
    expect(run.status).toBe('succeeded');
    expect(read('got.txt').trim()).toBe(HF);
    expect(logs).not.toContain(HF);
    expect(logs).toContain('[redacted]');
    const undeclared = await runShell('echo "${HF_TOKEN:-none}" > not.txt');
    expect(undeclared.run.status).toBe('succeeded');
    expect(read('not.txt').trim()).toBe('none');
  });
});

const ORPHAN_PLAN = `name: orphan
allowUnapproved: true
steps:
  - id: work
    task: shell.exec
    with:
      command: [sh, -c, "if [ -f resumed ]; then echo second; else (while :; do echo tick >> ticks.txt; sleep 0.05; done) & sleep 60; fi"]
`;

const size = (ws: string) => {
  try {
    return readFileSync(path.join(ws, 'ticks.txt')).length;
  } catch {
    return 0;
  }
};

/** Starts `pipewright run` in the background, waits for the grandchild to write, then kill -9s the CLI. */
async function killCoordinator(ws: string, env: Record<string, string> = {}) {
  writeFileSync(path.join(ws, 'plan.yaml'), ORPHAN_PLAN);
  const child = pwBackground(ws, ['run', 'plan.yaml'], { env });
  await until(() => size(ws) > 20, 30_000, 'the grandchild to write');
  child.kill('SIGKILL');
  const killed = await child;
  expect(killed.signal).toBe('SIGKILL');
  return /Run (run-\S+)/.exec(String(killed.stderr))?.[1] as string;
}

async function stopsGrowing(ws: string): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 600));
  const a = size(ws);
  await new Promise((r) => setTimeout(r, 600));
  return size(ws) === a;
}

describe("a step's process tree", () => {
  it('dies with a killed coordinator: its grandchild stops writing at once', async () => {
    const ws = makeWorkspace();
    await killCoordinator(ws);
    expect(await stopsGrowing(ws)).toBe(true);
  }, 90_000);

  it('without the sandbox (forced fallback) warns loudly, and a resume first kills the old attempt', async () => {
    const ws = makeWorkspace();
    const env = { PIPEWRIGHT_SANDBOX: 'off' };
    const runId = await killCoordinator(ws, env);
    // The fallback cannot tie the grandchild to the dead coordinator: it is still writing...
    expect(await stopsGrowing(ws)).toBe(false);
    // ...until a resume reaps the old attempt's process group before running the step again.
    writeFileSync(path.join(ws, 'resumed'), '');
    const resumed = await pw(ws, ['resume', runId], { env });
    expect(resumed.exitCode).toBe(0);
    expect(await stopsGrowing(ws)).toBe(true);
    expect(resumed.stderr).toContain('SANDBOX UNAVAILABLE (PIPEWRIGHT_SANDBOX=off)');
    const logs = await pw(ws, ['logs', runId, 'work'], { env });
    expect(logs.stdout).toContain('SANDBOX UNAVAILABLE');
  }, 120_000);
});
