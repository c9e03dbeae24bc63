/**
 * Known secrets out of every record: the config's secrets (LLM key, Slack secrets, database and Redis
 * passwords, the CLI token), the policy's named secrets and anything shaped like a pipewright API token
 * become "[redacted]" in every event, step input/output/error and run error, before they are stored in the
 * run store or sent to a subscriber (SSE, Slack, the CLI). The run store calls it on serialised JSON.
 */
import { readFileSync } from 'node:fs';
import { type Config, secretValues } from '../config.ts';
import { loadPolicy } from './load.ts';
import type { Policy } from './schema.ts';

export const REDACTED = '[redacted]';

/** pipewright API tokens (pw_<id>_<secret>), whoever printed them. */
const API_TOKEN = /\bpw_[a-f0-9]{12}_[A-Za-z0-9_-]{43}\b/g;

/** Shorter values would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** The value of each named secret in the policy that can be read here (unreadable ones are skipped). */
export function policySecretValues(policy: Policy): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, grant] of Object.entries(policy.secrets)) {
    try {
      out[name] = readFileSync(grant.file, 'utf8').replace(/\r?\n$/, '');
    } catch {
      // Not readable from this process; the step that needs it fails with a clear error instead.
    }
  }
  return out;
}

/** Text with every given secret (raw or as it appears inside a JSON string) and every API token replaced. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    const escaped = JSON.stringify(s).slice(1, -1);
    if (out.includes(escaped)) out = out.split(escaped).join(REDACTED);
    if (escaped !== s && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out.replace(API_TOKEN, REDACTED);
}

/**
 * The redactor for a config: the secret list is rebuilt only when the policy changes. Only the JSON-escaped
 * form is replaced inside JSON, so the result stays valid JSON.
 */
export function secretRedactor(config: Config): (json: string) => string {
  let secrets: string[] = [];
  let checkedAt = Number.NEGATIVE_INFINITY;
  const list = () => {
    // The policy and its secret files are looked at once a second at most, however many lines a step logs.
    if (Date.now() - checkedAt < 1000) return secrets;
    checkedAt = Date.now();
    let named: string[] = [];
    try {
      named = Object.values(policySecretValues(loadPolicy(config)));
    } catch {
      // An invalid policy refuses runs elsewhere; the config's own secrets are still redacted here.
    }
    secrets = [...secretValues(config), ...named]
      .filter((s) => s.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length);
    return secrets;
  };
  return (json) => {
    let out = json;
    for (const s of list()) {
      const escaped = JSON.stringify(s).slice(1, -1);
      if (out.includes(escaped)) out = out.split(escaped).join(REDACTED);
    }
    return out.replace(API_TOKEN, REDACTED);
  };
}
