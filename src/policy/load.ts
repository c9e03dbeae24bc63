/**
 * Reading the policy file: YAML, validated as a whole (every problem with its path), cached until the file
 * changes. No file means the defaults; an unreadable or invalid file is an error, never a silent default:
 * a typo must not open what the file meant to close.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Config } from '../config.ts';
import { userError } from '../errors.ts';
import type { PlanLimits } from '../plan/io.ts';
import { formatPath } from '../plan/validate.ts';
import { DEFAULT_POLICY, Policy } from './schema.ts';

const cache = new Map<string, { stamp: string; policy: Policy }>();

export function loadPolicy(config: Pick<Config, 'policyFile'>): Policy {
  const file = config.policyFile;
  let stamp: string;
  try {
    const st = statSync(file);
    stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_POLICY;
    throw unreadable(file, e);
  }
  const hit = cache.get(file);
  if (hit && hit.stamp === stamp) return hit.policy;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadable(file, e);
  }
  const policy = parsePolicyText(text, file);
  cache.set(file, { stamp, policy });
  return policy;
}

/** Parses policy YAML; every problem is reported with its path. */
export function parsePolicyText(text: string, source = 'policy'): Policy {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e?.linePos?.[0];
    throw userError(
      'POLICY_INVALID',
      `Cannot read the policy ${source}${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`,
      e?.message.split('\n')[0],
      'Fix the YAML at that position; `pipewright policy show` checks the file.',
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 }) ?? {};
  } catch (e) {
    throw userError('POLICY_INVALID', `Cannot read the policy ${source}`, (e as Error).message);
  }
  const parsed = Policy.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      path: formatPath(i.path),
      message: i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.join(', ')}` : i.message,
    }));
    throw userError(
      'POLICY_INVALID',
      `The policy ${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      'Fix each listed field (docs/security.md describes the policy); `pipewright policy show` checks the file.',
      { problems },
    );
  }
  return parsed.data;
}

function unreadable(file: string, e: unknown) {
  return userError(
    'POLICY_INVALID',
    `Cannot read the policy file ${file}`,
    (e as Error).message,
    'Fix its permissions, or point PIPEWRIGHT_POLICY at a readable file.',
  );
}

/** The plan limits of a policy, in the shape src/plan takes. */
export function planLimits(policy: Policy): PlanLimits {
  return {
    bytes: policy.limits.planBytes,
    steps: policy.limits.planSteps,
    aliases: policy.limits.yamlAliases,
  };
}
