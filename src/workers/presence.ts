/**
 * Workers advertise themselves in one Redis hash (id → capabilities, refreshed by heartbeats); an entry
 * not refreshed within the time-to-live belongs to a dead worker and is ignored and pruned.
 */
import type { Redis } from 'ioredis';
import { PipewrightError } from '../errors.ts';
import { keys, type WorkerAdvert } from './protocol.ts';

export async function advertise(redis: Redis, advert: WorkerAdvert): Promise<void> {
  await redis.hset(keys(advert.queue).workers, advert.id, JSON.stringify(advert));
}

export async function withdraw(redis: Redis, queue: string, id: string): Promise<void> {
  await redis.hdel(keys(queue).workers, id);
}

/** Live workers of a queue; entries older than ttlMs are removed. */
export async function liveWorkers(redis: Redis, queue: string, ttlMs: number): Promise<WorkerAdvert[]> {
  const all = await redis.hgetall(keys(queue).workers);
  const now = Date.now();
  const live: WorkerAdvert[] = [];
  const dead: string[] = [];
  for (const [id, json] of Object.entries(all)) {
    try {
      const a = JSON.parse(json) as WorkerAdvert;
      if (now - a.seenAt <= ttlMs) live.push(a);
      else dead.push(id);
    } catch {
      dead.push(id);
    }
  }
  if (dead.length) await redis.hdel(keys(queue).workers, ...dead);
  return live.sort((a, b) => a.id.localeCompare(b.id));
}

/** Fails fast, with what/why/fix, when Redis does not answer (ioredis would otherwise retry forever). */
export async function checkRedis(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } catch (e) {
    let where = 'the configured Redis';
    try {
      where = new URL(url).host;
    } catch {
      // keep the generic name; never print the URL (it may hold a password)
    }
    throw new PipewrightError({
      code: 'REDIS_UNREACHABLE',
      category: 'system',
      retryable: true,
      what: `Cannot reach Redis at ${where}`,
      why: (e as Error).message,
      fix: 'Check that redis-server runs there and that PIPEWRIGHT_REDIS_URL (or --redis) is right.',
    });
  } finally {
    clearTimeout(timer);
  }
}
