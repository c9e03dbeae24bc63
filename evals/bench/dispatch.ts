/**
 * Scale-out dispatch: the same no-op work through pipewright (Engine + BullmqDispatcher → 2 worker
 * processes running startWorker) and through raw BullMQ (Queue → 2 bare Worker processes), on one
 * throwaway Redis, same concurrency, same run. Fan-outs give throughput; sequential chains give the
 * latency from "runnable" to "a worker starts it" (pipewright: the step.started event → the worker's
 * claim; raw: before queue.add → the processor's first line).
 *
 * Sizes: BENCH_DISPATCH_FANOUT (default 1000), BENCH_DISPATCH_CHAIN (default 200),
 * BENCH_DISPATCH_CONCURRENCY per worker (default 8).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { startRedis, type ThrowawayRedis } from '../../scripts/lib/redis-server.ts';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { RunStore } from '../../src/store/index.ts';
import { TaskRegistry } from '../../src/tasks/index.ts';
import { BullmqDispatcher } from '../../src/workers/index.ts';
import { benchNoop } from './dispatch-task.ts';
import { type BenchResult, quantile } from './types.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WORKER_SCRIPT = path.join(import.meta.dirname, 'dispatch-worker.ts');
const WORKERS = 2;

// ---- worker processes ---------------------------------------------------------------------------

const children = new Set<ChildProcess>();
// Last resort: never leave worker processes behind, even when the bench throws or is interrupted.
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`bench worker did not start: ${out.slice(-500)}`)), 60_000);
    const fail = (code: number | null) => {
      clearTimeout(t);
      reject(new Error(`bench worker exited (${code}): ${out.slice(-500)}`));
    };
    child.once('exit', fail);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(t);
        child.off('exit', fail);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
  });
  return child;
}

function stopWorker(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function withWorkers<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const started: ChildProcess[] = [];
  try {
    const spawned = await Promise.allSettled(
      Array.from({ length: WORKERS }, (_, i) =>
        spawnWorker({ ...env, BENCH_WORKER_ID: `bench-w${i}` }).then((c) => {
          started.push(c);
          return c;
        }),
      ),
    );
    const failed = spawned.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return await fn();
  } finally {
    // Also the ones still starting when another failed.
    await Promise.all([...children].map(stopWorker));
  }
}

// ---- raw BullMQ ---------------------------------------------------------------------------------

interface RawFigures {
  bulkMs: number;
  addMs: number;
  chainLatencies: number[];
}

async function rawBullmq(redis: ThrowawayRedis, n: number, chainN: number, concurrency: number) {
  const name = 'raw-bench';
  const connection = { url: redis.url, maxRetriesPerRequest: null };
  return withWorkers(
    {
      BENCH_MODE: 'raw',
      BENCH_REDIS_URL: redis.url,
      BENCH_QUEUE: name,
      BENCH_CONCURRENCY: String(concurrency),
    },
    async (): Promise<RawFigures> => {
      const queue = new Queue(name, { connection });
      const events = new QueueEvents(name, { connection });
      const waiting = new Map<string, (v: unknown) => void>();
      events.on('completed', ({ jobId, returnvalue }) => {
        const v = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
        waiting.get(jobId)?.(v);
        waiting.delete(jobId);
      });
      const done = (jobId: string) => new Promise<unknown>((r) => waiting.set(jobId, r));
      const opts = (jobId: string) => ({
        jobId,
        attempts: 1,
        removeOnComplete: { age: 86_400, count: 10_000 },
        removeOnFail: { age: 86_400 },
      });
      try {
        await Promise.all([events.waitUntilReady(), queue.waitUntilReady()]);
        const fanout = async (tag: string, count: number, bulk: boolean) => {
          const ids = Array.from({ length: count }, (_, i) => `${tag}-${i}`);
          const all = Promise.all(ids.map(done));
          const t0 = performance.now();
          if (bulk) await queue.addBulk(ids.map((id, i) => ({ name: 'noop', data: { i }, opts: opts(id) })));
          else await Promise.all(ids.map((id, i) => queue.add('noop', { i }, opts(id))));
          await all;
          return performance.now() - t0;
        };
        await fanout('warm', 50, true);
        const bulkMs = await fanout('bulk', n, true);
        const addMs = await fanout('add', n, false);
        const chainLatencies: number[] = [];
        for (let i = 0; i < chainN; i++) {
          const id = `chain-${i}`;
          const finished = done(id);
          const t = Date.now();
          await queue.add('noop', { i }, opts(id));
          const { startedAt } = (await finished) as { startedAt: number };
          chainLatencies.push(startedAt - t);
        }
        return { bulkMs, addMs, chainLatencies };
      } finally {
        await Promise.all([queue.close(), events.close()]);
      }
    },
  );
}

// ---- pipewright ---------------------------------------------------------------------------------

function planFor(shape: 'chain' | 'fanout', n: number) {
  const steps = Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    task: 'bench.noop',
    with: { i },
    cache: { enabled: false },
    dependsOn: shape === 'chain' ? (i === 0 ? [] : [`s${i - 1}`]) : i === 0 ? [] : ['s0'],
  }));
  return { name: `bench-dispatch-${shape}`, steps };
}

interface StepTimes {
  started: number;
  enqueued: number;
  claimed: number;
  succeeded: number;
}

/**
 * Per step: step.started → job added (enqueuedAt) → worker claim → step.succeeded, epoch ms; undefined
 * for a step whose claim log never reached the run.
 */
function stepTimes(store: RunStore, runId: string, n: number): (StepTimes | undefined)[] {
  const byStep = new Map<string, Partial<StepTimes>>();
  for (const e of store.events(runId, { types: ['step.started', 'step.log', 'step.succeeded'] })) {
    if (!e.stepId) continue;
    const t = byStep.get(e.stepId) ?? {};
    byStep.set(e.stepId, t);
    const at = Date.parse(e.at);
    if (e.type === 'step.started') t.started = at;
    else if (e.type === 'step.succeeded') t.succeeded = at;
    else {
      const d = e.data.data as { claimedAt?: number; dispatchMs?: number } | undefined;
      if (typeof d?.claimedAt === 'number' && typeof d.dispatchMs === 'number') {
        t.claimed = d.claimedAt;
        t.enqueued = d.claimedAt - d.dispatchMs;
      }
    }
  }
  const out: (StepTimes | undefined)[] = [];
  let unclaimed = 0;
  for (let i = 0; i < n; i++) {
    const t = byStep.get(`s${i}`) ?? {};
    if (t.started === undefined || t.succeeded === undefined)
      throw new Error(`step s${i} has no step.started or step.succeeded event`);
    // A missing claim log is a lost worker message (see the note in the results), not a bench error.
    if (t.claimed === undefined) unclaimed++;
    out.push(t.claimed === undefined ? undefined : (t as StepTimes));
  }
  if (unclaimed === n) throw new Error('no step has a worker claim log: did the workers run them?');
  return out;
}

interface PipewrightFigures {
  fanoutMs: number;
  fanoutTimes: (StepTimes | undefined)[];
  chainMs: number;
  chainTimes: (StepTimes | undefined)[];
  localFanoutMs: number;
}

async function pipewright(redis: ThrowawayRedis, n: number, chainN: number, concurrency: number) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-dispatch-'));
  const queue = 'bench';
  try {
    const config = loadConfig({ workspace }, {});
    const registry = new TaskRegistry([benchNoop]);
    return await withWorkers(
      {
        BENCH_MODE: 'pipewright',
        BENCH_REDIS_URL: redis.url,
        BENCH_QUEUE: queue,
        BENCH_CONCURRENCY: String(concurrency),
        BENCH_WORKSPACE: workspace,
      },
      async (): Promise<PipewrightFigures> => {
        const store = new RunStore(path.join(config.stateDir, 'state.db'));
        const dispatcher = new BullmqDispatcher({ redisUrl: redis.url, queue });
        const engine = new Engine({ store, registry, config, executor: dispatcher });
        try {
          const run = async (shape: 'chain' | 'fanout', count: number, e = engine) => {
            const t0 = performance.now();
            const out = await e.run(planFor(shape, count), { createdBy: 'bench' });
            const ms = performance.now() - t0;
            if (out.status !== 'succeeded') throw new Error(`pipewright ${shape} run ${out.status}`);
            return { ms, runId: out.runId };
          };
          await run('fanout', 50);
          const fan = await run('fanout', n);
          const chain = await run('chain', chainN);
          // The same fan-out with every step in the coordinator's process: the engine's own ceiling.
          const local = await run('fanout', n, new Engine({ store, registry, config }));
          return {
            fanoutMs: fan.ms,
            fanoutTimes: stepTimes(store, fan.runId, n),
            chainMs: chain.ms,
            chainTimes: stepTimes(store, chain.runId, chainN),
            localFanoutMs: local.ms,
          };
        } finally {
          await engine.close();
          store.close();
        }
      },
    );
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

// ---- the suite ----------------------------------------------------------------------------------

export async function benchDispatch(
  n = Number(process.env.BENCH_DISPATCH_FANOUT ?? 1000),
  chainN = Number(process.env.BENCH_DISPATCH_CHAIN ?? 200),
  concurrency = Number(process.env.BENCH_DISPATCH_CONCURRENCY ?? 8),
): Promise<BenchResult[]> {
  const redis = await startRedis();
  try {
    const raw = await rawBullmq(redis, n, chainN, concurrency);
    const pw = await pipewright(redis, n, chainN, concurrency);

    const setup = `${WORKERS} worker processes × concurrency ${concurrency}, one local redis-server`;
    const rawBulkRate = n / (raw.bulkMs / 1000);
    const rawAddRate = n / (raw.addMs / 1000);
    const pwRate = n / (pw.fanoutMs / 1000);
    const localRate = n / (pw.localFanoutMs / 1000);
    // Chain: step.started → worker claim (each step becomes runnable when its predecessor finishes).
    const claimedOnly = (ts: (StepTimes | undefined)[]) => ts.filter((t): t is StepTimes => !!t);
    const chain = claimedOnly(pw.chainTimes);
    const dispatch = chain.map((t) => t.claimed - t.started);
    const preAdd = chain.map((t) => t.enqueued - t.started);
    const addToClaim = chain.map((t) => t.claimed - t.enqueued);
    const claimToDone = chain.map((t) => t.succeeded - t.claimed);
    const between = pw.chainTimes
      .slice(1)
      .flatMap((t, i) =>
        t && pw.chainTimes[i] ? [t.started - (pw.chainTimes[i] as StepTimes).succeeded] : [],
      );
    const fanClaimed = claimedOnly(pw.fanoutTimes.slice(1));
    const fanDispatch = fanClaimed.map((t) => t.claimed - t.started);
    const lost = `worker claim log missing for ${n - 1 - fanClaimed.length}/${n - 1} fan-out and ${chainN - chain.length}/${chainN} chain steps`;
    const p50 = quantile(dispatch, 0.5);
    const ratio = pwRate / rawBulkRate;
    return [
      {
        name: `raw BullMQ ${n} no-op jobs (addBulk) throughput`,
        value: rawBulkRate,
        unit: 'jobs/s',
        note: setup,
      },
      { name: `raw BullMQ ${n} no-op jobs (one add each) throughput`, value: rawAddRate, unit: 'jobs/s' },
      {
        name: `raw BullMQ chain of ${chainN}: add → processor start p50`,
        value: quantile(raw.chainLatencies, 0.5),
        unit: 'ms',
        note: 'next job added when the previous one completes (QueueEvents)',
      },
      {
        name: `raw BullMQ chain of ${chainN}: add → processor start p99`,
        value: quantile(raw.chainLatencies, 0.99),
        unit: 'ms',
      },
      {
        name: `pipewright ${n}-step fan-out on workers throughput`,
        value: pwRate,
        unit: 'steps/s',
        note: `Engine + BullmqDispatcher, cache off, ${(pw.fanoutMs / 1000).toFixed(2)} s`,
      },
      {
        name: `pipewright ${n}-step fan-out in-process (no workers) throughput`,
        value: localRate,
        unit: 'steps/s',
        note: 'same plan, same engine, no executor: the engine ceiling',
      },
      {
        name: 'ratio pipewright on workers / raw BullMQ (addBulk) throughput',
        value: ratio,
        unit: '×',
        note: `target ≥ 0.5 (${ratio >= 0.5 ? 'met' : 'missed'}); vs one add per job: ${(pwRate / rawAddRate).toFixed(3)}`,
      },
      {
        name: `pipewright chain of ${chainN}: dispatch latency p50 (step.started → worker claim)`,
        value: p50,
        unit: 'ms',
        note: `target ≤ 10 ms (${p50 <= 10 ? 'met' : 'missed'})`,
      },
      {
        name: `pipewright chain of ${chainN}: dispatch latency p99`,
        value: quantile(dispatch, 0.99),
        unit: 'ms',
      },
      {
        name: 'chain p50 part: step.started → job added (coordinator before queue.add)',
        value: quantile(preAdd, 0.5),
        unit: 'ms',
      },
      {
        name: 'chain p50 part: queue.add → worker claim (add round trip + pickup)',
        value: quantile(addToClaim, 0.5),
        unit: 'ms',
      },
      {
        name: 'chain p50 part: worker claim → step.succeeded recorded',
        value: quantile(claimToDone, 0.5),
        unit: 'ms',
        note: 'no-op run + completion event back + result record',
      },
      {
        name: 'chain p50 part: step.succeeded → next step.started (engine)',
        value: quantile(between, 0.5),
        unit: 'ms',
        note: 'LangGraph superstep + checkpoint + SQLite',
      },
      {
        name: `pipewright chain of ${chainN}: per step end to end`,
        value: pw.chainMs / chainN,
        unit: 'ms',
      },
      {
        name: `pipewright ${n}-step fan-out: dispatch latency p50 / p99`,
        value: quantile(fanDispatch, 0.5),
        unit: 'ms',
        note: `p99 ${quantile(fanDispatch, 0.99).toFixed(0)} ms; includes waiting for one of ${WORKERS * concurrency} slots`,
      },
      {
        name: 'steps whose worker claim log reached the run',
        value: (fanClaimed.length + chain.length) / (n - 1 + chainN),
        unit: 'share',
        note: lost,
      },
    ];
  } finally {
    await redis.stop();
  }
}
