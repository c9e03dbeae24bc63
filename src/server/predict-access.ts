/**
 * Who may call POST /models/:name/predict. Open by default (a deployed model is a public endpoint); the
 * policy closes it for every model (serving.predict: token → a valid bearer token of any role) or for one
 * model (serving.keys.<model>: the sha256 of a key sent as x-model-key; a token works too).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { userError } from '../errors.ts';
import type { Policy } from '../policy/index.ts';
import type { AuthStore } from '../store/index.ts';
import { errorResponse } from './http-errors.ts';

export const MODEL_KEY_HEADER = 'x-model-key';

const sameHash = (key: string, hex: string) => {
  const got = createHash('sha256').update(key).digest();
  const want = Buffer.from(hex, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
};

export function predictAccess(auth: AuthStore, serving: () => Policy['serving']): MiddlewareHandler {
  return async (c, next) => {
    const policy = serving();
    const name = c.req.param('name') ?? '';
    const keyHash = policy.keys[name];
    if (!keyHash && policy.predict === 'open') return next();
    const key = c.req.header(MODEL_KEY_HEADER);
    if (keyHash && key && sameHash(key, keyHash)) return next();
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer && auth.verify(bearer)) return next();
    return errorResponse(
      c,
      userError(
        'UNAUTHORIZED',
        `Predicting with model "${name}" needs ${keyHash ? `its model key (${MODEL_KEY_HEADER}) or ` : ''}a bearer token`,
        key || bearer ? 'the key or token sent is not valid' : 'the request sent neither',
        keyHash
          ? `Send ${MODEL_KEY_HEADER}: <key> (ask the model's owner) or Authorization: Bearer <token>.`
          : 'Send Authorization: Bearer <token>; any role may predict (`pipewright token create --role viewer`).',
      ),
    );
  };
}
