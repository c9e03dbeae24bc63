/** Record types of the run store. */
import type { SerializedError } from '../errors.ts';
import type { Plan } from '../plan/index.ts';

/**
 * `interrupted`: the process executing the run stopped renewing its lease (killed, or its machine went
 * away); nobody executes it now. `pipewright resume`, `serve` or the scheduler continue it.
 */
export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting',
  'interrupted',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];
/** Roles of API tokens and linked Slack users, weakest first (here, not in auth-store.ts: the CLI's help reads it). */
export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;

/** `rejected`: an approval step whose decision was no (what depends on it is skipped, saying why). */
export type StepStatus =
  | 'pending'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'rejected'
  | 'cancelled';

export interface RunRecord {
  id: string;
  planName: string;
  plan: Plan;
  planHash: string;
  inputs: Record<string, unknown>;
  status: RunStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: SerializedError;
  createdBy: string;
  trigger: string;
  ownerPid?: number;
  heartbeatAt?: string;
  /** Who executes the run now (host/pid/token), while it holds a lease. */
  leaseOwner?: string;
  /** When that lease runs out unless renewed; past it, the run is `interrupted`. */
  leaseExpiresAt?: string;
  cancelRequested: boolean;
}

export interface StepRecord {
  runId: string;
  stepId: string;
  kind: 'task' | 'approval';
  task?: string;
  status: StepStatus;
  attempt: number;
  startedAt?: string;
  finishedAt?: string;
  input?: unknown;
  output?: unknown;
  error?: SerializedError;
  cached: boolean;
  cacheKey?: string;
  reason?: string;
  /** Attempts cut short because the process running them died (counted across resumes). */
  interrupted: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface ApprovalRecord {
  runId: string;
  stepId: string;
  message: string;
  approvers: string[];
  status: ApprovalStatus;
  requestedAt: string;
  expiresAt: string;
  onTimeout: 'approve' | 'reject';
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  /** Where the decision came from: cli, api, web, slack, timeout. */
  via?: string;
  /** What the approver needs to decide (src/engine/approval-evidence.ts ApprovalEvidence), when computed. */
  evidence?: Record<string, unknown>;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export const EVENT_TYPES = [
  'run.created',
  'run.started',
  'run.resumed',
  'run.waiting',
  'run.interrupted',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'step.started',
  'step.progress',
  'step.log',
  'step.retry',
  'step.waiting',
  'step.succeeded',
  'step.failed',
  'step.skipped',
  'approval.decided',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One entry of the typed event stream that the CLI, the server and Slack all consume. */
export interface RunEvent {
  seq: number;
  runId: string;
  stepId?: string;
  type: EventType;
  at: string;
  data: Record<string, unknown>;
}

export type NewEvent = Omit<RunEvent, 'seq' | 'at'> & { at?: string };
