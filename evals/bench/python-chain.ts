/**
 * The 40-step chain of ~10 ms Python steps (issue 17's target: ≤ 1.15 × a bare execa loop), measured in
 * rounds that interleave the three ways so load changes hit them alike: a bare execa loop, the same loop
 * sealed in bubblewrap (what sealing alone costs), and the chain through pipewright's engine. Each round's
 * ratio is taken within the round; the table gives every round's ratio and their median.
 *
 * `npm run bench -- python-chain`; BENCH_PY_ROUNDS sets the rounds (default 5), BENCH_SANDBOX=off runs the
 * engine side unsealed (to tell the engine's share from the sandbox's).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { RunStore } from '../../src/store/index.ts';
import { TaskRegistry } from '../../src/tasks/index.ts';
import { builtinTasks } from '../../tools/index.ts';
import { sandboxAvailable, spawnStepProcess } from '../../tools/lib/sandbox.ts';
import { type BenchResult, benchTaskContext, quantile } from './types.ts';

const N = 40;

/** CPU milliseconds of this process and of its waited-for children so far (Linux /proc; 10 ms ticks). */
function cpuMs(): { self: number; children: number } {
  const self = process.cpuUsage();
  let children = Number.NaN;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    children = (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    // not Linux
  }
  return { self: (self.user + self.system) / 1000, children };
}

export async function benchPythonChain(): Promise<BenchResult[]> {
  const rounds = Number(process.env.BENCH_PY_ROUNDS ?? 5);
  const sandbox = process.env.BENCH_SANDBOX === 'off' ? 'off' : 'auto';
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-py-'));
  writeFileSync(path.join(workspace, 'task.py'), 'import time\ntime.sleep(0.01)\n');
  const config = loadConfig({ workspace, sandbox }, {});
  const [file, ...args] = [config.python, '-S', path.join(workspace, 'task.py')] as [string, ...string[]];
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const engine = new Engine({ store, registry: new TaskRegistry(builtinTasks), config });
  const plan = (r: number) => ({
    name: `py40-${r}`,
    allowUnapproved: true,
    steps: Array.from({ length: N }, (_, i) => ({
      id: `p${i}`,
      task: 'shell.exec',
      with: { command: [file, ...args] },
      dependsOn: i === 0 ? [] : [`p${i - 1}`],
    })),
  });
  const ctx = benchTaskContext(workspace, config);
  const env = { PATH: '/usr/bin:/bin' };
  const ways = {
    bare: async () => {
      for (let i = 0; i < N; i++) await execa(file, args, { cwd: workspace });
    },
    sealed: async () => {
      for (let i = 0; i < N; i++) await spawnStepProcess(ctx, file, args, { cwd: workspace, env }).subprocess;
    },
    engine: async (r: number) => {
      const out = await engine.run(plan(r), { createdBy: 'bench' });
      if (out.status !== 'succeeded') throw new Error(`python chain ${out.status}`);
    },
  };
  // Warm-up: the interpreter's files, bubblewrap, the engine's modules and first statements.
  await execa(file, args, { cwd: workspace });
  await ways.engine(-1);
  const t: Record<keyof typeof ways, number[]> = { bare: [], sealed: [], engine: [] };
  const cpu: Record<keyof typeof ways, { self: number; children: number }> = {
    bare: { self: 0, children: 0 },
    sealed: { self: 0, children: 0 },
    engine: { self: 0, children: 0 },
  };
  for (let r = 0; r < rounds; r++) {
    for (const name of ['bare', 'sealed', 'engine'] as const) {
      const c0 = cpuMs();
      const t0 = performance.now();
      await ways[name](r);
      t[name].push(performance.now() - t0);
      const c1 = cpuMs();
      cpu[name].self += c1.self - c0.self;
      cpu[name].children += c1.children - c0.children;
    }
  }
  const perStep = (name: keyof typeof ways, part: 'self' | 'children') => cpu[name][part] / (rounds * N);
  await engine.close();
  store.close();
  rmSync(workspace, { recursive: true, force: true });
  const ratios = t.engine.map((e, i) => e / (t.bare[i] as number));
  const sealedRatios = t.sealed.map((s, i) => s / (t.bare[i] as number));
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const sealedNote =
    sandbox === 'off'
      ? 'engine side unsealed (BENCH_SANDBOX=off)'
      : sandboxAvailable().ok
        ? 'sealed in bubblewrap'
        : `bubblewrap unavailable: ${sandboxAvailable().why}`;
  const cpuRows = (['bare', 'sealed', 'engine'] as const).map((name) => ({
    name: `${N} × ~10 ms Python chain: CPU per step, ${name} (this process + children)`,
    value: perStep(name, 'self') + perStep(name, 'children'),
    unit: 'ms',
    note: `this process ${perStep(name, 'self').toFixed(2)} ms, children ${perStep(name, 'children').toFixed(2)} ms`,
  }));
  return [
    ...cpuRows,
    {
      name: `${N} × ~10 ms Python chain: bare execa loop, median`,
      value: quantile(t.bare, 0.5) / 1000,
      unit: 's',
    },
    {
      name: `${N} × ~10 ms Python chain: bare loop sealed, median`,
      value: quantile(t.sealed, 0.5) / 1000,
      unit: 's',
      note: `sealed / bare per round: ${fmt(sealedRatios)}`,
    },
    {
      name: `${N} × ~10 ms Python chain: pipewright, median`,
      value: quantile(t.engine, 0.5) / 1000,
      unit: 's',
      note: sealedNote,
    },
    {
      name: `${N} × ~10 ms Python chain: ratio pipewright / bare, median of ${rounds} rounds`,
      value: quantile(ratios, 0.5),
      unit: '×',
      note: `per round: ${fmt(ratios)}; target ≤ 1.15`,
    },
  ];
}
