import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackStandIn, startSlackStandIn } from '../helpers/slack-standin.ts';
import { testServer, until } from '../server/helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers loosely
type Json = Record<string, any>;

const brief = (name: string, rows: number) => ({
  name,
  hash: `${name}`.padEnd(64, '0'),
  path: `/data/${name}.parquet`,
  rows,
});

/** What monitor.drift returns when two features drifted. */
function driftOutput(at: string) {
  const alert = {
    kind: 'drift',
    severity: 'critical',
    summary: '2 of 3 features drifted (67%): temp_max, humidity',
    features: [
      { name: 'temp_max', method: 'ks', statistic: 0.0012, threshold: 0.05 },
      { name: 'humidity', method: 'psi', statistic: 0.31, threshold: 0.2 },
    ],
    findings: [
      { kind: 'null_share_increase', column: 'wind', severity: 'warning', message: 'wind is now 12% null' },
    ],
    share: 2 / 3,
    reference: brief('weather-2025', 1000),
    current: brief('weather-2026', 900),
    report: { json: '/artifacts/drift/report.json', html: '/artifacts/drift/report.html' },
    at,
  };
  return {
    drifted: true,
    share: alert.share,
    driftedFeatures: ['temp_max', 'humidity'],
    features: [],
    findings: alert.findings,
    reference: alert.reference,
    current: alert.current,
    reportJson: alert.report.json,
    reportHtml: alert.report.html,
    alert,
  };
}

describe('Slack drift alerts', () => {
  let slack: SlackStandIn;
  let s: ReturnType<typeof testServer>;
  let runId = '';

  beforeAll(async () => {
    slack = await startSlackStandIn();
    s = testServer({
      slackClient: new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
      slackChannel: 'C-RUNS',
    });
    const run = s.engine.createRun(
      { name: 'monitor', steps: [{ id: 'check', task: 'test.mark', with: { label: 'check' } }] },
      { createdBy: 'test', trigger: 'api' },
    );
    runId = run.id;
    s.executor.start(runId);
    await until(() => s.store.getRun(runId)?.status === 'succeeded');
    await s.notifier?.idle();
  });
  afterAll(async () => {
    await s.close();
    await slack.close();
  });

  const alerts = () =>
    slack.calls.filter((c) => c.method === 'chat.postMessage' && /Drift alert/.test(String(c.body.text)));

  it('posts nothing for a step output without an alert', () => {
    expect(slack.calls.some((c) => c.method === 'chat.postMessage')).toBe(true);
    expect(alerts()).toHaveLength(0);
  });

  it('posts one message with the evidence in the run thread, and not again for the same alert', async () => {
    const output = driftOutput('2026-01-02T03:04:05.000Z');
    s.store.appendEvent({ runId, stepId: 'drift', type: 'step.succeeded', data: { attempt: 1, output } });
    await s.notifier?.idle();
    expect(alerts()).toHaveLength(1);
    const msg = alerts()[0] as Json;
    expect(msg.body.channel).toBe('C-RUNS');
    expect(msg.body.thread_ts).toBeTruthy();
    expect(String(msg.body.reply_broadcast)).toBe('true');
    const all = `${msg.body.text}\n${typeof msg.body.blocks === 'string' ? msg.body.blocks : JSON.stringify(msg.body.blocks)}`;
    for (const part of [
      'critical',
      'temp_max',
      'humidity',
      '0.001200',
      '0.3100',
      'ks',
      'psi',
      '/artifacts/drift/report.html',
      'wind',
      runId,
    ]) {
      expect(all).toContain(part);
    }

    // The same alert again (a cached step, a replay) is not posted twice; a new alert is.
    s.store.appendEvent({ runId, stepId: 'drift', type: 'step.succeeded', data: { cached: true, output } });
    await s.notifier?.idle();
    expect(alerts()).toHaveLength(1);
    s.store.appendEvent({
      runId,
      stepId: 'drift',
      type: 'step.succeeded',
      data: { output: { ...driftOutput('2026-01-02T03:04:05.000Z'), alert: null } },
    });
    await s.notifier?.idle();
    expect(alerts()).toHaveLength(1);
    s.store.appendEvent({
      runId,
      stepId: 'drift',
      type: 'step.succeeded',
      data: { output: driftOutput('2026-01-03T00:00:00.000Z') },
    });
    await s.notifier?.idle();
    expect(alerts()).toHaveLength(2);
  });
});
