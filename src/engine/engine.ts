/**
 * The engine: starts, resumes and cancels runs. A run executes in one process at a time (claimed in the
 * store), checkpoints after every superstep, pauses at approvals and picks up where it stopped.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { Command } from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { Config } from '../config.ts';
import { userError } from '../errors.ts';
import { type Plan, parsePlan } from '../plan/index.ts';
import { PolicyGuard, type Principal } from '../policy/index.ts';
import { openArtifactStore } from '../store/artifact-stores.ts';
import {
  type ApprovalRecord,
  type DecisionInput,
  type RunRecord,
  type RunStore,
  TERMINAL_RUN_STATUSES,
} from '../store/index.ts';
import { type ArtifactStore, reapStaleAttempts, type TaskRegistry } from '../tasks/index.ts';
import { type ApprovalInterrupt, compilePlan, type RunStateValue } from './compile.ts';
import type { StepExecutor } from './executor.ts';

export interface RunOutcome {
  runId: string;
  status: RunRecord['status'];
  /** Approvals the run is waiting for, when status is "waiting". */
  waiting: ApprovalRecord[];
  results: RunStateValue['results'];
}

export interface EngineOptions {
  store: RunStore;
  registry: TaskRegistry;
  config: Config;
  artifacts?: ArtifactStore;
  checkpointer?: BaseCheckpointSaver;
  /** How often the owning process heartbeats and checks for a cancel request. */
  pollMs?: number;
  /** Parallel steps per superstep. */
  maxConcurrency?: number;
  /** Runs the steps it accepts elsewhere (BullMQ workers); without it every step runs here. */
  executor?: StepExecutor;
}

/** A decision on an approval step; the store's single-use decision input, and who decides (default: the local user). */
export type DecideInput = DecisionInput & { decider?: Principal };

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export class Engine {
  readonly store: RunStore;
  readonly registry: TaskRegistry;
  readonly config: Config;
  readonly artifacts: ArtifactStore;
  readonly checkpointer: BaseCheckpointSaver;
  private checkpointerReady: Promise<void> | undefined;
  private readonly pollMs: number;
  private readonly maxConcurrency: number | undefined;
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
    this.maxConcurrency = opts.maxConcurrency;
    this.executor = opts.executor;
    this.guard = new PolicyGuard(opts.config, opts.store, opts.registry);
  }

  /** Closes the executor's and the Postgres checkpointer's connections (the store belongs to the caller). */
  async close(): Promise<void> {
    await this.executor?.close();
    if (this.checkpointer instanceof PostgresSaver) await this.checkpointer.end();
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
   * Executes (or resumes) a run: claims it, applies decided or expired approvals, streams the graph
   * until it ends or waits, and records the outcome.
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
    // A resume first makes sure the processes of an earlier attempt (a killed coordinator's) are gone.
    if (resumed) await reapStaleAttempts(this.config.stateDir, existing.id);
    const run = this.store.claimRun(existing.id, process.pid, isAlive, resumed);
    const plan = run.plan;
    const controller = new AbortController();
    // Every running step listens on the run's signal; wide fan-outs have many at once.
    setMaxListeners(0, controller.signal);
    this.active.set(run.id, controller);
    const timer = setInterval(() => {
      try {
        if (this.store.heartbeat(run.id, process.pid).cancelRequested)
          controller.abort(new Error('cancel requested'));
      } catch {
        // The store is momentarily busy; try again next tick.
      }
    }, this.pollMs);
    timer.unref();
    if (run.cancelRequested) controller.abort(new Error('cancel requested'));

    const graph = compilePlan(
      plan,
      {
        runId: run.id,
        store: this.store,
        registry: this.registry,
        base: {
          store: this.store,
          artifacts: this.artifacts,
          config: this.config,
          signal: controller.signal,
          ...(this.executor ? { executor: this.executor } : {}),
        },
      },
      this.checkpointer,
    );
    const config = {
      configurable: { thread_id: run.id },
      recursionLimit: plan.steps.length + 10,
      durability: 'sync',
      ...(this.maxConcurrency ? { maxConcurrency: this.maxConcurrency } : {}),
    };
    try {
      this.store.expireApprovals();
      const snapshot = await graph.getState(config);
      const hasCheckpoint = snapshot.next.length > 0 || Object.keys(snapshot.values.results ?? {}).length > 0;
      const input = hasCheckpoint
        ? this.resumeInput(run.id, snapshot.tasks)
        : { results: {}, inputs: run.inputs };
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
      if (controller.signal.aborted) return this.finishCancelled(run.id, plan);
      const state = await graph.getState(config);
      if (state.next.length > 0) {
        const waiting = this.store.listApprovals({ runId: run.id, status: 'pending' });
        this.store.setRunStatus(run.id, 'waiting', { approvals: waiting.map((a) => a.stepId) });
        return { runId: run.id, status: 'waiting', waiting, results: state.values.results };
      }
      const results = state.values.results;
      const failed = Object.entries(results).filter(([, r]) => r.status === 'failed');
      const status = failed.length ? 'failed' : 'succeeded';
      this.store.setRunStatus(
        run.id,
        status,
        { steps: summarize(results) },
        failed.length
          ? userError(
              'RUN_FAILED',
              `Step${failed.length > 1 ? 's' : ''} ${failed.map(([id]) => `"${id}"`).join(', ')} failed`,
              failed.map(([, r]) => r.reason).join('; '),
              `See \`pipewright logs ${run.id}\`.`,
            )
          : undefined,
      );
      return { runId: run.id, status, waiting: [], results };
    } catch (e) {
      if (controller.signal.aborted) return this.finishCancelled(run.id, plan);
      this.store.setRunStatus(run.id, 'failed', {}, e);
      throw e;
    } finally {
      clearInterval(timer);
      this.active.delete(run.id);
    }
  }

  /**
   * What to stream on resume: a Command carrying every decision now in the store, null to continue after a
   * crash, or "wait" when the only unfinished steps are approvals nobody has decided yet.
   */
  private resumeInput(
    runId: string,
    tasks: { interrupts: { id?: string; value?: unknown }[] }[],
  ): Command | null | 'wait' {
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

  private finishCancelled(runId: string, plan: Plan): RunOutcome {
    for (const s of this.store.getSteps(runId)) {
      if (s.status === 'running' || s.status === 'pending' || s.status === 'waiting') {
        this.store.recordStep(runId, s.stepId, {
          status: 'cancelled',
          reason: 'run cancelled',
          finishedAt: this.store.now(),
        });
      }
    }
    this.store.setRunStatus(runId, 'cancelled', { steps: plan.steps.length });
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
    else if (!(run.status === 'running' && run.ownerPid && isAlive(run.ownerPid))) {
      this.finishCancelled(run.id, run.plan);
    }
    return this.store.requireRun(run.id);
  }
}

function defaultCheckpointer(store: RunStore, config: Config): BaseCheckpointSaver {
  if (store.db.dialect !== 'postgres') {
    return SqliteSaver.fromConnString(path.join(config.stateDir, 'checkpoints.db'));
  }
  const url = new URL(store.file);
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  return PostgresSaver.fromConnString(url.toString(), { schema });
}

function summarize(results: RunStateValue['results']): Record<string, string> {
  return Object.fromEntries(Object.entries(results).map(([id, r]) => [id, r.status]));
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
