/**
 * Metrics read from the shared run store at scrape time, so that every surface counts: runs started from
 * the CLI, a scheduler, Slack, MCP or another server are in them, not only this process's.
 *
 * - gauges, queried on each scrape: runs by status, running steps by task, pending approvals and the
 *   oldest one's wait, the last drift check of each served model (drifted, share of features, when);
 * - counters and histograms, tallied from the store's event log: runs started / resumed, runs ended by
 *   status, step durations by task, approval decisions and their wait. The tally reads only events it has
 *   not seen (by sequence number; on Postgres it re-reads a tail so that a transaction that committed late
 *   is not missed); the first scrape reads the whole history once, so counters carry over restarts.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RUN_STATUSES, type RunStore } from '../store/index.ts';

type Row = Record<string, unknown>;

/**
 * Tail of the event log read again on each scrape. Postgres hands out sequence numbers before commit, so a
 * transaction may commit after a later one; SQLite has one writer at a time: commit order is seq order.
 */
const TAIL = { postgres: 10_000, sqlite: 0 } as const;
const PAGE = 5000;

const TALLIED = [
  'run.started',
  'run.resumed',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'run.waiting',
  'run.interrupted',
  'step.succeeded',
  'step.failed',
  'approval.decided',
];

const seconds = (from: unknown, to: unknown): number | undefined => {
  if (typeof from !== 'string' || typeof to !== 'string') return undefined;
  const d = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(d) && d >= 0 ? d : undefined;
};

export class StoreMetrics {
  private readonly runs: Gauge<'status'>;
  private readonly stepsRunning: Gauge<'task'>;
  private readonly approvalsPending: Gauge;
  private readonly approvalOldest: Gauge;
  private readonly drift: Gauge<'model'>;
  private readonly driftShare: Gauge<'model'>;
  private readonly driftAt: Gauge<'model'>;
  private readonly runsStarted: Counter<'kind'>;
  private readonly runsEnded: Counter<'status'>;
  private readonly stepDuration: Histogram<'task' | 'status'>;
  private readonly decisions: Counter<'decision' | 'via'>;
  private readonly approvalWait: Histogram<'decision' | 'via'>;
  private highest = 0;
  private readonly counted = new Set<number>();
  private readonly tail: number;
  private readonly now: () => number;

  constructor(
    private readonly store: RunStore,
    registry: Registry,
    opts: { now?: () => number; tail?: number } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.tail = opts.tail ?? TAIL[store.db.dialect];
    const registers = [registry];
    this.runs = new Gauge({
      name: 'pipewright_runs',
      help: 'Runs by status, in the shared store',
      labelNames: ['status'],
      registers,
    });
    this.stepsRunning = new Gauge({
      name: 'pipewright_steps_running',
      help: 'Steps running now, by task (approval steps wait instead)',
      labelNames: ['task'],
      registers,
    });
    this.approvalsPending = new Gauge({
      name: 'pipewright_approvals_pending',
      help: 'Approvals waiting for a decision',
      registers,
    });
    this.approvalOldest = new Gauge({
      name: 'pipewright_approval_pending_oldest_seconds',
      help: 'How long the oldest pending approval has waited (0 when none waits)',
      registers,
    });
    this.drift = new Gauge({
      name: 'pipewright_model_drift',
      help: "1 when the model's last drift check (monitor.traffic → monitor.drift) found dataset drift, else 0",
      labelNames: ['model'],
      registers,
    });
    this.driftShare = new Gauge({
      name: 'pipewright_model_drift_share',
      help: "Share of checked features that drifted in the model's last drift check",
      labelNames: ['model'],
      registers,
    });
    this.driftAt = new Gauge({
      name: 'pipewright_model_drift_checked_timestamp_seconds',
      help: "When the model's last drift check finished (Unix time)",
      labelNames: ['model'],
      registers,
    });
    this.runsStarted = new Counter({
      name: 'pipewright_runs_started_total',
      help: 'Runs started or resumed, by any process sharing the store',
      labelNames: ['kind'],
      registers,
    });
    this.runsEnded = new Counter({
      name: 'pipewright_runs_finished_total',
      help: 'Runs that ended (succeeded, failed, cancelled), paused (waiting) or lost their executor (interrupted), by status',
      labelNames: ['status'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'pipewright_step_duration_seconds',
      help: 'Wall time of finished steps (retries included, cache hits excluded), by task and status',
      labelNames: ['task', 'status'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
      registers,
    });
    this.decisions = new Counter({
      name: 'pipewright_approvals_decided_total',
      help: 'Approval decisions, by outcome and where they came from (api, slack, cli, mcp, timeout)',
      labelNames: ['decision', 'via'],
      registers,
    });
    this.approvalWait = new Histogram({
      name: 'pipewright_approval_wait_seconds',
      help: 'Time from an approval request to its decision, by outcome and where it came from',
      labelNames: ['decision', 'via'],
      buckets: [1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600],
      registers,
    });
  }

  /** Reads the store: the gauges afresh, the counters from events not tallied yet. */
  refresh(): void {
    this.gauges();
    this.drifts();
    this.tally();
  }

  private all(sql: string, ...args: unknown[]): Row[] {
    return this.store.db.prepare(sql).all(...args) as Row[];
  }

  private gauges(): void {
    // Runs whose executor's lease ran out count as interrupted, not running.
    this.store.markInterrupted();
    this.runs.reset();
    for (const s of RUN_STATUSES) this.runs.set({ status: s }, 0);
    for (const r of this.all('SELECT status, COUNT(*) AS n FROM runs GROUP BY status')) {
      this.runs.set({ status: String(r.status) }, Number(r.n));
    }
    this.stepsRunning.reset();
    for (const r of this.all(
      "SELECT COALESCE(task, kind) AS task, COUNT(*) AS n FROM steps WHERE status = 'running' GROUP BY COALESCE(task, kind)",
    )) {
      this.stepsRunning.set({ task: String(r.task) }, Number(r.n));
    }
    const [p] = this.all(
      "SELECT COUNT(*) AS n, MIN(requested_at) AS oldest FROM approvals WHERE status = 'pending'",
    );
    this.approvalsPending.set(Number(p?.n ?? 0));
    const oldest = typeof p?.oldest === 'string' ? Date.parse(p.oldest) : Number.NaN;
    this.approvalOldest.set(Number.isFinite(oldest) ? Math.max(0, (this.now() - oldest) / 1000) : 0);
  }

  /** The last drift check of each model served with traffic logging: monitor.drift in a run with monitor.traffic. */
  private drifts(): void {
    const field = (col: string, key: string) =>
      this.store.db.dialect === 'postgres'
        ? `(CAST(${col} AS json) ->> '${key}')`
        : `json_extract(${col}, '$.${key}')`;
    const rows = this.all(
      `SELECT ${field('t.input_json', 'model')} AS model, ${field('d.output_json', 'drifted')} AS drifted,
              ${field('d.output_json', 'share')} AS share, d.finished_at AS at
         FROM steps d JOIN steps t ON t.run_id = d.run_id AND t.task = 'monitor.traffic'
        WHERE d.task = 'monitor.drift' AND d.status = 'succeeded' AND d.finished_at IS NOT NULL`,
    );
    const last = new Map<string, Row>();
    for (const r of rows) {
      if (typeof r.model !== 'string' || !r.model) continue;
      const prev = last.get(r.model);
      if (!prev || String(r.at) > String(prev.at)) last.set(r.model, r);
    }
    for (const g of [this.drift, this.driftShare, this.driftAt]) g.reset();
    for (const [model, r] of last) {
      this.drift.set({ model }, r.drifted === true || r.drifted === 1 || r.drifted === 'true' ? 1 : 0);
      this.driftShare.set({ model }, Number(r.share ?? 0));
      this.driftAt.set({ model }, Date.parse(String(r.at)) / 1000);
    }
  }

  private tally(): void {
    const types = TALLIED.map(() => '?').join(', ');
    const sql = `SELECT e.seq, e.type, s.task, s.kind, s.started_at AS step_started, s.finished_at AS step_finished,
            s.cached, a.requested_at, a.decided_at, a.status AS decision, a.via
       FROM events e
       LEFT JOIN steps s ON e.type IN ('step.succeeded', 'step.failed') AND s.run_id = e.run_id AND s.step_id = e.step_id
       LEFT JOIN approvals a ON e.type = 'approval.decided' AND a.run_id = e.run_id AND a.step_id = e.step_id
      WHERE e.seq > ? AND e.type IN (${types}) ORDER BY e.seq LIMIT ${PAGE}`;
    let from = Math.max(0, this.highest - this.tail);
    for (;;) {
      const rows = this.all(sql, from, ...TALLIED);
      for (const r of rows) {
        const seq = Number(r.seq);
        from = seq;
        if (this.counted.has(seq) || seq <= this.highest - this.tail) continue;
        this.counted.add(seq);
        this.highest = Math.max(this.highest, seq);
        this.count(r);
      }
      if (rows.length < PAGE) break;
    }
    for (const seq of this.counted) if (seq <= this.highest - this.tail) this.counted.delete(seq);
  }

  private count(r: Row): void {
    const type = String(r.type);
    if (type === 'run.started' || type === 'run.resumed') {
      this.runsStarted.inc({ kind: type.slice(4) });
    } else if (type.startsWith('run.')) {
      this.runsEnded.inc({ status: type.slice(4) });
    } else if (type === 'approval.decided') {
      const labels = { decision: String(r.decision ?? 'unknown'), via: String(r.via ?? 'unknown') };
      this.decisions.inc(labels);
      const wait = seconds(r.requested_at, r.decided_at);
      if (wait !== undefined) this.approvalWait.observe(labels, wait);
    } else if (Number(r.cached ?? 0) !== 1) {
      const d = seconds(r.step_started, r.step_finished);
      if (d !== undefined) {
        this.stepDuration.observe({ task: String(r.task ?? r.kind ?? 'unknown'), status: type.slice(5) }, d);
      }
    }
  }
}
