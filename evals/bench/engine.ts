/**
 * Engine overhead: the same no-op DAGs through pipewright's engine (SQLite store + checkpointer), through
 * LangGraph directly, and through a bare async loop; plus the 40-step chain of ~10 ms Python tasks against
 * a bare execa loop, and the SQLite checkpoint cost per step.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
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

/** Gaps between one step's end and the next step's start along a chain: pure scheduling overhead. */
function chainGaps(timings: Timing[]): number[] {
  return timings.slice(1).map((t, i) => t.enter - (timings[i] as Timing).exit);
}

function planFor(shape: Shape, n: number) {
  const steps = Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    task: 'bench.noop',
    with: { i },
    cache: { enabled: false },
    dependsOn: shape === 'chain' ? (i === 0 ? [] : [`s${i - 1}`]) : i === 0 ? [] : ['s0'],
  }));
  return { name: `bench-${shape}`, steps };
}

async function viaEngine(shape: Shape, n: number): Promise<{ wallMs: number; timings: Timing[] }> {
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
  store.close();
  return { wallMs, timings };
}

async function viaLangGraph(
  shape: Shape,
  n: number,
  saver: 'memory' | 'sqlite',
): Promise<{ wallMs: number; timings: Timing[] }> {
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
  const checkpointer =
    saver === 'memory' ? new MemorySaver() : SqliteSaver.fromConnString(path.join(dir, 'cp.db'));
  const graph = g.compile({ checkpointer });
  const t0 = performance.now();
  await graph.invoke(
    { results: {} },
    { configurable: { thread_id: 't' }, recursionLimit: n + 10, durability: 'sync' },
  );
  return { wallMs: performance.now() - t0, timings };
}

async function viaLoop(shape: Shape, n: number): Promise<{ wallMs: number; timings: Timing[] }> {
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

export async function benchEngine(n = 1000): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const shape of ['chain', 'fanout'] as const) {
    const loop = await viaLoop(shape, n);
    const lgMem = await viaLangGraph(shape, n, 'memory');
    const lgSql = await viaLangGraph(shape, n, 'sqlite');
    const ours = await viaEngine(shape, n);
    const perStep = (r: { wallMs: number }) => (r.wallMs / n) * 1000;
    out.push(
      { name: `${n}-step ${shape}: bare async loop, per step`, value: perStep(loop), unit: 'µs' },
      { name: `${n}-step ${shape}: LangGraph (memory saver), per step`, value: perStep(lgMem), unit: 'µs' },
      { name: `${n}-step ${shape}: LangGraph (SQLite saver), per step`, value: perStep(lgSql), unit: 'µs' },
      { name: `${n}-step ${shape}: pipewright, per step`, value: perStep(ours), unit: 'µs' },
      {
        name: `${n}-step ${shape}: ratio pipewright / LangGraph (SQLite saver)`,
        value: ours.wallMs / lgSql.wallMs,
        unit: '×',
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
  return out;
}
