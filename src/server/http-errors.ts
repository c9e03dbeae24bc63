/**
 * Errors as the server answers them, on every route: `{ error: { code, what, why, fix, problems } }` with a
 * status that follows the error's code (404 unknown, 409 conflict, 403 forbidden, 413 too large, 400 other
 * user mistakes, 500 ours). A 500 is logged on the server with the request id, and the answer names that id
 * (never the internals).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { formatError, serializeError, userError } from '../errors.ts';
import { formatPath } from '../plan/index.ts';

export interface Problem {
  path: string;
  message: string;
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('Stable error code, e.g. RUN_NOT_FOUND'),
      what: z.string().describe('What happened'),
      why: z.string().nullable().describe('Why it happened'),
      fix: z.string().nullable().describe('How to fix it'),
      problems: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .describe('Every problem found in the request, each with its path'),
    }),
  })
  .describe('An error');

const STATUS: Record<string, ContentfulStatusCode> = {
  RUN_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  STEP_NOT_FOUND: 404,
  MODEL_NOT_REGISTERED: 404,
  MODEL_VERSION_NOT_FOUND: 404,
  MODEL_ALIAS_NOT_FOUND: 404,
  MODEL_NOT_DEPLOYED: 404,
  TOKEN_NOT_FOUND: 404,
  MODEL_ROLLBACK_NOTHING: 409,
  APPROVAL_ALREADY_DECIDED: 409,
  APPROVAL_EXPIRED: 409,
  RUN_FINISHED: 409,
  RUN_BUSY: 409,
  TOKEN_NAME_TAKEN: 409,
  APPROVAL_FORBIDDEN: 403,
  APPROVAL_SELF: 403,
  POLICY_REFUSED: 403,
  FORBIDDEN: 403,
  HOOK_FORBIDDEN: 403,
  HOOK_NOT_FOUND: 404,
  SLACK_REPLAY: 409,
  UNAUTHORIZED: 401,
  NO_TOKENS: 401,
  BODY_TOO_LARGE: 413,
  PLAN_TOO_LARGE: 413,
  SLACK_NOT_CONFIGURED: 503,
};

export function statusOf(code: string, category: string): ContentfulStatusCode {
  return STATUS[code] ?? (category === 'user' ? 400 : 500);
}

/** The JSON body of an error; decisions already made come back with the approval record. */
export function errorJson(
  e: unknown,
  requestId?: string,
): { status: ContentfulStatusCode; body: Record<string, unknown>; ours: boolean } {
  const s = serializeError(e instanceof HTTPException ? fromHttpException(e) : e);
  const details = (s.details ?? {}) as { problems?: Problem[]; approval?: unknown };
  const status = statusOf(s.code, s.category);
  const ours = s.category !== 'user';
  return {
    status,
    ours,
    body: {
      error: {
        code: s.code,
        what: s.category === 'user' ? s.what : 'The server failed to answer',
        why: s.category === 'user' ? (s.why ?? null) : null,
        fix:
          s.category === 'user'
            ? (s.fix ?? null)
            : `See the server log${requestId ? ` for request ${requestId}` : ''}.`,
        problems: details.problems ?? [],
        ...(details.approval ? { approval: details.approval } : {}),
        ...(ours && requestId ? { requestId } : {}),
      },
    },
  };
}

/** Where a 500 is written (the server's stderr); tests replace it. */
export let serverLog: (line: string) => void = (line) => void process.stderr.write(`${line}\n`);
export function setServerLog(fn: (line: string) => void): void {
  serverLog = fn;
}

/** The error as the answer; a 500 is logged first, with the request id the answer names. */
export function errorResponse(c: Context, e: unknown) {
  const requestId = (c.var as { requestId?: string }).requestId;
  const { status, body, ours } = errorJson(e, requestId);
  if (ours) {
    serverLog(
      `${new Date().toISOString()} request ${requestId ?? '-'} ${c.req.method} ${c.req.path} failed (${status}):\n${formatError(e, { stack: true })}`,
    );
  }
  return c.json(body, status);
}

/** hono's own errors (malformed JSON from a validator, ...) in the project's error model. */
function fromHttpException(e: HTTPException) {
  const notJson = e.status === 400 && /json/i.test(e.message);
  return userError(
    notJson ? 'BODY_NOT_JSON' : 'BAD_REQUEST',
    notJson ? 'The request body is not valid JSON' : e.message || 'The request is malformed',
    notJson ? e.message : undefined,
    notJson ? 'Send a JSON body with content-type: application/json.' : undefined,
  );
}

/** A user error listing every zod issue with its path. */
export function invalid(what: string, issues: readonly z.core.$ZodIssue[]) {
  const problems: Problem[] = issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  return userError(
    'REQUEST_INVALID',
    what,
    `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems
      .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
      .join('; ')}`,
    'Fix every listed problem; GET /api/openapi.json describes each body.',
    { problems },
  );
}
