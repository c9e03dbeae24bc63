/**
 * The coordinator's side of scale-out: sends a step attempt to the BullMQ lane that fits its resource
 * request, streams the worker's logs and progress into the run, forwards cancel and timeout, and returns
 * the task's output. Retries, caching and records stay with the engine, so a distributed run records
 * exactly what a local one does.
 */
import { type Job, Queue, QueueEvents } from 'bullmq';
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
}

type Listener = (msg: WorkerMessage) => void;

export class BullmqDispatcher implements StepExecutor {
  private readonly redis: Redis;
  private readonly lanes = new Map<string, Promise<Lane>>();
  private readonly listeners = new Map<string, Listener>();
  /** Called when a job's completed or failed event comes through QueueEvents. */
  private readonly completions = new Map<string, () => void>();
  private workerList: { at: number; list: Promise<WorkerAdvert[]> } | undefined;
  private readonly ttlMs: number;
  private readonly recheckMs: number;

  constructor(private readonly opts: DispatcherOptions) {
    this.redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    // Connection errors surface as REDIS_UNREACHABLE from checkRedis, not as unhandled events.
    this.redis.on('error', () => {});
    this.ttlMs = opts.workerTtlMs ?? 10_000;
    this.recheckMs = opts.recheckMs ?? 5_000;
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
    // Worker messages come through QueueEvents before the job's completion event, but waitUntilFinished
    // may resolve earlier (its first poll finds a fast job done): keep listening until that event, or
    // the claim and the last log lines of the step are lost.
    let drained = () => {};
    const completionSeen = new Promise<void>((resolve) => {
      drained = resolve;
    });
    this.completions.set(jobId, drained);
    const enqueuedAt = Date.now();
    const watch = this.watchCapacity(requirement, req, () => claimed);
    const onAbort = () => void this.cancel(lane, jobId);
    req.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const job: Job<StepJob, StepJobResult> = await lane.queue.add(
        req.stepId,
        {
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
        {
          jobId,
          attempts: 1,
          removeOnComplete: { age: 86_400, count: 10_000 },
          removeOnFail: { age: 86_400 },
        },
      );
      const finished = job.waitUntilFinished(lane.events).then(
        (result) => result.output,
        (e: Error) => {
          throw decodeFailure(e.message, req.stepId);
        },
      );
      try {
        // A cancelled job may be removed before anyone took it: stop waiting on it then.
        return await Promise.race([finished, abortedBy(req.signal)]);
      } finally {
        // QueueEvents lags by seconds on a busy coordinator; the bound covers a trimmed event stream.
        if (!req.signal.aborted) await Promise.race([completionSeen, delay(10_000)]);
      }
    } finally {
      this.completions.delete(jobId);
      clearInterval(watch);
      req.signal.removeEventListener('abort', onAbort);
      this.listeners.delete(jobId);
    }
  }

  async close(): Promise<void> {
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
        events.on('completed', ({ jobId }) => this.completions.get(jobId)?.());
        events.on('failed', ({ jobId }) => this.completions.get(jobId)?.());
        // An attempt re-sent after a coordinator crash joins the job already there: its end may be long past.
        events.on('duplicated', ({ jobId }) => this.completions.get(jobId)?.());
        // Workers start consuming a lane once it is listed here.
        await Promise.all([events.waitUntilReady(), this.redis.sadd(keys(this.opts.queue).lanes, name)]);
        return { queue, events };
      })();
      // A lane that could not be set up (Redis down) is tried afresh next time.
      lane.catch(() => this.lanes.delete(name));
      this.lanes.set(name, lane);
    }
    return lane;
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

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function abortedBy(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
