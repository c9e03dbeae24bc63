/**
 * Engine overhead: the same no-op DAGs through pipewright's engine (SQLite store + checkpointer), through
 * LangGraph directly (one node per step, the natural way to write it), through LangGraph with the graph
 * pipewright builds (a scheduler node and Send, without pipewright's records), and through a bare async
 * loop; the 40-step chain of ~10 ms Python tasks against a bare execa loop; and how time and checkpoint
 * bytes per step move with the plan's size (100, 1,000, 10,000 steps).
 *
 * `npm run bench -- engine`; BENCH_ENGINE_SCALE=100,1000 limits the scale sizes (default 100,1000,10000).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotation, Command, END, MemorySaver, Send, START, StateGraph } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { execa } from 'execa';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { RunStore } from '../../src/store/index.ts';
import { defineTask, TaskRegistry } from '../../src/tasks/index.ts';
import { builtinTasks } from '../../tools/index.ts';
import { type BenchResult, quantile } from './types.ts';

type Shape = 'chain' | 'fanout';
type Timing = { enter: number; exit: number };
interface Measured {
  wallMs: number;
  timings: Timing[];
  /** Bytes of the checkpoint database (and its WAL) after the run. */
  checkpointBytes?: number;
  /** Bytes of the run store (state.db and its WAL) after the run: where step outputs live now. */
  storeBytes?: number;
}

/** Gaps between one step's end and the next step's start along a chain: pure scheduling overhead. */
function chainGaps(timings: Timing[]): number[] {
  return timings.slice(1).map((t, i) => t.enter - (timings[i] as Timing).exit);
}

const deps = (shape: Shape, i: number) => (i === 0 ? [] : shape === 'chain' ? [`s${i - 1}`] : ['s0']);

function planFor(shape: Shape, n: number) {
  const steps = Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    task: 'bench.noop',
    with: { i },
    cache: { enabled: false },
    dependsOn: deps(shape, i),
  }));
  return { name: `bench-${shape}`, steps };
}

function fileBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) n += statSync(f, { throwIfNoEntry: false })?.size ?? 0;
  return n;
}

async function viaEngine(shape: Shape, n: number): Promise<Measured> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-'));
  const config = loadConfig({ workspace }, {});
  const timings: Timing[] = [];
  const noop = defineTask({
    id: 'bench.noop',
    description: 'does nothing',
    input: z.object({ i: z.number().describe('index') }),
    output: z.object({ i: z.number().describe('index') }),
    run: async ({ i }) => {
      const t = performance.now();
      timings[i] = { enter: t, exit: t };
      return { i };
    },
  });
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const engine = new Engine({ store, registry: new TaskRegistry([noop]), config });
  const t0 = performance.now();
  const out = await engine.run(planFor(shape, n), { createdBy: 'bench' });
  const wallMs = performance.now() - t0;
  if (out.status !== 'succeeded') throw new Error(`bench run ${out.status}`);
  await engine.close();
  store.close();
  const checkpointBytes = fileBytes(path.join(config.stateDir, 'checkpoints.db'));
  const storeBytes = fileBytes(path.join(config.stateDir, 'state.db'));
  rmSync(workspace, { recursive: true, force: true });
  return { wallMs, timings, checkpointBytes, storeBytes };
}

/** LangGraph as one would write it by hand: one node per step, an edge per dependency. */
async function viaLangGraph(shape: Shape, n: number, saver: 'memory' | 'sqlite'): Promise<Measured> {
  const State = Annotation.Root({
    results: Annotation<Record<string, number>>({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) }),
  });
  const timings: Timing[] = [];
  const g = new StateGraph(State) as unknown as {
    addNode(n: string, f: () => Promise<unknown>): void;
    addEdge(a: string, b: string): void;
    compile(o: unknown): { invoke(i: unknown, c: unknown): Promise<unknown> };
  };
  for (let i = 0; i < n; i++) {
    g.addNode(`s${i}`, async () => {
      const t = performance.now();
      timings[i] = { enter: t, exit: t };
      return { results: { [`s${i}`]: i } };
    });
  }
  for (let i = 0; i < n; i++) {
    const dep = shape === 'chain' ? (i === 0 ? START : `s${i - 1}`) : i === 0 ? START : 's0';
    g.addEdge(dep, `s${i}`);
    if (shape === 'chain' ? i === n - 1 : i > 0 || n === 1) g.addEdge(`s${i}`, END);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-bench-lg-'));
  const file = path.join(dir, 'cp.db');
  const checkpointer = saver === 'memory' ? new MemorySaver() : SqliteSaver.fromConnString(file);
  const graph = g.compile({ checkpointer });
  const t0 = performance.now();
  await graph.invoke(
    { results: {} },
    { configurable: { thread_id: 't' }, recursionLimit: n + 10, durability: 'sync' },
  );
  const wallMs = performance.now() - t0;
  const checkpointBytes = saver === 'sqlite' ? fileBytes(file) : undefined;
  rmSync(dir, { recursive: true, force: true });
  return { wallMs, timings, ...(checkpointBytes !== undefined ? { checkpointBytes } : {}) };
}

/**
 * LangGraph with pipewright's graph shape and nothing else: a scheduler node that Sends every ready step
 * (at most 256 per superstep) to one step node, readiness kept in memory. The difference to viaEngine is
 * pipewright's own work per step (records, leases, cache key, input parsing, events).
 */
async function viaSchedulerGraph(shape: Shape, n: number): Promise<Measured> {
  const timings: Timing[] = [];
  const dependents = new Map<number, number[]>();
  const remaining = new Map<number, number>();
  for (let i = 1; i < n; i++) {
    const d = shape === 'chain' ? i - 1 : 0;
    remaining.set(i, 1);
    dependents.set(d, [...(dependents.get(d) ?? []), i]);
  }
  const ready: number[] = [0];
  let head = 0;
  const State = Annotation.Root({
    stepId: Annotation<number | undefined>({ reducer: (_a, b) => b, default: () => undefined }),
  });
  const graph = new StateGraph(State)
    .addNode(
      'schedule',
      () => {
        const batch = ready.slice(head, head + 256);
        head += batch.length;
        return new Command({ goto: batch.length ? batch.map((i) => new Send('step', { stepId: i })) : END });
      },
      { ends: ['step', END] },
    )
    .addNode('step', async (s: typeof State.State) => {
      const i = s.stepId as number;
      const t = performance.now();
      timings[i] = { enter: t, exit: t };
      for (const k of dependents.get(i) ?? []) {
        const left = (remaining.get(k) ?? 1) - 1;
        remaining.set(k, left);
        if (left === 0) ready.push(k);
      }
      return {};
    })
    .addEdge(START, 'schedule')
    .addEdge('step', 'schedule');
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-bench-lgs-'));
  const file = path.join(dir, 'cp.db');
  const compiled = graph.compile({ checkpointer: SqliteSaver.fromConnString(file) });
  const t0 = performance.now();
  await compiled.invoke(
    {},
    { configurable: { thread_id: 't' }, recursionLimit: 2 * n + 10, durability: 'sync' },
  );
  const wallMs = performance.now() - t0;
  const checkpointBytes = fileBytes(file);
  rmSync(dir, { recursive: true, force: true });
  return { wallMs, timings, checkpointBytes };
}

async function viaLoop(shape: Shape, n: number): Promise<Measured> {
  const timings: Timing[] = [];
  const step = async (i: number) => {
    const t = performance.now();
    timings[i] = { enter: t, exit: t };
    return i;
  };
  const t0 = performance.now();
  if (shape === 'chain') for (let i = 0; i < n; i++) await step(i);
  else {
    await step(0);
    await Promise.all(Array.from({ length: n - 1 }, (_, i) => step(i + 1)));
  }
  return { wallMs: performance.now() - t0, timings };
}

async function pythonChain(): Promise<BenchResult[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-py-'));
  writeFileSync(path.join(workspace, 'task.py'), 'import time\ntime.sleep(0.01)\n');
  const config = loadConfig({ workspace }, {});
  const argv = [config.python, '-S', path.join(workspace, 'task.py')];
  const steps = Array.from({ length: 40 }, (_, i) => ({
    id: `p${i}`,
    task: 'shell.exec',
    with: { command: argv },
    dependsOn: i === 0 ? [] : [`p${i - 1}`],
  }));
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const engine = new Engine({ store, registry: new TaskRegistry(builtinTasks), config });
  // Warm the interpreter's file cache once so neither side pays for it.
  await execa(argv[0] as string, argv.slice(1));
  const t0 = performance.now();
  for (let i = 0; i < 40; i++) await execa(argv[0] as string, argv.slice(1), { cwd: workspace });
  const bare = performance.now() - t0;
  const t1 = performance.now();
  const out = await engine.run({ name: 'py40', allowUnapproved: true, steps }, { createdBy: 'bench' });
  const ours = performance.now() - t1;
  if (out.status !== 'succeeded') throw new Error(`python chain ${out.status}`);
  await engine.close();
  store.close();
  return [
    { name: '40 × ~10 ms Python chain: bare execa loop', value: bare / 1000, unit: 's' },
    { name: '40 × ~10 ms Python chain: pipewright', value: ours / 1000, unit: 's' },
    {
      name: '40 × ~10 ms Python chain: ratio pipewright / bare',
      value: ours / bare,
      unit: '×',
      note: 'target ≤ 1.15',
    },
  ];
}

/** Time and checkpoint bytes per step as plans grow: both should stay flat. */
async function scale(sizes: number[]): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const shape of ['chain', 'fanout'] as const) {
    for (const n of sizes) {
      const r = await viaEngine(shape, n);
      out.push(
        { name: `scale ${shape} ${n}: pipewright time per step`, value: (r.wallMs / n) * 1000, unit: 'µs' },
        {
          name: `scale ${shape} ${n}: checkpoint bytes per step`,
          value: (r.checkpointBytes ?? 0) / n,
          unit: 'B',
          note: `checkpoints.db ${((r.checkpointBytes ?? 0) / 1024).toFixed(0)} KiB in all`,
        },
        {
          name: `scale ${shape} ${n}: run store bytes per step`,
          value: (r.storeBytes ?? 0) / n,
          unit: 'B',
          note: `state.db ${((r.storeBytes ?? 0) / 1024).toFixed(0)} KiB: step rows, events, outputs`,
        },
      );
      // One node per step costs LangGraph O(steps) per superstep: 10,000 would take most of an hour.
      if (n <= 1000) {
        const lg = await viaLangGraph(shape, n, 'sqlite');
        out.push(
          {
            name: `scale ${shape} ${n}: LangGraph one node per step, time per step`,
            value: (lg.wallMs / n) * 1000,
            unit: 'µs',
          },
          {
            name: `scale ${shape} ${n}: LangGraph one node per step, checkpoint bytes per step`,
            value: (lg.checkpointBytes ?? 0) / n,
            unit: 'B',
          },
        );
      }
    }
  }
  return out;
}

export async function benchEngine(n = 1000): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const shape of ['chain', 'fanout'] as const) {
    const loop = await viaLoop(shape, n);
    const lgMem = await viaLangGraph(shape, n, 'memory');
    const lgSql = await viaLangGraph(shape, n, 'sqlite');
    const lgSched = await viaSchedulerGraph(shape, n);
    const ours = await viaEngine(shape, n);
    const perStep = (r: { wallMs: number }) => (r.wallMs / n) * 1000;
    out.push(
      { name: `${n}-step ${shape}: bare async loop, per step`, value: perStep(loop), unit: 'µs' },
      { name: `${n}-step ${shape}: LangGraph (memory saver), per step`, value: perStep(lgMem), unit: 'µs' },
      { name: `${n}-step ${shape}: LangGraph (SQLite saver), per step`, value: perStep(lgSql), unit: 'µs' },
      {
        name: `${n}-step ${shape}: LangGraph scheduler + Send graph (SQLite saver), per step`,
        value: perStep(lgSched),
        unit: 'µs',
      },
      { name: `${n}-step ${shape}: pipewright, per step`, value: perStep(ours), unit: 'µs' },
      {
        name: `${n}-step ${shape}: ratio pipewright / LangGraph (SQLite saver)`,
        value: ours.wallMs / lgSql.wallMs,
        unit: '×',
      },
      {
        name: `${n}-step ${shape}: ratio pipewright / LangGraph scheduler + Send graph`,
        value: ours.wallMs / lgSched.wallMs,
        unit: '×',
        note: "pipewright's own cost per step: records, lease, inputs, cache key",
      },
    );
    if (shape === 'chain') {
      const gaps = chainGaps(ours.timings);
      const lgGaps = chainGaps(lgSql.timings);
      out.push(
        { name: 'chain: pipewright step-to-step overhead p50', value: quantile(gaps, 0.5), unit: 'ms' },
        { name: 'chain: pipewright step-to-step overhead p99', value: quantile(gaps, 0.99), unit: 'ms' },
        {
          name: 'chain: LangGraph (SQLite saver) step-to-step p50',
          value: quantile(lgGaps, 0.5),
          unit: 'ms',
        },
        {
          name: 'chain: LangGraph (SQLite saver) step-to-step p99',
          value: quantile(lgGaps, 0.99),
          unit: 'ms',
        },
        {
          name: 'SQLite checkpoint cost per step (LangGraph SQLite − memory saver)',
          value: ((lgSql.wallMs - lgMem.wallMs) / n) * 1000,
          unit: 'µs',
        },
      );
    }
  }
  out.push(...(await pythonChain()));
  const sizes = (process.env.BENCH_ENGINE_SCALE ?? '100,1000,10000').split(',').map(Number);
  out.push(...(await scale(sizes)));
  return out;
}
