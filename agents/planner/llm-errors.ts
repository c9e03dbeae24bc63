/** A drafting model's failed request as a clear error. */
import { PipewrightError } from '../../src/errors.ts';
import type { PlannerDeps } from './graph-types.ts';

/** HTTP statuses with which servers turn down requests that offer tools (no tool support, no --jinja). */
export const TOOLS_REJECTED = new Set([400, 404, 405, 422, 500, 501]);

/**
 * A failed request (timeout, refused connection, HTTP error) as a clear error, or undefined when the error is
 * about the answer itself (unparseable output), which the repair loop handles. Messages never hold the key.
 */
export function transportError(e: unknown, info: PlannerDeps['modelInfo']): PipewrightError | undefined {
  const err = e as {
    name?: string;
    message?: string;
    status?: unknown;
    status_code?: unknown;
    code?: unknown;
    cause?: unknown;
  };
  const text = `${err?.name ?? ''} ${err?.message ?? ''}`;
  const causeCode = (err?.cause as { code?: string } | undefined)?.code;
  const who = `${info?.provider ?? 'LLM'}${info?.model ? ` model "${info.model}"` : ''}`;
  const why = (err?.message ?? String(e)).replace(/\b(sk|key)-[\w-]+/gi, '[redacted]').slice(0, 300);
  if (/TimeoutError|timed? ?out/i.test(text)) {
    return new PipewrightError({
      code: 'LLM_TIMEOUT',
      category: 'third-party',
      what: `The ${who} did not answer in time, even after retries`,
      why,
      fix: 'Check that the server is up and the model loaded, raise PIPEWRIGHT_LLM_TIMEOUT_MS, or use --provider offline.',
      retryable: true,
    });
  }
  const rawStatus = err?.status ?? err?.status_code;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  if (
    status !== undefined ||
    /APIConnectionError|ECONNREFUSED|ENOTFOUND|ECONNRESET|fetch failed|socket hang up/i.test(text) ||
    /ECONNREFUSED|ENOTFOUND|ECONNRESET/.test(String(causeCode ?? err?.code ?? ''))
  ) {
    return new PipewrightError({
      code: 'LLM_REQUEST_FAILED',
      category: 'third-party',
      what: `The request to the ${who} failed${status ? ` with HTTP ${status}` : ''}`,
      why,
      fix:
        status === 401 || status === 403
          ? 'Check PIPEWRIGHT_LLM_API_KEY.'
          : 'Check PIPEWRIGHT_LLM_BASE_URL / --base-url and that the server is running, or use --provider offline.',
      retryable: status === undefined || status >= 500 || status === 429,
    });
  }
  return undefined;
}
