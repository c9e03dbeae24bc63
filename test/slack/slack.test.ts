import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, slackHeaders, startSlackStandIn } from '../helpers/slack-standin.ts';
import { readMarks } from '../helpers/tasks.ts';
import { gatedPlan, testServer, until } from '../server/helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
type Json = Record<string, any>;
const SECRET = 'test-signing-secret';

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

describe('Slack bot', () => {
  let slack: SlackStandIn;
  let s: ReturnType<typeof testServer>;

  beforeAll(async () => {
    slack = await startSlackStandIn();
    s = testServer(
      {
        slackClient: new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
        slackChannel: 'C-RUNS',
      },
      { slackSigningSecret: SECRET },
    );
    s.auth.linkSlackUser({ slackUserId: 'UALICE', name: 'alice', role: 'approver', createdBy: 'test' });
    s.auth.linkSlackUser({ slackUserId: 'UVERA', name: 'vera', role: 'viewer', createdBy: 'test' });
  });
  afterAll(async () => {
    await s.close();
    await slack.close();
  });

  const post = (path: string, body: string, headers: Record<string, string>) =>
    s.app.request(path, { method: 'POST', headers, body });

  const command = (text: string, user = 'UALICE', hook = 'cmd') => {
    const body = form({
      command: '/pipewright',
      text,
      user_id: user,
      channel_id: 'C-CMD',
      response_url: slack.responseUrl(hook),
    });
    return post('/slack/commands', body, slackHeaders(SECRET, body));
  };

  const click = (
    runId: string,
    user: string,
    action: 'pipewright_approve' | 'pipewright_reject',
    hook: string,
  ) => {
    const payload = {
      type: 'block_actions',
      user: { id: user },
      actions: [{ action_id: action, value: JSON.stringify({ runId, stepId: 'ok' }) }],
      response_url: slack.responseUrl(hook),
      channel: { id: 'C-RUNS' },
    };
    const body = form({ payload: JSON.stringify(payload) });
    return post('/slack/interactions', body, slackHeaders(SECRET, body));
  };

  it('acks a correctly signed slash command at once and posts the answer to response_url after', async () => {
    const res = await command('status', 'UALICE', 'status');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/Working/),
    });
    const later = await slack.waitFor((c) => c.path === '/response/status');
    expect(later.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/No runs yet|Recent runs/),
    });
  });

  it('rejects a wrong signature and a stale timestamp with 401, changing nothing', async () => {
    const body = form({
      command: '/pipewright',
      text: 'status',
      user_id: 'UALICE',
      channel_id: 'C',
      response_url: slack.responseUrl('x'),
    });
    const wrong = await post('/slack/commands', body, slackHeaders('not-the-secret', body));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as Json).error.what).toMatch(/signature does not match/);
    const stale = await post(
      '/slack/commands',
      body,
      slackHeaders(SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }),
    );
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as Json).error.what).toMatch(/stale/);
    const tampered = await post('/slack/commands', `${body}&x=1`, slackHeaders(SECRET, body));
    expect(tampered.status).toBe(401);
    await s.slack.idle();
    expect(slack.calls.some((c) => c.path === '/response/x')).toBe(false);
  });

  it('echoes the url_verification challenge', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 't' });
    const res = await post(
      '/slack/events',
      body,
      slackHeaders(SECRET, body, { contentType: 'application/json' }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'abc123' });
  });

  it('posts the approval with buttons in the run’s thread; a click approves once, a second says so', async () => {
    const { runId } = (await (
      await s.call('POST', '/api/runs', { token: s.tokens.operator, body: { plan: gatedPlan } })
    ).json()) as Json;
    const ask = await slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        JSON.stringify(c.body).includes('pipewright_approve') &&
        JSON.stringify(c.body).includes(runId),
    );
    const root = slack.calls.find(
      (c) => c.method === 'chat.postMessage' && String(c.body.text).includes(runId),
    );
    expect(root?.body.channel).toBe('C-RUNS');
    expect(ask.body.thread_ts).toBeDefined();
    const actions = (ask.body.blocks as Json[]).find((b) => b.type === 'actions');
    expect(actions?.elements.map((e: Json) => e.text.text)).toEqual(['Approve', 'Reject']);

    // A viewer's click changes nothing.
    expect((await click(runId, 'UVERA', 'pipewright_approve', 'vera')).status).toBe(200);
    expect((await slack.waitFor((c) => c.path === '/response/vera')).body.text).toMatch(
      /needs the approver role/,
    );
    expect(s.store.getApproval(runId, 'ok')?.status).toBe('pending');

    expect((await click(runId, 'UALICE', 'pipewright_approve', 'first')).status).toBe(200);
    await s.idle();
    expect(s.store.getApproval(runId, 'ok')).toMatchObject({
      status: 'approved',
      decidedBy: 'alice',
      via: 'slack',
    });
    const replaced = await slack.waitFor(
      (c) => c.path === '/response/first' && c.body.replace_original === true,
    );
    expect(JSON.stringify(replaced.body)).toMatch(/Approved/);
    expect(JSON.stringify(replaced.body)).not.toMatch(/pipewright_approve/);

    // Double click / Slack retry: nothing changes, and the user is told.
    await click(runId, 'UALICE', 'pipewright_reject', 'second');
    const second = await slack.waitFor((c) => c.path === '/response/second');
    expect(second.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(second.body.text).toMatch(/Nothing changed.*already approved.*alice/);
    await s.idle();
    expect(s.store.getApproval(runId, 'ok')?.status).toBe('approved');
    expect(s.store.getRun(runId)?.status).toBe('succeeded');
    expect(readMarks(s.workspace)).toContain('deploy');
    expect(s.store.listAudit({ target: `${runId}/ok` })).toHaveLength(1);

    // The thread got the decision (the request message updated) and the outcome.
    await slack.waitFor((c) => c.method === 'chat.update' && JSON.stringify(c.body).includes('Approved'));
    await slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.body.thread_ts !== undefined &&
        /succeeded/.test(String(c.body.text)) &&
        String(c.body.text).includes(runId),
    );
  });

  it('starts a run from a slash command and approves it with `approve`, as the linked identity', async () => {
    s.auth.linkSlackUser({ slackUserId: 'UOTTO', name: 'otto', role: 'operator', createdBy: 'test' });
    const { writeFileSync } = await import('node:fs');
    const { stringify } = await import('yaml');
    writeFileSync(`${s.workspace}/gated.yaml`, stringify(gatedPlan));
    await command('run gated.yaml', 'UOTTO', 'run');
    const started = await slack.waitFor((c) => c.path === '/response/run');
    const runId = /`(run-[^`]+)`/.exec(String(started.body.text))?.[1] as string;
    expect(runId).toBeDefined();
    expect(s.store.getRun(runId)).toMatchObject({ createdBy: 'otto', trigger: 'slack' });
    await until(() => s.store.getRun(runId)?.status === 'waiting');
    // The thread for a Slack-started run is in the channel the command came from.
    await slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.body.channel === 'C-CMD' &&
        JSON.stringify(c.body).includes('pipewright_approve'),
    );

    await command(`approve ${runId} ok`, 'UOTTO', 'otto-approve');
    expect((await slack.waitFor((c) => c.path === '/response/otto-approve')).body.text).toMatch(
      /approver role/,
    );
    await command(`approve ${runId} ok looks good`, 'UALICE', 'alice-approve');
    expect((await slack.waitFor((c) => c.path === '/response/alice-approve')).body.text).toMatch(
      /Approved `ok`/,
    );
    await s.idle();
    expect(s.store.getRun(runId)?.status).toBe('succeeded');
    expect(s.store.getApproval(runId, 'ok')).toMatchObject({
      decidedBy: 'alice',
      comment: 'looks good',
      via: 'slack',
    });
  });

  it('tells an unlinked Slack user how to get linked', async () => {
    await command('status', 'UNOBODY', 'nobody');
    expect((await slack.waitFor((c) => c.path === '/response/nobody')).body.text).toMatch(
      /not linked.*slack-link UNOBODY/s,
    );
  });

  it('answers app mentions in their thread, once per event id', async () => {
    const event = {
      type: 'event_callback',
      event_id: 'Ev1',
      event: { type: 'app_mention', user: 'UVERA', text: '<@UBOT> status', channel: 'C-TALK', ts: '111.222' },
    };
    const body = JSON.stringify(event);
    const headers = slackHeaders(SECRET, body, { contentType: 'application/json' });
    expect((await post('/slack/events', body, headers)).status).toBe(200);
    expect((await post('/slack/events', body, { ...headers, 'x-slack-retry-num': '1' })).status).toBe(200);
    await s.idle();
    const replies = slack.calls.filter((c) => c.body.channel === 'C-TALK');
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toMatchObject({
      thread_ts: '111.222',
      text: expect.stringMatching(/Recent runs/),
    });
  });
});

describe('Slack without configuration', () => {
  it('answers 503 with a clear message and makes no Slack call', async () => {
    const s = testServer();
    const res = await s.app.request('/slack/commands', { method: 'POST', body: 'text=status' });
    expect(res.status).toBe(503);
    expect(((await res.json()) as Json).error).toMatchObject({
      code: 'SLACK_NOT_CONFIGURED',
      fix: expect.stringMatching(/PIPEWRIGHT_SLACK_SIGNING_SECRET/),
    });
    expect(s.notifier).toBeUndefined();
    await s.close();
  });
});
