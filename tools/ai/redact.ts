/**
 * What leaves this machine for a model provider is redacted first: the configured secrets and the policy's
 * named secrets by value (src/policy/redaction.ts), then anything shaped like a credential (API keys,
 * bearer tokens, passwords in URLs and key=value pairs; src/lineage/redact.ts).
 */
import { type Config, secretValues } from '../../src/config.ts';
import { redactText } from '../../src/lineage/redact.ts';
import { loadPolicy, policySecretValues, REDACTED, redactSecrets } from '../../src/policy/index.ts';

export interface Redactor {
  (text: string): string;
  /** How many texts had something replaced. */
  readonly count: number;
}

export function providerRedactor(config: Config): Redactor {
  let named: string[] = [];
  try {
    named = Object.values(policySecretValues(loadPolicy(config)));
  } catch {
    // An invalid policy refuses runs elsewhere; the config's own secrets are still redacted.
  }
  const secrets = [...secretValues(config), ...named].sort((a, b) => b.length - a.length);
  let count = 0;
  const fn = (text: string) => {
    const out = redactText(redactSecrets(text, secrets));
    if (out !== text && out.includes(REDACTED)) count++;
    return out;
  };
  return Object.defineProperty(fn, 'count', { get: () => count }) as Redactor;
}
