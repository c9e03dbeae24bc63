/**
 * Calls to model providers (embeddings, chat) under a rate limit with retries (the limits and the error
 * classification here; the scheduler itself in provider-caller.ts, loaded when a step calls): every attempt takes a slot
 * in a p-queue (at most `concurrency` at once, at most `maxRequestsPerSecond` started in any rolling second),
 * and p-retry retries rate limits (429), server errors (5xx), timeouts and dropped connections with
 * exponential backoff and jitter, waiting at least as long as a Retry-After header asks. Anything else (a 400,
 * a 401, a schema the model cannot follow) fails at once: retrying would not change it.
 */
import { z } from 'zod';

export const CallLimits = z
  .object({
    maxRequestsPerSecond: z
      .number()
      .positive()
      .max(1000)
      .default(10)
      .describe('Requests started in any one second, at most'),
    concurrency: z.number().int().min(1).max(32).default(2).describe('Requests in flight at once'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(5)
      .describe('Retries of a request after a rate limit (429), server error (5xx) or timeout'),
    backoffMs: z
      .number()
      .int()
      .nonnegative()
      .max(60_000)
      .default(500)
      .describe('First retry delay; doubles per retry (with jitter), at most 30 s'),
  })
  .describe('Rate limit and retries of provider requests');
export type CallLimits = z.output<typeof CallLimits>;

export interface CallStats {
  requests: number;
  retries: number;
  rateLimited: number;
}

/** HTTP status of a provider error (OpenAI SDK `status`, ollama `status_code`, fetch `response.status`). */
export function statusOf(e: unknown): number | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const o = cur as { status?: unknown; status_code?: unknown; response?: { status?: unknown } };
    for (const v of [o.status, o.status_code, o.response?.status])
      if (typeof v === 'number' && v >= 100 && v < 600) return v;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

const NETWORK =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|socket hang up|fetch failed|timed? ?out|network/i;

/** Whether an attempt that failed this way may succeed when repeated. */
export function isRetryable(e: unknown): boolean {
  const status = statusOf(e);
  if (status !== undefined)
    return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const o = cur as { name?: unknown; code?: unknown; message?: unknown };
    if (
      o.name === 'TimeoutError' ||
      o.name === 'APIConnectionError' ||
      o.name === 'APIConnectionTimeoutError'
    )
      return true;
    if (typeof o.code === 'string' && NETWORK.test(o.code)) return true;
    if (typeof o.message === 'string' && NETWORK.test(o.message)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** Milliseconds a Retry-After header (seconds or a date) asks for, if the error carries one. */
export function retryAfterMs(e: unknown): number | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const headers = (cur as { headers?: unknown }).headers;
    let v: unknown;
    if (headers && typeof (headers as Headers).get === 'function')
      v = (headers as Headers).get('retry-after');
    else if (headers && typeof headers === 'object') v = (headers as Record<string, unknown>)['retry-after'];
    if (typeof v === 'string' && v) {
      const secs = Number(v);
      if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
      const at = Date.parse(v);
      if (Number.isFinite(at)) return Math.max(0, at - Date.now());
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
