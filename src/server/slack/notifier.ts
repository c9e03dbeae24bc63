/**
 * Posts runs to Slack: one thread per run (a headline, step results, every approval with Approve / Reject
 * buttons, decisions, the outcome). Subscribes to the run store's events; posts through the Web API
 * client, in event order per run. Runs started from Slack go to the channel they came from, others to the
 * default channel (none: not posted). A step output carrying a drift alert (monitor.drift's `alert`) gets
 * its own message with the evidence, in the run's thread and broadcast to the channel, once per alert.
 */
import type { WebClient } from '@slack/web-api';
import { formatError } from '../../errors.ts';
import type { AuthStore, RunEvent, RunStore } from '../../store/index.ts';
import { approvalDecided, approvalRequest, runHeadline } from './blocks.ts';
import { driftAlertKey, driftAlertMessage, driftAlertOf } from './drift.ts';
import type { SlackMessage } from './payloads.ts';

export interface SlackNotifierOptions {
  store: RunStore;
  auth: AuthStore;
  client: WebClient;
  /** Channel for runs not started from Slack. */
  channel?: string;
  log?: (line: string) => void;
}

const POSTED = new Set([
  'run.started',
  'step.succeeded',
  'step.failed',
  'step.skipped',
  'step.waiting',
  'approval.decided',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
]);

export class SlackNotifier {
  private readonly chains = new Map<string, Promise<void>>();
  /** Where each approval request was posted, to take its buttons away once decided. */
  private readonly approvalMessages = new Map<string, { channel: string; ts: string }>();
  /** Drift alerts already posted (by driftAlertKey). */
  private readonly alertsPosted = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: SlackNotifierOptions) {
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  start(): this {
    this.unsubscribe ??= this.opts.store.subscribe((e) => this.handle(e));
    return this;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Queues the event's post behind the run's earlier posts. */
  handle(e: RunEvent): void {
    if (!POSTED.has(e.type)) return;
    const prev = this.chains.get(e.runId) ?? Promise.resolve();
    const next = prev
      .then(() => this.post(e))
      .catch((err: unknown) =>
        this.log(`slack: posting ${e.type} of ${e.runId} failed: ${formatError(err)}`),
      );
    this.chains.set(e.runId, next);
    void next.finally(() => {
      if (this.chains.get(e.runId) === next) this.chains.delete(e.runId);
    });
  }

  /** Resolves when every queued post is done. */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.all([...this.chains.values()]);
  }

  private async post(e: RunEvent): Promise<void> {
    const { store, auth, client } = this.opts;
    const run = store.getRun(e.runId);
    if (!run) return;
    let thread = auth.slackThread(run.id);
    if (!thread) {
      if (!this.opts.channel) return;
      auth.setSlackThread(run.id, this.opts.channel);
      thread = { channel: this.opts.channel };
    }
    const { channel } = thread;
    let ts = thread.ts;
    if (!ts) {
      const head = runHeadline({ ...run, status: 'running' });
      const r = await client.chat.postMessage({
        channel,
        text: head.text,
        ...(head.blocks ? { blocks: head.blocks } : {}),
      });
      if (!r.ts) throw new Error('chat.postMessage returned no ts');
      ts = r.ts;
      auth.setSlackThread(run.id, channel, ts);
    }
    const reply = (m: SlackMessage) =>
      client.chat.postMessage({
        channel,
        thread_ts: ts,
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
      });
    /** A thread reply also shown in the channel. */
    const broadcast = (m: SlackMessage) =>
      client.chat.postMessage({
        channel,
        thread_ts: ts,
        reply_broadcast: true,
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
      });
    const step = e.stepId ? `\`${e.stepId}\`` : '';
    switch (e.type) {
      case 'run.started':
        return;
      case 'step.succeeded': {
        await reply({ text: `:white_check_mark: ${step} succeeded${e.data.cached ? ' (cached)' : ''}` });
        const alert = driftAlertOf(e.data.output);
        if (!alert || this.alertsPosted.has(driftAlertKey(alert))) return;
        this.alertsPosted.add(driftAlertKey(alert));
        await broadcast(
          driftAlertMessage(alert, { runId: run.id, stepId: e.stepId, planName: run.planName }),
        );
        return;
      }
      case 'step.failed':
        await reply({ text: `:x: ${step} failed${errorWhat(e.data.error)}` });
        return;
      case 'step.skipped':
        await reply({
          text: `:fast_forward: ${step} skipped${e.data.reason ? ` — ${String(e.data.reason)}` : ''}`,
        });
        return;
      case 'step.waiting': {
        const a = e.stepId ? store.getApproval(run.id, e.stepId) : undefined;
        if (!a) return;
        const r = await reply(approvalRequest(a, run));
        if (r.ts) this.approvalMessages.set(`${run.id}/${a.stepId}`, { channel, ts: r.ts });
        return;
      }
      case 'approval.decided': {
        const a = e.stepId ? store.getApproval(run.id, e.stepId) : undefined;
        if (!a) return;
        const m = approvalDecided(a, run);
        const where = this.approvalMessages.get(`${run.id}/${a.stepId}`);
        if (where) {
          await client.chat.update({ ...where, text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}) });
          this.approvalMessages.delete(`${run.id}/${a.stepId}`);
        } else await reply(m);
        return;
      }
      default: {
        const final = store.requireRun(run.id);
        const head = runHeadline(final);
        await reply({ text: `${head.text}${final.error ? `\n${final.error.what}` : ''}` });
        await client.chat.update({
          channel,
          ts,
          text: head.text,
          ...(head.blocks ? { blocks: head.blocks } : {}),
        });
      }
    }
  }
}

function errorWhat(error: unknown): string {
  const what = (error as { what?: unknown } | undefined)?.what;
  return typeof what === 'string' ? ` — ${what}` : '';
}
