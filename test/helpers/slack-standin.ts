/**
 * A local stand-in for Slack's HTTP side: the Web API (chat.postMessage, chat.update) and response_url
 * hooks. It records every call, so tests assert on what would have been posted; nothing leaves the machine.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  /** Web API method (chat.postMessage) or "response" for a response_url post. */
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export interface SlackStandIn {
  url: string;
  /** Base URL for WebClient({ slackApiUrl }). */
  apiUrl: string;
  /** A response_url that records what is posted to it. */
  responseUrl(name?: string): string;
  calls: RecordedCall[];
  /** Waits until a call matching `pred` arrives (default 5 s). */
  waitFor(pred: (c: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  close(): Promise<void>;
}

export async function startSlackStandIn(): Promise<SlackStandIn> {
  const calls: RecordedCall[] = [];
  const waiters: (() => void)[] = [];
  let ts = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => {
      raw += d.toString();
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = parseBody(raw, req.headers['content-type'] ?? '');
      const method = url.pathname.startsWith('/api/') ? url.pathname.slice(5) : 'response';
      calls.push({ method, path: url.pathname, body });
      for (const w of waiters.splice(0)) w();
      res.setHeader('content-type', 'application/json');
      if (method === 'response') return res.end('ok');
      ts += 1;
      res.end(JSON.stringify({ ok: true, channel: body.channel ?? 'C0', ts: body.ts ?? `${ts}.000100` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    responseUrl: (name = 'hook') => `${url}/response/${name}`,
    calls,
    waitFor: async (pred, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = calls.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline)
          throw new Error(`no matching Slack call; got ${JSON.stringify(calls, null, 1)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseBody(raw: string, type: string): Record<string, unknown> {
  if (!raw) return {};
  if (type.includes('json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    try {
      out[k] = k === 'blocks' || k === 'attachments' ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** Headers Slack would send: v0 HMAC-SHA256 over `v0:timestamp:body`. */
export function slackHeaders(
  secret: string,
  body: string,
  opts: { timestamp?: number; contentType?: string } = {},
): Record<string, string> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-signature': signature,
    'x-slack-request-timestamp': String(timestamp),
  };
}
