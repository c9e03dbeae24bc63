import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pw, pwBackground } from '../helpers/cli.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { until } from '../helpers/wait.ts';

const marks = (ws: string) =>
  existsSync(path.join(ws, 'marks.txt'))
    ? readFileSync(path.join(ws, 'marks.txt'), 'utf8').trim().split('\n')
    : [];

describe('pipewright CLI (real processes)', () => {
  it('validate lists every problem and exits 2; a valid plan exits 0', async () => {
    const ws = makeWorkspace();
    writeFileSync(
      path.join(ws, 'bad.yaml'),
      'name: bad\nsteps:\n  - id: a\n    task: shell.exec\n    dependsOn: [b]\n    with: { command: "echo hi" }\n  - id: a\n    task: nope.task\n',
    );
    const bad = await pw(ws, ['validate', 'bad.yaml']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('steps[0].dependsOn[0]: unknown step "b"');
    expect(bad.stderr).toContain('steps[1].id: duplicate step id "a"');
    expect(bad.stderr).toContain('steps[1].task: unknown task "nope.task"');
    expect(bad.stderr).toMatch(/steps\[0\]\.with\.command: .*array/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const json = await pw(ws, ['validate', 'bad.yaml', '--json']);
    expect(JSON.parse(json.stdout).problems.length).toBeGreaterThanOrEqual(4);
    const missing = await pw(ws, ['validate', 'missing.yaml']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('error[FILE_NOT_FOUND]: Cannot read plan file missing.yaml');
  });

  it('survives kill -9 mid-run: resume finishes without redoing completed steps', async () => {
    const ws = makeWorkspace();
    const step = (id: string, script: string, deps: string[] = []) =>
      `  - id: ${id}\n    task: shell.exec\n    dependsOn: [${deps.join(', ')}]\n    with: { command: [sh, -c, "${script}"] }\n`;
    writeFileSync(
      path.join(ws, 'plan.yaml'),
      `name: crashy\nallowUnapproved: true\nsteps:\n${step('first', 'echo first >> marks.txt')}${step('slow', 'echo slow >> marks.txt; if [ ! -f resumed ]; then sleep 60; fi', ['first'])}${step('last', 'echo last >> marks.txt', ['slow'])}`,
    );
    const child = pwBackground(ws, ['run', 'plan.yaml']);
    await until(() => marks(ws).includes('slow'), 20_000);
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    const runId = /Run (run-\S+)/.exec(String(killed.stderr))?.[1] as string;
    expect(runId).toBeTruthy();

    // Its process is gone: the run says so, and how to continue it.
    const shown = JSON.parse((await pw(ws, ['show', runId, '--json'])).stdout);
    expect(shown.run.status).toBe('interrupted');
    expect(shown.steps.find((s: { stepId: string }) => s.stepId === 'first').status).toBe('succeeded');
    expect((await pw(ws, ['show', runId])).stdout).toContain(`continue it with: pipewright resume ${runId}`);

    writeFileSync(path.join(ws, 'resumed'), '');
    const resumed = await pw(ws, ['resume', runId]);
    expect(resumed.exitCode).toBe(0);
    expect(marks(ws)).toEqual(['first', 'slow', 'slow', 'last']);
    const after = JSON.parse((await pw(ws, ['show', runId, '--json'])).stdout);
    expect(after.run.status).toBe('succeeded');
    const again = await pw(ws, ['resume', runId]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('already succeeded');
  }, 60_000);

  it('stops at an approval (exit 4), approve continues it, a second decision is refused', async () => {
    const ws = makeWorkspace();
    writeFileSync(
      path.join(ws, 'plan.yaml'),
      'name: gated\nsteps:\n  - id: ask\n    kind: approval\n    message: Go?\n  - id: act\n    task: shell.exec\n    dependsOn: [ask]\n    with: { command: [sh, -c, "echo acted >> marks.txt"] }\n',
    );
    const run = await pw(ws, ['run', 'plan.yaml', '--json']);
    expect(run.exitCode).toBe(4);
    const { run: rec, waiting } = JSON.parse(run.stdout);
    expect(waiting.map((w: { stepId: string }) => w.stepId)).toEqual(['ask']);
    const ok = await pw(ws, ['approve', rec.id, 'ask', '--comment', 'fine']);
    expect(ok.exitCode).toBe(0);
    expect(marks(ws)).toEqual(['acted']);
    const twice = await pw(ws, ['reject', rec.id, 'ask']);
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toContain('was already approved');
    expect(marks(ws)).toEqual(['acted']);
    const unknown = await pw(ws, ['approve', 'run-does-not-exist', 'ask']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('No run "run-does-not-exist"');
  }, 60_000);

  it('reads a plan from stdin and prints the catalog as JSON Schema', async () => {
    const ws = makeWorkspace();
    const plan = JSON.stringify({
      name: 'stdin',
      allowUnapproved: true,
      steps: [{ id: 'e', task: 'shell.exec', with: { command: ['echo', 'hi'] } }],
    });
    const r = await pw(ws, ['run', '-', '--json'], { input: plan });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).steps[0].output.stdoutTail).toEqual(['hi']);
    const tasks = JSON.parse((await pw(ws, ['tasks', '--json'])).stdout);
    const shell = tasks.find((t: { id: string }) => t.id === 'shell.exec');
    expect(shell.needsApproval).toBe(true);
    expect(shell.input.properties.command.type).toBe('array');
  }, 60_000);
});

describe('pipewright cancel (across processes)', () => {
  it('stops a run executing in another process and kills its step', async () => {
    const ws = makeWorkspace();
    writeFileSync(
      path.join(ws, 'plan.yaml'),
      'name: long\nallowUnapproved: true\nsteps:\n  - id: wait\n    task: shell.exec\n    with: { command: [sh, -c, "echo started >> marks.txt; while :; do echo x >> ticks.txt; sleep 0.05; done"] }\n  - id: after\n    task: shell.exec\n    dependsOn: [wait]\n    with: { command: [sh, -c, "echo after >> marks.txt"] }\n',
    );
    const child = pwBackground(ws, ['run', 'plan.yaml']);
    await until(() => marks(ws).includes('started') && existsSync(path.join(ws, 'ticks.txt')), 20_000);
    const runs = JSON.parse((await pw(ws, ['runs', '--json'])).stdout) as { id: string }[];
    const cancel = await pw(ws, ['cancel', runs[0]?.id as string]);
    expect(cancel.exitCode).toBe(0);
    expect(cancel.stderr).toContain('cancelled');
    const done = await child;
    expect(done.exitCode).toBe(5);
    // The step's process is gone: the file it kept writing stops growing (its pid lives in the sandbox's
    // own PID namespace, so it cannot be checked from here).
    const ticks = () => readFileSync(path.join(ws, 'ticks.txt'), 'utf8').length;
    const size = ticks();
    await new Promise((r) => setTimeout(r, 500));
    expect(ticks()).toBe(size);
    expect(marks(ws)).toEqual(['started']);
  }, 60_000);
});
