/**
 * notify.send: tells people something happened: a drift alert, a finished run. Channels: the run log
 * (console), a generic webhook (POST JSON), a Slack incoming webhook (POST { text, blocks }) and e-mail
 * through the server's SMTP server (./email.ts: the plan names recipients only, never the server).
 * HTTP posts time out, retry on 5xx / 429 / network errors with exponential backoff, and never retry a 4xx.
 * Webhook URLs carry secrets, so logs and outputs show them redacted. Loopback, link-local and private
 * targets are refused unless the policy's egress.allowHosts names them.
 */
import { z } from 'zod';
import { isPipewrightError, PipewrightError, userError } from '../../src/errors.ts';
import { guardedFetch, loadPolicy, withDeadline } from '../../src/policy/index.ts';
import { defineTask, type TaskContext } from '../../src/tasks/index.ts';
import { abortableSleep } from '../lib/abortable-sleep.ts';
import { DriftAlert } from '../monitor/drift-alert.ts';
import { Recipients, sendMail } from './email.ts';

const Severity = z.enum(['info', 'warning', 'critical']).describe('How urgent the message is');
type Severity = z.infer<typeof Severity>;

const Channel = z
  .enum(['console', 'webhook', 'slack', 'email'])
  .describe(
    'console: the run log; webhook: POST JSON to url; slack: a Slack incoming-webhook url; ' +
      "email: mail to `to` through the server's SMTP server (PIPEWRIGHT_SMTP_URL)",
  );

const Input = z
  .object({
    channel: Channel,
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Webhook URL (required for webhook and slack); treated as a secret and redacted in logs'),
    to: Recipients.optional().describe(
      "E-mail recipients (channel email): an address, several comma-separated, or a list; default: the run's author when that is an address",
    ),
    ccAuthor: z
      .boolean()
      .default(false)
      .describe(
        'E-mail: also mail the run\'s author, when that is an address ("email me and ops@acme.io"); `to` alone leaves the author out',
      ),
    title: z.string().optional().describe('Headline (default: from the alert, else "pipewright")'),
    text: z.string().optional().describe('Message body (default: the alert summary)'),
    severity: Severity.optional().describe('Default: the alert severity, else info'),
    alert: DriftAlert.nullable()
      .optional()
      .describe('A drift alert from monitor.drift to send; null sends nothing'),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Per-attempt HTTP / SMTP timeout in milliseconds'),
    retries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe('Extra attempts after a 5xx or 429 HTTP answer, a 4xx SMTP reply, or a network error'),
    backoffMs: z
      .number()
      .int()
      .nonnegative()
      .default(500)
      .describe('First retry delay; doubles on each retry'),
  })
  .superRefine((v, ctx) => {
    if (v.channel === 'email' && v.url) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'the SMTP server comes from the server (PIPEWRIGHT_SMTP_URL), never from the plan',
      });
    }
    if ((v.channel === 'webhook' || v.channel === 'slack') && !v.url) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `url is required for channel "${v.channel}"` });
    }
    if (!v.text && !v.alert && v.alert !== null) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'give text, an alert, or both' });
    }
  });
type Input = z.output<typeof Input>;

const Output = z.object({
  delivered: z.boolean().describe('Whether the message was delivered (false when alert was null)'),
  channel: Channel.describe('Channel used'),
  attempts: z
    .number()
    .int()
    .nonnegative()
    .describe('HTTP / SMTP attempts made (0 for console or nothing to send)'),
  status: z.number().int().optional().describe('HTTP status or SMTP reply code of the last attempt'),
  target: z.string().optional().describe('Redacted URL the message went to'),
  recipients: z.array(z.string()).optional().describe('E-mail: the addresses the SMTP server accepted'),
  rejected: z.array(z.string()).optional().describe('E-mail: the addresses it refused'),
  messageId: z.string().optional().describe('E-mail: the Message-ID, the same on every attempt'),
});

export const notifySend = defineTask({
  id: 'notify.send',
  placement: 'coordinator',
  description:
    'Sends a message or a drift alert to people: the run log, a webhook (JSON POST), a Slack incoming ' +
    "webhook or e-mail through the server's SMTP server. Retries on server errors with backoff; an alert " +
    'of null (nothing drifted) sends nothing.',
  cacheable: false,
  input: Input,
  output: Output,
  async run(input, ctx) {
    if (input.alert === null && !input.text) {
      ctx.log.info('notify: nothing to send (alert is null)');
      return { delivered: false, channel: input.channel, attempts: 0 };
    }
    const message = composeMessage(input);
    if (input.channel === 'console') {
      const level =
        message.severity === 'critical' ? 'error' : message.severity === 'warning' ? 'warn' : 'info';
      ctx.log[level](
        `${message.title}: ${message.text}`,
        message.alert ? { alert: message.alert } : undefined,
      );
      return { delivered: true, channel: input.channel, attempts: 0 };
    }
    if (input.channel === 'email') {
      // Once per step, like the posts below; the Message-ID also stays the same across attempts.
      const sent = await ctx.once('notify.mail', () =>
        sendMail(message, { ...input, to: input.to ?? [] }, ctx),
      );
      return { delivered: true, channel: input.channel, ...sent };
    }
    const url = input.url as string;
    const body = input.channel === 'slack' ? slackPayload(message) : webhookPayload(message);
    // Once per step: a re-run after a crash does not post again (and the receiver gets the same
    // Idempotency-Key if the first attempt died mid-post).
    const result = await ctx.once('notify.post', () => postJson(url, body, input, ctx));
    return {
      delivered: true,
      channel: input.channel,
      attempts: result.attempts,
      status: result.status,
      target: redactUrl(url),
    };
  },
});

interface Message {
  title: string;
  text: string;
  severity: Severity;
  alert?: DriftAlert;
}

function composeMessage(input: Input): Message {
  const alert = input.alert ?? undefined;
  return {
    title: input.title ?? (alert ? `Data drift (${alert.severity})` : 'pipewright'),
    text: input.text ?? alert?.summary ?? '',
    severity: input.severity ?? alert?.severity ?? 'info',
    ...(alert ? { alert } : {}),
  };
}

export function webhookPayload(m: Message): Record<string, unknown> {
  return {
    source: 'pipewright',
    title: m.title,
    text: m.text,
    severity: m.severity,
    ...(m.alert ? { alert: m.alert } : {}),
    sentAt: new Date().toISOString(),
  };
}

const SEVERITY_EMOJI: Record<Severity, string> = {
  info: ':information_source:',
  warning: ':warning:',
  critical: ':rotating_light:',
};

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Slack Block Kit message: header, summary, drifted features, findings, report location. */
export function slackPayload(m: Message): { text: string; blocks: Record<string, unknown>[] } {
  const text = `${SEVERITY_EMOJI[m.severity]} ${m.title}: ${m.text}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(m.title, 150), emoji: true } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`${SEVERITY_EMOJI[m.severity]} ${m.text}`, 3000) },
    },
  ];
  const a = m.alert;
  if (a) {
    if (a.features.length > 0) {
      const lines = a.features
        .slice(0, 15)
        .map(
          (f) =>
            `• \`${f.name}\` ${f.method} = ${f.statistic === null ? 'n/a' : Number(f.statistic.toPrecision(3))} (threshold ${f.threshold})`,
        );
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: clip(`*Drifted features*\n${lines.join('\n')}`, 3000) },
      });
    }
    if (a.findings.length > 0) {
      const lines = a.findings.slice(0, 10).map((f) => `• \`${f.column}\` ${f.message}`);
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: clip(`*Data quality*\n${lines.join('\n')}`, 3000) },
      });
    }
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clip(
            `reference ${a.reference.name ?? a.reference.hash.slice(0, 12)} (${a.reference.rows} rows) → ` +
              `current ${a.current.name ?? a.current.hash.slice(0, 12)} (${a.current.rows} rows) · ${a.at} · ` +
              `report: ${a.report.html}`,
            3000,
          ),
        },
      ],
    });
  }
  return { text, blocks };
}

/**
 * A URL safe to log: scheme, host and first path segment kept; credentials, the rest of the path (where
 * Slack and most webhook services keep the token) and query values replaced by ***.
 */
export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return '***';
  }
  const segments = u.pathname.split('/').filter(Boolean);
  const path = segments.length === 0 ? '' : `/${segments[0]}${segments.length > 1 ? '/***' : ''}`;
  const query = [...u.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=***`).join('&');
  const auth = u.username || u.password ? '***@' : '';
  return `${u.protocol}//${auth}${u.host}${path}${query ? `?${query}` : ''}`;
}

async function postJson(
  url: string,
  body: unknown,
  opts: Pick<Input, 'timeoutMs' | 'retries' | 'backoffMs'>,
  ctx: TaskContext,
): Promise<{ status: number; attempts: number }> {
  const target = redactUrl(url);
  const payload = JSON.stringify(body);
  let lastProblem = '';
  for (let attempt = 1; attempt <= opts.retries + 1; attempt++) {
    ctx.signal.throwIfAborted();
    let retryAfterMs = 0;
    const deadline = withDeadline(ctx.signal, opts.timeoutMs);
    try {
      // Never the host itself or its private network, unless the policy allows the host (src/policy/egress.ts).
      const res = await guardedFetch(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': ctx.idempotencyKey },
          body: payload,
          signal: deadline.signal,
        },
        loadPolicy(ctx.config).egress.allowHosts,
        (u) => redactUrl(u.href),
      );
      const text = await res.text().catch(() => '');
      if (res.ok) {
        ctx.log.info(`notify: delivered to ${target} (HTTP ${res.status}, attempt ${attempt})`);
        return { status: res.status, attempts: attempt };
      }
      if (res.status !== 429 && res.status < 500) {
        throw userError(
          'NOTIFY_REJECTED',
          `${target} rejected the notification with HTTP ${res.status}`,
          clip(text || res.statusText, 300),
          'Check the webhook URL (a revoked Slack webhook answers 403/404 "no_service") and the payload format.',
          { status: res.status, target },
        );
      }
      lastProblem = `HTTP ${res.status}${text ? ` ${clip(text, 200)}` : ''}`;
      const retryAfter = Number(res.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = Math.min(retryAfter * 1000, 30_000);
    } catch (e) {
      if (isPipewrightError(e) || ctx.signal.aborted) throw e;
      const name = (e as { name?: string }).name;
      lastProblem =
        name === 'TimeoutError' || deadline.timedOut()
          ? `no answer within ${opts.timeoutMs} ms`
          : String((e as Error).message ?? e);
    } finally {
      deadline.clear();
    }
    if (attempt <= opts.retries) {
      const delay = Math.max(retryAfterMs, opts.backoffMs * 2 ** (attempt - 1));
      ctx.log.warn(
        `notify: ${target} failed (${lastProblem}); retry ${attempt} of ${opts.retries} in ${delay} ms`,
      );
      await abortableSleep(delay, ctx.signal);
    }
  }
  throw new PipewrightError({
    code: 'NOTIFY_FAILED',
    category: 'third-party',
    what: `Could not deliver the notification to ${target}`,
    why: `${opts.retries + 1} attempt(s) failed; last: ${lastProblem}`,
    fix: 'Check that the service is up and reachable from this machine, then rerun the step.',
    retryable: true,
    details: { target },
  });
}
