/**
 * notify.send's e-mail channel against a real SMTP server (smtp-server) on 127.0.0.1 with a random port:
 * delivery, retries on 4xx, no retry on 5xx, timeouts, the egress policy, and the SMTP password kept out of
 * every output, log line and error.
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { SMTPServer, type SMTPServerError } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, redactConfig, secretValues } from '../../src/config.ts';
import { isPipewrightError } from '../../src/errors.ts';
import { notifySend } from '../../tools/notify/notify.ts';
import { criticalDriftAlert as alert } from '../helpers/drift-alert.ts';
import { ALLOW_LOOPBACK, writePolicy } from '../helpers/policy.ts';
import { makeTaskContext, makeWorkspace } from '../helpers/task-context.ts';

const USER = 'pw-bot@acme.test';
const PASSWORD = 'Sup3r-s3cret/pa$$word';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** An SMTP server that checks the login, answers MAIL FROM from a script of reply codes, and keeps mails. */
class SmtpStandIn {
  received: Received[] = [];
  script: number[] = [];
  mailFromCalls = 0;
  port = 0;
  private server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth: (auth, _session, cb) =>
      auth.username === USER && auth.password === PASSWORD
        ? cb(null, { user: USER })
        : cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 })),
    onMailFrom: (_address, _session, cb) => {
      this.mailFromCalls++;
      const code = this.script.shift();
      if (!code) return cb();
      const err: SMTPServerError = new Error(code >= 500 ? 'Message refused' : 'Try again later');
      err.responseCode = code;
      cb(err);
    },
    onData: (stream, session, cb) => {
      let raw = '';
      stream.on('data', (c: Buffer) => {
        raw += c.toString('utf8');
      });
      stream.on('end', () => {
        this.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        cb();
      });
    },
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = ((this.server as unknown as { server: Server }).server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Quoted-printable soft breaks and escapes undone, so the test reads the body as written. */
function decoded(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

const smtp = new SmtpStandIn();
/** A TCP server that accepts and never says a word: an SMTP server that hangs. */
let silent: Server;
const silentSockets: Socket[] = [];
let silentPort = 0;

beforeAll(async () => {
  await smtp.start();
  silent = createServer((s) => silentSockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  await smtp.stop();
  for (const s of silentSockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});
beforeEach(() => {
  smtp.received = [];
  smtp.script = [];
  smtp.mailFromCalls = 0;
});

interface SendOptions {
  smtpUrl?: string | undefined;
  mailFrom?: string;
  policy?: string;
  actor?: string;
}

async function send(input: Record<string, unknown>, o: SendOptions = {}) {
  const smtpUrl =
    'smtpUrl' in o
      ? o.smtpUrl
      : `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}`;
  const workspace = makeWorkspace();
  const config = loadConfig(
    { workspace, ...(smtpUrl ? { smtpUrl } : {}), mailFrom: o.mailFrom ?? 'Pipewright <alerts@acme.test>' },
    {},
  );
  const ctx = makeTaskContext({ workspace, config, ...(o.actor ? { actor: o.actor } : {}) });
  writePolicy(ctx.config, o.policy ?? ALLOW_LOOPBACK);
  const parsed = notifySend.input.parse({ channel: 'email', backoffMs: 5, ...input });
  const out = await notifySend.run(parsed, ctx).catch((e: unknown) => e);
  const shown = JSON.stringify(isPipewrightError(out) ? out.toJSON() : out);
  return { out, shown, logText: ctx.logs.map((l) => l.message).join('\n') };
}

function expectNoPassword(...texts: string[]): void {
  for (const t of texts) {
    expect(t).not.toContain(PASSWORD);
    expect(t).not.toContain(encodeURIComponent(PASSWORD));
  }
}

describe('notify.send channel email', () => {
  it('mails a drift alert as plain text and HTML to every recipient', async () => {
    const { out, shown, logText } = await send({ to: 'ml-team@acme.test, oncall@acme.test', alert });
    expect(out).toMatchObject({
      delivered: true,
      channel: 'email',
      attempts: 1,
      status: 250,
      recipients: ['ml-team@acme.test', 'oncall@acme.test'],
      rejected: [],
      target: `smtp://***@127.0.0.1:${smtp.port}`,
    });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0] as Received;
    expect(mail.from).toBe('alerts@acme.test');
    expect(mail.to).toEqual(['ml-team@acme.test', 'oncall@acme.test']);
    const raw = decoded(mail.raw);
    expect(raw).toMatch(/^Subject: \[pipewright CRITICAL\] Data drift \(critical\)\r?$/m);
    expect(raw).toMatch(/^To: ml-team@acme\.test, oncall@acme\.test\r?$/m);
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toContain('  - temp_max: ks = 0.62 (threshold 0.05)');
    expect(raw).toContain('[critical] wind: Column "wind" is missing.');
    expect(raw).toContain('<code>temp_max</code>');
    expect(raw).toContain('Column &quot;wind&quot; is missing.');
    expect(raw).toContain('/w/report.html');
    expectNoPassword(shown, logText);
  });

  it('sends a plain message with its title as the subject, and mails the run author when no `to` is given', async () => {
    const { out } = await send(
      { text: 'Finished: f1 = 0.93', title: 'Nightly retrain' },
      { actor: 'ana@acme.test' },
    );
    expect(out).toMatchObject({ delivered: true, recipients: ['ana@acme.test'] });
    const raw = decoded((smtp.received[0] as Received).raw);
    expect(raw).toMatch(/^Subject: \[pipewright\] Nightly retrain\r?$/m);
    expect(raw).toContain('Finished: f1 = 0.93');
  });

  it('mails the run author as well as the named addresses when asked ("email me and x@y")', async () => {
    const { out } = await send(
      { text: 'deployed', to: 'ops@acme.test', ccAuthor: true },
      { actor: 'ana@acme.test' },
    );
    expect(out).toMatchObject({ delivered: true, recipients: ['ops@acme.test', 'ana@acme.test'] });
    // An author who is no address adds nobody; the named addresses still get it.
    const again = await send({ text: 'deployed', to: 'ops@acme.test', ccAuthor: true }, { actor: 'ana' });
    expect(again.out).toMatchObject({ delivered: true, recipients: ['ops@acme.test'] });
  });

  it('retries a 4xx reply with backoff and then delivers', async () => {
    smtp.script = [451, 421];
    const { out, logText } = await send({ to: ['ml-team@acme.test'], text: 'hi' });
    expect(out).toMatchObject({ delivered: true, attempts: 3 });
    expect(smtp.mailFromCalls).toBe(3);
    expect(smtp.received).toHaveLength(1);
    expect(logText).toContain('retry 1 of 3');
    expect(logText).toContain('451');
    expectNoPassword(logText);
  });

  it('does not retry a 5xx rejection: a user error', async () => {
    smtp.script = [554];
    const { out, shown } = await send({ to: 'ml-team@acme.test', text: 'hi' });
    expect(smtp.mailFromCalls).toBe(1);
    expect(smtp.received).toHaveLength(0);
    expect(out).toMatchObject({ code: 'NOTIFY_REJECTED', category: 'user', retryable: false });
    expect(shown).toContain('554');
    expectNoPassword(shown);
  });

  it('never shows the SMTP password, not even when the login fails', async () => {
    const wrong = `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(`${PASSWORD}-old`)}@127.0.0.1:${smtp.port}`;
    const { out, shown, logText } = await send({ to: 'ml-team@acme.test', text: 'hi' }, { smtpUrl: wrong });
    expect(out).toMatchObject({ code: 'NOTIFY_REJECTED', details: { status: 535 } });
    expect(shown).toContain('PIPEWRIGHT_SMTP_URL');
    expectNoPassword(shown, logText, String((out as Error).message), String((out as Error).stack));
    expect(smtp.mailFromCalls).toBe(0);
  });

  it('times out a silent server and gives up after the retries, as a retryable third-party error', async () => {
    const { out, shown } = await send(
      { to: 'ml-team@acme.test', text: 'hi', timeoutMs: 200, retries: 1 },
      {
        smtpUrl: `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${silentPort}`,
      },
    );
    expect(out).toMatchObject({ code: 'NOTIFY_FAILED', category: 'third-party', retryable: true });
    expect(shown).toContain('2 attempt(s) failed');
    expectNoPassword(shown);
  });

  it('does not retry a TLS certificate that does not verify (smtps:// to a self-signed test certificate)', async () => {
    const tlsServer = new SMTPServer({ secure: true, logger: false, authOptional: true });
    tlsServer.on('error', () => {}); // the client hanging up mid-handshake is the point here
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const port = (tlsServer.server.address() as AddressInfo).port;
    try {
      const { out, shown, logText } = await send(
        { to: 'ml-team@acme.test', text: 'hi' },
        { smtpUrl: `smtps://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}` },
      );
      expect(out).toMatchObject({ code: 'NOTIFY_REJECTED', category: 'user', retryable: false });
      expect((out as { fix: string }).fix).toContain('certificate');
      expect(logText).not.toContain('retry');
      expectNoPassword(shown, logText);
    } finally {
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });

  it('without PIPEWRIGHT_SMTP_URL: a user error that says how to set it', async () => {
    const { out } = await send({ to: 'ml-team@acme.test', text: 'hi' }, { smtpUrl: undefined });
    expect(out).toMatchObject({ code: 'NOTIFY_EMAIL_NOT_CONFIGURED', category: 'user' });
    expect((out as { fix: string }).fix).toContain('PIPEWRIGHT_SMTP_URL=smtps://');
    expect((out as { why: string }).why).toContain('PIPEWRIGHT_SMTP_URL');
  });

  it('refuses a loopback SMTP server unless the policy allows it, before connecting', async () => {
    const { out, shown } = await send({ to: 'ml-team@acme.test', text: 'hi' }, { policy: '' });
    expect(out).toMatchObject({ code: 'EGRESS_REFUSED' });
    expect(smtp.mailFromCalls).toBe(0);
    expectNoPassword(shown);
  });

  it('asks for recipients when none are given and the author is not an address', async () => {
    const { out } = await send({ text: 'hi' }, { actor: 'ana' });
    expect(out).toMatchObject({ code: 'NOTIFY_NO_RECIPIENTS', category: 'user' });
  });

  it('validates recipients and refuses an SMTP server named in the plan', () => {
    const bad = notifySend.input.safeParse({
      channel: 'email',
      to: 'ml-team@acme.test, not-an-address',
      text: 'x',
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['to', 1]);
    const url = notifySend.input.safeParse({ channel: 'email', url: 'https://smtp.example.com', text: 'x' });
    expect(url.error?.issues[0]?.message).toContain('PIPEWRIGHT_SMTP_URL');
  });

  it('reads the SMTP URL as a secret setting: redacted in the shown config, its password on the secret list', () => {
    const url = `smtps://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@smtp.acme.test:465`;
    const config = loadConfig({ workspace: makeWorkspace() }, { PIPEWRIGHT_SMTP_URL: url });
    expect(config.smtpUrl).toBe(url);
    expectNoPassword(JSON.stringify(redactConfig(config)));
    expect(secretValues(config)).toContain(PASSWORD);
    expect(() => loadConfig({}, { PIPEWRIGHT_SMTP_URL: 'https://smtp.acme.test' })).toThrow(/smtpUrl/);
  });
});
