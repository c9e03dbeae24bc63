/**
 * The run store: runs, steps, events, approvals, audit, artifacts and the step cache in one SQLite file.
 * Every state change that belongs together is written in one transaction, with its event, so a crash
 * never leaves a half-recorded step or a decision without its audit entry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type SerializedError, serializeError, systemError, userError } from '../errors.ts';
import type { Plan } from '../plan/index.ts';
import { isListedApprover } from '../policy/approver-names.ts';
import { type Db, openDb } from './db.ts';
import { leaseLapse, parseLeaseOwner } from './leases.ts';
import { migrate } from './migrations.ts';
import { toJson as j, optional as opt, fromJson as parse, type Row, whereEquals } from './rows.ts';
import type {
  ApprovalRecord,
  AuditRecord,
  NewEvent,
  RunEvent,
  RunRecord,
  RunStatus,
  StepRecord,
  StepStatus,
} from './types.ts';

export type Clock = () => Date;

export interface StepPatch {
  kind?: 'task' | 'approval';
  task?: string;
  status?: StepStatus;
  attempt?: number;
  startedAt?: string;
  finishedAt?: string;
  input?: unknown;
  output?: unknown;
  error?: SerializedError | null;
  cached?: boolean;
  cacheKey?: string;
  reason?: string;
  interrupted?: number;
}

/** One side effect of a step attempt, remembered under its idempotency key (see TaskContext.once). */
export interface SideEffectRecord {
  key: string;
  name: string;
  status: 'started' | 'done';
  attempt: number;
  result?: unknown;
  startedAt: string;
  finishedAt?: string;
}

export interface ClaimOptions {
  /** The lease owner id of this execution (newLeaseOwner()). */
  owner: string;
  leaseMs: number;
  resumed: boolean;
}

export interface DecisionInput {
  runId: string;
  stepId: string;
  approved: boolean;
  by: string;
  comment?: string;
  via: string;
}

export type DecisionResult =
  | { outcome: 'decided'; approval: ApprovalRecord }
  | { outcome: 'expired'; approval: ApprovalRecord };

/** The random part of the last id and its second: ids made in one second by one process count up from it. */
let lastId: { stamp: string; suffix: bigint } | undefined;

/**
 * A run id, `run-YYYYMMDD-HHMMSS-<12 hex digits>`. Like a monotonic ULID: the first id of a second starts at
 * 47 random bits, the next ones in that second count up from it, so one process never repeats an id and
 * its ids sort in creation order. Ids of different processes collide only by chance; `fresh` (createRun's
 * retry after a collision) draws a new random start instead of counting on.
 */
export function newRunId(now = new Date(), fresh = false): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const suffix =
    lastId?.stamp === stamp && !fresh ? lastId.suffix + 1n : BigInt(randomBytes(6).readUIntBE(0, 6)) >> 1n;
  lastId = { stamp, suffix };
  return `run-${stamp}-${suffix.toString(16).padStart(12, '0')}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class RunStore {
  readonly db: Db;
  private readonly tx: (fn: () => unknown) => unknown;
  private readonly listeners = new Set<(e: RunEvent) => void>();
  /** Applied to every event, step input/output/error and run error before it is stored or sent. */
  private redactJson: (json: string) => string = (json) => json;

  constructor(
    readonly file: string,
    private readonly clock: Clock = () => new Date(),
    private readonly newId: (now: Date, fresh: boolean) => string = newRunId,
  ) {
    this.db = openDb(file);
    migrate(this.db);
    this.tx = this.db.transaction((fn: () => unknown) => fn());
  }

  /**
   * Runs fn in one transaction (a savepoint when nested). The wrapper is built once: better-sqlite3
   * prepares BEGIN/COMMIT for every db.transaction() call, a measurable per-step cost.
   */
  atomically<T>(fn: () => T): T {
    return this.tx(fn) as T;
  }

  close(): void {
    this.db.close();
  }

  now(): string {
    return this.clock().toISOString();
  }

  /** Sets the redaction (known secrets → "[redacted]") every record passes through; see src/policy/redaction.ts. */
  setRedactor(fn: (json: string) => string): void {
    this.redactJson = fn;
  }

  /** Live subscribers (CLI progress, SSE, Slack) get every event this process appends. */
  subscribe(fn: (e: RunEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- runs -------------------------------------------------------------------------------------

  createRun(input: {
    plan: Plan;
    createdBy: string;
    trigger?: string;
    id?: string;
    inputs?: Record<string, unknown>;
  }): RunRecord {
    const planJson = JSON.stringify(input.plan);
    const at = this.now();
    let id = '';
    this.atomically(() => {
      if (input.id) {
        if (!this.insertRun(input.id, input, planJson, at))
          throw userError(
            'RUN_EXISTS',
            `There is already a run "${input.id}"`,
            'run ids are unique',
            'Choose another id, or leave it out to get a new one.',
          );
        id = input.id;
      }
      // A generated id taken by another process: draw a fresh one rather than fail the run.
      for (let attempt = 0; !id; attempt++) {
        const candidate = this.newId(this.clock(), attempt > 0);
        if (this.insertRun(candidate, input, planJson, at)) id = candidate;
        else if (attempt >= 4)
          throw systemError('RUN_ID_TAKEN', `Five new run ids in a row were taken (last "${candidate}")`);
      }
      const insert = this.db.prepare(
        `INSERT INTO steps (run_id, step_id, kind, task, status) VALUES (?, ?, ?, ?, 'pending')`,
      );
      for (const s of input.plan.steps) insert.run(id, s.id, s.kind, s.kind === 'task' ? s.task : null);
      this.insertEvent({
        runId: id,
        type: 'run.created',
        data: { plan: input.plan.name, by: input.createdBy },
      });
      this.insertAudit(input.createdBy, 'run.create', id, {
        plan: input.plan.name,
        trigger: input.trigger ?? 'manual',
      });
    });
    return this.requireRun(id);
  }

  /** Inserts the run row; false when the id is taken (ON CONFLICT, not an error: Postgres would abort the transaction). */
  private insertRun(
    id: string,
    input: { plan: Plan; createdBy: string; trigger?: string; inputs?: Record<string, unknown> },
    planJson: string,
    at: string,
  ): boolean {
    const inserted = this.db
      .prepare(
        `INSERT INTO runs (id, plan_name, plan_json, plan_hash, inputs_json, status, created_at, created_by, trigger)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(
        id,
        input.plan.name,
        planJson,
        sha256(planJson),
        JSON.stringify(input.inputs ?? {}),
        at,
        input.createdBy,
        input.trigger ?? 'manual',
      );
    return inserted.changes === 1;
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Accepts a full id or a unique prefix; unknown ids get a clear error. Marks it interrupted if it is. */
  requireRun(idOrPrefix: string): RunRecord {
    const exact = this.getRun(idOrPrefix);
    if (exact?.status === 'running' && this.markInterrupted([exact]).length > 0)
      return this.getRun(exact.id) as RunRecord;
    if (exact) return exact;
    const rows = this.db
      .prepare("SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at DESC LIMIT 2")
      .all(`${idOrPrefix.replace(/[\\%_]/g, '\\$&')}%`) as Row[];
    if (rows.length === 1) return toRun(rows[0] as Row);
    throw userError(
      rows.length > 1 ? 'RUN_AMBIGUOUS' : 'RUN_NOT_FOUND',
      rows.length > 1 ? `More than one run starts with "${idOrPrefix}"` : `No run "${idOrPrefix}"`,
      rows.length > 1 ? 'the prefix matches several runs' : `the state directory has no run with that id`,
      'Run `pipewright runs` to list runs and copy the id.',
    );
  }

  /**
   * Runs that nobody executes but that can go on now, oldest first: interrupted ones, and waiting ones
   * whose approvals are all decided (the decision was recorded, the process that was to resume it died).
   */
  resumableRuns(limit = 100): string[] {
    this.markInterrupted();
    const rows = this.db
      .prepare(
        `SELECT id FROM runs r WHERE status = 'interrupted'
           OR (status = 'waiting' AND NOT EXISTS (
                 SELECT 1 FROM approvals a WHERE a.run_id = r.id AND a.status = 'pending'))
         ORDER BY created_at LIMIT ?`,
      )
      .all(limit) as Row[];
    return rows.map((r) => String(r.id));
  }

  /** How many runs have each status (after marking the interrupted ones). */
  countRuns(): Record<string, number> {
    this.markInterrupted();
    const rows = this.db.prepare('SELECT status, count(*) AS n FROM runs GROUP BY status').all() as Row[];
    return Object.fromEntries(rows.map((r) => [String(r.status), Number(r.n)]));
  }

  /** Recent runs, newest first. Runs whose executor is gone are marked `interrupted` first. */
  listRuns(opts: { limit?: number; status?: RunStatus; plan?: string } = {}): RunRecord[] {
    this.markInterrupted();
    const where = whereEquals({ status: opts.status, plan_name: opts.plan });
    const sql = `SELECT * FROM runs ${where.sql} ORDER BY created_at DESC, rowid DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...where.args, opts.limit ?? 50) as Row[]).map(toRun);
  }

  /**
   * Takes the run's lease for this execution. Refused while another execution holds a live lease (two
   * `resume`s never execute the same run at once); allowed once that lease expired or its process died.
   * The change is compare-and-set on the owner seen, so of two concurrent claimers exactly one wins.
   */
  claimRun(id: string, opts: ClaimOptions): RunRecord {
    return this.atomically(() => {
      const run = this.requireRun(id);
      const now = this.clock().getTime();
      if (run.status === 'running' && run.leaseOwner !== opts.owner && !leaseLapse(run, now))
        throw runBusy(run);
      const at = this.now();
      const r = this.db
        .prepare(
          `UPDATE runs SET status = 'running', lease_owner = ?, lease_expires_at = ?, owner_pid = ?, heartbeat_at = ?,
             started_at = COALESCE(started_at, ?)
           WHERE id = ? AND status = ? AND COALESCE(lease_owner, '') = ?`,
        )
        .run(
          opts.owner,
          new Date(now + opts.leaseMs).toISOString(),
          process.pid,
          at,
          at,
          run.id,
          run.status,
          run.leaseOwner ?? '',
        );
      if (r.changes !== 1) throw runBusy(this.requireRun(run.id));
      this.insertEvent({
        runId: run.id,
        type: opts.resumed ? 'run.resumed' : 'run.started',
        data: {
          pid: process.pid,
          owner: opts.owner,
          ...(run.status === 'interrupted' || run.status === 'running' ? { after: run.status } : {}),
        },
      });
      return this.requireRun(run.id);
    });
  }

  /**
   * Renews this execution's lease. `held: false` means another execution claimed the run meanwhile (this
   * one was paused past its lease): it must stop at once and leave the run to the new owner.
   */
  renewLease(id: string, owner: string, leaseMs: number): { held: boolean; cancelRequested: boolean } {
    const now = this.clock().getTime();
    const r = this.db
      .prepare(
        `UPDATE runs SET lease_expires_at = ?, heartbeat_at = ?, status = 'running'
         WHERE id = ? AND lease_owner = ? AND status IN ('running', 'interrupted')`,
      )
      .run(new Date(now + leaseMs).toISOString(), new Date(now).toISOString(), id, owner);
    const row = this.db.prepare('SELECT cancel_requested FROM runs WHERE id = ?').get(id) as Row | undefined;
    return { held: r.changes === 1, cancelRequested: row?.cancel_requested === 1 };
  }

  /** Whether this execution still holds the run (checked before each step attempt starts). */
  holdsLease(id: string, owner: string): boolean {
    return (
      this.db
        .prepare(
          "SELECT 1 FROM runs WHERE id = ? AND lease_owner = ? AND status IN ('running', 'interrupted')",
        )
        .get(id, owner) !== undefined
    );
  }

  /** Reads the cancel flag (polled by the executing process between lease renewals). */
  cancelRequested(id: string): boolean {
    const row = this.db.prepare('SELECT cancel_requested FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row?.cancel_requested === 1;
  }

  /**
   * Marks `running` runs whose executor is gone (lease expired, or a dead process on this machine) as
   * `interrupted`, each with a `run.interrupted` event; returns them. Compare-and-set on the lease seen,
   * so a renewal in between wins. Called by every listing, by `serve` and by the scheduler; cheap when
   * nothing is running (an index lookup).
   */
  markInterrupted(candidates?: RunRecord[]): RunRecord[] {
    const now = this.clock().getTime();
    const running =
      candidates ??
      (
        this.db
          .prepare(
            "SELECT id, status, lease_owner, lease_expires_at, owner_pid FROM runs WHERE status = 'running'",
          )
          .all() as Row[]
      ).map((r) => ({
        id: String(r.id),
        status: String(r.status),
        leaseOwner: opt<string>(r.lease_owner),
        leaseExpiresAt: opt<string>(r.lease_expires_at),
        ownerPid: opt<number>(r.owner_pid),
      }));
    const out: RunRecord[] = [];
    for (const run of running) {
      const why = leaseLapse(run, now);
      if (!why) continue;
      try {
        const marked = this.atomically(() => {
          const r = this.db
            .prepare(
              `UPDATE runs SET status = 'interrupted', owner_pid = NULL
               WHERE id = ? AND status = 'running' AND COALESCE(lease_owner, '') = ? AND COALESCE(lease_expires_at, '') = ?`,
            )
            .run(run.id, run.leaseOwner ?? '', run.leaseExpiresAt ?? '');
          if (r.changes !== 1) return false;
          this.insertEvent({
            runId: run.id,
            type: 'run.interrupted',
            data: { reason: why, ...(run.leaseOwner ? { owner: run.leaseOwner } : {}) },
          });
          return true;
        });
        if (marked) out.push(this.getRun(run.id) as RunRecord);
      } catch {
        // The database is busy: a later listing or sweep marks it.
      }
    }
    return out;
  }

  /**
   * Sets the run's status with its event; terminal statuses and `waiting` also release the lease. With
   * `lease`, only while that execution still holds the run: returns false (and changes nothing) otherwise.
   */
  setRunStatus(
    id: string,
    status: RunStatus,
    data: Record<string, unknown> = {},
    error?: unknown,
    lease?: string,
  ): boolean {
    return this.atomically(() => {
      const terminal = status === 'succeeded' || status === 'failed' || status === 'cancelled';
      const released = terminal || status === 'waiting';
      const r = this.db
        .prepare(
          `UPDATE runs SET status = ?, finished_at = CASE WHEN ? THEN ? ELSE finished_at END,
             error_json = COALESCE(?, error_json), owner_pid = CASE WHEN ? THEN NULL ELSE owner_pid END,
             lease_owner = CASE WHEN ? THEN NULL ELSE lease_owner END,
             lease_expires_at = CASE WHEN ? THEN NULL ELSE lease_expires_at END
           WHERE id = ? AND (? = '' OR lease_owner = ?)`,
        )
        .run(
          status,
          terminal ? 1 : 0,
          this.now(),
          error ? this.redactJson(j(serializeError(error)) as string) : null,
          released ? 1 : 0,
          released ? 1 : 0,
          released ? 1 : 0,
          id,
          lease ?? '',
          lease ?? '',
        );
      if (r.changes === 0) return false;
      const type = status === 'running' || status === 'queued' ? undefined : (`run.${status}` as const);
      if (type)
        this.insertEvent({ runId: id, type, data: error ? { ...data, error: serializeError(error) } : data });
      return true;
    });
  }

  requestCancel(id: string, by: string): RunRecord {
    return this.atomically(() => {
      const run = this.requireRun(id);
      this.db.prepare('UPDATE runs SET cancel_requested = 1 WHERE id = ?').run(run.id);
      this.insertAudit(by, 'run.cancel', run.id, { status: run.status });
      return this.requireRun(run.id);
    });
  }

  // ---- steps ------------------------------------------------------------------------------------

  /** Updates a step and appends its event in one transaction. */
  recordStep(
    runId: string,
    stepId: string,
    patch: StepPatch,
    event?: Omit<NewEvent, 'runId' | 'stepId'>,
  ): void {
    this.atomically(() => {
      const cols: string[] = [];
      const args: unknown[] = [];
      const set = (col: string, v: unknown) => {
        cols.push(`${col} = ?`);
        args.push(v);
      };
      if (patch.kind !== undefined) set('kind', patch.kind);
      if (patch.task !== undefined) set('task', patch.task);
      if (patch.status !== undefined) set('status', patch.status);
      if (patch.attempt !== undefined) set('attempt', patch.attempt);
      if (patch.startedAt !== undefined) set('started_at', patch.startedAt);
      if (patch.finishedAt !== undefined) set('finished_at', patch.finishedAt);
      if (patch.input !== undefined) set('input_json', this.redactJson(j(patch.input) as string));
      if (patch.output !== undefined) set('output_json', this.redactJson(j(patch.output) as string));
      if (patch.error !== undefined)
        set('error_json', patch.error === null ? null : this.redactJson(j(patch.error) as string));
      if (patch.cached !== undefined) set('cached', patch.cached ? 1 : 0);
      if (patch.cacheKey !== undefined) set('cache_key', patch.cacheKey);
      if (patch.reason !== undefined) set('reason', patch.reason);
      if (patch.interrupted !== undefined) set('interrupted', patch.interrupted);
      if (cols.length) {
        const r = this.db
          .prepare(`UPDATE steps SET ${cols.join(', ')} WHERE run_id = ? AND step_id = ?`)
          .run(...args, runId, stepId);
        if (r.changes === 0) throw new Error(`step ${stepId} of run ${runId} does not exist`);
      }
      if (event) this.insertEvent({ ...event, runId, stepId });
    });
  }

  getStep(runId: string, stepId: string): StepRecord | undefined {
    const row = this.db.prepare('SELECT * FROM steps WHERE run_id = ? AND step_id = ?').get(runId, stepId) as
      | Row
      | undefined;
    return row ? toStep(row) : undefined;
  }

  getSteps(runId: string): StepRecord[] {
    return (this.db.prepare('SELECT * FROM steps WHERE run_id = ? ORDER BY rowid').all(runId) as Row[]).map(
      toStep,
    );
  }

  // ---- events -----------------------------------------------------------------------------------

  appendEvent(event: NewEvent): RunEvent {
    return this.insertEvent(event);
  }

  events(
    runId: string,
    opts: { afterSeq?: number; stepId?: string; types?: string[]; limit?: number } = {},
  ): RunEvent[] {
    const where = ['run_id = ?', 'seq > ?'];
    const args: unknown[] = [runId, opts.afterSeq ?? 0];
    if (opts.stepId) {
      where.push('step_id = ?');
      args.push(opts.stepId);
    }
    if (opts.types?.length) {
      where.push(`type IN (${opts.types.map(() => '?').join(',')})`);
      args.push(...opts.types);
    }
    const rows = this.db
      .prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...args, opts.limit ?? 100_000) as Row[];
    return rows.map(toEvent);
  }

  /** When its executor last recorded something for the run (its last sign of life, once it is gone). */
  lastEventAt(runId: string): string | undefined {
    const row = this.db
      .prepare(
        "SELECT at FROM events WHERE run_id = ? AND type <> 'run.interrupted' ORDER BY seq DESC LIMIT 1",
      )
      .get(runId) as Row | undefined;
    return opt(row?.at);
  }

  private insertEvent(event: NewEvent): RunEvent {
    const at = event.at ?? this.now();
    const raw = JSON.stringify(event.data);
    const json = this.redactJson(raw);
    const r = this.db
      .prepare('INSERT INTO events (run_id, step_id, type, at, data_json) VALUES (?, ?, ?, ?, ?)')
      .run(event.runId, event.stepId ?? null, event.type, at, json);
    const data = json === raw ? event.data : (JSON.parse(json) as NewEvent['data']);
    const full: RunEvent = { ...event, data, at, seq: Number(r.lastInsertRowid) };
    for (const fn of this.listeners) {
      try {
        fn(full);
      } catch {
        // A broken subscriber must not break the run.
      }
    }
    return full;
  }

  // ---- approvals --------------------------------------------------------------------------------

  /** Idempotent: asking twice for the same step keeps the first request and any decision. */
  requestApproval(a: Omit<ApprovalRecord, 'status' | 'requestedAt'>): ApprovalRecord {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO approvals (run_id, step_id, message, approvers_json, status, requested_at, expires_at, on_timeout, evidence_json)
         VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
      )
      .run(
        a.runId,
        a.stepId,
        a.message,
        JSON.stringify(a.approvers),
        this.now(),
        a.expiresAt,
        a.onTimeout,
        a.evidence ? JSON.stringify(a.evidence) : null,
      );
    return this.getApproval(a.runId, a.stepId) as ApprovalRecord;
  }

  getApproval(runId: string, stepId: string): ApprovalRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM approvals WHERE run_id = ? AND step_id = ?')
      .get(runId, stepId) as Row | undefined;
    return row ? toApproval(row) : undefined;
  }

  listApprovals(opts: { status?: string; runId?: string } = {}): ApprovalRecord[] {
    const where = whereEquals({ status: opts.status, run_id: opts.runId });
    const sql = `SELECT * FROM approvals ${where.sql} ORDER BY requested_at`;
    return (this.db.prepare(sql).all(...where.args) as Row[]).map(toApproval);
  }

  /**
   * Single-use decision. The pending → decided change is a conditional UPDATE inside a transaction, so a
   * double click, a retry or a late timer finds nothing pending and is refused without changing anything.
   * A decision arriving after the timeout applies the plan's onTimeout policy instead.
   */
  decideApproval(d: DecisionInput): DecisionResult {
    return this.atomically((): DecisionResult => {
      const existing = this.getApproval(d.runId, d.stepId);
      if (!existing) {
        throw userError(
          'APPROVAL_NOT_FOUND',
          `Run ${d.runId} has no approval waiting at step "${d.stepId}"`,
          'the run has not reached that approval step, or the step is not an approval',
          `Run \`pipewright show ${d.runId}\` to see which approvals are pending.`,
        );
      }
      if (existing.status !== 'pending') {
        throw userError(
          'APPROVAL_ALREADY_DECIDED',
          `The approval "${d.stepId}" of run ${d.runId} was already ${existing.status}`,
          `${existing.decidedBy ?? 'someone'} decided at ${existing.decidedAt ?? '?'}${existing.via ? ` via ${existing.via}` : ''}; a decision is single-use`,
          'Nothing was changed. Start a new run if a different decision is needed.',
          { approval: existing },
        );
      }
      if (
        existing.approvers.length > 0 &&
        !isListedApprover(existing.approvers, d.by) &&
        d.via !== 'timeout'
      ) {
        throw userError(
          'APPROVAL_FORBIDDEN',
          `${d.by} may not decide approval "${d.stepId}"`,
          `only ${existing.approvers.join(', ')} may decide it`,
          'Ask one of the listed approvers, or pass --as with your identity if you are one of them.',
        );
      }
      const expired = this.clock().getTime() > Date.parse(existing.expiresAt) && d.via !== 'timeout';
      const decision = expired
        ? {
            approved: existing.onTimeout === 'approve',
            by: 'system:timeout',
            comment: `timed out at ${existing.expiresAt}`,
            via: 'timeout',
          }
        : d;
      const at = this.now();
      const r = this.db
        .prepare(
          `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, comment = ?, via = ?
           WHERE run_id = ? AND step_id = ? AND status = 'pending'`,
        )
        .run(
          decision.approved ? 'approved' : 'rejected',
          decision.by,
          at,
          decision.comment ?? null,
          decision.via,
          d.runId,
          d.stepId,
        );
      if (r.changes !== 1) throw new Error('approval changed concurrently');
      this.insertEvent({
        runId: d.runId,
        stepId: d.stepId,
        type: 'approval.decided',
        data: { approved: decision.approved, by: decision.by, comment: decision.comment, via: decision.via },
      });
      this.insertAudit(
        decision.by,
        decision.approved ? 'approval.approve' : 'approval.reject',
        `${d.runId}/${d.stepId}`,
        {
          comment: decision.comment ?? null,
          via: decision.via,
          ...(expired ? { attemptedBy: d.by } : {}),
        },
      );
      const approval = this.getApproval(d.runId, d.stepId) as ApprovalRecord;
      return { outcome: expired ? 'expired' : 'decided', approval };
    });
  }

  /** Applies onTimeout to every pending approval past its deadline; returns those it decided. */
  expireApprovals(): ApprovalRecord[] {
    const due = this.db
      .prepare(
        "SELECT run_id, step_id, on_timeout, expires_at FROM approvals WHERE status = 'pending' AND expires_at < ?",
      )
      .all(this.now()) as Row[];
    const out: ApprovalRecord[] = [];
    for (const row of due) {
      try {
        const r = this.decideApproval({
          runId: String(row.run_id),
          stepId: String(row.step_id),
          approved: row.on_timeout === 'approve',
          by: 'system:timeout',
          comment: `timed out at ${String(row.expires_at)}`,
          via: 'timeout',
        });
        out.push(r.approval);
      } catch {
        // Decided by someone else in between: nothing to do.
      }
    }
    return out;
  }

  // ---- side effects of step attempts -----------------------------------------------------------

  getSideEffect(key: string, name: string): SideEffectRecord | undefined {
    const r = this.db.prepare('SELECT * FROM side_effects WHERE key = ? AND name = ?').get(key, name) as
      | Row
      | undefined;
    if (!r) return undefined;
    return {
      key: String(r.key),
      name: String(r.name),
      status: r.status === 'done' ? 'done' : 'started',
      attempt: Number(r.attempt),
      result: parse(r.result_json),
      startedAt: String(r.started_at),
      finishedAt: opt(r.finished_at),
    };
  }

  /** Records that an attempt is about to perform the effect (replacing an unfinished earlier start). */
  startSideEffect(key: string, name: string, attempt: number): void {
    this.db
      .prepare(
        `INSERT INTO side_effects (key, name, status, attempt, started_at) VALUES (?, ?, 'started', ?, ?)
         ON CONFLICT (key, name) DO UPDATE SET attempt = excluded.attempt, started_at = excluded.started_at
           WHERE side_effects.status = 'started'`,
      )
      .run(key, name, attempt, this.now());
  }

  finishSideEffect(key: string, name: string, result: unknown): void {
    this.db
      .prepare(
        "UPDATE side_effects SET status = 'done', result_json = ?, finished_at = ? WHERE key = ? AND name = ?",
      )
      .run(j(result) ?? 'null', this.now(), key, name);
  }

  // ---- audit ------------------------------------------------------------------------------------

  audit(actor: string, action: string, target: string, details: Record<string, unknown> = {}): void {
    this.insertAudit(actor, action, target, details);
  }

  listAudit(opts: { target?: string; limit?: number } = {}): AuditRecord[] {
    const rows = (
      opts.target
        ? this.db
            .prepare('SELECT * FROM audit WHERE target LIKE ? ORDER BY seq DESC LIMIT ?')
            .all(`${opts.target}%`, opts.limit ?? 100)
        : this.db.prepare('SELECT * FROM audit ORDER BY seq DESC LIMIT ?').all(opts.limit ?? 100)
    ) as Row[];
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: String(r.at),
      actor: String(r.actor),
      action: String(r.action),
      target: String(r.target),
      details: parse<Record<string, unknown>>(r.details_json) ?? {},
    }));
  }

  private insertAudit(actor: string, action: string, target: string, details: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO audit (at, actor, action, target, details_json) VALUES (?, ?, ?, ?, ?)')
      .run(this.now(), actor, action, target, JSON.stringify(details));
  }

  // ---- step cache and artifacts -----------------------------------------------------------------

  cacheGet(key: string, ttlMs?: number): { output: unknown; runId: string; stepId: string } | undefined {
    const row = this.db.prepare('SELECT * FROM step_cache WHERE key = ?').get(key) as Row | undefined;
    if (!row) return undefined;
    if (ttlMs !== undefined && this.clock().getTime() - Date.parse(String(row.created_at)) > ttlMs)
      return undefined;
    return { output: parse(row.output_json), runId: String(row.run_id), stepId: String(row.step_id) };
  }

  cachePut(key: string, entry: { task: string; output: unknown; runId: string; stepId: string }): void {
    this.db
      .prepare(
        `INSERT INTO step_cache (key, task, output_json, created_at, run_id, step_id) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET output_json = excluded.output_json, created_at = excluded.created_at,
           run_id = excluded.run_id, step_id = excluded.step_id`,
      )
      .run(key, entry.task, JSON.stringify(entry.output), this.now(), entry.runId, entry.stepId);
  }

  recordArtifact(a: {
    hash: string;
    size: number;
    mediaType?: string;
    runId?: string;
    stepId?: string;
  }): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO artifacts (hash, size, media_type, created_at, run_id, step_id) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(a.hash, a.size, a.mediaType ?? null, this.now(), a.runId ?? null, a.stepId ?? null);
  }
}

function toRun(r: Row): RunRecord {
  return {
    id: String(r.id),
    planName: String(r.plan_name),
    plan: parse<Plan>(r.plan_json) as Plan,
    planHash: String(r.plan_hash),
    inputs: parse<Record<string, unknown>>(r.inputs_json) ?? {},
    status: r.status as RunStatus,
    createdAt: String(r.created_at),
    startedAt: opt(r.started_at),
    finishedAt: opt(r.finished_at),
    error: parse(r.error_json),
    createdBy: String(r.created_by),
    trigger: String(r.trigger),
    ownerPid: opt(r.owner_pid),
    heartbeatAt: opt(r.heartbeat_at),
    leaseOwner: opt(r.lease_owner),
    leaseExpiresAt: opt(r.lease_expires_at),
    cancelRequested: r.cancel_requested === 1,
  };
}

function toStep(r: Row): StepRecord {
  return {
    runId: String(r.run_id),
    stepId: String(r.step_id),
    kind: r.kind as 'task' | 'approval',
    task: opt(r.task),
    status: r.status as StepStatus,
    attempt: Number(r.attempt),
    startedAt: opt(r.started_at),
    finishedAt: opt(r.finished_at),
    input: parse(r.input_json),
    output: parse(r.output_json),
    error: parse(r.error_json),
    cached: r.cached === 1,
    cacheKey: opt(r.cache_key),
    reason: opt(r.reason),
    interrupted: Number(r.interrupted ?? 0),
  };
}

function toEvent(r: Row): RunEvent {
  return {
    seq: Number(r.seq),
    runId: String(r.run_id),
    stepId: opt(r.step_id),
    type: r.type as RunEvent['type'],
    at: String(r.at),
    data: parse<Record<string, unknown>>(r.data_json) ?? {},
  };
}

function toApproval(r: Row): ApprovalRecord {
  return {
    runId: String(r.run_id),
    stepId: String(r.step_id),
    message: String(r.message),
    approvers: parse<string[]>(r.approvers_json) ?? [],
    status: r.status as ApprovalRecord['status'],
    requestedAt: String(r.requested_at),
    expiresAt: String(r.expires_at),
    onTimeout: r.on_timeout as 'approve' | 'reject',
    decidedBy: opt(r.decided_by),
    decidedAt: opt(r.decided_at),
    comment: opt(r.comment),
    via: opt(r.via),
    evidence: parse<Record<string, unknown>>(r.evidence_json),
  };
}

function runBusy(run: RunRecord) {
  const owner = run.leaseOwner ? parseLeaseOwner(run.leaseOwner) : undefined;
  const pid = owner?.pid ?? run.ownerPid;
  return userError(
    'RUN_BUSY',
    `Run ${run.id} is being executed by process ${pid ?? '?'}${owner ? ` on ${owner.host}` : ''}`,
    `only one process may execute a run at a time; its lease runs until ${run.leaseExpiresAt ?? '?'} and is renewed while it works`,
    `Wait for it to finish, or stop that process${pid ? ` (kill ${pid})` : ''}; the run becomes interrupted and \`pipewright resume ${run.id}\` continues it.`,
  );
}
