/** notify.send against a local node:http stand-in on 127.0.0.1 that records every request (never the internet). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isPipewrightError } from '../../src/errors.ts';
import { notifySend, redactUrl } from '../../tools/notify/notify.ts';
import { criticalDriftAlert as alert } from '../helpers/drift-alert.ts';
import { ALLOW_LOOPBACK, writePolicy } from '../helpers/policy.ts';
import { makeTaskContext } from '../helpers/task-context.ts';

interface Recorded {
  method: string;
  url: string;
  contentType: string | undefined;
  body: unknown;
}

/** Answers from a script of status codes (then 200), or hangs for paths under /slow. */
class StandIn {
  requests: Recorded[] = [];
  script: number[] = [];
  private server: Server = createServer((req, res) => void this.handle(req, res));
  base = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    this.requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      contentType: req.headers['content-type'],
      body: raw ? JSON.parse(raw) : undefined,
    });
    if (req.url?.startsWith('/slow')) return; // never answers
    const status = this.script.shift() ?? 200;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ok' : status === 404 ? 'no_service' : 'upstream error');
  }
}

const server = new StandIn();
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.requests = [];
  server.script = [];
});

const SECRET = 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

async function send(input: Record<string, unknown>, policy = ALLOW_LOOPBACK) {
  const ctx = makeTaskContext();
  writePolicy(ctx.config, policy);
  const parsed = notifySend.input.parse({ backoffMs: 5, ...input });
  const out = await notifySend.run(parsed, ctx).catch((e: unknown) => e);
  return { out, ctx, logText: ctx.logs.map((l) => l.message).join('\n') };
}

describe('notify.send', () => {
  it('posts a Slack message with text and blocks built from a drift alert', async () => {
    const { out } = await send({ channel: 'slack', url: `${server.base}/services/${SECRET}`, alert });
    expect(out).toMatchObject({ delivered: true, channel: 'slack', attempts: 1, status: 200 });
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0];
    expect(req?.method).toBe('POST');
    expect(req?.contentType).toBe('application/json');
    const body = req?.body as { text: string; blocks: { type: string; text?: { text: string } }[] };
    expect(body.text).toContain('Data drift (critical)');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(body.blocks[2]?.text?.text).toContain('`temp_max` ks = 0.62');
    expect(body.blocks[3]?.text?.text).toContain('`wind`');
  });

  it('posts the alert as JSON to a generic webhook', async () => {
    const { out } = await send({
      channel: 'webhook',
      url: `${server.base}/hook?token=s3cret`,
      alert,
      title: 'Nightly',
    });
    expect(out).toMatchObject({ delivered: true, attempts: 1 });
    expect(server.requests[0]?.body).toMatchObject({
      source: 'pipewright',
      title: 'Nightly',
      severity: 'critical',
      alert: { kind: 'drift', share: 0.4 },
    });
  });

  it('retries 5xx with backoff and succeeds, never logging the secret', async () => {
    server.script = [503, 500];
    const { out, logText } = await send({
      channel: 'slack',
      url: `${server.base}/services/${SECRET}`,
      text: 'hi',
    });
    expect(out).toMatchObject({ delivered: true, attempts: 3, target: `${server.base}/services/***` });
    expect(server.requests).toHaveLength(3);
    expect(logText).toContain('retry 1 of 3');
    expect(logText).toContain('HTTP 503');
    expect(logText).not.toContain('XXXXXXXX');
  });

  it('does not retry a 4xx and reports it as a user error', async () => {
    server.script = [404];
    const { out } = await send({ channel: 'slack', url: `${server.base}/services/${SECRET}`, text: 'hi' });
    expect(server.requests).toHaveLength(1);
    expect(isPipewrightError(out)).toBe(true);
    if (!isPipewrightError(out)) return;
    expect(out.code).toBe('NOTIFY_REJECTED');
    expect(out.retryable).toBe(false);
    expect(out.why).toBe('no_service');
    expect(out.message).not.toContain('XXXXXXXX');
  });

  it('times out each attempt and gives up after the retries, as a retryable third-party error', async () => {
    const { out } = await send({
      channel: 'webhook',
      url: `${server.base}/slow/${SECRET}`,
      text: 'hi',
      timeoutMs: 100,
      retries: 1,
    });
    expect(server.requests).toHaveLength(2);
    expect(isPipewrightError(out)).toBe(true);
    if (!isPipewrightError(out)) return;
    expect(out.code).toBe('NOTIFY_FAILED');
    expect(out.category).toBe('third-party');
    expect(out.retryable).toBe(true);
    expect(out.why).toContain('no answer within 100 ms');
    expect(JSON.stringify(out.toJSON())).not.toContain('XXXXXXXX');
  });

  it('logs to the run log on the console channel, and sends nothing for a null alert', async () => {
    const { out, ctx } = await send({ channel: 'console', alert });
    expect(out).toMatchObject({ delivered: true, attempts: 0 });
    expect(ctx.logs).toContainEqual({ level: 'error', message: `Data drift (critical): ${alert.summary}` });
    const none = await send({ channel: 'slack', url: `${server.base}/services/${SECRET}`, alert: null });
    expect(none.out).toMatchObject({ delivered: false, attempts: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a loopback target unless the policy allows it, before sending anything', async () => {
    const { out } = await send({ channel: 'webhook', url: `${server.base}/hook`, text: 'x' }, '');
    expect(out).toMatchObject({ code: 'EGRESS_REFUSED' });
    expect(server.requests).toHaveLength(0);
  });

  it('requires a url for webhook channels', () => {
    const r = notifySend.input.safeParse({ channel: 'webhook', text: 'hi' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['url']);
  });
});

describe('redactUrl', () => {
  it('keeps scheme, host and first path segment only', () => {
    expect(redactUrl('https://hooks.slack.com/services/T000/B000/XXXX')).toBe(
      'https://hooks.slack.com/services/***',
    );
    expect(redactUrl('https://user:pw@example.com/hook?token=abc&x=1')).toBe(
      'https://***@example.com/hook?token=***&x=***',
    );
    expect(redactUrl('not a url')).toBe('***');
  });
});
