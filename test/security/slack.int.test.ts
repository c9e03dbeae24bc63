/**
 * Slack on a real server: a replayed signed command does nothing and says so, timestamps more than five
 * minutes off either way are refused, and a plan path that is a symlink out of the workspace is refused.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthStore } from '../../src/store/index.ts';
import { type SlackStandIn, slackHeaders, startSlackStandIn } from '../helpers/slack-standin.ts';
import { codeOf, SECRETS, type SecureServer, startSecureServer } from './helpers.ts';

let s: SecureServer;
let slack: SlackStandIn;
const outside = mkdtempSync(path.join(tmpdir(), 'pw-outside-'));

beforeAll(async () => {
  slack = await startSlackStandIn();
  s = await startSecureServer({
    env: { PIPEWRIGHT_SLACK_API_URL: slack.apiUrl },
    before: async (stateDir) => {
      const ws = path.dirname(stateDir);
      writeFileSync(
        path.join(ws, 'hello.yaml'),
        'name: hello\nsteps:\n  - id: say\n    task: notify.send\n    with: { channel: console, text: hi }\n',
      );
      // Outside the workspace: a plan whose unapproved command must never run from a workspace symlink.
      writeFileSync(
        path.join(outside, 'evil.yaml'),
        `name: evil\nallowUnapproved: true\nsteps:\n  - id: x\n    task: shell.exec\n    with: { command: [touch, ${path.join(outside, 'pwned')}] }\n`,
      );
      symlinkSync(path.join(outside, 'evil.yaml'), path.join(ws, 'link.yaml'));
      mkdirSync(path.join(ws, 'plans'));
    },
  });
  // An admin: the policy would let this user waive, so only the path check stands in the way.
  new AuthStore(s.store).linkSlackUser({
    slackUserId: 'U0ADMIN1',
    name: 'sam',
    role: 'admin',
    createdBy: 'setup',
  });
  // The server is a real child process: on a loaded machine (the 50-process concurrency test beside it)
  // its start took over a minute.
}, 180_000);
afterAll(async () => {
  await s?.stop();
  await slack?.close();
  rmSync(outside, { recursive: true, force: true });
});

const command = (text: string, responseUrl: string) =>
  new URLSearchParams({
    command: '/pipewright',
    text,
    user_id: 'U0ADMIN1',
    user_name: 'sam',
    channel_id: 'C0TEST',
    team_id: 'T0TEST',
    response_url: responseUrl,
    trigger_id: '1.2.3',
  }).toString();

const post = (body: string, headers: Record<string, string>) =>
  s.call('POST', '/slack/commands', { body, headers });

describe('Slack slash commands', () => {
  it('runs a signed command once: three replays do nothing and say so', async () => {
    const body = command('run hello.yaml', slack.responseUrl('replay'));
    const headers = slackHeaders(SECRETS.PIPEWRIGHT_SLACK_SIGNING_SECRET, body);
    const first = await post(body, headers);
    expect(first.status).toBe(200);
    await slack.waitFor((c) => c.path.includes('replay'));
    const after = s.snapshot();
    for (let i = 0; i < 3; i++) {
      const again = await post(body, headers);
      expect(again.status).toBe(409);
      expect(codeOf(again.body)).toBe('SLACK_REPLAY');
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(s.store.listRuns().filter((r) => r.trigger === 'slack')).toHaveLength(1);
    expect(s.snapshot().runs).toBe(after.runs);
  });

  it('refuses timestamps more than five minutes off, in the future as in the past', async () => {
    const before = s.snapshot();
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now + 301, now - 301]) {
      const body = command('run hello.yaml', slack.responseUrl(`skew-${timestamp}`));
      const r = await post(body, slackHeaders(SECRETS.PIPEWRIGHT_SLACK_SIGNING_SECRET, body, { timestamp }));
      expect(r.status, String(timestamp - now)).toBe(401);
      expect((r.body.error as { what: string }).what).toContain('stale');
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(s.snapshot()).toEqual(before);
  });

  it('refuses a plan path that is a symlink out of the workspace, running nothing', async () => {
    const before = s.snapshot();
    const body = command('run link.yaml', slack.responseUrl('symlink'));
    const r = await post(body, slackHeaders(SECRETS.PIPEWRIGHT_SLACK_SIGNING_SECRET, body));
    expect(r.status).toBe(200);
    const answer = await slack.waitFor((c) => c.path.includes('symlink'));
    expect(String(answer.body.text)).toContain('outside the workspace');
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(path.join(outside, 'pwned'))).toBe(false);
    expect(s.snapshot()).toEqual(before);
  });
});
