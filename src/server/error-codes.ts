/**
 * Every error code the HTTP server answers with, and its status: one typed table for every route (the API,
 * the console, models, hooks, Slack, MCP, the web page). A route record lists the codes it may answer
 * (`errors`), the OpenAPI document lists them per status, and errorResponse() takes the status from here. A
 * code not in the table (a new error deep in a library) still answers: 400 for a user mistake, 500 for ours.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const HTTP_ERRORS = {
  // 400: the request is wrong; every problem is listed.
  BODY_NOT_JSON: 400,
  REQUEST_INVALID: 400,
  BAD_REQUEST: 400,
  PLAN_INVALID: 400,
  PLAN_PARSE: 400,
  PLAN_TOO_COMPLEX: 400,
  INPUT_INVALID: 400,
  LINEAGE_AMBIGUOUS: 400,
  MEMORY_FILTER_INVALID: 400,
  MODEL_ALIAS_INVALID: 400,
  TOKEN_NAME_INVALID: 400,
  PREDICT_INVALID_INSTANCES: 400,
  PREDICT_UNKNOWN_FIELDS: 400,
  PREDICT_TOO_MANY_INSTANCES: 400,
  MCP_PROTOCOL_VERSION: 400,
  MODEL_IS_INDEX: 400,
  INDEX_IS_MODEL: 400,
  ARTIFACT_IS_FOLDER: 400,
  // 401: no usable credentials.
  UNAUTHORIZED: 401,
  NO_TOKENS: 401,
  // 403: known caller, not allowed.
  FORBIDDEN: 403,
  APPROVAL_FORBIDDEN: 403,
  APPROVAL_SELF: 403,
  POLICY_REFUSED: 403,
  HOOK_FORBIDDEN: 403,
  // 404: no such thing.
  NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  STEP_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  MODEL_NOT_REGISTERED: 404,
  MODEL_VERSION_NOT_FOUND: 404,
  MODEL_ALIAS_NOT_FOUND: 404,
  MODEL_NOT_DEPLOYED: 404,
  LINEAGE_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  HOOK_NOT_FOUND: 404,
  PLAN_NOT_FOUND: 404,
  ARTIFACT_NOT_FOUND: 404,
  // 405: the path exists, the method does not.
  METHOD_NOT_ALLOWED: 405,
  // 406 / 415: an MCP client that does not speak streamable HTTP's JSON.
  MCP_NOT_ACCEPTABLE: 406,
  MCP_UNSUPPORTED_MEDIA_TYPE: 415,
  // 409: conflicts with what already happened.
  APPROVAL_ALREADY_DECIDED: 409,
  APPROVAL_EXPIRED: 409,
  RUN_FINISHED: 409,
  RUN_BUSY: 409,
  TOKEN_NAME_TAKEN: 409,
  MODEL_ROLLBACK_NOTHING: 409,
  SLACK_REPLAY: 409,
  // 413: too large to take.
  BODY_TOO_LARGE: 413,
  PLAN_TOO_LARGE: 413,
  // 500: the server's own failure (the code is the failure's own; INTERNAL when it has none).
  INTERNAL: 500,
  MODEL_REF_INVALID: 500,
  // 502: a service the server relies on failed (an embedding server).
  INDEX_EMBEDDINGS_FAILED: 502,
  // 503: a part of the server is not set up.
  SLACK_NOT_CONFIGURED: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

export const isHttpErrorCode = (code: string): code is HttpErrorCode => Object.hasOwn(HTTP_ERRORS, code);

/** The status of an error: from the table, else 400 for a user mistake and 500 for anything else. */
export function statusOf(code: string, category: string): ContentfulStatusCode {
  return isHttpErrorCode(code) ? HTTP_ERRORS[code] : category === 'user' ? 400 : 500;
}

/** What each status means, for the OpenAPI document. */
export const STATUS_TEXT: Record<number, string> = {
  400: 'The request is malformed or does not fit its schema (every problem listed with its path)',
  401: 'No usable credentials: no token, an unknown or revoked one, or no token exists yet',
  403: 'The caller may not do this (role too low, or the policy refuses it)',
  404: 'No such thing',
  405: 'The path does not take this method',
  406: 'The client does not accept the answer’s content types',
  409: 'Conflicts with what already happened',
  413: 'Too large: the body (1 MiB, 4 MiB for predict) or the plan',
  415: 'The body’s content type is not one this route takes',
  500: 'The server failed; the answer names the request id its log line carries',
  502: 'A service the server relies on (an embedding server) failed',
  503: 'That part of the server is not configured',
};
