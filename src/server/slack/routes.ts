/**
 * Slack endpoints: POST /slack/commands (slash command), /slack/interactions (Approve / Reject buttons),
 * /slack/events (app mentions, url_verification). Each checks the signature on the raw body, acks at once
 * (Slack wants an answer within 3 s) and does the work after, answering through response_url or
 * chat.postMessage. 503 while no signing secret is configured; 401 for a bad signature or a timestamp more
 * than 5 minutes off; 409 for a replay of a request already handled.
 */
import type { WebClient } from '@slack/web-api';
import { Hono } from 'hono';
import { formatError, userError } from '../../errors.ts';
import { errorResponse } from '../http-errors.ts';
import { APPROVE_ACTION, approvalDecided, REJECT_ACTION } from './blocks.ts';
import {
  decideFromSlack,
  errorMessage,
  runSlackCommand,
  type SlackCommandContext,
  slackIdentity,
} from './commands.ts';
import {
  ApprovalButtonValue,
  BlockActions,
  SlackEvent,
  type SlackMessage,
  SlashCommand,
} from './payloads.ts';
import { verifySlackSignature } from './verify.ts';

export interface SlackRoutesOptions extends SlackCommandContext {
  signingSecret?: string;
  /** Posts replies to app mentions; without a bot token mentions are acknowledged and ignored. */
  client?: WebClient;
  /** Clock for the staleness check (tests). */
  nowMs?: () => number;
  log?: (line: string) => void;
}

interface SlackEnv {
  Variables: { rawBody: string };
}

export type SlackRoutesApp = Hono<SlackEnv> & {
  /** Resolves when the work acknowledged so far is done (tests, shutdown). */
  idle(): Promise<void>;
};

type Payload = Record<string, unknown>;

export function slackRoutes(opts: SlackRoutesOptions): SlackRoutesApp {
  const app = new Hono<SlackEnv>() as SlackRoutesApp;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const pending = new Set<Promise<void>>();

  /** Runs work after the answer has gone out. */
  const later = (what: string, work: () => Promise<void>) => {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((e: unknown) => log(`slack ${what} failed: ${formatError(e)}`))
      .finally(() => pending.delete(p));
    pending.add(p);
  };

  const respond = async (url: string, message: SlackMessage & Payload) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    if (!res.ok) throw new Error(`response_url answered ${res.status}`);
  };

  app.onError((e, c) => errorResponse(c, e));

  /** Signature check on the raw body; the body is returned for parsing. */
  app.use('/slack/*', async (c, next) => {
    if (!opts.signingSecret) {
      return errorResponse(
        c,
        userError(
          'SLACK_NOT_CONFIGURED',
          'Slack is not configured on this server',
          'no signing secret is set, so Slack requests cannot be verified',
          'Set PIPEWRIGHT_SLACK_SIGNING_SECRET (and PIPEWRIGHT_SLACK_BOT_TOKEN to post) and restart `pipewright serve`; see docs/slack.md.',
        ),
      );
    }
    const raw = await c.req.text();
    verifySlackSignature({
      signingSecret: opts.signingSecret,
      rawBody: raw,
      signature: c.req.header('x-slack-signature'),
      timestamp: c.req.header('x-slack-request-timestamp'),
      ...(opts.nowMs ? { nowMs: opts.nowMs() } : {}),
    });
    // A signed command or click is done once: the same signature again (a replay within the 5-minute
    // window, to this server or another sharing the store) changes nothing and says so. Events are done
    // once per event id instead (Slack's own retries of an event must still get their 200).
    if (
      c.req.path !== '/slack/events' &&
      !opts.auth.claimSlackRequest(c.req.header('x-slack-signature') as string)
    ) {
      return errorResponse(
        c,
        userError(
          'SLACK_REPLAY',
          'This Slack request was already handled',
          'the same signed request (signature and timestamp) arrived before: a replay',
          'Nothing was done. Run the command again from Slack if you meant to repeat it.',
        ),
      );
    }
    c.set('rawBody', raw);
    await next();
  });

  app.post('/slack/commands', (c) => {
    const cmd = SlashCommand.parse(Object.fromEntries(new URLSearchParams(c.get('rawBody'))));
    const line = { text: cmd.text, slackUserId: cmd.user_id, channel: cmd.channel_id };
    later('command', async () => {
      const answer = await runSlackCommand(opts, line);
      await respond(cmd.response_url, { response_type: 'ephemeral', ...answer });
    });
    const sub = cmd.text.trim().split(/\s+/)[0] || 'help';
    return c.json({ response_type: 'ephemeral', text: `Working on \`${sub}\`…` });
  });

  app.post('/slack/interactions', (c) => {
    const form = new URLSearchParams(c.get('rawBody'));
    const payload = BlockActions.safeParse(JSON.parse(form.get('payload') ?? '{}'));
    // Other interaction types (view submissions, shortcuts) are acknowledged and ignored.
    if (!payload.success) return c.body(null, 200);
    const p = payload.data;
    const action = p.actions.find((a) => a.action_id === APPROVE_ACTION || a.action_id === REJECT_ACTION);
    if (!action) return c.body(null, 200);
    later('button', async () => {
      const answer = clickResult(opts, p.user.id, action.action_id === APPROVE_ACTION, action.value);
      if (!p.response_url) return;
      if (answer.replace) await respond(p.response_url, { replace_original: true, ...answer.replace });
      await respond(p.response_url, {
        response_type: 'ephemeral',
        replace_original: false,
        ...answer.message,
      });
    });
    return c.body(null, 200);
  });

  app.post('/slack/events', (c) => {
    const parsed = SlackEvent.safeParse(JSON.parse(c.get('rawBody')));
    if (!parsed.success) return c.body(null, 200);
    const body = parsed.data;
    if (body.type === 'url_verification') return c.json({ challenge: body.challenge });
    // Slack retries an event it thinks went unanswered, and a replay carries the same id: do each once.
    if (!opts.auth.claimSlackRequest(`event:${body.event_id}`)) return c.body(null, 200);
    const e = body.event;
    if (e.type !== 'app_mention' || e.bot_id || !e.user || !e.channel) return c.body(null, 200);
    const { user, channel } = e;
    const threadTs = e.thread_ts ?? e.ts;
    later('mention', async () => {
      const text = e.text.replace(/<@[A-Z0-9]+>/g, '').trim();
      const answer = await runSlackCommand(opts, { text, slackUserId: user, channel });
      if (!opts.client) {
        log('slack mention answered nowhere: PIPEWRIGHT_SLACK_BOT_TOKEN is not set');
        return;
      }
      await opts.client.chat.postMessage({
        channel,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        text: answer.text,
        ...(answer.blocks ? { blocks: answer.blocks } : {}),
      });
    });
    return c.body(null, 200);
  });

  app.idle = async () => {
    while (pending.size) await Promise.all([...pending]);
  };
  return app;
}

/** A button click: the decision (single-use) and the messages to show. */
function clickResult(
  ctx: SlackCommandContext,
  slackUserId: string,
  approved: boolean,
  value: string | undefined,
): { message: SlackMessage; replace?: SlackMessage } {
  let target: { runId: string; stepId: string };
  try {
    target = ApprovalButtonValue.parse(JSON.parse(value ?? ''));
  } catch {
    return { message: { text: ':warning: This button carries no approval; nothing was changed.' } };
  }
  let who: ReturnType<typeof slackIdentity>;
  try {
    who = slackIdentity(ctx.auth, slackUserId);
  } catch (e) {
    return { message: errorMessage(e) };
  }
  const r = decideFromSlack(ctx, who, { ...target, approved });
  const approval = ctx.store.getApproval(target.runId, target.stepId);
  const run = ctx.store.getRun(target.runId);
  return {
    message: r.message,
    ...(r.ok && approval && run ? { replace: approvalDecided(approval, run) } : {}),
  };
}
