/**
 * What sealing costs and what the bounds save: the same 40 × ~10 ms Python processes started bare (execa),
 * sealed in bubblewrap, and in the process-group fallback (`npm run bench -- sandbox`); and the time and
 * memory a plan costs at the size limit against a 50 MB plan the limit now refuses before parsing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { loadConfig } from '../../src/config.ts';
import { isPipewrightError } from '../../src/errors.ts';
import { parsePlanText, validatePlan } from '../../src/plan/index.ts';
import type { TaskContext } from '../../src/tasks/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { sandboxAvailable, spawnStepProcess } from '../../tools/lib/sandbox.ts';
import { type BenchResult, benchTaskContext, quantile } from './types.ts';

const N = 40;

function context(workspace: string, sandbox: 'auto' | 'off'): TaskContext {
  return benchTaskContext(workspace, loadConfig({ workspace, sandbox }, {}));
}

/** The three ways, interleaved (bare, sealed, fallback, bare, ...) so load changes hit all three alike. */
async function processes(workspace: string, argv: string[]): Promise<BenchResult[]> {
  const [file, ...args] = argv as [string, ...string[]];
  const env = { PATH: '/usr/bin:/bin' };
  const ways = {
    bare: () => execa(file, args, { cwd: workspace }),
    sealed: () =>
      spawnStepProcess(context(workspace, 'auto'), file, args, { cwd: workspace, env }).subprocess,
    fallback: () =>
      spawnStepProcess(context(workspace, 'off'), file, args, { cwd: workspace, env }).subprocess,
  };
  const times: Record<keyof typeof ways, number[]> = { bare: [], sealed: [], fallback: [] };
  for (const start of Object.values(ways)) await start();
  for (let i = 0; i < N; i++) {
    for (const [name, start] of Object.entries(ways) as [keyof typeof ways, () => Promise<unknown>][]) {
      const t = performance.now();
      await start();
      times[name].push(performance.now() - t);
    }
  }
  const p50 = (xs: number[]) => quantile(xs, 0.5);
  return [
    { name: `${N} × ~10 ms Python process: bare execa, p50`, value: p50(times.bare), unit: 'ms' },
    {
      name: `${N} × ~10 ms Python process: sealed (bubblewrap), p50`,
      value: p50(times.sealed),
      unit: 'ms',
      note: sandboxAvailable().ok ? '' : `bubblewrap unavailable: ${sandboxAvailable().why}`,
    },
    {
      name: `${N} × ~10 ms Python process: fallback (process group), p50`,
      value: p50(times.fallback),
      unit: 'ms',
    },
    {
      name: 'sealing cost per process (p50 sealed − p50 bare)',
      value: p50(times.sealed) - p50(times.bare),
      unit: 'ms',
    },
  ];
}

function plans(workspace: string): BenchResult[] {
  const step = (i: number) =>
    `  - { id: s${i}, task: notify.send, with: { channel: console, text: "step ${i} of the plan" } }\n`;
  let atLimit = 'name: big\nsteps:\n';
  for (let i = 0; atLimit.length < 7.5 * 1024 * 1024 && i < 20_000; i++) atLimit += step(i);
  const big = `name: huge\nsteps:\n${step(0).repeat((50 * 1024 * 1024) / step(0).length)}`;
  const tasks = builtinRegistry();
  const measure = (text: string) => {
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t = performance.now();
    let refused = '';
    try {
      const r = validatePlan(parsePlanText(text, 'bench'), tasks);
      if (!r.ok) refused = `invalid: ${r.problems[0]?.message}`;
    } catch (e) {
      refused = isPipewrightError(e) ? e.code : String(e);
    }
    return { ms: performance.now() - t, mb: (process.memoryUsage().heapUsed - heap0) / 1024 / 1024, refused };
  };
  writeFileSync(path.join(workspace, 'unused'), '');
  const a = measure(atLimit);
  const b = measure(big);
  const steps = (atLimit.match(/\n {2}- /g) ?? []).length;
  return [
    {
      name: `plan at the limit (${(atLimit.length / 1024 / 1024).toFixed(1)} MB, ${steps} steps): parse + validate`,
      value: a.ms,
      unit: 'ms',
      note: `heap +${a.mb.toFixed(0)} MB${a.refused ? `; ${a.refused}` : ''}`,
    },
    {
      name: '50 MB plan: refused before parsing',
      value: b.ms,
      unit: 'ms',
      note: `${b.refused || 'accepted!'}; heap +${b.mb.toFixed(0)} MB`,
    },
  ];
}

export async function benchSandbox(): Promise<BenchResult[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-sandbox-'));
  try {
    writeFileSync(path.join(workspace, 'task.py'), 'import time\ntime.sleep(0.01)\n');
    const python = loadConfig({ workspace }, {}).python;
    return [
      ...(await processes(workspace, [python, '-S', path.join(workspace, 'task.py')])),
      ...plans(workspace),
    ];
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
