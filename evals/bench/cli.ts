/**
 * Benchmark: how long people wait for the `pipewright` command. Each case starts the real CLI
 * (bin/pipewright.mjs, compiled dist/) in a fresh process, right after a `node -e 0`, rounds interleaved so
 * load on the machine hits every case alike; the figure is the median over rounds of the case's time divided
 * by its `node -e 0`, and the note gives the median seconds and the process's CPU seconds (steadier than wall
 * time on a shared machine). `serve` is timed until it prints its URL. The same commands run from the
 * TypeScript sources through tsx (what the CLI did before it was compiled) are shown for comparison.
 *
 *   npm run bench -- cli          (or: npx tsx evals/bench/cli.ts)
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { makeWorkspace } from '../../test/helpers/task-context.ts';
import { childrenCpuMs } from './cpu.ts';
import { type BenchResult, quantile } from './types.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/pipewright.mjs');
const SOURCES = path.join(ROOT, 'src/cli/main.ts');
const TSX = import.meta.resolve('tsx');
const ROUNDS = 9;
const GOAL = 'predict species from data/penguins.json, deploy if accuracy >= 0.9';

interface Case {
  name: string;
  /** The start-up goal, as a multiple of `node -e 0` or in seconds. */
  goal?: { ratio: number } | { seconds: number };
  args: string[];
  /** Wait for this text on stdout, then stop the process (servers). */
  readyOn?: string;
}

/** CPU seconds of the last process timed (read from /proc once it has exited and been reaped). */
let lastCpu = 0;

/** Wall seconds of one start: to its exit, or, with `readyOn`, until that text shows on its stdout. */
async function timed(ws: string, args: string[], readyOn?: string): Promise<number> {
  const env = { PATH: process.env.PATH ?? '', PIPEWRIGHT_WORKSPACE: ws, PIPEWRIGHT_USER: 'bench' };
  const c0 = childrenCpuMs();
  const t0 = performance.now();
  let ready: number | undefined;
  let out = '';
  const child = spawn('node', args, { cwd: ws, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (readyOn && ready === undefined && out.includes(readyOn)) {
      ready = performance.now();
      child.kill('SIGTERM');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const end = performance.now();
  lastCpu = (childrenCpuMs() - c0) / 1000;
  if (readyOn ? ready === undefined : code !== 0) {
    throw new Error(`${args.join(' ')} exited ${code}${readyOn ? ' before it was ready' : ''}: ${err}`);
  }
  return ((ready ?? end) - t0) / 1000;
}

export async function benchCli(): Promise<BenchResult[]> {
  const ws = makeWorkspace('pw-bench-cli-');
  try {
    mkdirSync(path.join(ws, 'data'));
    copyFileSync(
      path.join(ROOT, 'node_modules/vega-datasets/data/penguins.json'),
      path.join(ws, 'data/penguins.json'),
    );
    copyFileSync(path.join(ROOT, 'examples/hello.yaml'), path.join(ws, 'hello.yaml'));
    // A recorded run for show/logs (and the build made before any timing).
    const env = { PATH: process.env.PATH ?? '', PIPEWRIGHT_WORKSPACE: ws, PIPEWRIGHT_USER: 'bench' };
    const rec = await execa('node', [BIN, 'run', 'hello.yaml', '--json', '--no-prompt'], {
      cwd: ws,
      env,
      extendEnv: false,
      reject: false,
    });
    const runId = (JSON.parse(rec.stdout) as { run?: { id: string } }).run?.id;
    if (!runId) throw new Error(`could not record a run: ${rec.stdout} ${rec.stderr}`);

    const cases: Case[] = [
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'pipewright --version', goal: { ratio: 2 }, args: [BIN, '--version'] },
      { name: 'pipewright --help', goal: { ratio: 2 }, args: [BIN, '--help'] },
      { name: 'pipewright runs', goal: { seconds: 0.6 }, args: [BIN, 'runs'] },
      { name: 'pipewright show <run>', goal: { seconds: 0.6 }, args: [BIN, 'show', runId] },
      { name: 'pipewright logs <run>', goal: { seconds: 0.6 }, args: [BIN, 'logs', runId] },
      { name: 'pipewright plan (offline)', goal: { seconds: 1.5 }, args: [BIN, 'plan', GOAL, '--json'] },
      {
        name: 'pipewright serve (until ready)',
        goal: { seconds: 2 },
        args: [BIN, 'serve', '--port', '0', '--json'],
        readyOn: '"url"',
      },
      { name: 'tsx sources: --version', args: ['--import', TSX, SOURCES, '--version'] },
      { name: 'tsx sources: runs', args: ['--import', TSX, SOURCES, 'runs'] },
      { name: 'tsx sources: plan (offline)', args: ['--import', TSX, SOURCES, 'plan', GOAL, '--json'] },
    ];
    const ratios = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    const seconds = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    const cpu = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    for (const c of cases) await timed(ws, c.args, c.readyOn); // warm the file cache
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) {
        // Each case right after its own `node -e 0`, so a burst of load on the machine hits both.
        const base = await timed(ws, ['-e', '0']);
        const t = await timed(ws, c.args, c.readyOn);
        seconds.get(c.name)?.push(t);
        cpu.get(c.name)?.push(lastCpu);
        ratios.get(c.name)?.push(t / base);
      }
    }
    return cases.map((c) => {
      const m = quantile(seconds.get(c.name) ?? [], 0.5);
      const ratio = quantile(ratios.get(c.name) ?? [], 0.5);
      const goal = !c.goal
        ? ''
        : 'ratio' in c.goal
          ? `; goal ≤ ${c.goal.ratio} × (${ratio <= c.goal.ratio ? 'met' : 'NOT met'})`
          : `; goal ≤ ${c.goal.seconds} s (${m <= c.goal.seconds ? 'met' : 'NOT met'})`;
      return {
        name: c.name,
        value: ratio,
        unit: '× node -e 0',
        note: `median ${m.toFixed(3)} s of ${ROUNDS} (CPU ${quantile(cpu.get(c.name) ?? [], 0.5).toFixed(2)} s)${goal}`,
      };
    });
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await benchCli())
    console.log(`${r.name.padEnd(34)} ${r.value.toFixed(2)} ${r.unit}  ${r.note}`);
}
