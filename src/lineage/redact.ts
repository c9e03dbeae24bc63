/**
 * Redaction of text that leaves this machine (evidence sent to an LLM): the configured secrets themselves,
 * wherever they appear, and the usual shapes of credentials (API keys, tokens, passwords in URLs and in
 * key=value pairs). What is left is the meaning of the text; the secret becomes "[redacted]".
 */
import type { Config } from '../config.ts';

export const REDACTED = '[redacted]';

const PATTERNS: RegExp[] = [
  // user:password@ in URLs (postgres://etl:hunter2@db/...)
  /(?<=[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi,
  // Authorization headers (before key: value, which would take "Bearer" for the value)
  /(?<=\b(?:bearer|basic)\s+)[\w.~+/=-]{8,}/gi,
  // key=value / key: value where the key says it is a secret
  /(?<=\b[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth)[\w-]*["']?\s*[:=]\s*["']?)[^\s"',;]+/gi,
  // OpenAI-style, Slack, GitHub, AWS and Hugging Face keys
  /\bsk-[\w-]{8,}/g,
  /\bxox[abposr]-[\w-]{8,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bhf_[A-Za-z0-9]{20,}/g,
  // pipewright API tokens
  /\bpw_[a-f0-9]{12}_[A-Za-z0-9_-]{43}\b/g,
];

type SecretSource = Partial<
  Pick<Config, 'llmApiKey' | 'slackSigningSecret' | 'slackBotToken' | 'databaseUrl' | 'redisUrl'>
>;

/** The literal secrets of the config (and the passwords inside the database and Redis URLs), longest first. */
export function configSecrets(config: SecretSource): string[] {
  const out = [
    config.llmApiKey,
    config.slackSigningSecret,
    config.slackBotToken,
    config.databaseUrl,
    config.redisUrl,
  ];
  for (const url of [config.databaseUrl, config.redisUrl]) {
    if (!url) continue;
    try {
      const u = new URL(url);
      if (u.password) out.push(decodeURIComponent(u.password), u.password);
    } catch {
      // not a URL: the whole value is already on the list
    }
  }
  return [...new Set(out.filter((s): s is string => typeof s === 'string' && s.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
}

/** Text with the given secrets and every credential-shaped substring replaced by "[redacted]". */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(REDACTED);
  for (const p of PATTERNS) out = out.replace(p, REDACTED);
  return out;
}
