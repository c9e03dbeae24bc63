/**
 * Where a step's task runs. Without an executor every step runs in the engine's process; with one
 * (src/workers' BullMQ dispatcher), the steps it accepts run on worker machines while the engine keeps
 * retries, timeouts, caching and every record.
 */
import type { TaskStep } from '../plan/index.ts';
import type { AnyTask } from '../tasks/index.ts';

export interface ExecuteRequest {
  runId: string;
  stepId: string;
  attempt: number;
  step: TaskStep;
  task: AnyTask;
  input: unknown;
  upstream: Record<string, unknown>;
  /** Aborted on cancel or timeout: the executor must pass it on to the worker. */
  signal: AbortSignal;
  /** Appends a step event (log lines and progress streamed back from the worker). */
  emit(type: 'step.log' | 'step.progress', data: Record<string, unknown>): void;
}

export interface StepExecutor {
  /** Whether this executor takes the step; false runs it in the engine's process. */
  accepts(step: TaskStep, task: AnyTask): boolean;
  /** Runs one attempt and resolves with the task's raw output, or rejects with its error. */
  execute(req: ExecuteRequest): Promise<unknown>;
  close(): Promise<void>;
}
