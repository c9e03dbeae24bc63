/**
 * notify.send's e-mail channel. The SMTP server is the server's setting, never the plan's:
 * PIPEWRIGHT_SMTP_URL (smtp:// with STARTTLS when the server offers it, smtps:// for TLS from the start;
 * user and password in the URL; a secret, redacted everywhere) and PIPEWRIGHT_MAIL_FROM. The plan names only
 * the recipients. The SMTP host passes the same egress check as webhooks (loopback and private addresses
 * refused unless egress.allowHosts names them) and the connection goes to the checked address, so a DNS
 * answer cannot change between the check and the connection. 4xx replies, timeouts and connection errors
 * are retried with exponential backoff; a 5xx reply is final.
 */
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { type Config, ENV_VARS } from '../../src/config.ts';
import { isPipewrightError, PipewrightError, userError } from '../../src/errors.ts';
import { checkedAddresses, loadPolicy, redactSecrets, withDeadline } from '../../src/policy/index.ts';
import type { TaskContext } from '../../src/tasks/index.ts';
import { abortableSleep } from '../lib/abortable-sleep.ts';
import { type MailContent, renderMail } from './email-render.ts';

const MAX_RECIPIENTS = 50;

const AddressList = z.array(z.email({ error: 'not an e-mail address' })).max(MAX_RECIPIENTS);

/** `to`: a list of addresses, or one string of them separated by commas or semicolons; empty: the run's author. */
export const Recipients = z.union([
  AddressList,
  z
    .string()
    .describe('Addresses separated by commas or semicolons, e.g. from a plan input')
    .transform((v) =>
      v
        .split(/[,;]/)
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(AddressList),
]);

export interface MailOptions {
  to: string[];
  /** Also the run's author, when that is an address ("email me and x@y"). */
  ccAuthor?: boolean;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

export interface MailResult {
  attempts: number;
  status?: number;
  target: string;
  recipients: string[];
  rejected: string[];
  messageId: string;
}

interface SmtpSettings {
  url: URL;
  target: string;
  from: string;
  auth?: { user: string; pass: string };
  secrets: string[];
}

const SET_IT =
  `An admin sets ${ENV_VARS.smtpUrl}=smtps://user:password@smtp.example.com:465 (or smtp://…:587 for ` +
  `STARTTLS; ${ENV_VARS.smtpUrl}_FILE may name a file holding it) and ${ENV_VARS.mailFrom}=` +
  'pipewright@example.com on the server, then restarts it. The SMTP server never comes from a plan.';

/** scheme://***@host:port: what logs, outputs and errors show of the SMTP URL. */
export function redactSmtpUrl(url: URL): string {
  return `${url.protocol}//${url.username || url.password ? '***@' : ''}${url.host}`;
}

function smtpSettings(config: Config): SmtpSettings {
  if (!config.smtpUrl) {
    throw userError(
      'NOTIFY_EMAIL_NOT_CONFIGURED',
      'E-mail is not set up on this server',
      `${ENV_VARS.smtpUrl} is not set, so notify.send has no SMTP server to mail through`,
      SET_IT,
    );
  }
  const url = new URL(config.smtpUrl);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const from = config.mailFrom ?? (user.includes('@') ? user : undefined);
  if (!from) {
    throw userError(
      'NOTIFY_EMAIL_NOT_CONFIGURED',
      'E-mail has no sender address on this server',
      `${ENV_VARS.mailFrom} is not set and the SMTP user is not an e-mail address`,
      SET_IT,
    );
  }
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  // AUTH LOGIN sends the password in base64, AUTH PLAIN "\0user\0password": a server that echoes either
  // in an error must not leak it either.
  const secrets = [config.smtpUrl, url.password, pass, b64(pass), b64(`\u0000${user}\u0000${pass}`)];
  return {
    url,
    target: redactSmtpUrl(url),
    from,
    ...(user || pass ? { auth: { user, pass } } : {}),
    secrets: secrets.filter((s) => s.length > 0),
  };
}

/**
 * The named addresses, plus the run's author when asked and that is an address ("email me and x@y"); with none
 * named, the author ("mail me"); else a user error asking for `to`.
 */
function recipientsOf(to: string[], actor: string | undefined, ccAuthor = false): string[] {
  const author = actor && z.email().safeParse(actor).success ? actor : undefined;
  if (to.length > 0) return [...new Set([...to, ...(ccAuthor && author ? [author] : [])])];
  if (author) return [author];
  throw userError(
    'NOTIFY_NO_RECIPIENTS',
    'Nobody to mail',
    `the step names no recipients (to) and the run's author${actor ? ` "${actor}"` : ''} is not an e-mail address`,
    "Give the notify step's `to` (one address or several, comma-separated), or the plan's mail_to input.",
  );
}

/** SMTP reply code of an error or an answer ("250 2.0.0 OK"), when there is one. */
function replyCode(e: { responseCode?: unknown; response?: unknown }): number | undefined {
  if (typeof e.responseCode === 'number') return e.responseCode;
  const m = typeof e.response === 'string' ? /^(\d{3})\b/.exec(e.response) : null;
  return m ? Number(m[1]) : undefined;
}

/** Failures worth another attempt: no answer, a dropped or refused connection, a DNS hiccup. */
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export async function sendMail(
  content: MailContent,
  opts: MailOptions,
  ctx: TaskContext,
): Promise<MailResult> {
  const smtp = smtpSettings(ctx.config);
  const to = recipientsOf(opts.to, ctx.actor, opts.ccAuthor);
  const clean = (s: string) => redactSecrets(s, smtp.secrets);
  const mail = renderMail(content, `Sent by pipewright · run ${ctx.runId} · step ${ctx.stepId}`);
  // The same Message-ID on every attempt and resume: a receiver that saw it already may drop the repeat.
  const domain = /@([^>\s]+)>?$/.exec(smtp.from)?.[1] ?? 'pipewright';
  const messageId = `<${createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
  const allowHosts = loadPolicy(ctx.config).egress.allowHosts;
  let lastProblem = '';
  for (let attempt = 1; attempt <= opts.retries + 1; attempt++) {
    ctx.signal.throwIfAborted();
    const deadline = withDeadline(ctx.signal, opts.timeoutMs);
    let transport: ReturnType<typeof createTransport> | undefined;
    try {
      const [address] = await checkedAddresses(smtp.url.hostname, allowHosts, smtp.target);
      transport = createTransport({
        host: address?.address ?? smtp.url.hostname,
        // The certificate is checked against the name, not the address connected to.
        servername: smtp.url.hostname.replace(/^\[|\]$/g, ''),
        port: smtp.url.port ? Number(smtp.url.port) : smtp.url.protocol === 'smtps:' ? 465 : 587,
        secure: smtp.url.protocol === 'smtps:',
        ...(smtp.auth ? { auth: smtp.auth } : {}),
        connectionTimeout: opts.timeoutMs,
        greetingTimeout: opts.timeoutMs,
        socketTimeout: opts.timeoutMs,
        logger: false,
      });
      const sending = transport.sendMail({
        from: smtp.from,
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        headers: { 'X-Pipewright-Run': ctx.runId },
      });
      const aborted = new Promise<never>((_, reject) => {
        deadline.signal.addEventListener('abort', () => reject(deadline.signal.reason), { once: true });
      });
      // Whichever loses the race must not end as an unhandled rejection.
      sending.catch(() => {});
      aborted.catch(() => {});
      const info = await Promise.race([sending, aborted]);
      const rejected = (info.rejected ?? []).map(String);
      const accepted = (info.accepted ?? []).map(String);
      if (rejected.length > 0) ctx.log.warn(`notify: ${smtp.target} refused ${rejected.join(', ')}`);
      ctx.log.info(
        `notify: mailed ${accepted.join(', ')} through ${smtp.target} (attempt ${attempt}): ${mail.subject}`,
      );
      const status = replyCode(info);
      return {
        attempts: attempt,
        ...(status ? { status } : {}),
        target: smtp.target,
        recipients: accepted,
        rejected,
        messageId,
      };
    } catch (e) {
      if (isPipewrightError(e)) throw e;
      if (ctx.signal.aborted) throw e;
      const err = e as { code?: string; responseCode?: number; response?: string; message?: string };
      const code = replyCode(err);
      const said = clean(String(err.response ?? err.message ?? e)).slice(0, 300);
      if (code !== undefined && code >= 500) {
        throw userError(
          'NOTIFY_REJECTED',
          `The SMTP server ${smtp.target} refused the mail`,
          said,
          err.code === 'EAUTH'
            ? `Check the user and password in ${ENV_VARS.smtpUrl}.`
            : 'Check the recipient addresses and the sender (PIPEWRIGHT_MAIL_FROM) the server accepts.',
          { status: code, target: smtp.target },
        );
      }
      // A certificate that does not verify will not verify on the next attempt either.
      const badCertificate =
        /CERT|SELF_SIGNED|ALTNAME|ETLS/.test(String(err.code ?? '')) ||
        /certificate|self[- ]signed|altnames|wrong version number/i.test(String(err.message ?? ''));
      const transient =
        !badCertificate &&
        ((code !== undefined && code >= 400) ||
          deadline.timedOut() ||
          CONNECTION_CODES.has(String(err.code ?? '')));
      if (!transient) {
        throw userError(
          'NOTIFY_REJECTED',
          `Could not mail through ${smtp.target}`,
          said,
          badCertificate
            ? `The SMTP server's TLS certificate does not verify for this host: check the host name in ${ENV_VARS.smtpUrl}, smtps:// (port 465) vs smtp:// (587, STARTTLS), and the server's certificate.`
            : `Check ${ENV_VARS.smtpUrl} (scheme, port, TLS) and the recipient addresses.`,
          { target: smtp.target },
        );
      }
      lastProblem = deadline.timedOut() ? `no answer within ${opts.timeoutMs} ms` : said;
    } finally {
      deadline.clear();
      transport?.close();
    }
    if (attempt <= opts.retries) {
      const delay = opts.backoffMs * 2 ** (attempt - 1);
      ctx.log.warn(
        `notify: ${smtp.target} failed (${lastProblem}); retry ${attempt} of ${opts.retries} in ${delay} ms`,
      );
      await abortableSleep(delay, ctx.signal);
    }
  }
  throw new PipewrightError({
    code: 'NOTIFY_FAILED',
    category: 'third-party',
    what: `Could not deliver the mail through ${smtp.target}`,
    why: `${opts.retries + 1} attempt(s) failed; last: ${lastProblem}`,
    fix: 'Check that the SMTP server is up and reachable from this machine, then rerun the step.',
    retryable: true,
    details: { target: smtp.target },
  });
}
