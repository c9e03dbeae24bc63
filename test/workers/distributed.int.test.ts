/**
 * Scale-out for real: a Redis server, two `pipewright worker` processes (one advertising a simulated
 * 24 GiB GPU) and a coordinator engine in this process, all on loopback, sharing one workspace.
 */

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { BullmqDispatcher } from '../../src/workers/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { BIN } from '../helpers/cli.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { until } from '../helpers/wait.ts';

const QUEUE = 'itest';
let redis: TestRedis;
let ws: string;
let config: Config;
let store: RunStore;
let engine: Engine;
let dispatcher: BullmqDispatcher;
const workers = new Map<string, ResultPromise>();

const PROBE = `
import os
print("probe says hi", flush=True)
print("::progress 0.5 halfway", flush=True)
print('::output {"cuda": "%s"}' % os.environ.get("CUDA_VISIBLE_DEVICES", ""), flush=True)
`;
// Records an id (its pid lives in the sandbox's own PID namespace, so an id of its own), beats every 0.1 s
// while it works for argv[1] seconds, then appends its id to done.txt.
const SLOW = `
import os, sys, time, uuid
me = uuid.uuid4().hex
os.makedirs("pids", exist_ok=True)
os.makedirs("beats", exist_ok=True)
open(os.path.join("pids", me), "w").close()
n = int(float(sys.argv[1]) * 10)
for i in range(n):
    time.sleep(0.1)
    with open(os.path.join("beats", me), "a") as f: f.write(".")
    if i % 5 == 0: print("::progress %.2f" % (i / n), flush=True)
with open("done.txt", "a") as f: f.write("%s\\n" % me)
print('::output {"pid": "%s"}' % me, flush=True)
`;

async function startWorker(id: string, extra: string[]): Promise<void> {
  const child = execa(
    'node',
    [BIN, '--json', 'worker', '--id', id, '--heartbeat', '300', '--lock-duration', '2000', ...extra],
    {
      cwd: ws,
      env: {
        PATH: process.env.PATH ?? '',
        PIPEWRIGHT_WORKSPACE: ws,
        PIPEWRIGHT_REDIS_URL: redis.url,
        PIPEWRIGHT_QUEUE: QUEUE,
        PIPEWRIGHT_USER: 'worker',
      },
      extendEnv: false,
      reject: false,
      buffer: false,
    },
  );
  workers.set(id, child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`worker ${id} did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"ready"')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
  });
}

const workerOf = (runId: string, stepId: string) =>
  store
    .events(runId)
    .filter((e) => e.stepId === stepId && e.type === 'step.log')
    .map((e) => (e.data.data as { worker?: string } | undefined)?.worker)
    .filter((w): w is string => typeof w === 'string');

const pyStep = (id: string, script: string, extra: Record<string, unknown> = {}) => ({
  id,
  task: 'python.script',
  with: { script, args: [] as string[] },
  ...extra,
});

/** Whether the step process with this id still beats (its file grows within half a second). */
const alive = async (id: string) => {
  const beats = () => {
    try {
      return statSync(path.join(ws, 'beats', id)).size;
    } catch {
      return 0;
    }
  };
  const a = beats();
  await new Promise((r) => setTimeout(r, 500));
  return beats() !== a;
};

/** Waits until the step process with this id stops beating. */
const dead = async (id: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (await alive(id)) if (Date.now() > deadline) throw new Error('the step process kept running');
};

beforeAll(async () => {
  redis = await startRedis();
  ws = makeWorkspace('pw-workers-');
  writeFileSync(path.join(ws, 'probe.py'), PROBE);
  writeFileSync(path.join(ws, 'slow.py'), SLOW);
  mkdirSync(path.join(ws, 'data'));
  copyFileSync(
    path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data/penguins.json'),
    path.join(ws, 'data/penguins.json'),
  );
  config = testConfig({ workspace: ws, user: 'tester', redisUrl: redis.url, queue: QUEUE });
  store = new RunStore(stateTarget(config));
  dispatcher = new BullmqDispatcher({ redisUrl: redis.url, queue: QUEUE, recheckMs: 300, workerTtlMs: 3000 });
  engine = new Engine({ store, registry: builtinRegistry(), config, executor: dispatcher, pollMs: 50 });
  await Promise.all([
    startWorker('cpu-w', ['--gpus', 'none']),
    startWorker('gpu-w', ['--simulate-gpus', '1x24Gi']),
  ]);
}, 90_000);

afterAll(async () => {
  for (const w of workers.values()) w.kill('SIGKILL');
  await engine?.close();
  store?.close();
  await redis?.stop();
});

describe('steps on worker processes', () => {
  it('sends a GPU step only to the worker that has a big enough GPU, with CUDA_VISIBLE_DEVICES set', async () => {
    const gpu = { resources: { gpu: 1, gpuMemory: '16Gi' }, dependsOn: ['prep'] };
    const out = await engine.run(
      {
        name: 'gpu-routing',
        allowUnapproved: true,
        steps: [
          pyStep('prep', 'probe.py'),
          pyStep('train-a', 'probe.py', gpu),
          pyStep('train-b', 'probe.py', gpu),
          pyStep('train-c', 'probe.py', gpu),
        ],
      },
      { createdBy: 'tester' },
    );
    expect(out.status).toBe('succeeded');
    for (const s of ['train-a', 'train-b', 'train-c']) {
      expect(workerOf(out.runId, s)).toEqual(['gpu-w']);
      expect(outputOf(out.results[s]).cuda).toBe('0');
    }
    expect(['cpu-w', 'gpu-w']).toContain(workerOf(out.runId, 'prep')[0]);
    expect(outputOf(out.results.prep).cuda).toBe('');
    // The worker's log lines and progress reached the run.
    const events = store.events(out.runId).filter((e) => e.stepId === 'train-a');
    expect(events.some((e) => e.type === 'step.log' && e.data.message === 'probe says hi')).toBe(true);
    expect(events.some((e) => e.type === 'step.progress' && e.data.fraction === 0.5)).toBe(true);
  });

  it('records the same outputs for a real pipeline run locally and on workers', async () => {
    const off = { cache: { enabled: false } };
    const plan = {
      name: 'penguins-distributed',
      steps: [
        { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' }, ...off },
        {
          id: 'clean',
          task: 'prep.transform',
          dependsOn: ['load'],
          with: {
            dataset: '${{ steps.load.outputs.dataset }}',
            ops: [
              { op: 'filter', where: '"Species" IS NOT NULL AND "Beak Length (mm)" IS NOT NULL' },
              { op: 'dedupe' },
            ],
          },
          ...off,
        },
        {
          id: 'version',
          task: 'dataset.version',
          dependsOn: ['clean'],
          with: { dataset: '${{ steps.clean.outputs.dataset }}', name: 'penguins-clean' },
          ...off,
        },
        {
          id: 'split',
          task: 'dataset.split',
          dependsOn: ['version'],
          with: {
            dataset: '${{ steps.version.outputs.dataset }}',
            by: { method: 'stratified', column: 'Species' },
            testShare: 0.25,
            seed: 7,
          },
          ...off,
        },
        {
          id: 'train',
          task: 'train.tabular',
          dependsOn: ['split'],
          with: {
            dataset: '${{ steps.split.outputs.train }}',
            target: 'Species',
            framework: 'builtin',
            algorithm: 'random_forest',
            params: { nEstimators: 10 },
            seed: 3,
          },
          ...off,
        },
        {
          id: 'evaluate',
          task: 'evaluate.model',
          dependsOn: ['train'],
          with: { model: '${{ steps.train.outputs.model }}', dataset: '${{ steps.split.outputs.test }}' },
          ...off,
        },
        {
          id: 'register',
          task: 'model.register',
          dependsOn: ['evaluate'],
          with: {
            name: 'penguins-dist',
            model: '${{ steps.train.outputs.model }}',
            dataset: '${{ steps.version.outputs.dataset }}',
          },
          ...off,
        },
      ],
    };
    const local = await new Engine({ store, registry: builtinRegistry(), config, pollMs: 50 }).run(plan, {
      createdBy: 'tester',
    });
    const remote = await engine.run(plan, { createdBy: 'tester' });
    expect(local.status).toBe('succeeded');
    expect(remote.status).toBe('succeeded');
    for (const s of ['load', 'clean', 'version', 'split', 'train', 'evaluate']) {
      expect(workerOf(remote.runId, s)).toHaveLength(1);
      expect(workerOf(local.runId, s)).toHaveLength(0);
      expect(stable(remote.results[s]?.output), s).toEqual(stable(local.results[s]?.output));
    }
    // The registry lives with the coordinator: that step never goes to a worker.
    expect(workerOf(remote.runId, 'register')).toHaveLength(0);
    const versions = [local, remote].map(
      (o) => (o.results.register?.output as { version?: number } | undefined)?.version,
    );
    expect(versions).toEqual([1, 2]);
  });

  it('says why a step waits when no live worker has the GPUs it asks for, and cancels it cleanly', async () => {
    const run = engine.createRun(
      {
        name: 'too-big',
        allowUnapproved: true,
        steps: [pyStep('train', 'probe.py', { resources: { gpu: 2, gpuMemory: '80Gi' } })],
      },
      { createdBy: 'tester' },
    );
    const done = engine.execute(run.id);
    const note = await until(
      () =>
        store
          .events(run.id)
          .find((e) => e.type === 'step.log' && (e.data.data as { waiting?: boolean })?.waiting),
      30_000,
      'a waiting note',
    );
    expect(note.data.message).toMatch(/2 GPUs with at least 80 GiB each/);
    expect(note.data.message).toMatch(/gpu-w: simulated GPU 24 GiB \(simulated\)/);
    expect(note.data.message).toMatch(/cpu-w: no GPU/);
    engine.cancel(run.id, 'tester');
    const out = await done;
    expect(out.status).toBe('cancelled');
    expect(store.requireRun(run.id).status).toBe('cancelled');
  });

  it('passes a cancel on to the worker, which kills the step process', async () => {
    const run = engine.createRun(
      {
        name: 'cancel-me',
        allowUnapproved: true,
        steps: [{ ...pyStep('slow', 'slow.py'), with: { script: 'slow.py', args: ['60'] } }],
      },
      { createdBy: 'tester' },
    );
    const before = new Set(pids());
    const done = engine.execute(run.id);
    const pid = await until(() => pids().find((p) => !before.has(p)), 30_000, 'the step process');
    expect(await alive(pid)).toBe(true);
    engine.cancel(run.id, 'tester');
    expect((await done).status).toBe('cancelled');
    await dead(pid);
    expect(store.getStep(run.id, 'slow')?.status).toBe('cancelled');
  });

  it('applies the step timeout on the worker: the process is killed and the step fails as timed out', async () => {
    const before = new Set(pids());
    const out = await engine.run(
      {
        name: 'time-me-out',
        allowUnapproved: true,
        steps: [{ ...pyStep('slow', 'slow.py'), with: { script: 'slow.py', args: ['60'] }, timeout: '2s' }],
      },
      { createdBy: 'tester' },
    );
    expect(out.status).toBe('failed');
    expect(store.getStep(out.runId, 'slow')?.error?.code).toBe('STEP_TIMEOUT');
    const pid = pids().find((p) => !before.has(p));
    expect(pid).toBeDefined();
    await dead(pid as string);
  });

  it('finishes a run whose worker is killed with kill -9 mid-step, with exactly one set of outputs', async () => {
    const run = engine.createRun(
      {
        name: 'survive',
        allowUnapproved: true,
        steps: [{ ...pyStep('slow', 'slow.py'), with: { script: 'slow.py', args: ['3'] } }],
      },
      { createdBy: 'tester' },
    );
    const before = new Set(pids());
    const done = engine.execute(run.id);
    const first = await until(() => workerOf(run.id, 'slow')[0], 30_000, 'a worker to take the step');
    const pid = await until(() => pids().find((p) => !before.has(p)), 30_000, 'the step process');
    workers.get(first)?.kill('SIGKILL');
    const out = await done;
    expect(out.status).toBe('succeeded');
    const takers = workerOf(run.id, 'slow');
    expect(takers).toHaveLength(2);
    expect(takers[1]).not.toBe(takers[0]);
    // The first worker's process died with it: only the second one finished and wrote its line.
    expect(await alive(pid)).toBe(false);
    const lines = readFileSync(path.join(ws, 'done.txt'), 'utf8').trim().split('\n');
    const mine = lines.filter((l) => !before.has(l) && l !== pid);
    expect(mine).toEqual([String(outputOf(out.results.slow).pid)]);
    expect(lines).not.toContain(String(pid));
    const record = store.getStep(run.id, 'slow');
    expect(record?.status).toBe('succeeded');
  }, 60_000);
});

/** The ::output values a python.script step reported. */
const outputOf = (r: { output?: unknown } | undefined) =>
  ((r?.output ?? {}) as { outputs?: Record<string, unknown> }).outputs ?? {};

function pids(): string[] {
  const dir = path.join(ws, 'pids');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Outputs without timings, which differ between any two runs. */
function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k]) => !/(At|Ms|Seconds|duration)$/i.test(k))
        .map(([k, val]) => [k, stable(val)]),
    );
  }
  return v;
}
