/**
 * The coordinator's side of scale-out: sends a step attempt to the BullMQ lane that fits its resource
 * request, streams the worker's logs and progress into the run, forwards cancel and timeout, and returns
 * the task's output. Retries, caching and records stay with the engine, so a distributed run records
 * exactly what a local one does.
 */
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { ExecuteRequest, StepExecutor } from '../engine/executor.ts';
import type { TaskStep } from '../plan/index.ts';
import type { AnyTask } from '../tasks/index.ts';
import { checkRedis, liveWorkers } from './presence.ts';
import {
  decodeFailure,
  jobIdOf,
  keys,
  queueNameOf,
  type StepJob,
  type StepJobResult,
  type WorkerAdvert,
  type WorkerMessage,
} from './protocol.ts';
import {
  canMeet,
  describeGpus,
  describeRequirement,
  laneOf,
  type Requirement,
  requirementOf,
} from './resources.ts';

export interface DispatcherOptions {
  redisUrl: string;
  queue: string;
  /** A worker whose last heartbeat is older than this is taken as gone. */
  workerTtlMs?: number;
  /** How often a step nobody can take re-checks the workers. */
  recheckMs?: number;
}

interface Lane {
  queue: Queue<StepJob, StepJobResult>;
  events: QueueEvents;
  /** Jobs waiting to be added with the next addBulk. */
  outbox: { job: BulkJob; added: () => void; failed: (e: unknown) => void }[];
}

type BulkJob = Parameters<Queue<StepJob, StepJobResult>['addBulk']>[0][number];

interface Waiter {
  lane: Lane;
  stepId: string;
  since: number;
  resolve: (result: StepJobResult) => void;
  reject: (e: unknown) => void;
}

type Listener = (msg: WorkerMessage) => void;

export class BullmqDispatcher implements StepExecutor {
  private readonly redis: Redis;
  private readonly lanes = new Map<string, Promise<Lane>>();
  private readonly listeners = new Map<string, Listener>();
  /** Jobs sent and not finished, by job id: settled by their completed or failed event. */
  private readonly waiting = new Map<string, Waiter>();
  /** Settles, from Redis, jobs whose end event has not come for a while (a trimmed event stream). */
  private readonly sweep: NodeJS.Timeout;
  private workerList: { at: number; list: Promise<WorkerAdvert[]> } | undefined;
  private readonly ttlMs: number;
  private readonly recheckMs: number;

  constructor(private readonly opts: DispatcherOptions) {
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    // Connection errors surface as REDIS_UNREACHABLE from checkRedis, not as unhandled events.
    this.redis.on('error', () => {});
    this.ttlMs = opts.workerTtlMs ?? 10_000;
    this.recheckMs = opts.recheckMs ?? 5_000;
    this.sweep = setInterval(() => this.settleStale(), SWEEP_MS);
    this.sweep.unref();
  }

  /** Tasks that read or write the coordinator's own state (registry, deployments) stay here. */
  accepts(_step: TaskStep, task: AnyTask): boolean {
    return task.placement !== 'coordinator';
  }

  async execute(req: ExecuteRequest): Promise<unknown> {
    const requirement = requirementOf(req.step, req.task);
    const laneName = laneOf(requirement);
    const lane = await this.lane(laneName);
    const jobId = jobIdOf(req.runId, req.stepId, req.attempt);
    let claimed = false;
    this.listeners.set(jobId, (msg) => {
      if (msg.kind === 'claimed') {
        claimed = true;
        const gpus = msg.gpus.length ? ` with GPU ${msg.gpus.join(',')}` : '';
        req.emit('step.log', {
          level: 'info',
          message: `running on worker ${msg.worker}${gpus}`,
          data: {
            worker: msg.worker,
            host: msg.host,
            gpus: msg.gpus,
            claimedAt: msg.at,
            dispatchMs: msg.at - enqueuedAt,
          },
        });
      } else for (const e of msg.events) req.emit(e.type, e.data);
    });
    // The job's end comes as its completed or failed event, after every message the worker sent for it.
    const finished = new Promise<StepJobResult>((resolve, reject) => {
      this.waiting.set(jobId, { lane, stepId: req.stepId, since: Date.now(), resolve, reject });
    });
    // Awaited below; a failure that comes while the add is still being acknowledged is not unhandled.
    finished.catch(() => {});
    const enqueuedAt = Date.now();
    const watch = this.watchCapacity(requirement, req, () => claimed);
    const onAbort = () => void this.cancel(lane, jobId);
    req.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.submit(lane, {
        name: req.stepId,
        data: {
          runId: req.runId,
          stepId: req.stepId,
          attempt: req.attempt,
          taskId: req.task.id,
          taskVersion: req.task.version,
          input: req.input,
          upstream: req.upstream,
          requirement,
          enqueuedAt,
          ...(req.step.secrets ? { secrets: req.step.secrets } : {}),
        },
        opts: {
          jobId,
          attempts: 1,
          removeOnComplete: { age: 86_400, count: 10_000 },
          removeOnFail: { age: 86_400 },
        },
      });
      // A cancelled job may be removed before anyone took it: stop waiting on it then.
      return (await Promise.race([finished, abortedBy(req.signal)])).output;
    } finally {
      this.waiting.delete(jobId);
      clearInterval(watch);
      req.signal.removeEventListener('abort', onAbort);
      this.listeners.delete(jobId);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    // Lanes that never came up (Redis down) have nothing to close.
    const lanes = (await Promise.allSettled(this.lanes.values())).flatMap((r) =>
      r.status === 'fulfilled' ? [r.value] : [],
    );
    await Promise.allSettled(lanes.flatMap((l) => [l.queue.close(), l.events.close()]));
    this.redis.disconnect();
  }

  private lane(name: string): Promise<Lane> {
    let lane = this.lanes.get(name);
    if (!lane) {
      lane = (async () => {
        await checkRedis(this.redis, this.opts.redisUrl);
        const connection = { url: this.opts.redisUrl, maxRetriesPerRequest: null };
        const qn = queueNameOf(this.opts.queue, name);
        const queue = new Queue<StepJob, StepJobResult>(qn, { connection });
        // Read the lane's events from where the stream is now, not from "$" at the first blocking read:
        // a job added and claimed before that read would lose its claim and completion events.
        const last = await this.redis.xrevrange(queue.toKey('events'), '+', '-', 'COUNT', 1);
        const events = new QueueEvents(qn, { connection, lastEventId: last[0]?.[0] ?? '0-0' });
        events.on('progress', ({ jobId, data }) => this.listeners.get(jobId)?.(data as WorkerMessage));
        events.on('completed', ({ jobId, returnvalue }) => {
          const result = returnvalue as unknown as StepJobResult;
          // A fast step's claim rides on its result: record it before the step's end.
          if (result?.claim) this.listeners.get(jobId)?.(result.claim);
          this.waiting.get(jobId)?.resolve(result);
        });
        events.on('failed', ({ jobId, failedReason }) => {
          const w = this.waiting.get(jobId);
          w?.reject(decodeFailure(failedReason, w.stepId));
        });
        // An attempt re-sent after a coordinator crash joins the job already there: its end may be long past.
        events.on('duplicated', ({ jobId }) => void this.settleFromStore(jobId));
        // Workers start consuming a lane once it is listed here.
        await Promise.all([events.waitUntilReady(), this.redis.sadd(keys(this.opts.queue).lanes, name)]);
        return { queue, events, outbox: [] };
      })();
      // A lane that could not be set up (Redis down) is tried afresh next time.
      lane.catch(() => this.lanes.delete(name));
      this.lanes.set(name, lane);
    }
    return lane;
  }

  /**
   * Adds a job with the others sent in the same turn of the event loop: one addBulk (one Redis round
   * trip) for all the steps a superstep makes ready. Resolves once the job is in the queue.
   */
  private submit(lane: Lane, job: BulkJob): Promise<void> {
    return new Promise((added, failed) => {
      lane.outbox.push({ job, added, failed });
      if (lane.outbox.length === 1) setImmediate(() => void this.flush(lane));
    });
  }

  private async flush(lane: Lane): Promise<void> {
    const batch = lane.outbox.splice(0);
    try {
      await lane.queue.addBulk(batch.map((b) => b.job));
      for (const b of batch) b.added();
    } catch (e) {
      for (const b of batch) b.failed(e);
    }
  }

  /** Settles a job from its record in Redis when it has finished (its end event may be long past). */
  private async settleFromStore(jobId: string): Promise<void> {
    const w = this.waiting.get(jobId);
    if (!w) return;
    const job = await w.lane.queue.getJob(jobId).catch(() => undefined);
    const state = await job?.getState().catch(() => undefined);
    if (!job || !this.waiting.has(jobId)) return;
    if (state === 'completed') {
      if (job.returnvalue?.claim) this.listeners.get(jobId)?.(job.returnvalue.claim);
      w.resolve(job.returnvalue);
    } else if (state === 'failed') w.reject(decodeFailure(job.failedReason, w.stepId));
  }

  private settleStale(): void {
    const before = Date.now() - SWEEP_MS;
    for (const [jobId, w] of this.waiting) if (w.since < before) void this.settleFromStore(jobId);
  }

  /** Live workers, read from Redis at most once a second however many steps are starting. */
  private workers(): Promise<WorkerAdvert[]> {
    const now = Date.now();
    if (!this.workerList || now - this.workerList.at > 1000) {
      this.workerList = {
        at: now,
        list: liveWorkers(this.redis, this.opts.queue, this.ttlMs).catch(() => []),
      };
    }
    return this.workerList.list;
  }

  /** Says why a step waits when no live worker can take it, and again when that changes. */
  private watchCapacity(req: Requirement, r: ExecuteRequest, claimed: () => boolean): NodeJS.Timeout {
    let lastNote = '';
    const check = async () => {
      if (claimed() || r.signal.aborted) return;
      const workers = await this.workers();
      const able = workers.filter((w) => canMeet(w.gpus, req));
      const note =
        able.length > 0
          ? ''
          : workers.length === 0
            ? `waiting for a worker: none is running on queue "${this.opts.queue}". Start one with \`pipewright worker\`.`
            : `waiting for a worker with ${describeRequirement(req)}: none of the ${workers.length} live worker(s) has that (${workers
                .map((w) => `${w.id}: ${describeGpus(w.gpus)}`)
                .join('; ')}). Start \`pipewright worker --gpus auto\` on a machine that has them.`;
      if (note && note !== lastNote)
        r.emit('step.log', { level: 'warn', message: note, data: { waiting: true } });
      if (!note && lastNote)
        r.emit('step.log', { level: 'info', message: 'a capable worker is available now' });
      lastNote = note;
    };
    void check();
    return setInterval(() => void check(), this.recheckMs);
  }

  /** Removes a job nobody took yet; tells the worker running it to stop. */
  private async cancel(lane: Lane, jobId: string): Promise<void> {
    await this.redis.publish(keys(this.opts.queue).cancel, jobId).catch(() => {});
    const job = await lane.queue.getJob(jobId).catch(() => undefined);
    if (job && (await job.getState().catch(() => '')) === 'waiting') await job.remove().catch(() => {});
  }
}

/** How long a job may go without its end event before Redis is asked whether it finished. */
const SWEEP_MS = 5_000;

function abortedBy(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
