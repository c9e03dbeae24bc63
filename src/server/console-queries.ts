/**
 * Read queries behind the web console (src/server/console-api.ts): runs searched, filtered and paged;
 * plans with their runs, last status and triggers; a run's timeline (attempts, retries, waits); drift checks
 * and the global event feed. Plain SQL on the run store's database (SQLite, or Postgres through the store's
 * dialect translation); nothing here writes.
 */
import { z } from 'zod';
import { userError } from '../errors.ts';
import { RUN_STATUSES, type RunEvent, type RunStore, type TriggerRecord } from '../store/index.ts';

type Row = Record<string, unknown>;

const parse = <T>(v: unknown): T | undefined => (typeof v === 'string' ? (JSON.parse(v) as T) : undefined);
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** '' (an empty form field) reads as "not given". */
const optionalText = (max: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(1).max(max).optional());

/** A day (YYYY-MM-DD, UTC) or an ISO instant. */
const Instant = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .refine(
      (s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)),
      {
        message: 'expected a date (2026-05-01) or an ISO time (2026-05-01T08:00:00Z)',
      },
    )
    .optional(),
);

/** Run statuses the filter accepts: the store's, and `interrupted` (a run whose executing process died). */
export const CONSOLE_RUN_STATUSES = [...new Set<string>([...RUN_STATUSES, 'interrupted'])] as [
  string,
  ...string[],
];

export const RunSearchQuery = z
  .object({
    q: optionalText(200).describe('Text in the run id, plan name, creator, trigger or error'),
    status: z
      .preprocess((v) => (v === '' ? undefined : v), z.enum(CONSOLE_RUN_STATUSES).optional())
      .describe('Only runs with this status'),
    plan: optionalText(200).describe('Only runs of this plan'),
    who: optionalText(200).describe('Only runs started by this person or service'),
    trigger: optionalText(100).describe('Only runs started this way (manual, api, slack, cron:<name>, …)'),
    from: Instant.describe('Created at or after (a day is read as its start, UTC)'),
    to: Instant.describe('Created before the end of this day, or before this instant'),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('Runs to skip'),
    limit: z.coerce.number().int().min(1).max(200).default(25).describe('Runs per page'),
  })
  .strict();
export type RunSearchQuery = z.infer<typeof RunSearchQuery>;

export interface RunRow {
  id: string;
  planName: string;
  status: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  createdBy: string;
  trigger: string;
  error?: { code?: string; what?: string };
  /** Step counts by status. */
  steps: Record<string, number>;
}

export interface RunPage {
  runs: RunRow[];
  total: number;
  offset: number;
  limit: number;
}

const dayStart = (s: string) => (s.length === 10 ? `${s}T00:00:00.000Z` : new Date(s).toISOString());
const dayEnd = (s: string) =>
  s.length === 10
    ? new Date(Date.parse(`${s}T00:00:00.000Z`) + 86_400_000).toISOString()
    : new Date(s).toISOString();

/**
 * Marks runs whose executor died as interrupted before listing, where the store knows how (the durable
 * store's markInterrupted); a no-op on stores without it.
 */
export function refreshLiveness(store: RunStore): void {
  if ('markInterrupted' in store && typeof store.markInterrupted === 'function') store.markInterrupted();
}

export function searchRuns(store: RunStore, q: RunSearchQuery): RunPage {
  refreshLiveness(store);
  const where: string[] = [];
  const args: unknown[] = [];
  const eq = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    where.push(`${col} = ?`);
    args.push(v);
  };
  eq('status', q.status);
  eq('plan_name', q.plan);
  eq('created_by', q.who);
  eq('trigger', q.trigger);
  if (q.from) {
    where.push('created_at >= ?');
    args.push(dayStart(q.from));
  }
  if (q.to) {
    where.push('created_at < ?');
    args.push(dayEnd(q.to));
  }
  if (q.q) {
    const like = `%${q.q.replace(/[\\%_]/g, '\\$&')}%`;
    where.push(
      `(id LIKE ? ESCAPE '\\' OR plan_name LIKE ? ESCAPE '\\' OR created_by LIKE ? ESCAPE '\\' OR trigger LIKE ? ESCAPE '\\' OR COALESCE(error_json, '') LIKE ? ESCAPE '\\')`,
    );
    args.push(like, like, like, like, like);
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = Number((store.db.prepare(`SELECT COUNT(*) AS n FROM runs ${clause}`).get(...args) as Row).n);
  const rows = store.db
    .prepare(
      `SELECT id, plan_name, status, created_at, started_at, finished_at, created_by, trigger, error_json
       FROM runs ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    )
    .all(...args, q.limit, q.offset) as Row[];
  const counts = stepCounts(
    store,
    rows.map((r) => String(r.id)),
  );
  return {
    runs: rows.map((r) => {
      const error = parse<{ code?: string; what?: string }>(r.error_json);
      return {
        id: String(r.id),
        planName: String(r.plan_name),
        status: String(r.status),
        createdAt: String(r.created_at),
        ...(r.started_at ? { startedAt: String(r.started_at) } : {}),
        ...(r.finished_at ? { finishedAt: String(r.finished_at) } : {}),
        createdBy: String(r.created_by),
        trigger: String(r.trigger),
        ...(error ? { error: { code: error.code, what: error.what } } : {}),
        steps: counts.get(String(r.id)) ?? {},
      };
    }),
    total,
    offset: q.offset,
    limit: q.limit,
  };
}

function stepCounts(store: RunStore, runIds: string[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  if (!runIds.length) return out;
  const rows = store.db
    .prepare(
      `SELECT run_id, status, COUNT(*) AS n FROM steps WHERE run_id IN (${runIds.map(() => '?').join(',')})
       GROUP BY run_id, status`,
    )
    .all(...runIds) as Row[];
  for (const r of rows) {
    const m = out.get(String(r.run_id)) ?? {};
    m[String(r.status)] = Number(r.n);
    out.set(String(r.run_id), m);
  }
  return out;
}

/** The values the run filters offer: plans, people and triggers seen in the run store. */
export function runFacets(store: RunStore): { plans: string[]; users: string[]; triggers: string[] } {
  const distinct = (col: string) =>
    (store.db.prepare(`SELECT DISTINCT ${col} AS v FROM runs ORDER BY ${col} LIMIT 500`).all() as Row[]).map(
      (r) => String(r.v),
    );
  return { plans: distinct('plan_name'), users: distinct('created_by'), triggers: distinct('trigger') };
}

// ---- plans ---------------------------------------------------------------------------------------------

export interface TriggerView {
  name: string;
  kind: string;
  planName: string;
  enabled: boolean;
  /** The trigger's settings; a webhook's secret is never shown. */
  spec: Record<string, unknown>;
  catchUp: string;
  maxConcurrent: number;
  onLimit: string;
  lastTick?: string;
  createdBy: string;
  createdAt: string;
  /** Cron only: the next fire times (up to 3), ISO. */
  nextFires?: string[];
  /** Cron only: the zone the schedule is read in, and whether it is the server's default. */
  timezone?: string;
  timezoneIsDefault?: boolean;
  lastFire?: { tick: string; status: string; runId?: string; reason?: string; at: string };
}

export interface PlanSummary {
  name: string;
  description?: string;
  goal?: string;
  steps: number;
  runs: number;
  byStatus: Record<string, number>;
  lastRun?: { id: string; status: string; createdAt: string; finishedAt?: string; createdBy: string };
  triggers: TriggerView[];
}

/** `triggerPlan` gives the plan a trigger fires, for plans that have not run yet. */
export function planSummaries(
  store: RunStore,
  triggers: TriggerView[],
  triggerPlan: (planName: string) => unknown,
): PlanSummary[] {
  refreshLiveness(store);
  const counts = store.db
    .prepare('SELECT plan_name, status, COUNT(*) AS n FROM runs GROUP BY plan_name, status')
    .all() as Row[];
  const byPlan = new Map<string, Record<string, number>>();
  for (const r of counts) {
    const m = byPlan.get(String(r.plan_name)) ?? {};
    m[String(r.status)] = Number(r.n);
    byPlan.set(String(r.plan_name), m);
  }
  const names = new Set([...byPlan.keys(), ...triggers.map((t) => t.planName)]);
  const latest = store.db.prepare(
    `SELECT id, status, created_at, finished_at, created_by, plan_json FROM runs WHERE plan_name = ?
     ORDER BY created_at DESC, id DESC LIMIT 1`,
  );
  const out: PlanSummary[] = [];
  for (const name of names) {
    const byStatus = byPlan.get(name) ?? {};
    const last = latest.get(name) as Row | undefined;
    const plan = (last ? parse(last.plan_json) : triggerPlan(name)) as
      | { description?: string; goal?: string; steps?: unknown[] }
      | undefined;
    out.push({
      name,
      ...(plan?.description ? { description: plan.description } : {}),
      ...(plan?.goal ? { goal: plan.goal } : {}),
      steps: plan?.steps?.length ?? 0,
      runs: Object.values(byStatus).reduce((a, b) => a + b, 0),
      byStatus,
      ...(last
        ? {
            lastRun: {
              id: String(last.id),
              status: String(last.status),
              createdAt: String(last.created_at),
              ...(last.finished_at ? { finishedAt: String(last.finished_at) } : {}),
              createdBy: String(last.created_by),
            },
          }
        : {}),
      triggers: triggers.filter((t) => t.planName === name),
    });
  }
  return out.sort((a, b) => (b.lastRun?.createdAt ?? '').localeCompare(a.lastRun?.createdAt ?? ''));
}

export interface PlanDetail {
  name: string;
  /** The plan of the newest run (as JSON). */
  plan: unknown;
  /** Distinct versions of the plan seen in runs, newest first. */
  versions: { hash: string; firstSeen: string; lastSeen: string; runs: number }[];
  /** Newest runs with their duration in seconds (for the duration chart). */
  runs: { id: string; status: string; createdAt: string; seconds?: number; createdBy: string }[];
}

export function planDetail(store: RunStore, name: string): PlanDetail | undefined {
  const last = store.db
    .prepare('SELECT plan_json FROM runs WHERE plan_name = ? ORDER BY created_at DESC, id DESC LIMIT 1')
    .get(name) as Row | undefined;
  if (!last) return undefined;
  const versions = (
    store.db
      .prepare(
        `SELECT plan_hash, MIN(created_at) AS first_seen, MAX(created_at) AS last_seen, COUNT(*) AS n
         FROM runs WHERE plan_name = ? GROUP BY plan_hash ORDER BY MAX(created_at) DESC LIMIT 50`,
      )
      .all(name) as Row[]
  ).map((r) => ({
    hash: String(r.plan_hash),
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
    runs: Number(r.n),
  }));
  const runs = (
    store.db
      .prepare(
        `SELECT id, status, created_at, started_at, finished_at, created_by FROM runs WHERE plan_name = ?
         ORDER BY created_at DESC, id DESC LIMIT 200`,
      )
      .all(name) as Row[]
  ).map((r) => {
    const started = str(r.started_at);
    const finished = str(r.finished_at);
    const seconds = started && finished ? (Date.parse(finished) - Date.parse(started)) / 1000 : undefined;
    return {
      id: String(r.id),
      status: String(r.status),
      createdAt: String(r.created_at),
      ...(seconds !== undefined && Number.isFinite(seconds) ? { seconds } : {}),
      createdBy: String(r.created_by),
    };
  });
  return { name, plan: parse(last.plan_json), versions, runs };
}

// ---- triggers ------------------------------------------------------------------------------------------

/** Triggers as the console shows them: next fire times for cron, secrets removed. */
export function triggerViews(
  list: TriggerRecord[],
  opts: {
    lastFire: (name: string) => TriggerView['lastFire'];
    nextFires: (schedule: string, timezone: string | undefined, n: number) => string[];
    defaultZone: string;
  },
): TriggerView[] {
  return list.map((t) => {
    const { secret: _secret, ...spec } = t.spec as { secret?: unknown } & Record<string, unknown>;
    const cron = t.kind === 'cron' && typeof spec.schedule === 'string' ? spec.schedule : undefined;
    const zone = typeof spec.timezone === 'string' ? spec.timezone : undefined;
    const lastFire = opts.lastFire(t.name);
    return {
      name: t.name,
      kind: t.kind,
      planName: t.planName,
      enabled: t.enabled,
      spec: t.kind === 'webhook' ? { ...spec, secret: _secret ? 'set' : 'none' } : spec,
      catchUp: t.catchUp,
      maxConcurrent: t.maxConcurrent,
      onLimit: t.onLimit,
      ...(t.lastTick ? { lastTick: t.lastTick } : {}),
      createdBy: t.createdBy,
      createdAt: t.createdAt,
      ...(cron
        ? {
            nextFires: t.enabled ? opts.nextFires(cron, zone, 3) : [],
            timezone: zone ?? opts.defaultZone,
            timezoneIsDefault: zone === undefined,
          }
        : {}),
      ...(lastFire ? { lastFire } : {}),
    };
  });
}

// ---- a run's timeline ----------------------------------------------------------------------------------

export type SegmentKind = 'queued' | 'attempt' | 'backoff' | 'approval';

export interface Segment {
  kind: SegmentKind;
  start: string;
  /** Absent while it is still going. */
  end?: string;
  attempt?: number;
  /** attempt: succeeded | failed | retried | cached | running; approval: approved | rejected | waiting. */
  outcome?: string;
  note?: string;
}

export interface StepTimeline {
  stepId: string;
  status: string;
  segments: Segment[];
  /** Why it was skipped, when it was. */
  skipped?: { at: string; reason?: string };
}

export interface RunTimeline {
  runId: string;
  status: string;
  start: string;
  end?: string;
  /** Periods the run was executing (a run waiting for a decision is not). */
  executing: { start: string; end?: string }[];
  steps: StepTimeline[];
}

/** Shorter waits for a worker, a GPU or a free slot are not drawn. */
const QUEUED_MIN_MS = 100;

/**
 * Event types of state changes, never log or progress lines: what a run's timeline is drawn from and what
 * the console's global feed carries.
 */
export const FEED_TYPES = [
  'run.created',
  'run.started',
  'run.resumed',
  'run.waiting',
  'run.interrupted',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'step.started',
  'step.retry',
  'step.waiting',
  'step.succeeded',
  'step.failed',
  'step.skipped',
  'approval.decided',
] as const;

/**
 * Attempts, retry waits, approval waits and the time each step waited for its dependencies, from the run's
 * events (never from logs or progress lines, which can be many).
 */
export function runTimeline(store: RunStore, runId: string): RunTimeline {
  const run = store.requireRun(runId);
  const events: RunEvent[] = [];
  for (let after = 0; ; ) {
    const page = store.events(run.id, { afterSeq: after, types: [...FEED_TYPES], limit: 5000 });
    events.push(...page);
    if (page.length < 5000) break;
    after = (page.at(-1) as RunEvent).seq;
  }
  const steps = new Map<string, StepTimeline>();
  const finished = new Map<string, string>();
  const executing: RunTimeline['executing'] = [];
  const plannedEnd = new Map<string, string>();
  for (const s of run.plan.steps) steps.set(s.id, { stepId: s.id, status: 'pending', segments: [] });
  const open = (id: string) => steps.get(id)?.segments.findLast((g) => g.end === undefined);
  const close = (id: string, at: string, outcome?: string) => {
    const g = open(id);
    if (!g) return;
    g.end = at;
    if (outcome) g.outcome = outcome;
  };
  const deps = new Map(run.plan.steps.map((s) => [s.id, s.dependsOn]));
  /** When a step became ready: its last dependency's finish, or when this execution began. */
  const readyAt = (id: string, started: string) => {
    const times = (deps.get(id) ?? []).map((d) => finished.get(d)).filter((t): t is string => !!t);
    const base = executing.at(-1)?.start ?? run.createdAt;
    const ready = [base, ...times].sort().at(-1) as string;
    return ready < started ? ready : undefined;
  };
  for (const e of events) {
    const t = e.stepId ? steps.get(e.stepId) : undefined;
    // As a string: the store's event union may not name every type yet (run.interrupted).
    switch (e.type as string) {
      case 'run.started':
      case 'run.resumed':
        if (!executing.at(-1) || executing.at(-1)?.end) executing.push({ start: e.at });
        break;
      case 'run.waiting':
      case 'run.interrupted':
      case 'run.succeeded':
      case 'run.failed':
      case 'run.cancelled': {
        const last = executing.at(-1);
        if (last && !last.end) last.end = e.at;
        break;
      }
      case 'step.started': {
        if (!t) break;
        const prev = open(t.stepId);
        if (prev?.kind === 'backoff') prev.end = e.at;
        else if (prev?.kind === 'attempt') {
          // Started again without an end: the process running it died; a resumed run tries again.
          prev.end = executing.at(-2)?.end ?? e.at;
          prev.outcome = 'interrupted';
        } else if (!t.segments.length) {
          const ready = readyAt(t.stepId, e.at);
          if (ready && Date.parse(e.at) - Date.parse(ready) >= QUEUED_MIN_MS)
            t.segments.push({ kind: 'queued', start: ready, end: e.at });
        }
        t.status = 'running';
        t.segments.push({
          kind: 'attempt',
          start: e.at,
          attempt: Number(e.data.attempt ?? 1),
          outcome: 'running',
        });
        break;
      }
      case 'step.retry': {
        if (!t) break;
        close(t.stepId, e.at, 'retried');
        const err = e.data.error as { what?: string } | undefined;
        const last = t.segments.at(-1);
        if (last && err?.what) last.note = err.what;
        const delay = Number(e.data.delayMs ?? 0);
        // It ends when the next attempt starts; the planned end stands in if none did.
        t.segments.push({
          kind: 'backoff',
          start: e.at,
          note: `${Math.round(delay / 100) / 10} s before attempt ${Number(e.data.nextAttempt ?? 0)}`,
        });
        plannedEnd.set(t.stepId, new Date(Date.parse(e.at) + delay).toISOString());
        break;
      }
      case 'step.waiting':
        if (!t) break;
        t.status = 'waiting';
        t.segments.push({ kind: 'approval', start: e.at, outcome: 'waiting' });
        break;
      case 'approval.decided':
        if (!t) break;
        close(t.stepId, e.at, e.data.approved === false ? 'rejected' : 'approved');
        break;
      case 'step.succeeded': {
        if (!t) break;
        const g = open(t.stepId);
        if (e.data.cached) {
          t.segments.push({ kind: 'attempt', start: e.at, end: e.at, outcome: 'cached' });
        } else if (g?.kind === 'approval') {
          g.end = e.at;
          if (g.outcome === 'waiting') g.outcome = 'approved';
        } else close(t.stepId, e.at, 'succeeded');
        t.status = 'succeeded';
        finished.set(t.stepId, e.at);
        break;
      }
      case 'step.failed': {
        if (!t) break;
        close(t.stepId, e.at, open(t.stepId)?.kind === 'approval' ? 'rejected' : 'failed');
        const err = e.data.error as { what?: string } | undefined;
        const last = t.segments.at(-1);
        if (last && err?.what && !last.note) last.note = err.what;
        t.status = 'failed';
        finished.set(t.stepId, e.at);
        break;
      }
      case 'step.skipped':
        if (!t) break;
        t.status = 'skipped';
        t.skipped = { at: e.at, ...(typeof e.data.reason === 'string' ? { reason: e.data.reason } : {}) };
        finished.set(t.stepId, e.at);
        break;
    }
  }
  // A run that stopped (crash, interruption) leaves nothing open: the records say how each step ended.
  const records = new Map(store.getSteps(run.id).map((s) => [s.stepId, s]));
  const settled = run.status !== 'running' && run.status !== 'queued';
  for (const t of steps.values()) {
    const rec = records.get(t.stepId);
    if (rec) t.status = rec.status;
    for (const g of t.segments) {
      if (g.end !== undefined || !settled) continue;
      if (g.kind === 'backoff') g.end = plannedEnd.get(t.stepId) ?? g.start;
      else if (g.kind === 'attempt') {
        g.end = rec?.finishedAt ?? run.finishedAt ?? g.start;
        g.outcome = run.status === 'cancelled' ? 'cancelled' : 'interrupted';
      }
    }
  }
  return {
    runId: run.id,
    status: run.status,
    start: run.startedAt ?? run.createdAt,
    ...(run.finishedAt ? { end: run.finishedAt } : {}),
    executing,
    steps: [...steps.values()],
  };
}

// ---- drift checks --------------------------------------------------------------------------------------

export interface DriftCheck {
  runId: string;
  stepId: string;
  planName: string;
  at: string;
  /** The model whose traffic was checked, when the run names one (monitor.traffic's model input). */
  model?: string;
  drifted: boolean;
  share: number;
  driftedFeatures: string[];
  features: number;
  findings: number;
  severity?: string;
  summary?: string;
  reference?: { rows?: number; name?: string };
  current?: { rows?: number; name?: string };
}

/** Finished monitor.drift steps, newest first. */
export function driftChecks(store: RunStore, opts: { model?: string; limit?: number } = {}): DriftCheck[] {
  const rows = store.db
    .prepare(
      `SELECT s.run_id, s.step_id, s.finished_at, s.output_json, r.plan_name FROM steps s JOIN runs r ON r.id = s.run_id
       WHERE s.task = 'monitor.drift' AND s.status = 'succeeded' ORDER BY s.finished_at DESC LIMIT ?`,
    )
    .all(Math.min(opts.limit ?? 100, 500) * (opts.model ? 4 : 1)) as Row[];
  const modelOf = store.db.prepare(
    `SELECT task, input_json FROM steps WHERE run_id = ? AND task IN ('monitor.traffic', 'model.register', 'deploy.http')`,
  );
  const out: DriftCheck[] = [];
  for (const r of rows) {
    const o = parse<Record<string, unknown>>(r.output_json) ?? {};
    let model: string | undefined;
    for (const s of modelOf.all(r.run_id) as Row[]) {
      const input = parse<{ model?: unknown; name?: unknown }>(s.input_json) ?? {};
      const m = s.task === 'model.register' ? input.name : input.model;
      if (typeof m === 'string' && !m.includes('${{')) {
        model = m;
        if (s.task === 'monitor.traffic') break;
      }
    }
    if (opts.model && model !== opts.model) continue;
    const alert = o.alert as { severity?: string; summary?: string } | null | undefined;
    const brief = (b: unknown) => {
      const x = b as { rows?: number; name?: string } | undefined;
      return x
        ? { ...(x.rows !== undefined ? { rows: x.rows } : {}), ...(x.name ? { name: x.name } : {}) }
        : undefined;
    };
    const reference = brief(o.reference);
    const current = brief(o.current);
    out.push({
      runId: String(r.run_id),
      stepId: String(r.step_id),
      planName: String(r.plan_name),
      at: String(r.finished_at),
      ...(model ? { model } : {}),
      drifted: o.drifted === true,
      share: typeof o.share === 'number' ? o.share : 0,
      driftedFeatures: Array.isArray(o.driftedFeatures) ? o.driftedFeatures.map(String) : [],
      features: Array.isArray(o.features) ? o.features.length : 0,
      findings: Array.isArray(o.findings) ? o.findings.length : 0,
      ...(alert?.severity ? { severity: alert.severity } : {}),
      ...(alert?.summary ? { summary: alert.summary } : {}),
      ...(reference ? { reference } : {}),
      ...(current ? { current } : {}),
    });
    if (out.length >= (opts.limit ?? 100)) break;
  }
  return out;
}

// ---- the event feed ------------------------------------------------------------------------------------

export function latestSeq(store: RunStore): number {
  const row = store.db.prepare('SELECT MAX(seq) AS n FROM events').get() as Row | undefined;
  return Number(row?.n ?? 0);
}

/** Feed events after `seq` across all runs, oldest first (at most `limit`). */
export function feedAfter(store: RunStore, seq: number, limit = 500): RunEvent[] {
  const rows = store.db
    .prepare(
      `SELECT seq, run_id, step_id, type, at, data_json FROM events
       WHERE seq > ? AND type IN (${FEED_TYPES.map(() => '?').join(',')}) ORDER BY seq LIMIT ?`,
    )
    .all(seq, ...FEED_TYPES, limit) as Row[];
  return rows.map((r) => ({
    seq: Number(r.seq),
    runId: String(r.run_id),
    ...(r.step_id ? { stepId: String(r.step_id) } : {}),
    type: String(r.type) as RunEvent['type'],
    at: String(r.at),
    // The feed says what changed; the data (outputs, errors) is read from the run itself.
    data: pick(parse<Record<string, unknown>>(r.data_json) ?? {}, ['attempt', 'approved', 'by', 'reason']),
  }));
}

const pick = (o: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

/** A user error for a plan the run store has never seen. */
export function planNotFound(name: string) {
  return userError(
    'PLAN_NOT_FOUND',
    `No runs or triggers of plan "${name}"`,
    'the console knows plans from their runs and triggers',
    'Open the Plans page for the known plans, or run the plan once (`pipewright run <plan.yaml>`).',
  );
}
