/**
 * The e-mail channel in a real run, as the planner writes it for "mail me": the mail_to input (empty by
 * default) renders into `to`, the run's author gets the mail, and no record of the run holds the SMTP
 * password, also when the server refuses the login.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { RunStore } from '../../src/store/run-store.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { ALLOW_LOOPBACK, writePolicy } from '../helpers/policy.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const USER = 'bot@acme.test';
const PASSWORD = 'run-level-Secret-9f3k';
const delivered: { to: string[]; raw: string }[] = [];

const server = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  allowInsecureAuth: true,
  logger: false,
  onAuth: (auth, _s, cb) =>
    auth.username === USER && auth.password === PASSWORD
      ? cb(null, { user: USER })
      : cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 })),
  onData: (stream, session, cb) => {
    let raw = '';
    stream.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
    });
    stream.on('end', () => {
      delivered.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
      cb();
    });
  },
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const plan = {
  apiVersion: 'pipewright/v1',
  name: 'mail-me',
  inputs: { mail_to: { type: 'string', default: '' } },
  steps: [
    {
      id: 'notify',
      task: 'notify.send',
      with: {
        channel: 'email',
        to: '${{ inputs.mail_to }}',
        title: 'Nightly retrain',
        text: 'Finished',
        retries: 0,
      },
    },
  ],
};

function engineWith(password: string) {
  const workspace = makeWorkspace();
  const smtpUrl = `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const config = loadConfig({ workspace, smtpUrl, mailFrom: USER }, {});
  writePolicy(config, ALLOW_LOOPBACK);
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  onTestFinished(() => store.close());
  const engine = new Engine({ store, registry: builtinRegistry(), config, pollMs: 20 });
  /** Everything the run left: its records and the database files themselves. */
  const recorded = (runId: string) => {
    const files = ['state.db', 'state.db-wal']
      .map((f) => path.join(config.stateDir, f))
      .filter(existsSync)
      .map((f) => readFileSync(f).toString('latin1'));
    return [JSON.stringify([store.getRun(runId), store.getSteps(runId), store.events(runId, {})]), ...files];
  };
  return { engine, recorded };
}

describe('notify.send email in a run', () => {
  it('mails the run author when mail_to is left empty, and the addresses it names otherwise', async () => {
    delivered.length = 0;
    const { engine } = engineWith(PASSWORD);
    const mine = await engine.run(plan, { createdBy: 'ana@acme.test' });
    expect(mine.status).toBe('succeeded');
    const named = await engine.run(plan, {
      createdBy: 'ana@acme.test',
      inputs: { mail_to: 'ml@acme.test, ops@acme.test' },
    });
    expect(named.status).toBe('succeeded');
    expect(delivered.map((d) => d.to)).toEqual([['ana@acme.test'], ['ml@acme.test', 'ops@acme.test']]);
    expect(delivered[0]?.raw).toContain('Subject: [pipewright] Nightly retrain');
  }, 60_000);

  it('keeps the SMTP password out of every record when the login is refused', async () => {
    const { engine, recorded } = engineWith(`${PASSWORD}-stale`);
    const out = await engine.run(plan, { createdBy: 'ana@acme.test' });
    expect(out.status).toBe('failed');
    const texts = recorded(out.runId);
    expect(texts[0]).toContain('NOTIFY_REJECTED');
    for (const t of texts) {
      expect(t).not.toContain(PASSWORD);
      expect(t).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    }
  }, 60_000);
});
