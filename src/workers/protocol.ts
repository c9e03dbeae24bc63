/**
 * What travels between the coordinator and workers. Job ids are <run>__<step>__<attempt>: BullMQ keeps one
 * job per id, so a re-sent attempt (a coordinator resumed after a crash) joins the job already there
 * instead of running the step twice.
 */
import { hostname } from 'node:os';
import { PipewrightError, type SerializedError, serializeError } from '../errors.ts';
import type { GpuInfo, Requirement } from './resources.ts';

export interface StepJob {
  runId: string;
  stepId: string;
  attempt: number;
  taskId: string;
  taskVersion: number;
  input: unknown;
  upstream: Record<string, unknown>;
  requirement: Requirement;
  /** Epoch ms when the coordinator enqueued it: dispatch latency is measured from here. */
  enqueuedAt: number;
  /** Named secrets the step declared; the worker reads them as its policy grants them. */
  secrets?: string[];
}

export interface StepJobResult {
  output: unknown;
  worker: string;
  /** The claim, when the step ended before the worker sent it on its own (a fast step saves a round trip). */
  claim?: ClaimMessage;
}

export type ClaimMessage = { kind: 'claimed'; worker: string; host: string; gpus: string[]; at: number };

export type StepEventType = 'step.log' | 'step.progress';

/** Sent with job.updateProgress; the coordinator turns them into run events. */
export type WorkerMessage =
  | ClaimMessage
  | { kind: 'events'; events: { type: StepEventType; data: Record<string, unknown> }[] };

export interface WorkerAdvert {
  id: string;
  host: string;
  pid: number;
  queue: string;
  gpus: GpuInfo[];
  concurrency: number;
  running: number;
  lanes: string[];
  startedAt: string;
  /** Epoch ms of the last heartbeat. */
  seenAt: number;
}

export const jobIdOf = (runId: string, stepId: string, attempt: number) => `${runId}__${stepId}__${attempt}`;

export const queueNameOf = (queue: string, lane: string) => `pw-${queue}-${lane}`;

export const keys = (queue: string) => ({
  workers: `pw:${queue}:workers`,
  lanes: `pw:${queue}:lanes`,
  cancel: `pw:${queue}:cancel`,
});

export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}`;
}

/** Task failures cross Redis as JSON in the job's failure reason. */
export function encodeFailure(e: unknown, worker: string): Error {
  return new Error(JSON.stringify({ error: serializeError(e), worker }));
}

/** Rebuilds the task's error on the coordinator; anything else (stalls, Redis) is a retryable system error. */
export function decodeFailure(reason: string, stepId: string): PipewrightError {
  try {
    const parsed = JSON.parse(reason) as { error?: SerializedError; worker?: string };
    if (parsed.error?.code) {
      const { code, category, what, why, fix, retryable, details } = parsed.error;
      return new PipewrightError({ code, category, what, why, fix, retryable, details });
    }
  } catch {
    // not ours: fall through
  }
  const stalled = /stalled/i.test(reason);
  return new PipewrightError({
    code: stalled ? 'WORKER_LOST' : 'WORKER_FAILED',
    category: 'system',
    retryable: true,
    what: stalled
      ? `The workers running step "${stepId}" stopped responding too many times`
      : `The worker running step "${stepId}" failed`,
    why: reason,
    fix: stalled
      ? 'Check the workers (`pipewright workers`) and their logs; the step may be retried.'
      : 'Read the worker log; the step may be retried.',
  });
}
