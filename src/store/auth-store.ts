/**
 * API tokens and Slack users, with roles. A token is shown once at creation; the store keeps only its
 * SHA-256, found by the token's public id and compared in constant time. Creating, revoking and linking
 * are audited.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { userError } from '../errors.ts';
import type { Row } from './rows.ts';
import { type RunStore, sha256 } from './run-store.ts';
import { ROLES } from './types.ts';

// Defined in types.ts (the CLI's help reads it without loading the store); still exported from here.
export { ROLES };

export const Role = z
  .enum(ROLES)
  .describe(
    'viewer reads; operator also starts and cancels runs; approver also decides; admin manages tokens',
  );
export type Role = z.infer<typeof Role>;

/** True when `have` includes everything `need` may do (viewer < operator < approver < admin). */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export interface SlackUserRecord {
  slackUserId: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
}

/** The identity a request acts as, from a token or a linked Slack user. */
export interface Identity {
  name: string;
  role: Role;
  via: 'token' | 'slack';
}

const TOKEN = /^pw_([a-f0-9]{12})_([A-Za-z0-9_-]{43})$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw userError(
      'TOKEN_NAME_INVALID',
      `"${name}" is not a usable identity name`,
      'names are 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit',
      'Example: --name alice or --name ci-bot',
    );
  }
}

function checkRole(role: string): Role {
  const r = Role.safeParse(role);
  if (!r.success) {
    throw userError('ROLE_INVALID', `Unknown role "${role}"`, undefined, `Use one of: ${ROLES.join(', ')}.`);
  }
  return r.data;
}

export class AuthStore {
  constructor(private readonly store: RunStore) {}

  /** Creates a token; the plaintext is returned here and never stored. */
  createToken(input: { name: string; role: string; createdBy: string }): {
    token: string;
    record: TokenRecord;
  } {
    checkName(input.name);
    const role = checkRole(input.role);
    const id = randomBytes(6).toString('hex');
    const token = `pw_${id}_${randomBytes(32).toString('base64url')}`;
    const at = this.store.now();
    this.store.atomically(() => {
      const clash = this.store.db
        .prepare('SELECT id FROM api_tokens WHERE name = ? AND revoked_at IS NULL')
        .get(input.name);
      if (clash) {
        throw userError(
          'TOKEN_NAME_TAKEN',
          `A live token named "${input.name}" already exists`,
          'token names are identities in the audit log and must be unique',
          `Revoke it first (\`pipewright token revoke ${input.name}\`) or pick another --name.`,
        );
      }
      this.store.db
        .prepare(
          'INSERT INTO api_tokens (id, name, role, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(id, input.name, role, sha256(token), at, input.createdBy);
      this.store.audit(input.createdBy, 'token.create', `token:${input.name}`, { id, role });
    });
    return { token, record: this.requireToken(id) };
  }

  /** The token's identity, or undefined for an unknown, malformed or revoked token. */
  verify(token: string): TokenRecord | undefined {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const row = this.store.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(m[1]) as Row | undefined;
    if (!row) return undefined;
    const want = Buffer.from(String(row.hash), 'hex');
    const got = Buffer.from(sha256(token), 'hex');
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    if (row.revoked_at !== null) return undefined;
    this.store.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(this.store.now(), m[1]);
    return toToken(row);
  }

  /** Live tokens (revoked ones too with `all`). */
  listTokens(opts: { all?: boolean } = {}): TokenRecord[] {
    const rows = this.store.db
      .prepare(
        `SELECT * FROM api_tokens ${opts.all ? '' : 'WHERE revoked_at IS NULL'} ORDER BY created_at, rowid`,
      )
      .all() as Row[];
    return rows.map(toToken);
  }

  /** How many tokens can be used now; with none the API refuses every request. */
  activeTokenCount(): number {
    const row = this.store.db
      .prepare('SELECT COUNT(*) AS n FROM api_tokens WHERE revoked_at IS NULL')
      .get() as Row;
    return Number(row.n);
  }

  /** Revokes a live token by id or name. */
  revokeToken(idOrName: string, by: string): TokenRecord {
    return this.store.atomically(() => {
      const row = this.store.db
        .prepare('SELECT * FROM api_tokens WHERE (id = ? OR name = ?) AND revoked_at IS NULL')
        .get(idOrName, idOrName) as Row | undefined;
      if (!row) {
        throw userError(
          'TOKEN_NOT_FOUND',
          `No live token "${idOrName}"`,
          'no unrevoked token has that id or name',
          'Run `pipewright token list` to see the tokens.',
        );
      }
      this.store.db
        .prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?')
        .run(this.store.now(), row.id);
      this.store.audit(by, 'token.revoke', `token:${String(row.name)}`, { id: row.id });
      return this.requireToken(String(row.id));
    });
  }

  private requireToken(id: string): TokenRecord {
    return toToken(this.store.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row);
  }

  // ---- Slack users ------------------------------------------------------------------------------

  /** Links a Slack user id to a pipewright identity and role (replacing an earlier link). */
  linkSlackUser(input: {
    slackUserId: string;
    name: string;
    role: string;
    createdBy: string;
  }): SlackUserRecord {
    checkName(input.name);
    const role = checkRole(input.role);
    if (!/^[UW][A-Z0-9]{2,}$/.test(input.slackUserId)) {
      throw userError(
        'SLACK_USER_INVALID',
        `"${input.slackUserId}" is not a Slack user id`,
        'Slack user ids look like U012AB3CD',
        "Copy the member id from the user's Slack profile (⋮ → Copy member ID).",
      );
    }
    this.store.atomically(() => {
      this.store.db
        .prepare(
          `INSERT INTO slack_users (slack_user_id, name, role, created_at, created_by) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(slack_user_id) DO UPDATE SET name = excluded.name, role = excluded.role,
               created_at = excluded.created_at, created_by = excluded.created_by`,
        )
        .run(input.slackUserId, input.name, role, this.store.now(), input.createdBy);
      this.store.audit(input.createdBy, 'slack.link', `slack:${input.slackUserId}`, {
        name: input.name,
        role,
      });
    });
    return this.slackUser(input.slackUserId) as SlackUserRecord;
  }

  unlinkSlackUser(slackUserId: string, by: string): void {
    this.store.atomically(() => {
      const r = this.store.db.prepare('DELETE FROM slack_users WHERE slack_user_id = ?').run(slackUserId);
      if (r.changes === 0) {
        throw userError(
          'SLACK_USER_NOT_FOUND',
          `Slack user ${slackUserId} is not linked`,
          undefined,
          'Run `pipewright token slack-users` to see the links.',
        );
      }
      this.store.audit(by, 'slack.unlink', `slack:${slackUserId}`, {});
    });
  }

  slackUser(slackUserId: string): SlackUserRecord | undefined {
    const row = this.store.db.prepare('SELECT * FROM slack_users WHERE slack_user_id = ?').get(slackUserId) as
      | Row
      | undefined;
    return row ? toSlackUser(row) : undefined;
  }

  listSlackUsers(): SlackUserRecord[] {
    return (this.store.db.prepare('SELECT * FROM slack_users ORDER BY name').all() as Row[]).map(toSlackUser);
  }

  // ---- Slack replays ----------------------------------------------------------------------------

  private replaysReady = false;

  /**
   * Claims a signed Slack request by its signature, once: false when the same request (same signature,
   * so same body and timestamp) was seen before. Kept for `windowMs` (the signature window and a margin),
   * in the shared store, so a replay to a restarted server or to another server is refused too.
   */
  claimSlackRequest(signature: string, windowMs = 10 * 60_000): boolean {
    if (!this.replaysReady) {
      // Outside the numbered migrations: a small, self-contained table any version may create.
      this.store.db.exec(
        'CREATE TABLE IF NOT EXISTS slack_replays (signature TEXT PRIMARY KEY, seen_at TEXT NOT NULL)',
      );
      this.replaysReady = true;
    }
    const now = this.store.now();
    const cutoff = new Date(Date.parse(now) - windowMs).toISOString();
    return this.store.atomically(() => {
      this.store.db.prepare('DELETE FROM slack_replays WHERE seen_at < ?').run(cutoff);
      const r = this.store.db
        .prepare('INSERT OR IGNORE INTO slack_replays (signature, seen_at) VALUES (?, ?)')
        .run(sha256(signature), now);
      return r.changes === 1;
    });
  }

  // ---- Slack threads ----------------------------------------------------------------------------

  /** Where a run's Slack thread lives (set once: the first message of the run). */
  slackThread(runId: string): { channel: string; ts?: string } | undefined {
    const row = this.store.db.prepare('SELECT * FROM slack_threads WHERE run_id = ?').get(runId) as
      | Row
      | undefined;
    if (!row) return undefined;
    return { channel: String(row.channel), ...(row.ts === null ? {} : { ts: String(row.ts) }) };
  }

  setSlackThread(runId: string, channel: string, ts?: string): void {
    this.store.db
      .prepare(
        `INSERT INTO slack_threads (run_id, channel, ts) VALUES (?, ?, ?)
           ON CONFLICT(run_id) DO UPDATE SET channel = excluded.channel, ts = COALESCE(slack_threads.ts, excluded.ts)`,
      )
      .run(runId, channel, ts ?? null);
  }
}

function toToken(r: Row): TokenRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    role: r.role as Role,
    createdAt: String(r.created_at),
    createdBy: String(r.created_by),
    ...(r.last_used_at === null ? {} : { lastUsedAt: String(r.last_used_at) }),
    ...(r.revoked_at === null ? {} : { revokedAt: String(r.revoked_at) }),
  };
}

function toSlackUser(r: Row): SlackUserRecord {
  return {
    slackUserId: String(r.slack_user_id),
    name: String(r.name),
    role: r.role as Role,
    createdAt: String(r.created_at),
    createdBy: String(r.created_by),
  };
}
