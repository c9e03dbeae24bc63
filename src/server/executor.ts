/**
 * Executes runs in the background of the server process, one execution per run at a time; a run goes on
 * when the client that started it disconnects. Decisions from every surface (API, Slack) pass through
 * decide(): engine.decide (single-use, audited), then the run resumes here. The sweeper also resumes
 * interrupted runs (their executor died: a killed CLI, another server) unless PIPEWRIGHT_AUTO_RESUME=false.
 */
import type { DecideInput, Engine } from '../engine/index.ts';
import { formatError, isPipewrightError } from '../errors.ts';
import type { ApprovalRecord } from '../store/index.ts';

interface Execution {
  again: boolean;
  done: Promise<void>;
}

export class RunExecutor {
  private readonly executions = new Map<string, Execution>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly engine: Engine,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  /** Executes the run in the background. Called while it executes, it makes the run go round once more. */
  start(runId: string): void {
    const running = this.executions.get(runId);
    if (running) {
      running.again = true;
      return;
    }
    const entry: Execution = { again: false, done: Promise.resolve() };
    this.executions.set(runId, entry);
    entry.done = this.loop(runId, entry).finally(() => this.executions.delete(runId));
  }

  private async loop(runId: string, entry: Execution): Promise<void> {
    // Let the caller answer first: execution starts on the next turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    do {
      entry.again = false;
      try {
        const outcome = await this.engine.execute(runId);
        if (outcome.status !== 'waiting') return;
      } catch (e) {
        // Finished already, or another process executes it: nothing for this server to do.
        if (isPipewrightError(e) && (e.code === 'RUN_FINISHED' || e.code === 'RUN_BUSY')) return;
        this.log(`run ${runId} stopped with an error (recorded on the run):\n${formatError(e)}`);
        return;
      }
    } while (entry.again);
  }

  /** Records a decision through the engine, then resumes the run. A late decision still resumes it. */
  decide(input: DecideInput): ApprovalRecord {
    try {
      const approval = this.engine.decide(input);
      this.start(approval.runId);
      return approval;
    } catch (e) {
      // The timeout decided it: the run must go on with that decision.
      if (isPipewrightError(e) && e.code === 'APPROVAL_EXPIRED') this.start(input.runId);
      throw e;
    }
  }

  isExecuting(runId: string): boolean {
    return this.executions.has(runId);
  }

  /**
   * Every `everyMs`: applies approval timeouts and resumes the runs they decided, and resumes interrupted
   * runs (auto-resume; the claim is atomic, so a run another process takes first is left to it).
   */
  sweepTimeouts(everyMs: number): void {
    const sweep = () => {
      try {
        for (const a of this.engine.store.expireApprovals()) this.start(a.runId);
      } catch (e) {
        this.log(`approval timeout sweep failed: ${formatError(e)}`);
      }
      if (this.engine.config.autoResume) {
        try {
          for (const id of this.interruptedRuns()) this.start(id);
        } catch (e) {
          this.log(`resuming interrupted runs failed: ${formatError(e)}`);
        }
      }
    };
    sweep();
    this.sweeper = setInterval(sweep, everyMs);
    this.sweeper.unref();
  }

  /** Runs nobody executes that can go on (interrupted, or waiting with every approval decided). */
  private interruptedRuns(): string[] {
    return this.engine.store.resumableRuns().filter((id) => !this.executions.has(id));
  }

  /** Resolves once no run executes here. */
  async idle(): Promise<void> {
    while (this.executions.size > 0) {
      await Promise.all([...this.executions.values()].map((e) => e.done));
    }
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const runId of this.executions.keys()) {
      try {
        this.engine.cancel(runId, 'system:server-shutdown');
      } catch {
        // Finished in between.
      }
    }
    await this.idle();
  }
}
