/**
 * `pipewright worker`: takes step attempts from the BullMQ lanes this machine can serve, runs the task
 * with the GPUs it was given (CUDA_VISIBLE_DEVICES), streams logs and progress back, and stops a task
 * when its run is cancelled or times out. Heartbeats advertise the machine; BullMQ's stalled-job check
 * hands the job of a worker that died to another one.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config, StepConfig } from '../config.ts';
import { userError } from '../errors.ts';
import { openArtifactStore } from '../store/artifact-stores.ts';
import { runTask, type TaskContext, type TaskLogger, type TaskRegistry } from '../tasks/index.ts';
import { GpuPool } from './gpu-pool.ts';
import { advertise, checkRedis, withdraw } from './presence.ts';
import {
  type ClaimMessage,
  defaultWorkerId,
  encodeFailure,
  keys,
  queueNameOf,
  type StepEventType,
  type StepJob,
  type StepJobResult,
  type WorkerAdvert,
  type WorkerMessage,
} from './protocol.ts';
import { canMeet, type GpuInfo, requirementOfLane } from './resources.ts';

export interface WorkerOptions {
  config: Config;
  registry: TaskRegistry;
  redisUrl: string;
  queue: string;
  gpus: GpuInfo[];
  concurrency: number;
  id?: string;
  heartbeatMs?: number;
  /** BullMQ lock: a job whose worker stops renewing it for this long is taken as stalled. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Called with every job this worker finishes or fails (CLI output). */
  onJob?: (e: {
    jobId: string;
    stepId: string;
    status: 'started' | 'succeeded' | 'failed';
    ms?: number;
  }) => void;
}

export interface RunningWorker {
  id: string;
  advert(): WorkerAdvert;
  /** Stops taking jobs, cancels running ones when `cancelRunning`, withdraws the advert. */
  close(opts?: { cancelRunning?: boolean }): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const id = opts.id ?? defaultWorkerId();
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  try {
    await checkRedis(redis, opts.redisUrl);
  } catch (e) {
    redis.disconnect();
    throw e;
  }
  const subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  subscriber.on('error', () => {});
  const connection = { url: opts.redisUrl, maxRetriesPerRequest: null };
  const pool = new GpuPool(opts.gpus);
  const artifacts = openArtifactStore(opts.config);
  const lanes = new Map<string, Worker<StepJob, StepJobResult>>();
  const slots = new Semaphore(opts.concurrency);
  let running = 0;
  const startedAt = new Date().toISOString();
  const k = keys(opts.queue);

  const advert = (): WorkerAdvert => ({
    id,
    host: hostname(),
    pid: process.pid,
    queue: opts.queue,
    gpus: opts.gpus,
    concurrency: opts.concurrency,
    running,
    lanes: [...lanes.keys()],
    startedAt,
    seenAt: Date.now(),
  });

  const processStep = async (job: Job<StepJob, StepJobResult>, _token?: string, signal?: AbortSignal) => {
    const abort = signal ?? new AbortController().signal;
    await slots.acquire(abort);
    running++;
    const t0 = performance.now();
    let gpus: string[] = [];
    const scratchPath = path.join(
      opts.config.stateDir,
      'scratch',
      `worker-${id}`,
      `${job.id}-${job.attemptsStarted}`,
    );
    let scratchMade = false;
    const outbox = new Outbox(job);
    try {
      opts.onJob?.({ jobId: String(job.id), stepId: job.data.stepId, status: 'started' });
      const task = opts.registry.get(job.data.taskId);
      if (!task || task.version !== job.data.taskVersion) {
        throw userError(
          'WORKER_TASK_MISMATCH',
          `Worker ${id} cannot run task ${job.data.taskId} v${job.data.taskVersion}`,
          task ? `it has version ${task.version} of that task` : 'it does not have that task',
          'Run the same pipewright version on the coordinator and every worker.',
        );
      }
      gpus = await pool.acquire(job.data.requirement, abort);
      outbox.claim({ kind: 'claimed', worker: id, host: hostname(), gpus, at: Date.now() });
      // The programs the step starts get the step's identity, as on the coordinator (childEnv).
      const stepConfig: StepConfig = {
        ...opts.config,
        stepEnv: {
          PIPEWRIGHT_IDEMPOTENCY_KEY: `${job.data.runId}/${job.data.stepId}`,
          PIPEWRIGHT_RUN_ID: job.data.runId,
          PIPEWRIGHT_STEP_ID: job.data.stepId,
          PIPEWRIGHT_ATTEMPT: String(job.data.attempt),
        },
      };
      const ctx: TaskContext = {
        runId: job.data.runId,
        stepId: job.data.stepId,
        attempt: job.data.attempt,
        idempotencyKey: `${job.data.runId}/${job.data.stepId}`,
        // Tasks with side effects run on the coordinator (placement), which records them; here it runs fn.
        once: (_name, fn) => fn(),
        workspace: opts.config.workspace,
        get scratchDir() {
          if (!scratchMade) mkdirSync(scratchPath, { recursive: true });
          scratchMade = true;
          return scratchPath;
        },
        log: outbox.logger(),
        progress: outbox.progress(),
        signal: abort,
        artifacts,
        upstream: job.data.upstream,
        config: stepConfig,
        ...(gpus.length ? { devices: { gpus } } : {}),
        ...(job.data.secrets ? { secrets: job.data.secrets } : {}),
      };
      const output = await Promise.race([runTask(task, job.data.input, ctx), rejectOnAbort(abort)]);
      const claim = outbox.unsentClaim();
      await outbox.flush();
      opts.onJob?.({
        jobId: String(job.id),
        stepId: job.data.stepId,
        status: 'succeeded',
        ms: performance.now() - t0,
      });
      return { output, worker: id, ...(claim ? { claim } : {}) };
    } catch (e) {
      await outbox.flush().catch(() => {});
      opts.onJob?.({
        jobId: String(job.id),
        stepId: job.data.stepId,
        status: 'failed',
        ms: performance.now() - t0,
      });
      throw encodeFailure(e, id);
    } finally {
      outbox.stop();
      pool.release(gpus);
      running--;
      slots.release();
      if (scratchMade) await rm(scratchPath, { recursive: true, force: true }).catch(() => {});
    }
  };

  const consume = (lane: string) => {
    if (lanes.has(lane)) return;
    const w = new Worker<StepJob, StepJobResult>(queueNameOf(opts.queue, lane), processStep, {
      connection,
      concurrency: opts.concurrency,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 15_000,
      // A job whose worker died goes back to the queue for another worker, twice at most.
      maxStalledCount: 2,
    });
    w.on('error', () => {});
    lanes.set(lane, w);
  };

  const refreshLanes = async () => {
    for (const lane of await redis.smembers(k.lanes)) {
      const req = requirementOfLane(lane);
      if (req && canMeet(opts.gpus, req)) consume(lane);
    }
  };

  consume('cpu');
  await refreshLanes();
  await advertise(redis, advert());
  await subscriber.subscribe(k.cancel);
  subscriber.on('message', (_channel, jobId: string) => {
    for (const w of lanes.values()) w.cancelJob(jobId, 'the run was cancelled or the step timed out');
  });
  const heartbeat = setInterval(() => {
    void refreshLanes()
      .then(() => advertise(redis, advert()))
      .catch(() => {});
  }, opts.heartbeatMs ?? 2_000);

  return {
    id,
    advert,
    close: async ({ cancelRunning = false } = {}) => {
      clearInterval(heartbeat);
      if (cancelRunning) for (const w of lanes.values()) w.cancelAllJobs('the worker is shutting down');
      await Promise.all([...lanes.values()].map((w) => w.close()));
      await withdraw(redis, opts.queue, id).catch(() => {});
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}

/** How long a step runs before its claim is sent on its own; a step done sooner returns it in its result. */
const CLAIM_DELAY_MS = 25;

/** Batches a job's log lines and progress into job.updateProgress calls, ten a second at most. */
class Outbox {
  private pending: { type: StepEventType; data: Record<string, unknown> }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private heldClaim: ClaimMessage | undefined;
  private claimTimer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private lastProgress = 0;

  constructor(private readonly job: Job<StepJob, StepJobResult>) {}

  logger(): TaskLogger {
    const at = (level: string) => (message: string, data?: Record<string, unknown>) =>
      this.push('step.log', { level, message, ...(data ? { data } : {}) });
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  }

  progress() {
    return (fraction: number, message?: string) => {
      const f = Math.min(1, Math.max(0, fraction));
      const now = Date.now();
      if (now - this.lastProgress < 100 && f < 1) return;
      this.lastProgress = now;
      this.push('step.progress', { fraction: f, ...(message ? { message } : {}) });
    };
  }

  /**
   * Holds the claim for a moment: sent on its own when the step runs on (or sends anything), returned by
   * unsentClaim() when the step ended silently first. Messages keep their order either way.
   */
  claim(msg: ClaimMessage): void {
    this.heldClaim = msg;
    this.claimTimer = setTimeout(() => this.releaseClaim(), CLAIM_DELAY_MS);
  }

  /** The claim when it was never sent and nothing else is waiting to go (it then rides on the result). */
  unsentClaim(): ClaimMessage | undefined {
    if (!this.heldClaim || this.pending.length) return undefined;
    clearTimeout(this.claimTimer);
    const msg = this.heldClaim;
    this.heldClaim = undefined;
    return msg;
  }

  private releaseClaim(): void {
    clearTimeout(this.claimTimer);
    const msg = this.heldClaim;
    this.heldClaim = undefined;
    if (msg) this.send(msg);
  }

  flush(): Promise<void> {
    this.releaseClaim();
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending.splice(0);
    if (events.length) this.send({ kind: 'events', events });
    return this.sending;
  }

  /** Sends a message now, after those sent before it. */
  send(msg: WorkerMessage): void {
    this.sending = this.sending.then(() => this.job.updateProgress(msg)).catch(() => {});
  }

  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.claimTimer);
  }

  private push(type: StepEventType, data: Record<string, unknown>): void {
    this.pending.push({ type, data });
    if (this.heldClaim) this.releaseClaim();
    this.timer ??= setTimeout(() => void this.flush(), 100);
  }
}

class Semaphore {
  private readonly waiters = new Set<() => void>();
  constructor(private free: number) {}

  /** Waits for a free slot; gives up (throws) when the job is cancelled while waiting. */
  async acquire(signal: AbortSignal): Promise<void> {
    while (this.free === 0) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    this.free--;
  }

  release(): void {
    this.free++;
    const [next] = this.waiters;
    next?.();
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
