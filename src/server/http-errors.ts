/**
 * Errors as the server answers them, on every route: `{ error: { code, what, why, fix, problems } }` with the
 * status the code has in the one table (error-codes.ts; otherwise 400 for user mistakes, 500 for ours). A 500
 * is logged on the server with the request id, and the answer names that id (never the internals).
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { formatError, serializeError, userError } from '../errors.ts';
import { formatPath } from '../plan/index.ts';
import { statusOf } from './error-codes.ts';
import { named } from './schema-names.ts';

export interface Problem {
  path: string;
  message: string;
}

export const ErrorBody = named(
  'ErrorBody',
  z
    .object({
      error: z.object({
        code: z.string().describe('Stable error code, e.g. RUN_NOT_FOUND (docs/api.md lists them)'),
        what: z.string().describe('What happened'),
        why: z.string().nullable().describe('Why it happened'),
        fix: z.string().nullable().describe('How to fix it'),
        problems: z
          .array(z.object({ path: z.string(), message: z.string() }))
          .describe('Every problem found in the request, each with its path'),
        approval: z
          .record(z.string(), z.unknown())
          .optional()
          .describe('The approval as decided already (APPROVAL_ALREADY_DECIDED, APPROVAL_EXPIRED)'),
        requestId: z.string().optional().describe('The request id the server log names (500s)'),
      }),
    })
    .describe('An error: what happened, why, and how to fix it'),
);

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

/** A user error listing every zod issue with its path (400 REQUEST_INVALID). */
export function invalid(what: string, issues: readonly z.core.$ZodIssue[]) {
  const problems = flattenIssues(issues);
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

/** Zod issues as path/message pairs; a union's failure is the problems of the branch that got furthest. */
export function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branches = issue.errors.map((errs) => flattenIssues(errs, at));
      out.push(...branches.reduce((a, b) => (b.length < a.length ? b : a)));
      continue;
    }
    out.push({ path: formatPath(at), message: issue.message });
  }
  return out;
}
