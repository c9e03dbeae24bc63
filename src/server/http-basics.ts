/**
 * What every pipewright HTTP app does, whatever routes it serves (`pipewright serve`, `pipewright mcp
 * --http`): a request id on every answer (the caller's x-request-id when it sends a sane one), body limits
 * that refuse a large body with 413 before it is read, JSON 404s for unknown paths, and one error mapping
 * (errorResponse: a 500 is logged with the request id its answer names).
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { userError } from '../errors.ts';
import type { AuthEnv } from './auth.ts';
import { errorResponse } from './http-errors.ts';

export interface BasicsOptions {
  /** Largest request body on every route but predict (default 1 MiB). */
  maxBodyBytes?: number;
  /** Largest body of a predict request (default 4 MiB: a batch of 1,000 wide rows). */
  maxPredictBodyBytes?: number;
  /** Middleware that must see every answer, errors included (metrics), run right after the request id. */
  observe?: MiddlewareHandler<AuthEnv>;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function applyBasics(app: Hono<AuthEnv>, opts: BasicsOptions = {}): void {
  app.use('*', requestId());
  if (opts.observe) app.use('*', opts.observe);
  const limited = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) =>
        errorResponse(
          c,
          userError(
            'BODY_TOO_LARGE',
            'The request body is too large',
            `the limit for ${c.req.path} is ${maxSize} bytes`,
            'Send a smaller body (split a predict batch); refer to large data by path instead of inlining it.',
          ),
        ),
    });
  const limit = limited(opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const predictLimit = limited(opts.maxPredictBodyBytes ?? 4 * 1024 * 1024);
  // Every route, open ones first (predict, hooks, Slack, MCP): the body is refused before it is read.
  app.use('*', (c, next) => (c.req.path.endsWith('/predict') ? predictLimit(c, next) : limit(c, next)));
  app.notFound((c) =>
    errorResponse(
      c,
      userError(
        'NOT_FOUND',
        `No route ${c.req.method} ${c.req.path}`,
        'nothing is served at this path',
        'See docs/api.md and GET /api/openapi.json for every route.',
      ),
    ),
  );
  // Logs a 500 with its request id (errorResponse), answers with the id and no internals.
  app.onError((e, c) => errorResponse(c, e));
}
