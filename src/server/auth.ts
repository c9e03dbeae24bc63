/**
 * Bearer-token auth for the API. 401 without a usable token (and, while no token exists at all, a message
 * saying how to create the first one: the API is never open by default); 403 when the role is too low.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { isPipewrightError, type PipewrightError, userError } from '../errors.ts';
import { type AuthStore, type Identity, ROLES, type Role, roleAllows } from '../store/index.ts';
import { errorResponse } from './http-errors.ts';

/** What the server's middleware leaves on the context: the caller, the raw body of a signed Slack request, the request id. */
export interface AuthEnv {
  Variables: { identity: Identity; rawBody: string; requestId: string };
}

const unauthorized = (what: string, why: string, fix: string) => userError('UNAUTHORIZED', what, why, fix);

/** The caller's identity from `Authorization: Bearer <token>`, or the 401 error saying why there is none. */
function identify(auth: AuthStore, header: string): Identity | PipewrightError {
  if (auth.activeTokenCount() === 0) {
    return userError(
      'NO_TOKENS',
      'The API has no tokens yet, so it refuses every request',
      'the API is never open by default',
      'Create one on the server machine: `pipewright token create --role admin --name <you>`, then send it as `Authorization: Bearer <token>`.',
    );
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) {
    return unauthorized(
      'No bearer token',
      header ? 'the Authorization header is not "Bearer <token>"' : 'the request has no Authorization header',
      'Send `Authorization: Bearer <token>`; create a token with `pipewright token create`.',
    );
  }
  const token = auth.verify(m[1] as string);
  if (!token) {
    return unauthorized(
      'The bearer token is not valid',
      'it is unknown, mistyped or revoked',
      'Check the token, or ask an admin for a new one (`pipewright token create`).',
    );
  }
  return { name: token.name, role: token.role, via: 'token' };
}

/** A 401 with the challenge RFC 6750 asks for (MCP clients read it too). */
function refuse(c: Context, e: PipewrightError) {
  c.header('www-authenticate', 'Bearer realm="pipewright"');
  return errorResponse(c, e);
}

/** Finds the caller's identity from `Authorization: Bearer <token>`; answers 401 when there is none. */
export function authenticate(auth: AuthStore): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const who = identify(auth, c.req.header('authorization') ?? '');
    if (isPipewrightError(who)) return refuse(c, who);
    c.set('identity', who);
    await next();
  };
}

/** Answers 403 unless the caller's role is at least `role`. */
export function requireRole(role: Role): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const who = c.get('identity');
    if (!who || !roleAllows(who.role, role)) {
      return errorResponse(c, forbidden(who, role, `${c.req.method} ${c.req.path}`));
    }
    await next();
  };
}

/** A bearer token with at least `role`: 401 without a usable one, 403 when the role is too low. */
export function bearer(auth: AuthStore, role: Role): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const who = identify(auth, c.req.header('authorization') ?? '');
    if (isPipewrightError(who)) return refuse(c, who);
    if (!roleAllows(who.role, role))
      return errorResponse(c, forbidden(who, role, `${c.req.method} ${c.req.path}`));
    c.set('identity', who);
    await next();
  };
}

export function forbidden(who: Identity | undefined, role: Role, action: string) {
  return userError(
    'FORBIDDEN',
    `${who ? `${who.name} (${who.role})` : 'This caller'} may not ${action}`,
    `it needs the ${role} role or higher (${ROLES.join(' < ')})`,
    `Use a token with the ${role} role; an admin creates one with \`pipewright token create --role ${role} --name <name>\`.`,
  );
}

export const identityOf = (c: Context<AuthEnv>): Identity => c.get('identity');
