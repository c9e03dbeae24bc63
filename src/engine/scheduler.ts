/**
 * Which steps run next. The run store is the record of every step's outcome, so the scheduler rebuilds its
 * view from there once per execution (a resume starts from what is recorded, whatever the checkpoint
 * holds), then follows completions in memory: a step becomes ready when its last dependency finishes.
 * Per step the work is proportional to its own dependents, never to the whole plan.
 *
 * A ready step whose dependencies did not all succeed is skipped here, with the reason, without a graph
 * task of its own; so is everything after it, so a failure early in a 10,000-step chain costs one pass.
 */
import type { Plan } from '../plan/index.ts';
import type { RunStore, StepStatus } from '../store/index.ts';

export interface Finished {
  status: StepStatus;
  reason?: string | undefined;
}

const TERMINAL: ReadonlySet<StepStatus> = new Set([
  'succeeded',
  'failed',
  'skipped',
  'rejected',
  'cancelled',
]);

export const isTerminalStep = (s: StepStatus) => TERMINAL.has(s);

export class StepScheduler {
  private readonly byId: Map<string, Plan['steps'][number]>;
  private readonly dependents = new Map<string, string[]>();
  private readonly finished = new Map<string, Finished>();
  private readonly remaining = new Map<string, number>();
  private readonly ready: string[] = [];
  private head = 0;
  private loaded = false;

  constructor(
    private readonly plan: Plan,
    private readonly store: RunStore,
    private readonly runId: string,
  ) {
    this.byId = new Map(plan.steps.map((s) => [s.id, s]));
    for (const s of plan.steps) {
      for (const d of s.dependsOn) {
        const list = this.dependents.get(d);
        if (list) list.push(s.id);
        else this.dependents.set(d, [s.id]);
      }
    }
  }

  /** The recorded outcome of a finished step (undefined while it has not finished). */
  outcome(stepId: string): Finished | undefined {
    this.load();
    return this.finished.get(stepId);
  }

  /** Records that a step finished (its record is already in the store); its dependents may become ready. */
  done(stepId: string, outcome: Finished): void {
    if (!this.loaded || this.finished.has(stepId)) return;
    this.finished.set(stepId, outcome);
    for (const k of this.dependents.get(stepId) ?? []) {
      const left = (this.remaining.get(k) ?? 1) - 1;
      this.remaining.set(k, left);
      if (left === 0 && !this.finished.has(k)) this.ready.push(k);
    }
  }

  /**
   * Up to `limit` steps to run now. Steps whose dependencies did not all succeed are recorded as skipped
   * (cancelled after a cancelled one) on the way, and their dependents follow.
   */
  next(limit: number): string[] {
    this.load();
    const out: string[] = [];
    while (out.length < limit && this.head < this.ready.length) {
      const id = this.ready[this.head++] as string;
      if (this.finished.has(id)) continue;
      const step = this.byId.get(id);
      if (!step) continue;
      const blocked = this.blockedBy(step.dependsOn);
      if (!blocked) {
        out.push(id);
        continue;
      }
      const status = blocked.status === 'cancelled' ? 'cancelled' : 'skipped';
      this.store.recordStep(
        this.runId,
        id,
        { status, reason: blocked.reason, finishedAt: this.store.now() },
        status === 'skipped' ? { type: 'step.skipped', data: { reason: blocked.reason } } : undefined,
      );
      this.done(id, { status, reason: blocked.reason });
    }
    // Keep the queue from growing without bound on long runs.
    if (this.head > 4096 && this.head * 2 > this.ready.length) {
      this.ready.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }

  /** Steps that have not finished (after next() returned nothing, these are the ones nobody can run). */
  unfinished(): string[] {
    this.load();
    return this.plan.steps.filter((s) => !this.finished.has(s.id)).map((s) => s.id);
  }

  private blockedBy(deps: string[]): { status: StepStatus; reason: string } | undefined {
    for (const d of deps) {
      const r = this.finished.get(d);
      if (r?.status === 'succeeded') continue;
      const reason =
        r?.status === 'rejected'
          ? `approval "${d}" was rejected${r.reason ? ` (${r.reason})` : ''}`
          : `upstream step "${d}" ${r?.status ?? 'did not run'}`;
      return { status: r?.status === 'cancelled' ? 'cancelled' : 'skipped', reason };
    }
    return undefined;
  }

  /** One pass over the recorded steps: finished ones are done, the others wait for their dependencies. */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const rec of this.store.getSteps(this.runId)) {
      if (isTerminalStep(rec.status))
        this.finished.set(rec.stepId, { status: rec.status, reason: rec.reason });
    }
    for (const s of this.plan.steps) {
      if (this.finished.has(s.id)) continue;
      let left = 0;
      for (const d of s.dependsOn) if (!this.finished.has(d)) left++;
      this.remaining.set(s.id, left);
      if (left === 0) this.ready.push(s.id);
    }
  }
}
