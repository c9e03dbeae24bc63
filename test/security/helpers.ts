/**
 * The security suite's fixture: a real `pipewright serve` in a child process (its own environment holding
 * the server's secrets, as in production), tokens of every role made in its state, and a snapshot of every
 * record table so a test can show that a refused request changed nothing.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { loadConfig } from '../../src/config.ts';
import { AuthStore, RunStore, stateTarget } from '../../src/store/index.ts';
import { BIN } from '../helpers/cli.ts';

/** Secrets the server holds; no step, log or answer may ever show one of them. */
export const SECRETS = {
  PIPEWRIGHT_SLACK_SIGNING_SECRET: 'slack-signing-secret-5f2a9c77e1',
  PIPEWRIGHT_SLACK_BOT_TOKEN: 'xoxb-1111-2222-botsecret-8d3e',
  PIPEWRIGHT_LLM_API_KEY: 'sk-llm-api-key-0b9f4e2d7a61',
};

export type Role = 'viewer' | 'operator' | 'approver' | 'admin';

export interface SecureServer {
  url: string;
  workspace: string;
  stateDir: string;
  tokens: Record<Role, string>;
  /** Second approver, to decide what the first submitted. */
  approver2: string;
  server: ResultPromise;
  /** What the server wrote on stderr so far. */
  stderr(): string;
  store: RunStore;
  call(
    method: string,
    route: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  /** Row counts of every record table and the prediction log's size: equal snapshots = nothing changed. */
  snapshot(): Record<string, number>;
  stop(): Promise<void>;
}

const TABLES = [
  'runs',
  'steps',
  'events',
  'approvals',
  'audit',
  'model_versions',
  'model_deployments',
  'model_aliases',
  'triggers',
  'api_tokens',
];

/** Bytes under a folder (0 when absent). */
export function folderBytes(dir: string, keep: (file: string) => boolean = () => true): number {
  let n = 0;
  try {
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
      if (e.isFile() && keep(path.join(e.parentPath, e.name)))
        n += statSync(path.join(e.parentPath, e.name)).size;
  } catch {
    return 0;
  }
  return n;
}

export async function startSecureServer(
  opts: { policy?: string; env?: Record<string, string>; before?: (stateDir: string) => Promise<void> } = {},
): Promise<SecureServer> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-sec-'));
  const config = loadConfig({ workspace }, {});
  mkdirSync(config.stateDir, { recursive: true });
  if (opts.policy) writeFileSync(config.policyFile, opts.policy);
  const store = new RunStore(stateTarget(config));
  const auth = new AuthStore(store);
  const make = (name: string, role: Role) => auth.createToken({ name, role, createdBy: 'setup' }).token;
  const tokens = {
    viewer: make('vera', 'viewer'),
    operator: make('otto', 'operator'),
    approver: make('alice', 'approver'),
    admin: make('root', 'admin'),
  };
  const approver2 = make('bob', 'approver');
  await opts.before?.(config.stateDir);
  const server = execa('node', [BIN, 'serve', '--port', '0', '--json'], {
    cwd: workspace,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      PIPEWRIGHT_WORKSPACE: workspace,
      PIPEWRIGHT_USER: 'server',
      PIPEWRIGHT_SLACK_API_URL: 'http://127.0.0.1:9/api/',
      ...SECRETS,
      ...opts.env,
    },
    extendEnv: false,
    reject: false,
  });
  let err = '';
  server.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout?.on('data', (d: Buffer) => {
      const m = /"url":"([^"]+)"/.exec(d.toString());
      if (m?.[1]) resolve(m[1]);
    });
    void server.then(() => reject(new Error(`server exited: ${err}`)));
  });
  const call: SecureServer['call'] = async (method, route, o = {}) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: {
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...(o.body !== undefined && typeof o.body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...o.headers,
      },
      ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { text };
    }
    return { status: res.status, body, headers: res.headers };
  };
  const snapshot = () => {
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      out[t] = Number((store.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n);
    }
    out.predictionBytes = folderBytes(path.join(config.stateDir, 'predictions'));
    return out;
  };
  return {
    url,
    workspace,
    stateDir: config.stateDir,
    tokens,
    approver2,
    server,
    stderr: () => err,
    store,
    call,
    snapshot,
    stop: async () => {
      server.kill('SIGTERM');
      await server;
      store.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** The error code of an API answer. */
export const codeOf = (body: Record<string, unknown>) => (body.error as { code?: string } | undefined)?.code;
