/**
 * Queue depth of the BullMQ lanes (when Redis is configured), read from Redis at scrape time: jobs per
 * lane and state, whoever enqueued them, and the live workers. A Redis that does not answer within the
 * scrape's time budget sets pipewright_queue_up to 0 instead of failing the scrape.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { keys, queueNameOf, type WorkerAdvert } from '../workers/protocol.ts';

const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export interface QueueMetricsOptions {
  redisUrl: string;
  queue: string;
  /** Longest a scrape waits for Redis (default 2 s). */
  timeoutMs?: number;
  /** A worker whose heartbeat is older than this is gone (default 10 s, as the dispatcher). */
  workerTtlMs?: number;
}

export class QueueMetrics {
  private redis: Redis | undefined;
  private readonly lanes = new Map<string, Queue>();
  private readonly jobs: Gauge<'lane' | 'state'>;
  private readonly workers: Gauge;
  private readonly up: Gauge;

  constructor(
    private readonly opts: QueueMetricsOptions,
    registry: Registry,
  ) {
    const registers = [registry];
    this.jobs = new Gauge({
      name: 'pipewright_queue_jobs',
      help: 'Step jobs in the BullMQ lanes, by lane and state (waiting + prioritized + delayed = queue depth)',
      labelNames: ['lane', 'state'],
      registers,
    });
    this.workers = new Gauge({
      name: 'pipewright_queue_workers',
      help: 'Live workers on the queue (heartbeat within the time-to-live)',
      registers,
    });
    this.up = new Gauge({
      name: 'pipewright_queue_up',
      help: '1 when Redis answered this scrape, else 0 (the queue gauges then keep their last values)',
      registers,
    });
  }

  private connection(): Redis {
    this.redis ??= new Redis(this.opts.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      connectTimeout: this.opts.timeoutMs ?? 2000,
    });
    // Errors surface through the scrape's pipewright_queue_up, not as unhandled events.
    this.redis.on('error', () => {});
    return this.redis;
  }

  async refresh(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), this.opts.timeoutMs ?? 2000);
    });
    try {
      await Promise.race([this.read(), timeout]);
      this.up.set(1);
    } catch {
      this.up.set(0);
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(): Promise<void> {
    const redis = this.connection();
    const names = (await redis.smembers(keys(this.opts.queue).lanes)).sort();
    const counts = await Promise.all(
      names.map(async (lane) => {
        let q = this.lanes.get(lane);
        if (!q) {
          q = new Queue(queueNameOf(this.opts.queue, lane), { connection: redis });
          this.lanes.set(lane, q);
        }
        return [lane, await q.getJobCounts(...STATES)] as const;
      }),
    );
    // Read-only: the dispatcher prunes dead workers, a scrape only counts the live ones.
    const adverts = Object.values(await redis.hgetall(keys(this.opts.queue).workers));
    const ttl = this.opts.workerTtlMs ?? 10_000;
    const live = adverts.filter((json) => {
      try {
        return Date.now() - (JSON.parse(json) as WorkerAdvert).seenAt <= ttl;
      } catch {
        return false;
      }
    });
    this.jobs.reset();
    for (const [lane, c] of counts) for (const state of STATES) this.jobs.set({ lane, state }, c[state] ?? 0);
    this.workers.set(live.length);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.lanes.values()].map((q) => q.close()));
    this.lanes.clear();
    this.redis?.disconnect();
    this.redis = undefined;
  }
}
