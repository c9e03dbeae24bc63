/**
 * Outbound requests from tasks (ingest.url, notify webhooks, Slack incoming webhooks, SMTP) never reach
 * the host itself or its private network: loopback, link-local (cloud metadata at 169.254.169.254), private,
 * carrier-grade NAT, multicast and reserved ranges are refused after DNS resolution, unless the policy's
 * egress.allowHosts names the host, the address or its range. The check is made twice: before the request,
 * for a clear error, and again at connect time, on the address actually used (a DNS answer that changes in
 * between, "DNS rebinding", is refused too). Redirects are followed by hand, each hop checked again.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPipewrightError, userError } from '../errors.ts';

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:127.0.0.1), else the address itself. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m?.[1]) return { address: m[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Whether an address is loopback, link-local, private or otherwise not a public internet address. */
export function isInternalAddress(address: string): boolean {
  const a = unmapped(address);
  return BLOCKED.check(a.address, a.family);
}

/** Whether the policy's allowHosts lets this host (by name, address, or range) through. */
export function hostAllowed(allowHosts: readonly string[], hostname: string, address?: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of allowHosts) {
    const entry = raw.toLowerCase();
    if (entry === host || (address && entry === address)) return true;
    if (entry.startsWith('*.') && host.endsWith(entry.slice(1))) return true;
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr?.[1] && address && isIP(cidr[1])) {
      const list = new BlockList();
      const family = isIP(cidr[1]) === 6 ? 'ipv6' : 'ipv4';
      list.addSubnet(cidr[1], Number(cidr[2]), family);
      const a = unmapped(address);
      if (a.family === family && list.check(a.address, family)) return true;
    }
  }
  return false;
}

function refused(shown: string, host: string, address: string) {
  return userError(
    'EGRESS_REFUSED',
    `Refused to connect to ${shown}`,
    `${host} resolves to ${address}, a loopback, link-local or private address; tasks may not reach the server's own host or network`,
    `If this host is meant to be reachable, an admin adds it to egress.allowHosts in the policy (${host} or ${address}).`,
    { host, address },
  );
}

/**
 * The addresses a host resolves to, each checked: refused when one is internal and not allowed. A lookup
 * failure is thrown as is (ENOTFOUND, EAI_AGAIN). Connecting to one of these addresses, rather than to the
 * name, keeps a later DNS answer from changing where the connection goes (the SMTP channel does this).
 */
export async function checkedAddresses(
  hostname: string,
  allowHosts: readonly string[],
  shown = hostname,
): Promise<LookupAddress[]> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await dnsLookupAsync(host, { all: true });
  for (const a of addresses) {
    if (isInternalAddress(a.address) && !hostAllowed(allowHosts, host, a.address))
      throw refused(shown, host, a.address);
  }
  return addresses;
}

/** Resolves the URL's host and refuses it when any of its addresses is internal and not allowed. */
export async function checkOutboundUrl(url: URL, allowHosts: readonly string[], shown = url.origin) {
  try {
    await checkedAddresses(url.hostname, allowHosts, shown);
  } catch (e) {
    // Let the request itself report an unknown host the way it usually does.
    if (isPipewrightError(e)) throw e;
  }
}

/** An undici dispatcher whose every connection is checked on the address it really connects to. */
export function guardedAgent(allowHosts: readonly string[]): Agent {
  return new Agent({
    connect: {
      lookup: ((
        hostname: string,
        options: { all?: boolean; family?: number },
        cb: (e: Error | null, a: string | LookupAddress[], f?: number) => void,
      ) => {
        dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, list) => {
          if (err) return cb(err, []);
          const bad = list.find(
            (a) => isInternalAddress(a.address) && !hostAllowed(allowHosts, hostname, a.address),
          );
          if (bad) return cb(refused(hostname, hostname, bad.address), []);
          if (options.all) return cb(null, list);
          const first = list[0] as LookupAddress;
          cb(null, first.address, first.family);
        });
      }) as never,
    },
  });
}

export interface GuardedInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** How many redirects to follow (default 5); each hop is checked like the first. */
  maxRedirects?: number;
}

/**
 * fetch for tasks: the egress check before the request and at connect time, redirects followed by hand
 * (each hop checked). Returns undici's Response (the same Fetch API shape as the global one).
 */
export async function guardedFetch(
  url: URL | string,
  init: GuardedInit,
  allowHosts: readonly string[],
  shown?: (u: URL) => string,
): Promise<Awaited<ReturnType<typeof undiciFetch>>> {
  const dispatcher = guardedAgent(allowHosts);
  let target = new URL(url);
  let method = init.method ?? 'GET';
  let body = init.body;
  try {
    for (let hop = 0; ; hop++) {
      await checkOutboundUrl(target, allowHosts, shown ? shown(target) : target.origin);
      const res = await undiciFetch(target, {
        method,
        ...(init.headers ? { headers: init.headers } : {}),
        ...(body !== undefined ? { body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
        redirect: 'manual',
        dispatcher,
      });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return res;
      await res.body?.cancel();
      if (hop >= (init.maxRedirects ?? 5)) {
        throw userError(
          'EGRESS_REDIRECTS',
          `Too many redirects from ${shown ? shown(new URL(url)) : new URL(url).origin}`,
          `more than ${init.maxRedirects ?? 5}`,
          'Use the final address directly.',
        );
      }
      const next = new URL(location, target);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw userError('EGRESS_REFUSED', `Refused a redirect to ${next.protocol} from ${target.origin}`);
      }
      // 303 (and 301/302 after a POST, as browsers do) continue as GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      target = next;
    }
  } catch (e) {
    // A refusal at connect time comes back wrapped in fetch's TypeError.
    const cause = (e as { cause?: unknown }).cause;
    if (isPipewrightError(cause)) throw cause;
    throw e;
  } finally {
    void dispatcher.close();
  }
}

/**
 * The caller's signal plus a deadline, with a timer the caller clears. Unlike
 * AbortSignal.any([signal, AbortSignal.timeout(ms)]), whose timeout signal Node 20 may garbage-collect
 * before it fires (the request then waits forever), the timer here is held until cleared.
 */
export function withDeadline(
  signal: AbortSignal,
  ms: number,
): { signal: AbortSignal; timedOut: () => boolean; clear: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  timer.unref();
  return {
    signal: controller.signal,
    timedOut: () => fired,
    clear: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
