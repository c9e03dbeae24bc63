/** The request scheduler of provider-calls.ts: p-queue for the rate limit and concurrency, p-retry for retries. */
import PQueue from 'p-queue';
import pRetry, { AbortError } from 'p-retry';
import { type CallLimits, type CallStats, isRetryable, retryAfterMs, statusOf } from './provider-calls.ts';

const MAX_BACKOFF_MS = 30_000;

/** One provider's request scheduler: rate limit, concurrency and retries shared by every call made through it. */
export class ProviderCaller {
  readonly stats: CallStats = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly queue: PQueue;

  constructor(
    private readonly limits: CallLimits,
    private readonly signal?: AbortSignal,
  ) {
    this.queue = new PQueue({
      concurrency: limits.concurrency,
      intervalCap: Math.max(1, Math.floor(limits.maxRequestsPerSecond)),
      interval: limits.maxRequestsPerSecond >= 1 ? 1000 : Math.round(1000 / limits.maxRequestsPerSecond),
      strict: true,
    });
  }

  /** Runs fn (one request) under the limits, retrying what may succeed when repeated. */
  call<T>(fn: () => Promise<T>): Promise<T> {
    return pRetry(
      async () => {
        if (this.signal?.aborted) throw new AbortError(String(this.signal.reason ?? 'aborted'));
        return (await this.queue.add(async () => {
          this.stats.requests++;
          return fn();
        })) as T;
      },
      {
        retries: this.limits.retries,
        minTimeout: this.limits.backoffMs,
        maxTimeout: MAX_BACKOFF_MS,
        factor: 2,
        randomize: true,
        ...(this.signal ? { signal: this.signal } : {}),
        shouldRetry: ({ error }) => isRetryable(error),
        onFailedAttempt: async ({ error, retriesLeft }) => {
          if (retriesLeft <= 0 || !isRetryable(error)) return;
          this.stats.retries++;
          if (statusOf(error) === 429) this.stats.rateLimited++;
          // Retry-After beyond the backoff: wait the difference here (the backoff sleep follows).
          const wait = retryAfterMs(error);
          if (wait !== undefined && wait > this.limits.backoffMs)
            await new Promise((r) => setTimeout(r, Math.min(wait, MAX_BACKOFF_MS) - this.limits.backoffMs));
        },
      },
    );
  }

  /** Waits for everything queued. */
  async idle(): Promise<void> {
    await this.queue.onIdle();
  }
}
