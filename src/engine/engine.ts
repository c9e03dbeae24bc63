/**
 * The engine: starts, resumes and cancels runs. A run executes in one process at a time: that process
 * holds the run's lease and renews it while it works; a run whose lease lapses is `interrupted` and anyone
 * may resume it. Checkpoints after every superstep, pauses at approvals, picks up where it stopped.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import path from 'node:path';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { Command } from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import Database from 'better-sqlite3';
import type { Config } from '../config.ts';
import { isPipewrightError, userError } from '../errors.ts';
import { type Plan, parsePlan } from '../plan/index.ts';
import { PolicyGuard, type Principal } from '../policy/index.ts';
import { openArtifactStore } from '../store/artifact-stores.ts';
import {
  type ApprovalRecord,
  type DecisionInput,
  leaseLapse,
  newLeaseOwner,
  type RunRecord,
  type RunStore,
  SQLITE_BUSY_TIMEOUT_MS,
  TERMINAL_RUN_STATUSES,
} from '../store/index.ts';
import { type ArtifactStore, reapStaleAttempts, type TaskRegistry } from '../tasks/index.ts';
import { type ApprovalInterrupt, compilePlan, type RunStateValue } from './compile.ts';
import type { StepExecutor } from './executor.ts';
import { faultPoint } from './faults.ts';
import { StepScheduler } from './scheduler.ts';
import { leaseLost, type StepResult } from './step-runner.ts';

export interface RunOutcome {
  runId: string;
  status: RunRecord['status'];
  /** Approvals the run is waiting for, when status is "waiting". */
  waiting: ApprovalRecord[];
  /** Every step's outcome, read back from the run store. */
  results: Record<string, StepResult>;
}

export interface EngineOptions {
  store: RunStore;
  registry: TaskRegistry;
  config: Config;
  artifacts?: ArtifactStore;
  checkpointer?: BaseCheckpointSaver;
  /** How often the owning process checks for a cancel request (and renews its lease when due). */
  pollMs?: number;
  /** How long the run's lease lasts without renewal (default: config.leaseMs). */
  leaseMs?: number;
  /** Parallel steps per superstep. */
  maxConcurrency?: number;
  /** Most steps handed to one superstep (default 256; wider fan-outs run in batches). */
  batch?: number;
  /** Task steps that share one graph task (default 16; see CompileDeps.chunk). */
  chunk?: number;
  /** Runs the steps it accepts elsewhere (BullMQ workers); without it every step runs here. */
  executor?: StepExecutor;
}

/** A decision on an approval step; the store's single-use decision input, and who decides (default: the local user). */
export type DecideInput = DecisionInput & { decider?: Principal };

export class Engine {
  readonly store: RunStore;
  readonly registry: TaskRegistry;
  readonly config: Config;
  readonly artifacts: ArtifactStore;
  readonly checkpointer: BaseCheckpointSaver;
  private checkpointerReady: Promise<void> | undefined;
  private readonly pollMs: number;
  readonly leaseMs: number;
  private readonly maxConcurrency: number | undefined;
  private readonly batch: number | undefined;
  private readonly chunk: number | undefined;
  readonly executor: StepExecutor | undefined;
  private readonly active = new Map<string, AbortController>();
  /** The server policy: who may submit what, who may decide (src/policy). */
  readonly guard: PolicyGuard;

  constructor(opts: EngineOptions) {
    this.store = opts.store;
    this.registry = opts.registry;
    this.config = opts.config;
    this.artifacts = opts.artifacts ?? openArtifactStore(opts.config);
    // Checkpoints live next to the run records: SQLite in the state folder, or the same Postgres.
    this.checkpointer = opts.checkpointer ?? defaultCheckpointer(opts.store, opts.config);
    this.pollMs = opts.pollMs ?? 250;
    this.leaseMs = opts.leaseMs ?? opts.config.leaseMs;
    this.maxConcurrency = opts.maxConcurrency;
    this.batch = opts.batch;
    this.chunk = opts.chunk;
    // LangGraph puts an abort listener per task on signals it creates itself, one superstep at a time:
    // room for a full batch of steps, so wide fan-outs do not warn about a leak that is not one.
    const room = 2 * (opts.batch ?? 256) + 16;
    const current = EventEmitter.defaultMaxListeners;
    if (current !== 0 && current < room) setMaxListeners(room);
    this.executor = opts.executor;
    this.guard = new PolicyGuard(opts.config, opts.store, opts.registry);
  }

  /** Closes the executor's and the Postgres checkpointer's connections (the store belongs to the caller). */
  async close(): Promise<void> {
    await this.executor?.close();
    if (this.checkpointer instanceof PostgresSaver) await this.checkpointer.end();
    else if (this.checkpointer instanceof SqliteSaver) this.checkpointer.db.close();
  }

  /** Validates the plan against the catalog and records a new run (not yet executing). */
  createRun(
    rawPlan: unknown,
    opts: { createdBy: string; trigger?: string; inputs?: Record<string, unknown>; submitter?: Principal },
  ): RunRecord {
    const plan = parsePlan(rawPlan, this.registry);
    const inputs = resolveInputs(plan, opts.inputs ?? {});
    // The policy, not the plan, decides whether its checkpoints may be switched off (POLICY_REFUSED).
    const admitted = this.guard.admitRun(plan, opts.submitter ?? this.guard.localIdentity(opts.createdBy));
    return this.store.atomically(() => {
      const run = this.store.createRun({
        plan,
        createdBy: admitted.submitter.name,
        trigger: opts.trigger ?? 'manual',
        inputs,
      });
      this.guard.audit(run.id, admitted);
      return run;
    });
  }

  /** Runs a new plan to completion, or until it waits for approval. */
  async run(
    rawPlan: unknown,
    opts: { createdBy: string; trigger?: string; inputs?: Record<string, unknown> },
  ): Promise<RunOutcome> {
    const run = this.createRun(rawPlan, opts);
    return this.execute(run.id);
  }

  /**
   * Executes (or resumes) a run: takes its lease, applies decided or expired approvals, streams the graph
   * until it ends or waits, and records the outcome. Refused (RUN_BUSY) while another execution holds it.
   */
  async execute(runIdOrPrefix: string): Promise<RunOutcome> {
    const existing = this.store.requireRun(runIdOrPrefix);
    if (TERMINAL_RUN_STATUSES.includes(existing.status)) {
      throw userError(
        'RUN_FINISHED',
        `Run ${existing.id} already ${existing.status}`,
        'a finished run cannot be resumed',
        'Start a new run with `pipewright run <plan>`; steps that succeeded before are reused from the cache.',
      );
    }
    if (this.checkpointer instanceof PostgresSaver) {
      this.checkpointerReady ??= this.checkpointer.setup();
      await this.checkpointerReady;
    }
    const resumed = existing.status !== 'queued';
    const lease = newLeaseOwner();
    const run = this.store.claimRun(existing.id, { owner: lease, leaseMs: this.leaseMs, resumed });
    faultPoint(this.config, 'run.claimed');
    if (resumed) await this.reapOldAttempts(run);
    const plan = run.plan;
    const controller = new AbortController();
    // Every running step listens on the run's signal; wide fan-outs have many at once.
    setMaxListeners(0, controller.signal);
    this.active.set(run.id, controller);
    let lost = false;
    let renewedAt = Date.now();
    const renewEvery = Math.max(this.pollMs, Math.floor(this.leaseMs / 5));
    const timer = setInterval(() => {
      try {
        if (Date.now() - renewedAt >= renewEvery) {
          const r = this.store.renewLease(run.id, lease, this.leaseMs);
          renewedAt = Date.now();
          if (!r.held) {
            lost = true;
            controller.abort(leaseLost(run.id));
          } else if (r.cancelRequested) controller.abort(new Error('cancel requested'));
        } else if (this.store.cancelRequested(run.id)) controller.abort(new Error('cancel requested'));
      } catch {
        // The store is momentarily busy; try again next tick.
      }
    }, this.pollMs);
    timer.unref();
    if (run.cancelRequested) controller.abort(new Error('cancel requested'));

    const scheduler = new StepScheduler(plan, this.store, run.id);
    const graph = compilePlan(
      plan,
      {
        runId: run.id,
        store: this.store,
        registry: this.registry,
        scheduler,
        inputs: run.inputs,
        ...(this.batch ? { batch: this.batch } : {}),
        ...(this.chunk ? { chunk: this.chunk } : {}),
        base: {
          store: this.store,
          artifacts: this.artifacts,
          config: this.config,
          signal: controller.signal,
          actor: run.createdBy,
          lease,
          ...(this.executor ? { executor: this.executor } : {}),
        },
      },
      this.checkpointer,
    );
    const config = {
      // Its own thread name: checkpoints of the one-node-per-step graphs of earlier versions are not read.
      configurable: { thread_id: `${run.id}#sched` },
      recursionLimit: 2 * plan.steps.length + 10,
      // The run store records every step transition in its own transaction and the scheduler rebuilds
      // from it, so a checkpoint per superstep would add a write per step and nothing a resume needs: the
      // graph is saved when it stops (an approval's interrupt, the end, an error). docs/engine.md.
      durability: 'exit' as const,
      ...(this.maxConcurrency ? { maxConcurrency: this.maxConcurrency } : {}),
    };
    try {
      this.store.expireApprovals();
      const snapshot = await graph.getState(config);
      const hasCheckpoint = snapshot.config?.configurable?.checkpoint_id !== undefined;
      const input = hasCheckpoint ? this.resumeInput(run.id, snapshot.tasks) : { inputs: run.inputs };
      if (input !== 'wait') {
        const stream = await graph.stream(input, {
          ...config,
          signal: controller.signal,
          streamMode: 'updates',
        });
        for await (const _ of stream) {
          if (controller.signal.aborted) break;
        }
      }
      if (lost) throw leaseLost(run.id);
      if (controller.signal.aborted) return this.finishCancelled(run.id, plan, lease);
      const state = await graph.getState(config);
      if (state.next.length > 0) {
        const waiting = this.store.listApprovals({ runId: run.id, status: 'pending' });
        this.finish(run.id, lease, 'waiting', { approvals: waiting.map((a) => a.stepId) });
        return { runId: run.id, status: 'waiting', waiting, results: this.results(run.id) };
      }
      const results = this.results(run.id);
      const stuck = scheduler.unfinished();
      const failed = Object.entries(results).filter(([, r]) => r.status === 'failed');
      const status = failed.length || stuck.length ? 'failed' : 'succeeded';
      this.finish(
        run.id,
        lease,
        status,
        { steps: summarize(results) },
        failed.length
          ? userError(
              'RUN_FAILED',
              `Step${failed.length > 1 ? 's' : ''} ${failed
                .slice(0, 10)
                .map(([id]) => `"${id}"`)
                .join(', ')}${failed.length > 10 ? ` and ${failed.length - 10} more` : ''} failed`,
              failed
                .slice(0, 10)
                .map(([, r]) => r.reason)
                .join('; '),
              `See \`pipewright logs ${run.id}\`.`,
            )
          : stuck.length
            ? new Error(`steps never became ready: ${stuck.slice(0, 10).join(', ')} (a bug in the scheduler)`)
            : undefined,
      );
      return { runId: run.id, status, waiting: [], results };
    } catch (e) {
      if (lost || (isPipewrightError(e) && e.code === 'RUN_LEASE_LOST')) throw leaseLost(run.id);
      if (controller.signal.aborted) return this.finishCancelled(run.id, plan, lease);
      this.finish(run.id, lease, 'failed', {}, e);
      throw e;
    } finally {
      clearInterval(timer);
      this.active.delete(run.id);
    }
  }

  /**
   * Before a resume runs anything, and only once this execution holds the run: make sure nothing of an
   * earlier execution of it is still at work (a grandchild of a killed coordinator, a sandbox), so an old
   * attempt never runs beside its retry (src/tasks/attempt-processes.ts).
   */
  private async reapOldAttempts(run: RunRecord): Promise<void> {
    await reapStaleAttempts(this.config.stateDir, run.id);
  }

  /** Records the run's new status while this execution still holds it (else another process owns it). */
  private finish(
    runId: string,
    lease: string,
    status: RunRecord['status'],
    data: Record<string, unknown>,
    error?: unknown,
  ): void {
    if (!this.store.setRunStatus(runId, status, data, error, lease)) throw leaseLost(runId);
  }

  /** Every step's outcome as recorded (one query, once per execution). */
  private results(runId: string): Record<string, StepResult> {
    const out: Record<string, StepResult> = {};
    for (const s of this.store.getSteps(runId)) {
      if (s.status === 'pending' || s.status === 'running' || s.status === 'waiting') continue;
      out[s.stepId] = {
        status: s.status,
        ...(s.output !== undefined ? { output: s.output } : {}),
        ...(s.reason ? { reason: s.reason } : s.error ? { reason: s.error.what } : {}),
      };
    }
    return out;
  }

  /**
   * What to stream on resume: a Command carrying every decision now in the store, null to continue after a
   * crash, or "wait" when the only unfinished steps are approvals nobody has decided yet.
   */
  private resumeInput(
    runId: string,
    tasks: { interrupts: { id?: string; value?: unknown }[] }[],
  ): Command<unknown, Partial<RunStateValue>, 'schedule' | 'step'> | null | 'wait' {
    const decided: Record<string, unknown> = {};
    let undecided = 0;
    let crashed = 0;
    for (const t of tasks) {
      if (t.interrupts.length === 0) crashed++;
      for (const i of t.interrupts) {
        const v = i.value as ApprovalInterrupt | undefined;
        if (v?.kind !== 'approval' || !i.id) continue;
        const a = this.store.getApproval(runId, v.stepId);
        if (a && a.status !== 'pending') {
          decided[i.id] = {
            approved: a.status === 'approved',
            by: a.decidedBy ?? 'unknown',
            comment: a.comment,
          };
        } else undecided++;
      }
    }
    if (Object.keys(decided).length > 0) return new Command({ resume: decided });
    return undecided > 0 && crashed === 0 ? 'wait' : null;
  }

  private finishCancelled(runId: string, plan: Plan, lease?: string): RunOutcome {
    this.store.atomically(() => {
      for (const s of this.store.getSteps(runId)) {
        if (s.status === 'running' || s.status === 'pending' || s.status === 'waiting') {
          this.store.recordStep(runId, s.stepId, {
            status: 'cancelled',
            reason: 'run cancelled',
            finishedAt: this.store.now(),
          });
        }
      }
      if (!this.store.setRunStatus(runId, 'cancelled', { steps: plan.steps.length }, undefined, lease))
        throw leaseLost(runId);
    });
    return { runId, status: 'cancelled', waiting: [], results: {} };
  }

  /** Records a decision (single-use, audited). Does not execute; call execute() to continue the run. */
  decide(d: DecideInput): ApprovalRecord {
    const run = this.store.requireRun(d.runId);
    const step = run.plan.steps.find((s) => s.id === d.stepId);
    if (step?.kind !== 'approval') {
      throw userError(
        'APPROVAL_NOT_FOUND',
        `Run ${run.id} has no approval step "${d.stepId}"`,
        step ? `"${d.stepId}" is a task step` : 'the plan has no step with that id',
        `Approval steps of this run: ${
          run.plan.steps
            .filter((s) => s.kind === 'approval')
            .map((s) => s.id)
            .join(', ') || 'none'
        }.`,
      );
    }
    const { decider: given, ...decision } = d;
    const admitted = this.guard.admitDecision(run, d, given ?? this.guard.localIdentity(d.by));
    const r = this.store.decideApproval({ ...decision, by: admitted.submitter.name, runId: run.id });
    if (r.outcome === 'decided') this.guard.audit(run.id, admitted);
    if (r.outcome === 'expired') {
      throw userError(
        'APPROVAL_EXPIRED',
        `The approval "${d.stepId}" of run ${run.id} timed out before your decision`,
        `it expired at ${r.approval.expiresAt} and was ${r.approval.status} by its onTimeout policy`,
        'Nothing else was changed. Start a new run if the work is still needed.',
        { approval: r.approval },
      );
    }
    return r.approval;
  }

  /** Asks a run to stop. A live run stops at its next poll; a run nobody executes stops now. */
  cancel(runIdOrPrefix: string, by: string): RunRecord {
    const run = this.store.requireRun(runIdOrPrefix);
    if (TERMINAL_RUN_STATUSES.includes(run.status)) {
      throw userError(
        'RUN_FINISHED',
        `Run ${run.id} already ${run.status}`,
        'only unfinished runs can be cancelled',
        'Nothing to do.',
      );
    }
    this.store.requestCancel(run.id, by);
    const local = this.active.get(run.id);
    if (local) local.abort(new Error('cancel requested'));
    // A live executor elsewhere stops at its next poll; a run nobody executes stops now.
    else if (!(run.status === 'running' && !leaseLapse(run, Date.now()))) {
      this.finishCancelled(run.id, run.plan);
    }
    return this.store.requireRun(run.id);
  }
}

function defaultCheckpointer(store: RunStore, config: Config): BaseCheckpointSaver {
  if (store.db.dialect !== 'postgres') {
    // Its own connection with the store's settings: many processes write one checkpoints.db, and
    // LangGraph's saver sets no busy timeout of its own.
    const db = new Database(path.join(config.stateDir, 'checkpoints.db'));
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    return new SqliteSaver(db);
  }
  const url = new URL(store.file);
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  return PostgresSaver.fromConnString(url.toString(), { schema });
}

/** Step counts by status for the run's final event (a map of every step would be as big as the plan). */
function summarize(results: Record<string, StepResult>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of Object.values(results)) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

function resolveInputs(plan: Plan, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const problems: { path: string; message: string }[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in plan.inputs))
      problems.push({ path: `inputs.${name}`, message: `the plan declares no input "${name}"` });
  }
  for (const [name, spec] of Object.entries(plan.inputs)) {
    let v = given[name] ?? spec.default;
    if (v === undefined) {
      problems.push({ path: `inputs.${name}`, message: 'required input has no value and no default' });
      continue;
    }
    if (spec.type === 'number' && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)))
      v = Number(v);
    if (spec.type === 'boolean' && (v === 'true' || v === 'false')) v = v === 'true';
    if (typeof v !== spec.type)
      problems.push({ path: `inputs.${name}`, message: `expected a ${spec.type}, got ${JSON.stringify(v)}` });
    out[name] = v;
  }
  if (problems.length) {
    throw userError(
      'INPUT_INVALID',
      'The run inputs do not fit the plan',
      undefined,
      'Pass each input as --input name=value.',
      { problems },
    );
  }
  return out;
}
