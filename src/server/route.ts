/**
 * Routes as records. Every HTTP route is declared once, as data: method, path, who may call it, the zod
 * schemas of its body, query, path parameters and answers, the error codes it may answer, and its handler.
 * One loop (mountRoutes) registers them, applying the access check and the validators, and the OpenAPI
 * document is generated from the same records (openapi.ts): the document, the auth and the code cannot
 * drift apart. Handlers receive parsed input and return either the data of their first answer (sent as
 * JSON with that answer's status, type-checked against its schema) or a Response (streams, other statuses).
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode, SuccessStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { userError } from '../errors.ts';
import type { AuthStore, Role } from '../store/index.ts';
import { type AuthEnv, bearer } from './auth.ts';
import type { HttpErrorCode } from './error-codes.ts';
import { invalid } from './http-errors.ts';

/**
 * Who may call a route: a bearer token with at least this role; anyone ('open'); predict's policy (open
 * unless the serving policy asks for a token or a per-model key); a request signed with Slack's signing
 * secret, once ('slack').
 */
export type Access = Role | 'open' | 'predict' | 'slack';

export type Method = 'get' | 'post' | 'delete';

/** One answer a route gives on success. */
export interface Reply<S extends z.ZodType = z.ZodType> {
  /** Default 200. 304 for a conditional GET whose copy is current (no body). */
  status?: SuccessStatusCode | 304;
  description: string;
  /** The JSON body (for text/event-stream: each event's data). Omit both schema and type for no body. */
  schema?: S;
  /** Content type; default application/json when there is a schema. */
  type?: string;
  /** Response headers worth documenting: name → what it carries. */
  headers?: Record<string, string>;
}

export type Replies = Reply | readonly Reply[];
type FirstReply<R> = R extends readonly [infer F, ...unknown[]] ? F : R;
/** What a handler may return as data: the input of its first answer's schema. */
export type ReplyData<R> = FirstReply<R> extends { schema: infer S extends z.ZodType } ? z.input<S> : never;

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

/** The names of a path's parameters: '/api/runs/:id/approvals/:step' → 'id' | 'step'. */
export type ParamKeys<Path extends string> = Path extends `${string}:${infer K}/${infer Rest}`
  ? K | ParamKeys<`/${Rest}`>
  : Path extends `${string}:${infer K}`
    ? K
    : never;

export interface RouteInput<B, Q, P, Path extends string = string> {
  body: Parsed<B>;
  query: Parsed<Q>;
  params: P extends z.ZodType ? z.output<P> : { [K in ParamKeys<Path>]: string };
}

export interface RouteRecord<
  B extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  P extends z.ZodType | undefined = z.ZodType | undefined,
  R extends Replies = Replies,
  Path extends string = string,
> {
  method: Method;
  /** Hono path, e.g. /api/runs/:id. */
  path: Path;
  summary: string;
  /** Longer text for the document (optional). */
  description?: string;
  /** Group in the document. */
  tag: string;
  role: Access;
  body?: B;
  /** How the body is sent (default json). */
  bodyType?: 'json' | 'form';
  query?: Q;
  params?: P;
  response: R;
  /** Codes this route may answer besides the ones its access and validators bring (see openapi.ts). */
  errors: readonly HttpErrorCode[];
  /** Also take the bearer token as ?access_token= (EventSource cannot send headers). */
  tokenInQuery?: boolean;
  handler(
    c: Context<AuthEnv>,
    input: NoInfer<RouteInput<B, Q, P, Path>>,
  ): NoInfer<ReplyData<R>> | Response | Promise<NoInfer<ReplyData<R>> | Response>;
}

export type AnyRoute = RouteRecord;

/** Declares a route; the generics only check the handler against the schemas. */
export function defineRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
  const R extends Replies = Replies,
  const Path extends string = string,
>(record: RouteRecord<B, Q, P, R, Path>): NoInfer<RouteRecord<B, Q, P, R, Path>> {
  return record;
}

/** The checks behind each kind of access. A record whose access has no guard is refused at start-up. */
export interface Guards {
  /** Checks the bearer token for at least this role. */
  role: (role: Role) => MiddlewareHandler<AuthEnv>;
  predict?: MiddlewareHandler<AuthEnv>;
  slack?: MiddlewareHandler<AuthEnv>;
}

/** Bearer tokens from the token store for the roles, plus any other guards. */
export const tokenGuards = (auth: AuthStore, extra: Omit<Guards, 'role'> = {}): Guards => ({
  role: (role) => bearer(auth, role),
  ...extra,
});

const pass: MiddlewareHandler<AuthEnv> = (_c, next) => next();

/**
 * No checks at all: for embedding a sub-app behind your own access control (tests, benchmarks). The
 * server never uses it.
 */
export const UNGUARDED: Guards = { role: () => pass, predict: pass, slack: pass };

/** EventSource cannot send headers: ?access_token= stands in for the Authorization header. */
const tokenFromQuery: MiddlewareHandler<AuthEnv> = async (c, next) => {
  const q = c.req.query('access_token');
  if (q && !c.req.header('authorization')) c.req.raw.headers.set('authorization', `Bearer ${q}`);
  await next();
};

function guardOf(r: AnyRoute, guards: Guards): MiddlewareHandler<AuthEnv> | undefined {
  if (r.role === 'open') return undefined;
  const guard = r.role === 'predict' || r.role === 'slack' ? guards[r.role] : guards.role(r.role);
  if (!guard) throw new Error(`route ${r.method.toUpperCase()} ${r.path} needs a "${r.role}" guard`);
  return guard;
}

/**
 * Registers every record on `app`, in order: the access check (401/403 before anything is parsed), then the
 * path parameters, query and body validators (400 with every problem), then the handler.
 */
export function mountRoutes(app: Hono<AuthEnv>, records: readonly AnyRoute[], guards: Guards): void {
  for (const r of records) {
    const method = r.method.toUpperCase();
    if (r.tokenInQuery) app.on(method, r.path, tokenFromQuery);
    const guard = guardOf(r, guards);
    if (guard) app.on(method, r.path, guard);
    app.on(method, r.path, async (c) => {
      const out = await r.handler(c, await parseInput(c, r));
      // A Response made outside the context (a stream, the MCP transport's answer, a page file) gets the
      // headers the middleware prepared (x-request-id) too.
      if (out instanceof Response) return c.newResponse(out.body, out);
      const first = (Array.isArray(r.response) ? r.response[0] : r.response) as Reply;
      return c.json(out as object, (first.status ?? 200) as ContentfulStatusCode);
    });
  }
}

async function parseInput(c: Context<AuthEnv>, r: AnyRoute): Promise<RouteInput<unknown, unknown, unknown>> {
  const check = <S extends z.ZodType>(schema: S, value: unknown, what: string) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw invalid(what, parsed.error.issues);
    return parsed.data as z.output<S>;
  };
  const params = r.params ? check(r.params, c.req.param(), 'The path parameters are invalid') : c.req.param();
  const query = r.query ? check(r.query, c.req.query(), 'The query parameters are invalid') : undefined;
  const body = r.body
    ? check(r.body, await readBody(c, r.bodyType ?? 'json'), 'The request body does not fit its schema')
    : undefined;
  return { params, query, body } as RouteInput<unknown, unknown, unknown>;
}

/** The body as JSON (whatever the content type says; empty → undefined) or as form fields. */
async function readBody(c: Context, type: 'json' | 'form'): Promise<unknown> {
  const text = await c.req.text();
  if (type === 'form') return Object.fromEntries(new URLSearchParams(text));
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw userError(
      'BODY_NOT_JSON',
      'The request body is not valid JSON',
      e instanceof Error ? e.message : String(e),
      'Send a JSON body with content-type: application/json.',
    );
  }
}
