/**
 * One worker process of the dispatch benchmark, run as `node --import tsx evals/bench/dispatch-worker.ts`.
 * BENCH_MODE=pipewright: startWorker with a registry holding only `bench.noop`;
 * BENCH_MODE=raw: a bare BullMQ Worker whose processor returns the epoch ms it started at.
 * Prints "ready" on stdout once it consumes, and exits cleanly on SIGTERM (or when its parent goes).
 */
import { Worker } from 'bullmq';
import { loadConfig } from '../../src/config.ts';
import { TaskRegistry } from '../../src/tasks/index.ts';
import { startWorker } from '../../src/workers/index.ts';
import { benchNoop } from './dispatch-task.ts';

const mode = process.env.BENCH_MODE;
const redisUrl = process.env.BENCH_REDIS_URL ?? '';
const queue = process.env.BENCH_QUEUE ?? 'bench';
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? '8');
const id = process.env.BENCH_WORKER_ID ?? `bench-${process.pid}`;

let close: () => Promise<void>;
if (mode === 'pipewright') {
  const workspace = process.env.BENCH_WORKSPACE;
  if (!workspace) throw new Error('BENCH_WORKSPACE is not set');
  const w = await startWorker({
    config: loadConfig({ workspace }, {}),
    registry: new TaskRegistry([benchNoop]),
    redisUrl,
    queue,
    gpus: [],
    concurrency,
    id,
  });
  close = () => w.close();
} else if (mode === 'raw') {
  const w = new Worker(queue, async () => ({ startedAt: Date.now() }), {
    connection: { url: redisUrl, maxRetriesPerRequest: null },
    concurrency,
  });
  w.on('error', () => {});
  await w.waitUntilReady();
  close = () => w.close();
} else throw new Error(`BENCH_MODE must be pipewright or raw, not ${mode}`);

let stopping = false;
const stop = () => {
  if (stopping) process.exit(0);
  stopping = true;
  void close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent holds our stdin open; when it dies, stdin ends and we go too.
process.stdin.on('end', stop).resume();
process.stdout.write('ready\n');
