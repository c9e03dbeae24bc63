import type { Config } from '../config.ts';
import { userError } from '../errors.ts';
import { type Db, openDb, stateTarget } from './db.ts';
import { migrate } from './migrations.ts';
import { optional as opt, fromJson as parse, type Row } from './rows.ts';

export type TriggerKind = 'cron' | 'file' | 'webhook' | 'drift' | 'bucket';
export type CatchUpPolicy = 'skip' | 'one' | 'all';
export type LimitPolicy = 'skip' | 'queue';
export type FireStatus = 'fired' | 'skipped' | 'queued' | 'failed';

export interface TriggerRecord {
  name: string;
  kind: TriggerKind;
  spec: Record<string, unknown>;
  plan: unknown;
  planPath?: string;
  planName: string;
  catchUp: CatchUpPolicy;
  maxConcurrent: number;
  onLimit: LimitPolicy;
  enabled: boolean;
  lastTick?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface FireRecord {
  trigger: string;
  tick: string;
  status: FireStatus;
  runId?: string;
  reason?: string;
  inputs: Record<string, unknown>;
  claimedBy: string;
  at: string;
}

export type TriageStatus = 'proposed' | 'approved' | 'rejected' | 'applied' | 'failed' | 'muted';

export interface TriageRecord {
  id: string;
  alertKey: string;
  alertRef: string;
  model?: string;
  classification: string;
  severity: string;
  action: string;
  status: TriageStatus;
  triage: Record<string, unknown>;
  runId?: string;
  outcome?: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** Opens the trigger store on the state database with its own connection (for tasks, which get no store). */
export function openTriggerStore(
  config: Pick<Config, 'stateDir' | 'databaseUrl'>,
): TriggerStore & { close(): void } {
  const db = openDb(stateTarget(config));
  migrate(db);
  const store = new TriggerStore(db) as TriggerStore & { close(): void };
  store.close = () => db.close();
  return store;
}

export class TriggerStore {
  constructor(
    readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  now(): string {
    return this.clock().toISOString();
  }

  // ---- triggers -------------------------------------------------------------------------------------

  /** Adds a trigger, or replaces its definition (keeping the last tick, so a re-add does not replay). */
  upsertTrigger(
    t: Omit<TriggerRecord, 'createdAt' | 'updatedAt' | 'lastTick' | 'enabled'> & { enabled?: boolean },
  ): TriggerRecord {
    const at = this.now();
    this.db
      .prepare(
        `INSERT INTO triggers (name, kind, spec_json, plan_json, plan_path, plan_name, catch_up, max_concurrent,
           on_limit, enabled, created_at, created_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, spec_json = excluded.spec_json,
           plan_json = excluded.plan_json, plan_path = excluded.plan_path, plan_name = excluded.plan_name,
           catch_up = excluded.catch_up, max_concurrent = excluded.max_concurrent, on_limit = excluded.on_limit,
           enabled = excluded.enabled, updated_at = excluded.updated_at`,
      )
      .run(
        t.name,
        t.kind,
        JSON.stringify(t.spec),
        JSON.stringify(t.plan),
        t.planPath ?? null,
        t.planName,
        t.catchUp,
        t.maxConcurrent,
        t.onLimit,
        t.enabled === false ? 0 : 1,
        at,
        t.createdBy,
        at,
      );
    return this.requireTrigger(t.name);
  }

  getTrigger(name: string): TriggerRecord | undefined {
    const row = this.db.prepare('SELECT * FROM triggers WHERE name = ?').get(name) as Row | undefined;
    return row ? toTrigger(row) : undefined;
  }

  requireTrigger(name: string): TriggerRecord {
    const t = this.getTrigger(name);
    if (t) return t;
    throw userError(
      'TRIGGER_NOT_FOUND',
      `No trigger "${name}"`,
      'no trigger with that name is registered in this state directory',
      'Run `pipewright scheduler list` to see the registered triggers.',
    );
  }

  listTriggers(opts: { kind?: TriggerKind } = {}): TriggerRecord[] {
    const rows = (
      opts.kind
        ? this.db.prepare('SELECT * FROM triggers WHERE kind = ? ORDER BY name').all(opts.kind)
        : this.db.prepare('SELECT * FROM triggers ORDER BY name').all()
    ) as Row[];
    return rows.map(toTrigger);
  }

  removeTrigger(name: string): boolean {
    return this.db.prepare('DELETE FROM triggers WHERE name = ?').run(name).changes === 1;
  }

  /** Moves the last handled tick forward (never back: a slower scheduler cannot rewind it). */
  setLastTick(name: string, tick: string): void {
    this.db
      .prepare(
        'UPDATE triggers SET last_tick = ?, updated_at = ? WHERE name = ? AND (last_tick IS NULL OR last_tick < ?)',
      )
      .run(tick, this.now(), name, tick);
  }

  // ---- fires (the lock rows) ------------------------------------------------------------------------

  /** Claims (trigger, tick). False when another scheduler (or an earlier pass) already claimed it. */
  claimFire(f: Omit<FireRecord, 'at'>): boolean {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO trigger_fires (trigger, tick, status, run_id, reason, inputs_json, claimed_by, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        f.trigger,
        f.tick,
        f.status,
        f.runId ?? null,
        f.reason ?? null,
        JSON.stringify(f.inputs),
        f.claimedBy,
        this.now(),
      );
    return r.changes === 1;
  }

  /** Updates a fire; with `from`, only while it still has that status (a conditional claim). */
  updateFire(
    trigger: string,
    tick: string,
    patch: { status: FireStatus; runId?: string; reason?: string; claimedBy?: string },
    from?: FireStatus,
  ): boolean {
    const r = this.db
      .prepare(
        `UPDATE trigger_fires SET status = ?, run_id = COALESCE(?, run_id), reason = COALESCE(?, reason),
           claimed_by = COALESCE(?, claimed_by)
         WHERE trigger = ? AND tick = ?${from ? ' AND status = ?' : ''}`,
      )
      .run(
        patch.status,
        patch.runId ?? null,
        patch.reason ?? null,
        patch.claimedBy ?? null,
        trigger,
        tick,
        ...(from ? [from] : []),
      );
    return r.changes === 1;
  }

  getFire(trigger: string, tick: string): FireRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM trigger_fires WHERE trigger = ? AND tick = ?')
      .get(trigger, tick) as Row | undefined;
    return row ? toFire(row) : undefined;
  }

  listFires(opts: { trigger?: string; status?: FireStatus; limit?: number } = {}): FireRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.trigger) {
      where.push('trigger = ?');
      args.push(opts.trigger);
    }
    if (opts.status) {
      where.push('status = ?');
      args.push(opts.status);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM trigger_fires ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at, tick LIMIT ?`,
      )
      .all(...args, opts.limit ?? 1000) as Row[];
    return rows.map(toFire);
  }

  /** Runs of a pipeline that are not finished yet (queued, running, interrupted or waiting for approval). */
  activeRuns(planName: string): number {
    const row = this.db
      .prepare(
        "SELECT count(*) AS n FROM runs WHERE plan_name = ? AND status IN ('queued', 'running', 'interrupted', 'waiting')",
      )
      .get(planName) as Row;
    return Number(row.n);
  }

  // ---- triages --------------------------------------------------------------------------------------

  /** Inserts a triage; when the alert window was triaged already, returns that one and inserts nothing. */
  insertTriage(t: Omit<TriageRecord, 'createdAt' | 'updatedAt'>): { triage: TriageRecord; created: boolean } {
    const at = this.now();
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO triages (id, alert_key, alert_ref, model, classification, severity, action, status,
           triage_json, run_id, outcome_json, created_at, created_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        t.id,
        t.alertKey,
        t.alertRef,
        t.model ?? null,
        t.classification,
        t.severity,
        t.action,
        t.status,
        JSON.stringify(t.triage),
        t.runId ?? null,
        t.outcome ? JSON.stringify(t.outcome) : null,
        at,
        t.createdBy,
        at,
      );
    const existing = this.getTriageByAlert(t.alertKey) as TriageRecord;
    return { triage: existing, created: r.changes === 1 };
  }

  getTriage(id: string): TriageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM triages WHERE id = ?').get(id) as Row | undefined;
    return row ? toTriage(row) : undefined;
  }

  getTriageByAlert(alertKey: string): TriageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM triages WHERE alert_key = ?').get(alertKey) as Row | undefined;
    return row ? toTriage(row) : undefined;
  }

  getTriageByRun(runId: string): TriageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM triages WHERE run_id = ?').get(runId) as Row | undefined;
    return row ? toTriage(row) : undefined;
  }

  updateTriage(
    id: string,
    patch: { status?: TriageStatus; runId?: string; outcome?: Record<string, unknown> },
  ): void {
    this.db
      .prepare(
        `UPDATE triages SET status = COALESCE(?, status), run_id = COALESCE(?, run_id),
           outcome_json = COALESCE(?, outcome_json), updated_at = ? WHERE id = ?`,
      )
      .run(
        patch.status ?? null,
        patch.runId ?? null,
        patch.outcome ? JSON.stringify(patch.outcome) : null,
        this.now(),
        id,
      );
  }

  listTriages(opts: { model?: string; limit?: number } = {}): TriageRecord[] {
    const rows = (
      opts.model
        ? this.db
            .prepare('SELECT * FROM triages WHERE model = ? ORDER BY created_at DESC LIMIT ?')
            .all(opts.model, opts.limit ?? 50)
        : this.db.prepare('SELECT * FROM triages ORDER BY created_at DESC LIMIT ?').all(opts.limit ?? 50)
    ) as Row[];
    return rows.map(toTriage);
  }
}

function toTrigger(r: Row): TriggerRecord {
  return {
    name: String(r.name),
    kind: r.kind as TriggerKind,
    spec: parse<Record<string, unknown>>(r.spec_json) ?? {},
    plan: parse(r.plan_json),
    planPath: opt(r.plan_path),
    planName: String(r.plan_name),
    catchUp: r.catch_up as CatchUpPolicy,
    maxConcurrent: Number(r.max_concurrent),
    onLimit: r.on_limit as LimitPolicy,
    enabled: r.enabled === 1,
    lastTick: opt(r.last_tick),
    createdAt: String(r.created_at),
    createdBy: String(r.created_by),
    updatedAt: String(r.updated_at),
  };
}

function toFire(r: Row): FireRecord {
  return {
    trigger: String(r.trigger),
    tick: String(r.tick),
    status: r.status as FireStatus,
    runId: opt(r.run_id),
    reason: opt(r.reason),
    inputs: parse<Record<string, unknown>>(r.inputs_json) ?? {},
    claimedBy: String(r.claimed_by),
    at: String(r.at),
  };
}

function toTriage(r: Row): TriageRecord {
  return {
    id: String(r.id),
    alertKey: String(r.alert_key),
    alertRef: String(r.alert_ref),
    model: opt(r.model),
    classification: String(r.classification),
    severity: String(r.severity),
    action: String(r.action),
    status: r.status as TriageStatus,
    triage: parse<Record<string, unknown>>(r.triage_json) ?? {},
    runId: opt(r.run_id),
    outcome: parse(r.outcome_json),
    createdAt: String(r.created_at),
    createdBy: String(r.created_by),
    updatedAt: String(r.updated_at),
  };
}
