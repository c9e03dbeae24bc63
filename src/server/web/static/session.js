/** Who the saved token belongs to (GET /api/console/me), read once per token. */
import { api } from './api.js';

let me;

export async function whoAmI() {
  me ??= api('GET', '/api/console/me').catch((e) => {
    me = undefined;
    throw e;
  });
  return me;
}

export function forgetMe() {
  me = undefined;
}
