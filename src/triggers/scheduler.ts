/**
 * The scheduler: fires runs of registered plans on cron ticks, new files in watched folders, webhooks, and
 * hands drift alerts to a triage handler. Every fire claims a lock row (trigger, tick) in the same transaction
 * that creates the run, so a tick fires once however many schedulers share the database, and a restart
 * neither replays a tick nor loses one (catch-up policy). Runs a trigger fired that no process started are
 * started, and interrupted runs (whoever started them: their executor's lease lapsed) are resumed, on
 * start and then on every interval, unless PIPEWRIGHT_AUTO_RESUME=false. A run another process claims
 * first is left to it.
 *
 * Time comes from an injectable clock and tick() can be driven by hand: tests move a fake clock and call it.
 */
import { timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { Engine } from '../engine/index.ts';
import { formatError, isPipewrightError, userError } from '../errors.ts';
import { parsePlan } from '../plan/index.ts';
import { type FireStatus, type TriggerRecord, TriggerStore } from '../store/index.ts';
import { resolveInWorkspace } from '../tasks/index.ts';
import { BucketPoller } from './bucket.ts';
import {
  CronSpec,
  cronOf,
  DriftSpec,
  FileSpec,
  globToRegExp,
  type TriggerDef,
  WebhookSpec,
} from './schema.ts';

export interface FireResult {
  trigger: string;
  tick: string;
  status: FireStatus | 'duplicate';
  runId?: string;
  reason?: string;
}

/** A drift alert raised by a monitor.drift step, handed to the triage handler once. */
export interface AlertEvent {
  trigger: string;
  runId: string;
  stepId: string;
  planName: string;
  model?: string;
  /** The monitor.drift output (drifted, features, findings, reportJson, alert). */
  output: Record<string, unknown>;
}

export type AlertHandler = (e: AlertEvent) => Promise<{ runId?: string; reason?: string } | undefined>;

export interface SchedulerOptions {
  engine: Engine;
  /** The scheduler's clock (fake in tests). */
  clock?: () => Date;
  /** Who claims fires (default host:pid). */
  id?: string;
  /** Execute fired runs here (default true), or a function that does. */
  execute?: boolean | ((runId: string) => Promise<unknown>);
  onAlert?: AlertHandler;
  log?: (line: string) => void;
  /** Catch-up "skip": a tick counts as on time when handled within this long after it (default 60 s). */
  skipGraceMs?: number;
  /** Catch-up "all": at most this many missed ticks are fired (the latest ones; default 100). */
  maxCatchUp?: number;
  /** chokidar: how long a new file must stay unchanged before it counts as landed (default 200 ms). */
  fileStableMs?: number;
}

export class Scheduler {
  readonly engine: Engine;
  readonly triggers: TriggerStore;
  readonly id: string;
  private readonly clock: () => Date;
  private readonly exec: ((runId: string) => Promise<unknown>) | undefined;
  private readonly onAlert: AlertHandler | undefined;
  private readonly log: (line: string) => void;
  private readonly skipGraceMs: number;
  private readonly maxCatchUp: number;
  private readonly fileStableMs: number;
  private readonly running = new Map<string, Promise<void>>();
  private readonly watchers = new Map<string, Promise<FSWatcher>>();
  private readonly pendingFiles = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<FireResult[]> | undefined;
  private started = false;
  private readonly buckets: BucketPoller;

  constructor(opts: SchedulerOptions) {
    this.engine = opts.engine;
    this.clock = opts.clock ?? (() => new Date());
    this.triggers = new TriggerStore(opts.engine.store.db, this.clock);
    this.id = opts.id ?? `${hostname()}:${process.pid}`;
    this.exec =
      opts.execute === false
        ? undefined
        : typeof opts.execute === 'function'
          ? opts.execute
          : (runId) => this.engine.execute(runId);
    this.onAlert = opts.onAlert;
    this.log = opts.log ?? ((line) => void process.stderr.write(`${line}\n`));
    this.skipGraceMs = opts.skipGraceMs ?? 60_000;
    this.maxCatchUp = opts.maxCatchUp ?? 100;
    this.fileStableMs = opts.fileStableMs ?? 200;
    this.buckets = new BucketPoller(this, this.log);
  }

  // ---- registration -----------------------------------------------------------------------------------

  /** Registers (or redefines) a trigger for a plan; the plan is validated against the task catalog now. */
  add(def: TriggerDef, plan: unknown, opts: { planPath?: string; by: string }): TriggerRecord {
    // createRun's validation, without creating a run: a broken plan is refused at registration.
    const parsed = parsePlan(plan, this.engine.registry);
    // ...and the policy's: a plan its triggered runs may not submit is refused now, not at every fire.
    this.engine.guard.admitRun(parsed, this.engine.guard.systemIdentity('triggers', `trigger:${def.name}`));
    return this.triggers.upsertTrigger({
      name: def.name,
      kind: def.kind,
      spec: def.spec as Record<string, unknown>,
      plan: parsed,
      ...(opts.planPath ? { planPath: opts.planPath } : {}),
      planName: parsed.name,
      catchUp: def.catchUp,
      maxConcurrent: def.maxConcurrent,
      onLimit: def.onLimit,
      createdBy: opts.by,
    });
  }

  remove(name: string): void {
    this.triggers.requireTrigger(name);
    this.triggers.removeTrigger(name);
    void this.watchers.get(name)?.then((w) => w.close());
    this.watchers.delete(name);
  }

  list(): TriggerRecord[] {
    return this.triggers.listTriggers();
  }

  // ---- firing -----------------------------------------------------------------------------------------

  /**
   * Claims (trigger, tick) and, in the same transaction, creates the run, or records why not (concurrency
   * limit: skipped or queued; a plan or input problem: failed). A tick claimed before returns "duplicate".
   */
  fire(name: string, tick: string, inputs: Record<string, unknown> = {}): FireResult {
    const t = this.triggers.requireTrigger(name);
    const result = this.engine.store.atomically((): FireResult => {
      if (!this.triggers.claimFire({ trigger: name, tick, status: 'fired', inputs, claimedBy: this.id }))
        return { trigger: name, tick, status: 'duplicate', reason: 'this tick was fired already' };
      return this.startOrHold(t, tick, inputs, false);
    });
    if (result.status === 'fired' && result.runId) this.launch(result.runId);
    return result;
  }

  private startOrHold(
    t: TriggerRecord,
    tick: string,
    inputs: Record<string, unknown>,
    fromQueue: boolean,
    note?: string,
  ): FireResult {
    const active = this.triggers.activeRuns(t.planName);
    if (active >= t.maxConcurrent) {
      const reason = `concurrency limit: ${active} of ${t.maxConcurrent} allowed runs of ${t.planName} are unfinished`;
      if (fromQueue) return { trigger: t.name, tick, status: 'queued', reason };
      const status = t.onLimit === 'queue' ? 'queued' : 'skipped';
      this.triggers.updateFire(t.name, tick, { status, reason });
      return { trigger: t.name, tick, status, reason };
    }
    try {
      const run = this.engine.createRun(t.plan, {
        createdBy: `trigger:${t.name}`,
        trigger: `${t.kind}:${t.name}`,
        inputs,
        submitter: this.engine.guard.systemIdentity('triggers', `trigger:${t.name}`),
      });
      const reason = note ?? (fromQueue ? 'started from the queue' : undefined);
      this.triggers.updateFire(t.name, tick, {
        status: 'fired',
        runId: run.id,
        claimedBy: this.id,
        ...(reason ? { reason } : {}),
      });
      return { trigger: t.name, tick, status: 'fired', runId: run.id, ...(reason ? { reason } : {}) };
    } catch (e) {
      const reason = formatError(e).split('\n').slice(0, 3).join(' ');
      this.triggers.updateFire(t.name, tick, { status: 'failed', reason });
      this.log(`trigger ${t.name}: tick ${tick} could not start a run: ${reason}`);
      return { trigger: t.name, tick, status: 'failed', reason };
    }
  }

  /** Starts queued fires while their pipelines have room, oldest first; each queued fire starts once. */
  drainQueue(): FireResult[] {
    const out: FireResult[] = [];
    for (const f of this.triggers.listFires({ status: 'queued' })) {
      const t = this.triggers.getTrigger(f.trigger);
      if (!t) continue;
      const r = this.engine.store.atomically((): FireResult | undefined => {
        const current = this.triggers.getFire(f.trigger, f.tick);
        if (current?.status !== 'queued') return undefined;
        return this.startOrHold(t, f.tick, f.inputs, true);
      });
      if (r?.status === 'fired' && r.runId) {
        out.push(r);
        this.launch(r.runId);
      }
    }
    return out;
  }

  /** Handles a webhook call: checks the trigger kind and secret, then fires with the caller's key. */
  fireWebhook(
    name: string,
    call: { key: string; inputs?: Record<string, unknown>; secret?: string },
  ): FireResult {
    const t = this.triggers.getTrigger(name);
    if (t?.kind !== 'webhook' || !t.enabled) {
      throw userError(
        'HOOK_NOT_FOUND',
        `No webhook trigger "${name}"`,
        t ? `"${name}" is a ${t.kind} trigger` : 'no trigger with that name is registered',
        'Register one with `pipewright scheduler add <plan.yaml> --webhook`.',
      );
    }
    const spec = WebhookSpec.parse(t.spec);
    if (spec.secret && !safeEqual(spec.secret, call.secret ?? '')) {
      throw userError(
        'HOOK_FORBIDDEN',
        `The call to webhook "${name}" has no valid secret`,
        'the trigger was registered with a secret and the x-pipewright-hook-secret header does not match',
        'Send the secret given to `scheduler add --secret` in the x-pipewright-hook-secret header.',
      );
    }
    return this.fire(name, `hook:${call.key}`, call.inputs ?? {});
  }

  /**
   * One pass: due cron ticks (with each trigger's catch-up policy), queued fires, and new drift alerts.
   * Passes never overlap; a call during a pass waits for it.
   */
  async tick(now: Date = this.clock()): Promise<FireResult[]> {
    while (this.ticking) await this.ticking;
    this.ticking = this.pass(now).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async pass(now: Date): Promise<FireResult[]> {
    const out: FireResult[] = [];
    if (this.started) this.syncWatchers();
    for (const t of this.triggers.listTriggers({ kind: 'cron' })) {
      if (t.enabled) out.push(...this.cronPass(t, now));
    }
    out.push(...this.drainQueue());
    for (const t of this.triggers.listTriggers({ kind: 'drift' })) {
      if (t.enabled) out.push(...(await this.driftPass(t)));
    }
    for (const t of this.triggers.listTriggers({ kind: 'bucket' })) {
      if (t.enabled) out.push(...((await this.buckets.pass(t, now)) as FireResult[]));
    }
    return out;
  }

  private cronPass(t: TriggerRecord, now: Date): FireResult[] {
    const spec = CronSpec.parse(t.spec);
    const cron = cronOf(spec.schedule, spec.timezone);
    const due: Date[] = [];
    let missed = 0;
    try {
      let next = cron.nextRun(new Date(t.lastTick ?? t.createdAt));
      while (next && next.getTime() <= now.getTime()) {
        due.push(next);
        if (due.length > this.maxCatchUp) {
          due.shift();
          missed++;
        }
        next = cron.nextRun(next);
      }
    } finally {
      cron.stop();
    }
    const latest = due.at(-1);
    if (!latest) return [];
    const out: FireResult[] = [];
    const total = due.length + missed;
    if (t.catchUp === 'all') {
      for (const d of due) out.push(this.fire(t.name, d.toISOString()));
    } else if (t.catchUp === 'one') {
      const r = this.fire(t.name, latest.toISOString());
      out.push(r);
      if (total > 1 && r.status === 'fired' && r.runId)
        this.triggers.updateFire(t.name, latest.toISOString(), {
          status: 'fired',
          reason: `catch-up one: fired the latest of ${total} due ticks, ${total - 1} missed`,
        });
    } else if (now.getTime() - latest.getTime() <= this.skipGraceMs) {
      out.push(this.fire(t.name, latest.toISOString()));
    } else {
      const tick = latest.toISOString();
      if (
        this.triggers.claimFire({ trigger: t.name, tick, status: 'skipped', inputs: {}, claimedBy: this.id })
      ) {
        const reason = `catch-up skip: ${total} missed tick${total === 1 ? '' : 's'} not fired (latest ${tick})`;
        this.triggers.updateFire(t.name, tick, { status: 'skipped', reason });
        out.push({ trigger: t.name, tick, status: 'skipped', reason });
      }
    }
    this.triggers.setLastTick(t.name, latest.toISOString());
    return out;
  }

  private async driftPass(t: TriggerRecord): Promise<FireResult[]> {
    const spec = DriftSpec.parse(t.spec);
    const rows = this.engine.store.db
      .prepare(
        `SELECT s.run_id, s.step_id, s.finished_at, s.output_json, r.plan_name FROM steps s
           JOIN runs r ON r.id = s.run_id
         WHERE s.task = 'monitor.drift' AND s.status = 'succeeded' AND s.finished_at >= ?
         ORDER BY s.finished_at`,
      )
      .all(t.lastTick ?? t.createdAt) as Record<string, string>[];
    const out: FireResult[] = [];
    for (const row of rows) {
      const planName = String(row.plan_name);
      if (spec.plan && planName !== spec.plan) continue;
      const output = JSON.parse(String(row.output_json ?? 'null')) as Record<string, unknown> | null;
      const tick = `${row.run_id}/${row.step_id}`;
      if (output?.alert && typeof output.alert === 'object') {
        const claimed = this.triggers.claimFire({
          trigger: t.name,
          tick,
          status: 'fired',
          inputs: {},
          claimedBy: this.id,
        });
        if (claimed) {
          const model = spec.model ?? modelOfRun(this, String(row.run_id));
          if (!this.onAlert) {
            const reason = 'no triage handler is attached to this scheduler';
            this.triggers.updateFire(t.name, tick, { status: 'skipped', reason });
            out.push({ trigger: t.name, tick, status: 'skipped', reason });
          } else {
            try {
              const r = await this.onAlert({
                trigger: t.name,
                runId: String(row.run_id),
                stepId: String(row.step_id),
                planName,
                ...(model ? { model } : {}),
                output,
              });
              const reason = r?.reason ?? 'triaged';
              this.triggers.updateFire(t.name, tick, {
                status: 'fired',
                reason,
                ...(r?.runId ? { runId: r.runId } : {}),
              });
              out.push({
                trigger: t.name,
                tick,
                status: 'fired',
                reason,
                ...(r?.runId ? { runId: r.runId } : {}),
              });
            } catch (e) {
              const reason = formatError(e).split('\n').slice(0, 3).join(' ');
              this.triggers.updateFire(t.name, tick, { status: 'failed', reason });
              this.log(`trigger ${t.name}: triage of alert ${tick} failed: ${reason}`);
              out.push({ trigger: t.name, tick, status: 'failed', reason });
            }
          }
        }
      }
      this.triggers.setLastTick(t.name, String(row.finished_at));
    }
    return out;
  }

  // ---- executing ----------------------------------------------------------------------------------------

  private launch(runId: string): void {
    const exec = this.exec;
    if (!exec || this.running.has(runId)) return;
    const done = (async () => {
      try {
        await exec(runId);
      } catch (e) {
        // Another process (a second scheduler, the server) took it first, or it ended: nothing to do here.
        if (!(isPipewrightError(e) && (e.code === 'RUN_BUSY' || e.code === 'RUN_FINISHED')))
          this.log(`run ${runId} stopped with an error (recorded on the run):\n${formatError(e)}`);
      } finally {
        this.running.delete(runId);
      }
      // A finished run frees a slot: queued fires may start now.
      try {
        this.drainQueue();
      } catch (e) {
        this.log(`starting queued fires failed: ${formatError(e)}`);
      }
    })();
    this.running.set(runId, done);
  }

  /**
   * Starts runs that triggers fired and no process started (the scheduler died in between), and resumes
   * interrupted runs (any: their executor's lease lapsed) and waiting runs whose approvals are all decided
   * (the process that was to resume them died), unless auto-resume is off. Claims are atomic:
   * when another scheduler or server takes a run first, this one leaves it.
   */
  recover(): string[] {
    const store = this.engine.store;
    const queued = store.db
      .prepare(
        `SELECT id FROM runs WHERE created_by LIKE 'trigger:%' AND status = 'queued' ORDER BY created_at`,
      )
      .all() as { id: string }[];
    const ids = [...queued.map((r) => r.id), ...(this.engine.config.autoResume ? store.resumableRuns() : [])];
    const resumed: string[] = [];
    for (const id of ids) {
      if (this.running.has(id)) continue;
      resumed.push(id);
      this.launch(id);
    }
    return resumed;
  }

  /** Resolves once no run this scheduler started is executing and landed files are handled. */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.pendingFiles.size > 0) {
      await Promise.all([...this.running.values(), ...this.pendingFiles]);
    }
  }

  // ---- file triggers ------------------------------------------------------------------------------------

  private syncWatchers(): void {
    const files = this.triggers.listTriggers({ kind: 'file' }).filter((t) => t.enabled);
    const names = new Set(files.map((t) => t.name));
    for (const [name, w] of this.watchers) {
      if (!names.has(name)) {
        void w.then((x) => x.close());
        this.watchers.delete(name);
      }
    }
    for (const t of files) {
      if (this.watchers.has(t.name)) continue;
      const w = this.watch(t);
      this.watchers.set(t.name, w);
      const ready = w.then(
        () => undefined,
        (e: unknown) => this.log(`trigger ${t.name}: cannot watch: ${formatError(e)}`),
      );
      this.pendingFiles.add(ready);
      void ready.finally(() => this.pendingFiles.delete(ready));
    }
  }

  private async watch(t: TriggerRecord): Promise<FSWatcher> {
    const { watch } = await import('chokidar');
    const spec = FileSpec.parse(t.spec);
    const workspace = this.engine.config.workspace;
    const dir = resolveInWorkspace(workspace, spec.path, 'watched folder');
    const match = globToRegExp(spec.pattern);
    const w = watch(dir, {
      depth: 0,
      // Files that landed while the scheduler was down fire too: their lock rows keep old ones from firing twice.
      ignoreInitial: false,
      awaitWriteFinish: { stabilityThreshold: this.fileStableMs, pollInterval: 25 },
    });
    w.on('add', (file, stats) => {
      if (!match.test(path.basename(file))) return;
      const rel = path.relative(workspace, file);
      const tick = `file:${rel}@${Math.round(stats?.mtimeMs ?? 0)}`;
      try {
        this.fire(t.name, tick, { [spec.input]: rel });
      } catch (e) {
        this.log(`trigger ${t.name}: ${formatError(e)}`);
      }
    });
    w.on('error', (e) => this.log(`trigger ${t.name}: watching ${dir} failed: ${String(e)}`));
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    return w;
  }

  /** Resolves when every file watcher has scanned its folder (tests wait for it before writing files). */
  async watching(): Promise<void> {
    while (this.pendingFiles.size > 0) await Promise.all([...this.pendingFiles]);
  }

  // ---- running in the foreground ------------------------------------------------------------------------

  /** Resumes orphaned runs, starts the file watchers and ticks every `intervalMs`. */
  start(opts: { intervalMs?: number } = {}): this {
    if (this.started) return this;
    this.started = true;
    this.recover();
    this.syncWatchers();
    const every = opts.intervalMs ?? 1000;
    this.timer = setInterval(() => {
      this.tick().catch((e: unknown) => this.log(`scheduler tick failed: ${formatError(e)}`));
      try {
        this.recover();
      } catch (e) {
        this.log(`resuming interrupted runs failed: ${formatError(e)}`);
      }
    }, every);
    return this;
  }

  /** Stops ticking and watching. Runs in flight go on; those this process leaves behind resume on the next start. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.ticking) await this.ticking.catch(() => undefined);
    await Promise.all(
      [...this.watchers.values()].map((w) => w.then((x) => x.close()).catch(() => undefined)),
    );
    this.watchers.clear();
  }
}

/** The model a drift run watched: the `model` input of its monitor.traffic step, when it has one. */
function modelOfRun(s: Scheduler, runId: string): string | undefined {
  for (const step of s.engine.store.getSteps(runId)) {
    const input = step.input as { model?: unknown } | undefined;
    if (step.task === 'monitor.traffic' && typeof input?.model === 'string') return input.model;
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
