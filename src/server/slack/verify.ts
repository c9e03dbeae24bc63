/**
 * Slack request signatures: v0 HMAC over `v0:timestamp:rawBody` (bolt's verifier), and a timestamp within
 * 5 minutes of the server clock in either direction (bolt only refuses old ones; a request dated in the
 * future would otherwise stay replayable for longer). Replays inside the window are refused by the routes.
 */
import { createRequire } from 'node:module';
import { userError } from '../../errors.ts';

// Bolt (~0.2 s to load) is required on the first Slack request, not when the server starts.
type Bolt = typeof import('@slack/bolt');
let bolt: Bolt | undefined;
const verifySlackRequest: Bolt['verifySlackRequest'] = (opts) => {
  bolt ??= createRequire(import.meta.url)('@slack/bolt') as Bolt;
  return bolt.verifySlackRequest(opts);
};

/** Throws a 401-mapped error unless the raw body carries a valid, fresh Slack signature. */
export function verifySlackSignature(opts: {
  signingSecret: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs?: number;
}): void {
  const ts = Number(opts.timestamp);
  if (!opts.signature || !opts.timestamp || !Number.isInteger(ts)) {
    throw userError(
      'UNAUTHORIZED',
      'The request is not signed by Slack',
      'it lacks the x-slack-signature or x-slack-request-timestamp header',
      'Send Slack requests to this endpoint only; Slack signs every request it makes.',
    );
  }
  const skewSec = Math.abs((opts.nowMs ?? Date.now()) / 1000 - ts);
  if (skewSec > MAX_SKEW_SECONDS) {
    throw userError(
      'UNAUTHORIZED',
      'The Slack request is stale',
      `its timestamp is ${Math.round(skewSec)} s from the server clock, more than ${MAX_SKEW_SECONDS} s (a replay, or a wrong clock)`,
      'Check the server clock (NTP).',
    );
  }
  try {
    verifySlackRequest({
      signingSecret: opts.signingSecret,
      body: opts.rawBody,
      headers: { 'x-slack-signature': opts.signature, 'x-slack-request-timestamp': ts },
      ...(opts.nowMs === undefined ? {} : { nowMilliseconds: opts.nowMs }),
      logger: silentLogger,
    });
  } catch (e) {
    const stale = /stale/.test((e as Error).message);
    throw userError(
      'UNAUTHORIZED',
      stale ? 'The Slack request is stale' : 'The Slack signature does not match',
      stale
        ? 'its timestamp is more than 5 minutes from the server clock (a replay, or a wrong clock)'
        : 'the body was changed, or the signing secret differs from the Slack app’s',
      stale
        ? 'Check the server clock (NTP).'
        : 'Set PIPEWRIGHT_SLACK_SIGNING_SECRET to the Signing Secret on the Slack app’s Basic Information page.',
    );
  }
}

/** How far a Slack timestamp may be from the server clock, either way. */
export const MAX_SKEW_SECONDS = 300;

const noop = () => {};
const silentLogger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  setLevel: noop,
  getLevel: () => 'error' as never,
  setName: noop,
};
