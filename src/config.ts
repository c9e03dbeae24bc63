/**
 * The only reader of the environment. Precedence: explicit option > environment variable > default.
 * Every other module receives a Config; none reads process.env.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { userError } from './errors.ts';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const ConfigSchema = z.object({
  workspace: z.string().describe('Folder that plans, data and file paths are confined to'),
  stateDir: z
    .string()
    .describe('Where run records, checkpoints and artifacts live (default <workspace>/.pipewright)'),
  python: z.string().describe('Python interpreter for python.script and the Python training runners'),
  envAllowlist: z.array(z.string()).describe('Environment variables passed through to commands a plan runs'),
  logLevel: z.enum(LOG_LEVELS),
  user: z
    .string()
    .min(1)
    .describe('Identity recorded on runs, approvals and audit entries from this machine'),
  databaseUrl: z.string().optional().describe('postgres://... to share state across machines (scale-out)'),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Which environment variable feeds which setting; named in every config error. */
export const ENV_VARS = {
  workspace: 'PIPEWRIGHT_WORKSPACE',
  stateDir: 'PIPEWRIGHT_HOME',
  python: 'PIPEWRIGHT_PYTHON',
  envAllowlist: 'PIPEWRIGHT_ENV_ALLOWLIST',
  logLevel: 'PIPEWRIGHT_LOG_LEVEL',
  user: 'PIPEWRIGHT_USER',
  databaseUrl: 'PIPEWRIGHT_DATABASE_URL',
} as const satisfies Record<keyof Config, string>;

const DEFAULT_ENV_ALLOWLIST = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'PYTHONPATH'];

export type ConfigOverrides = Partial<Config>;

export function loadConfig(
  overrides: ConfigOverrides = {},
  env: Record<string, string | undefined> = process.env,
): Config {
  const pick = <K extends keyof Config>(key: K): string | undefined => {
    const v = env[ENV_VARS[key]];
    return v === undefined || v === '' ? undefined : v;
  };
  const workspace = path.resolve(overrides.workspace ?? pick('workspace') ?? process.cwd());
  const stateDir = path.resolve(workspace, overrides.stateDir ?? pick('stateDir') ?? '.pipewright');
  const envList = pick('envAllowlist');
  const raw = {
    workspace,
    stateDir,
    python: overrides.python ?? pick('python') ?? defaultPython(),
    envAllowlist:
      overrides.envAllowlist ?? (envList ? envList.split(',').map((s) => s.trim()) : DEFAULT_ENV_ALLOWLIST),
    logLevel: overrides.logLevel ?? pick('logLevel') ?? 'info',
    user: overrides.user ?? pick('user') ?? env.USER ?? safeUsername(),
    databaseUrl: overrides.databaseUrl ?? pick('databaseUrl'),
  };
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '') as keyof Config;
    throw userError(
      'CONFIG_INVALID',
      `Configuration setting "${key}" is invalid`,
      issue?.message,
      ENV_VARS[key]
        ? `Set ${ENV_VARS[key]} to a valid value, or pass the matching command-line option.`
        : undefined,
    );
  }
  return parsed.data;
}

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Debian's scientific Python packages live under /usr/bin/python3; prefer it when present. */
function defaultPython(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Builds the environment for a child process: only allowlisted variables, plus explicit extras. */
export function childEnv(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of config.envAllowlist) {
    const v = process.env[name];
    if (v !== undefined) out[name] = v;
  }
  return { ...out, ...extra };
}
