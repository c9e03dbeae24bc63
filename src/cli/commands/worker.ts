/**
 * `pipewright worker`: serve steps from the coordinator's BullMQ queue on this machine.
 * `pipewright workers`: list the live workers of a queue and what they offer.
 */
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { userError } from '../../errors.ts';
import { configFrom, type GlobalOptions } from '../context.ts';
import { printJson, shortTime, table } from '../output.ts';

interface WorkerCliOptions {
  queue?: string;
  redis?: string;
  gpus: string;
  simulateGpus?: string;
  concurrency: string;
  id?: string;
  heartbeat: string;
  lockDuration: string;
}

function requireRedis(config: Config, flag?: string): string {
  const url = flag ?? config.redisUrl;
  if (!url) {
    throw userError(
      'REDIS_URL_MISSING',
      'No Redis to take work from',
      'workers and the coordinator meet on a Redis server (BullMQ queues)',
      'Set PIPEWRIGHT_REDIS_URL=redis://host:6379 (the same on the coordinator), or pass --redis.',
    );
  }
  if (!/^rediss?:\/\//.test(url)) {
    throw userError(
      'USAGE',
      `--redis must be a redis:// URL, not "${url}"`,
      undefined,
      'Example: redis://127.0.0.1:6379',
    );
  }
  return url;
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw userError(
      'USAGE',
      `${name} must be a whole number ≥ 1, not "${v}"`,
      undefined,
      `Example: ${name} 2`,
    );
  }
  return n;
}

export function registerWorkerCommands(program: Command): void {
  program
    .command('worker')
    .description('take steps from the coordinator (BullMQ on Redis) and run them on this machine')
    .option('-q, --queue <name>', 'queue to serve (default: PIPEWRIGHT_QUEUE or "default")')
    .option('--redis <url>', 'Redis URL (default: PIPEWRIGHT_REDIS_URL)')
    .option('--gpus <auto|none|N>', 'GPUs to offer: all nvidia-smi sees, none, or the first N', 'auto')
    .option(
      '--simulate-gpus <spec>',
      'advertise simulated GPUs, e.g. 2x24Gi (tests and demos; no real device)',
    )
    .option('-c, --concurrency <n>', 'steps run at once', '1')
    .option('--id <id>', 'worker id shown in runs (default: <host>-<pid>)')
    .option('--heartbeat <ms>', 'heartbeat period', '2000')
    .option('--lock-duration <ms>', 'a job whose worker is silent this long goes to another worker', '30000')
    .action(async (opts: WorkerCliOptions) => {
      const g = program.opts() as GlobalOptions;
      const config = await configFrom(g);
      const redisUrl = requireRedis(config, opts.redis);
      const queue = opts.queue ?? config.queue;
      const concurrency = positiveInt('--concurrency', opts.concurrency);
      const heartbeatMs = positiveInt('--heartbeat', opts.heartbeat);
      const lockDurationMs = positiveInt('--lock-duration', opts.lockDuration);
      const [{ detectGpus, parseSimulatedGpus, selectGpus, startWorker, describeGpus }, { builtinRegistry }] =
        await Promise.all([import('../../workers/index.ts'), import('../../../tools/index.ts')]);
      let gpus: Awaited<ReturnType<typeof detectGpus>>['gpus'];
      let note: string | undefined;
      if (opts.simulateGpus) gpus = parseSimulatedGpus(opts.simulateGpus);
      else {
        const found = await detectGpus();
        note = found.note;
        gpus = selectGpus(found.gpus, opts.gpus);
      }
      const worker = await startWorker({
        config,
        registry: builtinRegistry(),
        redisUrl,
        queue,
        gpus,
        concurrency,
        heartbeatMs,
        lockDurationMs,
        stalledIntervalMs: Math.max(500, Math.floor(lockDurationMs / 2)),
        ...(opts.id ? { id: opts.id } : {}),
        onJob: (e) => {
          const line = { ...e, at: new Date().toISOString() };
          if (g.json) process.stdout.write(`${JSON.stringify(line)}\n`);
          else
            process.stderr.write(
              `${shortTime(line.at)} ${e.status.padEnd(9)} ${e.stepId} (${e.jobId})${e.ms !== undefined ? ` ${Math.round(e.ms)} ms` : ''}\n`,
            );
        },
      });
      const ready = { worker: worker.id, queue, gpus, concurrency, workspace: config.workspace };
      if (g.json) process.stdout.write(`${JSON.stringify({ ready })}\n`);
      else
        process.stderr.write(
          `pipewright worker ${worker.id} on queue "${queue}": ${describeGpus(gpus)}${note ? ` (${note})` : ''}, ` +
            `${concurrency} at a time, workspace ${config.workspace}\n`,
        );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = () => {
          // First signal: finish what is running. Second: cancel it.
          void worker.close({ cancelRunning: stopping }).finally(resolve);
          stopping = true;
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });

  program
    .command('workers')
    .description('list the live workers of a queue: GPUs, concurrency, steps running, last heartbeat')
    .option('-q, --queue <name>', 'queue (default: PIPEWRIGHT_QUEUE or "default")')
    .option('--redis <url>', 'Redis URL (default: PIPEWRIGHT_REDIS_URL)')
    .action(async (opts: { queue?: string; redis?: string }) => {
      const g = program.opts() as GlobalOptions;
      const config = await configFrom(g);
      const redisUrl = requireRedis(config, opts.redis);
      const [{ Redis }, { liveWorkers, describeGpus }] = await Promise.all([
        import('ioredis'),
        import('../../workers/index.ts'),
      ]);
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5000 });
      try {
        const workers = await liveWorkers(redis, opts.queue ?? config.queue, 10_000).catch((e: Error) => {
          throw userError(
            'REDIS_UNREACHABLE',
            `Cannot reach Redis at ${new URL(redisUrl).host}`,
            e.message,
            'Check that redis-server runs there and PIPEWRIGHT_REDIS_URL is right.',
          );
        });
        if (g.json) return printJson({ workers });
        if (workers.length === 0) {
          process.stdout.write('no live workers; start one with `pipewright worker`\n');
          return;
        }
        process.stdout.write(
          `${table(
            ['worker', 'host', 'gpus', 'running', 'lanes', 'seen'],
            workers.map((w) => [
              w.id,
              w.host,
              describeGpus(w.gpus),
              `${w.running}/${w.concurrency}`,
              w.lanes.join(','),
              shortTime(new Date(w.seenAt).toISOString()),
            ]),
          )}\n`,
        );
      } finally {
        redis.disconnect();
      }
    });
}
