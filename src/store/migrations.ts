/**
 * The schema, applied in order. Written in SQLite; Postgres gets the same migrations through
 * migrationToPostgres. SQLite records its version in PRAGMA user_version, Postgres in pw_schema.
 */
import type { Db } from './db.ts';
import { migrationToPostgres, POSTGRES_PRELUDE } from './sql-dialect.ts';

export const MIGRATIONS: string[] = [
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    plan_name TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    plan_hash TEXT NOT NULL,
    inputs_json TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error_json TEXT,
    created_by TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT 'manual',
    owner_pid INTEGER,
    heartbeat_at TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX runs_by_created ON runs(created_at);
  CREATE INDEX runs_by_plan ON runs(plan_name, created_at);

  CREATE TABLE steps (
    run_id TEXT NOT NULL REFERENCES runs(id),
    step_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    task TEXT,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    started_at TEXT,
    finished_at TEXT,
    input_json TEXT,
    output_json TEXT,
    error_json TEXT,
    cached INTEGER NOT NULL DEFAULT 0,
    cache_key TEXT,
    reason TEXT,
    PRIMARY KEY (run_id, step_id)
  );

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    step_id TEXT,
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    data_json TEXT NOT NULL
  );
  CREATE INDEX events_by_run ON events(run_id, seq);

  CREATE TABLE approvals (
    run_id TEXT NOT NULL REFERENCES runs(id),
    step_id TEXT NOT NULL,
    message TEXT NOT NULL,
    approvers_json TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    on_timeout TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    comment TEXT,
    via TEXT,
    PRIMARY KEY (run_id, step_id)
  );
  CREATE INDEX approvals_pending ON approvals(status, expires_at);

  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details_json TEXT NOT NULL
  );
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

  CREATE TABLE artifacts (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    media_type TEXT,
    created_at TEXT NOT NULL,
    run_id TEXT,
    step_id TEXT
  );

  CREATE TABLE step_cache (
    key TEXT PRIMARY KEY,
    task TEXT NOT NULL,
    output_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    run_id TEXT NOT NULL,
    step_id TEXT NOT NULL
  );
  `,
  // Model registry: versions, aliases with their full move history, and HTTP deployments.
  `
  CREATE TABLE models (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    epoch INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE model_versions (
    model TEXT NOT NULL REFERENCES models(name),
    version INTEGER NOT NULL,
    ref_json TEXT NOT NULL,
    model_hash TEXT NOT NULL,
    metrics_json TEXT NOT NULL,
    params_json TEXT NOT NULL,
    dataset_json TEXT,
    dataset_version TEXT,
    dataset_hash TEXT,
    run_id TEXT,
    step_id TEXT,
    plan_name TEXT,
    description TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (model, version)
  );

  CREATE TABLE model_aliases (
    model TEXT NOT NULL REFERENCES models(name),
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (model, alias),
    FOREIGN KEY (model, version) REFERENCES model_versions(model, version)
  );

  CREATE TABLE model_alias_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    alias TEXT NOT NULL,
    action TEXT NOT NULL,
    from_version INTEGER,
    to_version INTEGER NOT NULL,
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT
  );
  CREATE INDEX model_alias_history_by_alias ON model_alias_history(model, alias, seq);
  CREATE TRIGGER model_alias_history_no_update BEFORE UPDATE ON model_alias_history
    BEGIN SELECT RAISE(ABORT, 'alias history is append-only'); END;
  CREATE TRIGGER model_alias_history_no_delete BEFORE DELETE ON model_alias_history
    BEGIN SELECT RAISE(ABORT, 'alias history is append-only'); END;

  CREATE TABLE model_deployments (
    id TEXT PRIMARY KEY,
    model TEXT NOT NULL REFERENCES models(name),
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    canary_version INTEGER,
    canary_share REAL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ended_at TEXT,
    reason TEXT,
    run_id TEXT,
    step_id TEXT
  );
  CREATE INDEX model_deployments_by_model ON model_deployments(model, status, created_at);
  `,
  // API tokens (only their SHA-256), Slack users linked to identities and roles, Slack threads per run.
  `
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );
  CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(name) WHERE revoked_at IS NULL;

  CREATE TABLE slack_users (
    slack_user_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
  );

  CREATE TABLE slack_threads (
    run_id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    ts TEXT
  );
  `,
  // Lineage graph: entities (plan revisions, runs, steps, dataset and model versions, deployments, alerts,
  // approval decisions, prompt versions) and typed edges from a thing to what it came from.
  `
  CREATE TABLE lineage_entities (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    attrs_json TEXT NOT NULL DEFAULT '{}',
    run_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX lineage_entities_by_kind ON lineage_entities(kind, created_at);

  CREATE TABLE lineage_edges (
    src TEXT NOT NULL,
    type TEXT NOT NULL,
    dst TEXT NOT NULL,
    attrs_json TEXT NOT NULL DEFAULT '{}',
    run_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (src, type, dst)
  ) WITHOUT ROWID;
  CREATE INDEX lineage_edges_by_dst ON lineage_edges(dst, type);

  CREATE TABLE lineage_aliases (
    alias TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL
  );
  `, // Triggers (cron, file, webhook, drift) with the last tick they handled; one lock row per trigger and tick,
  // claimed in a transaction so two schedulers on one database fire once; drift triages, one per alert window.
  `
  CREATE TABLE triggers (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    plan_path TEXT,
    plan_name TEXT NOT NULL,
    catch_up TEXT NOT NULL DEFAULT 'one',
    max_concurrent INTEGER NOT NULL DEFAULT 1,
    on_limit TEXT NOT NULL DEFAULT 'skip',
    enabled INTEGER NOT NULL DEFAULT 1,
    last_tick TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE trigger_fires (
    trigger TEXT NOT NULL,
    tick TEXT NOT NULL,
    status TEXT NOT NULL,
    run_id TEXT,
    reason TEXT,
    inputs_json TEXT NOT NULL DEFAULT '{}',
    claimed_by TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (trigger, tick)
  );
  CREATE INDEX trigger_fires_by_status ON trigger_fires(status, at);

  CREATE TABLE triages (
    id TEXT PRIMARY KEY,
    alert_key TEXT NOT NULL UNIQUE,
    alert_ref TEXT NOT NULL,
    model TEXT,
    classification TEXT NOT NULL,
    severity TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    triage_json TEXT NOT NULL,
    run_id TEXT,
    outcome_json TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX triages_by_model ON triages(model, created_at);
  `, // Approval evidence (src/engine/approval-evidence.ts): what changes, metrics vs production, data, drift.
  `
  ALTER TABLE approvals ADD COLUMN evidence_json TEXT;
  `,
  // Exactly-once and leases: the process executing a run holds a lease it renews (an expired one makes the
  // run `interrupted`); steps count attempts cut short by a dead process; registry writes and other side
  // effects remember the step attempt (idempotency key) that made them, so a re-run finds and reuses them.
  `
  ALTER TABLE runs ADD COLUMN lease_owner TEXT;
  ALTER TABLE runs ADD COLUMN lease_expires_at TEXT;
  CREATE INDEX runs_by_status ON runs(status);
  ALTER TABLE steps ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE model_versions ADD COLUMN idempotency_key TEXT;
  CREATE UNIQUE INDEX model_versions_by_key ON model_versions(idempotency_key);
  ALTER TABLE model_deployments ADD COLUMN idempotency_key TEXT;
  CREATE UNIQUE INDEX model_deployments_by_key ON model_deployments(idempotency_key);

  CREATE TABLE side_effects (
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    result_json TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (key, name)
  );
  `,
];

export function migrate(db: Db): void {
  // Up to date (the common case): no write lock. Every store opens through here, so taking the lock each
  // time would serialise every process that opens the workspace.
  if (db.dialect === 'sqlite' && schemaVersion(db) === MIGRATIONS.length) return;
  // The version is read again under the write lock (BEGIN IMMEDIATE): two processes opening a fresh
  // workspace at once migrate it once.
  db.transaction(() => {
    const current = schemaVersion(db);
    if (db.dialect === 'postgres') db.exec(POSTGRES_PRELUDE);
    if (current > MIGRATIONS.length) {
      throw new Error(
        `the state database (${db.location}) is at schema version ${current}, newer than this pipewright (${MIGRATIONS.length}); upgrade pipewright`,
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      const sql = MIGRATIONS[v] as string;
      if (db.dialect === 'postgres') {
        db.exec(migrationToPostgres(sql));
        db.prepare('UPDATE pw_schema SET version = ?').run(v + 1);
      } else {
        db.exec(sql);
        db.exec(`PRAGMA user_version = ${v + 1}`);
      }
    }
  })();
}

export function schemaVersion(db: Db): number {
  if (db.dialect === 'sqlite') {
    return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
  }
  // One migrator at a time across processes; the lock ends with the transaction.
  db.exec('SELECT pg_advisory_xact_lock(7283401)');
  db.exec('CREATE TABLE IF NOT EXISTS pw_schema (version BIGINT NOT NULL)');
  const row = db.prepare('SELECT version FROM pw_schema').get() as { version: number } | undefined;
  if (row) return row.version;
  db.prepare('INSERT INTO pw_schema (version) VALUES (0)').run();
  return 0;
}
