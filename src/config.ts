/**
 * The only reader of the environment. Precedence: explicit option > environment variable > default.
 * Every other module receives a Config; none reads process.env.
 */
import { existsSync, readFileSync } from 'node:fs';
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
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional()
    .describe('redis://host:port: run steps on `pipewright worker` machines through BullMQ (scale-out)'),
  queue: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/i, 'letters, digits, - and _ only')
    .describe('Worker queue name: a coordinator and its workers use the same one'),
  llmProvider: z
    .enum(['offline', 'openai', 'ollama', 'llamacpp'])
    .describe('Who drafts plans and explanations'),
  llmModel: z.string().optional().describe('Model name (openai, ollama) or GGUF file path (llamacpp)'),
  llmBaseUrl: z.string().url().optional().describe('OpenAI-compatible or Ollama server URL'),
  llmApiKey: z
    .string()
    .optional()
    .describe('API key for the LLM server (a secret: never logged or prompted)'),
  llmTimeoutMs: z.number().int().positive().describe('Per-request LLM timeout'),
  llmPrices: z
    .record(
      z.string(),
      z.object({
        input: z.number().nonnegative().describe('USD per million input (prompt) tokens'),
        output: z.number().nonnegative().describe('USD per million output (completion) tokens'),
      }),
    )
    .describe(
      'Prices by model name ("*" for any other), for the cost metrics of llm.call; default none (cost 0)',
    ),
  embeddings: z
    .enum(['lexical', 'openai', 'ollama'])
    .describe('Embeddings for memory search (lexical: no model)'),
  embeddingModel: z.string().optional().describe('Embedding model name for openai/ollama embeddings'),
  memoryDir: z.string().describe('LanceDB folder of the run memory (default <stateDir>/memory)'),
  slackSigningSecret: z.string().optional().describe('Verifies Slack requests (a secret)'),
  slackBotToken: z.string().optional().describe('Posts to Slack (a secret)'),
  slackApiUrl: z.string().url().optional().describe('Slack Web API base URL (tests point it at a stand-in)'),
  slackChannel: z
    .string()
    .optional()
    .describe('Slack channel for runs not started from Slack, e.g. C0123 or #ml'),
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\/[^/?#]/, 'must be smtp://[user:password@]host[:port] or smtps://…')
    .optional()
    .describe('SMTP server notify.send mails through (a secret: it carries the password)'),
  mailFrom: z
    .string()
    .regex(/@/, 'must be an e-mail address, e.g. pipewright@example.com or "ML bot <ml@example.com>"')
    .optional()
    .describe('Sender address of notification mails (default: the SMTP user when that is an address)'),
  artifacts: z
    .string()
    .regex(
      /^(disk|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/,
      'must be "disk" or s3://bucket[/prefix]',
    )
    .describe('Where artifacts live: "disk" (<stateDir>/artifacts) or s3://bucket/prefix (docs/s3.md)'),
  artifactCacheDir: z
    .string()
    .describe('Local read-through cache of an S3 artifact store (default <stateDir>/artifact-cache)'),
  s3Endpoint: z
    .string()
    .url()
    .optional()
    .describe('S3-compatible endpoint (MinIO, R2, a local server); default: AWS for the region'),
  s3Region: z.string().optional().describe('S3 region; default: the AWS chain (AWS_REGION, profile)'),
  s3ForcePathStyle: z
    .boolean()
    .describe('Address buckets as <endpoint>/<bucket> (most S3-compatible servers) instead of subdomains'),
  mcpToken: z
    .string()
    .optional()
    .describe('API token a `pipewright mcp` stdio client acts with (a secret: never logged)'),
  token: z
    .string()
    .optional()
    .describe('An API token the CLI acts with: its name and role (a secret; PIPEWRIGHT_TOKEN_FILE reads it)'),
  policyFile: z
    .string()
    .describe(
      'The approval/sandbox/egress policy file (default <stateDir>/policy.yaml; defaults apply when absent)',
    ),
  sandbox: z
    .enum(['auto', 'bwrap', 'off'])
    .describe(
      'How step processes are sealed: auto (bubblewrap when it works, else a loud fallback), bwrap (required), off (fallback)',
    ),
  leaseMs: z
    .number()
    .int()
    .min(1000)
    .describe(
      'How long a run stays owned by a process that stopped renewing its lease (then it is interrupted)',
    ),
  autoResume: z
    .boolean()
    .describe('Whether `serve` and the scheduler resume interrupted runs by themselves (default true)'),
  metricsAccess: z
    .enum(['open', 'token'])
    .describe(
      'Who may read GET /metrics: anyone (open, the default, as Prometheus expects) or a viewer token (token)',
    ),
  faults: z
    .array(z.string())
    .describe(
      'Fault injection for tests (`npm run chaos`): named points where this process kills itself with SIGKILL',
    ),
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
  redisUrl: 'PIPEWRIGHT_REDIS_URL',
  queue: 'PIPEWRIGHT_QUEUE',
  llmProvider: 'PIPEWRIGHT_LLM_PROVIDER',
  llmModel: 'PIPEWRIGHT_LLM_MODEL',
  llmBaseUrl: 'PIPEWRIGHT_LLM_BASE_URL',
  llmApiKey: 'PIPEWRIGHT_LLM_API_KEY',
  llmTimeoutMs: 'PIPEWRIGHT_LLM_TIMEOUT_MS',
  llmPrices: 'PIPEWRIGHT_LLM_PRICES',
  embeddings: 'PIPEWRIGHT_EMBEDDINGS',
  embeddingModel: 'PIPEWRIGHT_EMBEDDING_MODEL',
  memoryDir: 'PIPEWRIGHT_MEMORY_DIR',
  slackSigningSecret: 'PIPEWRIGHT_SLACK_SIGNING_SECRET',
  slackBotToken: 'PIPEWRIGHT_SLACK_BOT_TOKEN',
  slackApiUrl: 'PIPEWRIGHT_SLACK_API_URL',
  slackChannel: 'PIPEWRIGHT_SLACK_CHANNEL',
  smtpUrl: 'PIPEWRIGHT_SMTP_URL',
  mailFrom: 'PIPEWRIGHT_MAIL_FROM',
  artifacts: 'PIPEWRIGHT_ARTIFACTS',
  artifactCacheDir: 'PIPEWRIGHT_ARTIFACT_CACHE',
  s3Endpoint: 'PIPEWRIGHT_S3_ENDPOINT',
  s3Region: 'PIPEWRIGHT_S3_REGION',
  s3ForcePathStyle: 'PIPEWRIGHT_S3_FORCE_PATH_STYLE',
  mcpToken: 'PIPEWRIGHT_MCP_TOKEN',
  token: 'PIPEWRIGHT_TOKEN',
  policyFile: 'PIPEWRIGHT_POLICY',
  sandbox: 'PIPEWRIGHT_SANDBOX',
  leaseMs: 'PIPEWRIGHT_LEASE_MS',
  autoResume: 'PIPEWRIGHT_AUTO_RESUME',
  metricsAccess: 'PIPEWRIGHT_METRICS_ACCESS',
  faults: 'PIPEWRIGHT_FAULTS',
} as const satisfies Record<keyof Config, string>;

const DEFAULT_ENV_ALLOWLIST = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'PYTHONPATH'];

export type ConfigOverrides = Partial<Config>;

export function loadConfig(
  overrides: ConfigOverrides = {},
  env: Record<string, string | undefined> = process.env,
): Config {
  const pick = <K extends keyof Config>(key: K): string | undefined => {
    const v = env[ENV_VARS[key]];
    const value = v === undefined || v === '' ? undefined : v;
    return SECRET_KEYS.includes(key) ? secretValue(key, value, env) : value;
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
    redisUrl: overrides.redisUrl ?? pick('redisUrl'),
    queue: overrides.queue ?? pick('queue') ?? 'default',
    llmProvider: overrides.llmProvider ?? pick('llmProvider') ?? 'offline',
    llmModel: overrides.llmModel ?? pick('llmModel'),
    llmBaseUrl: overrides.llmBaseUrl ?? pick('llmBaseUrl'),
    llmApiKey: overrides.llmApiKey ?? pick('llmApiKey'),
    llmTimeoutMs: overrides.llmTimeoutMs ?? numberOr(pick('llmTimeoutMs'), 60_000),
    llmPrices: overrides.llmPrices ?? jsonOr(pick('llmPrices'), {}),
    embeddings: overrides.embeddings ?? pick('embeddings') ?? 'lexical',
    embeddingModel: overrides.embeddingModel ?? pick('embeddingModel'),
    memoryDir: path.resolve(stateDir, overrides.memoryDir ?? pick('memoryDir') ?? 'memory'),
    slackSigningSecret: overrides.slackSigningSecret ?? pick('slackSigningSecret'),
    slackBotToken: overrides.slackBotToken ?? pick('slackBotToken'),
    slackApiUrl: overrides.slackApiUrl ?? pick('slackApiUrl'),
    slackChannel: overrides.slackChannel ?? pick('slackChannel'),
    smtpUrl: overrides.smtpUrl ?? pick('smtpUrl'),
    mailFrom: overrides.mailFrom ?? pick('mailFrom'),
    artifacts: overrides.artifacts ?? pick('artifacts') ?? 'disk',
    artifactCacheDir: path.resolve(
      stateDir,
      overrides.artifactCacheDir ?? pick('artifactCacheDir') ?? 'artifact-cache',
    ),
    s3Endpoint: overrides.s3Endpoint ?? pick('s3Endpoint'),
    s3Region: overrides.s3Region ?? pick('s3Region'),
    // Custom endpoints (MinIO, s3rver, Ceph) mostly need path-style addressing; AWS itself does not.
    s3ForcePathStyle:
      overrides.s3ForcePathStyle ??
      boolOr(pick('s3ForcePathStyle'), (overrides.s3Endpoint ?? pick('s3Endpoint')) !== undefined),
    mcpToken: overrides.mcpToken ?? pick('mcpToken'),
    token: overrides.token ?? pick('token'),
    policyFile: path.resolve(stateDir, overrides.policyFile ?? pick('policyFile') ?? 'policy.yaml'),
    sandbox: overrides.sandbox ?? pick('sandbox') ?? 'auto',
    leaseMs: overrides.leaseMs ?? numberOr(pick('leaseMs'), 15_000),
    autoResume: overrides.autoResume ?? boolOr(pick('autoResume'), true),
    metricsAccess: overrides.metricsAccess ?? pick('metricsAccess') ?? 'open',
    faults: overrides.faults ?? (pick('faults') ?? '').split(',').filter(Boolean),
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

function boolOr(v: string | undefined, fallback: boolean): boolean | string {
  if (v === undefined) return fallback;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  return v; // refused by the schema, naming the variable
}

/** A JSON setting; text that is not JSON is passed on, so the schema refuses it naming the variable. */
function jsonOr(v: string | undefined, fallback: unknown): unknown {
  if (v === undefined) return fallback;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function numberOr(v: string | undefined, fallback: number): number {
  return v === undefined ? fallback : Number(v);
}

/** Settings that are secrets: never shown, never in a child's environment, readable from `<VAR>_FILE`. */
export const SECRET_KEYS: readonly (keyof Config)[] = [
  'llmApiKey',
  'slackSigningSecret',
  'slackBotToken',
  'databaseUrl',
  'redisUrl',
  'smtpUrl',
  'mcpToken',
  'token',
];

/**
 * A secret from its variable or from the file its `_FILE` variable names (Docker/Kubernetes secrets):
 * the file's content without its trailing newline. Both set is a mistake: which one wins would be a guess.
 */
function secretValue(
  key: keyof Config,
  value: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  const fileVar = `${ENV_VARS[key]}_FILE`;
  const file = env[fileVar];
  if (!file) return value;
  if (value !== undefined) {
    throw userError(
      'CONFIG_INVALID',
      `Both ${ENV_VARS[key]} and ${fileVar} are set`,
      'a secret comes from one place only',
      `Unset one of them (${fileVar} keeps the secret out of the environment).`,
    );
  }
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw userError(
      'CONFIG_INVALID',
      `Cannot read the secret file ${file} named by ${fileVar}`,
      (e as Error).message,
      `Point ${fileVar} at a readable file holding only the secret.`,
    );
  }
}

/** The config as it may be shown or logged: secrets replaced by a marker. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const k of SECRET_KEYS) if (out[k] !== undefined) out[k] = '[set, redacted]';
  return out;
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

/** The literal secret values of a config (for redaction and to keep them out of children). */
export function secretValues(config: Config): string[] {
  const out: string[] = [];
  for (const k of SECRET_KEYS) {
    const v = config[k];
    if (typeof v !== 'string' || v === '') continue;
    out.push(v);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
      try {
        const u = new URL(v);
        if (u.password) out.push(u.password, decodeURIComponent(u.password));
      } catch {
        // not a URL: the whole value is on the list already
      }
    }
  }
  return [...new Set(out)];
}

/**
 * The config a step's task sees: the process's, plus the variables the engine gives every program the
 * step starts (PIPEWRIGHT_IDEMPOTENCY_KEY, PIPEWRIGHT_RUN_ID, ...; docs/training-contract.md).
 */
export type StepConfig = Config & { stepEnv?: Record<string, string> };

/**
 * Builds the environment for a child process: only allowlisted variables, the step's own variables
 * (StepConfig.stepEnv), plus explicit extras. Never a pipewright setting (PIPEWRIGHT_*) from this process's
 * environment nor any variable whose value is one of the configured secrets, even if the allowlist names
 * it: a step gets a secret only by declaring it (see src/policy).
 */
export function childEnv(config: StepConfig, extra: Record<string, string> = {}): Record<string, string> {
  const secrets = new Set(secretValues(config));
  const out: Record<string, string> = {};
  for (const name of config.envAllowlist) {
    const v = process.env[name];
    if (v === undefined || name.startsWith('PIPEWRIGHT_') || secrets.has(v)) continue;
    out[name] = v;
  }
  return { ...out, ...config.stepEnv, ...extra };
}
