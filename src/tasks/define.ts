/**
 * One task, one file, one factory: defineTask({ id, description, input, output, run }).
 * Every zod field should carry .describe(): planners read these schemas as JSON Schema.
 */
import type { z } from 'zod';
import type { Config } from '../config.ts';

export interface TaskLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Content-addressed file storage shared by tasks; src/store implements it. */
export interface ArtifactStore {
  /** Copies a file in; returns its sha256 and stored path. Same bytes, same id. */
  putFile(file: string, opts?: { mediaType?: string }): Promise<ArtifactRef>;
  putBytes(bytes: Uint8Array | string, opts?: { mediaType?: string }): Promise<ArtifactRef>;
  /** Absolute path of a stored artifact (read-only by convention). */
  pathOf(hash: string): string;
  has(hash: string): boolean;
  /**
   * Stores that live off this machine (S3): returns `value` with every artifact path and model folder it
   * names available here (fetched into the local cache, paths rewritten). Disk stores have none.
   */
  localize?<T>(value: T, signal?: AbortSignal): Promise<T>;
  /** Stores that live off this machine: uploads what a task output names that is only local (model folders). */
  publish?(value: unknown, signal?: AbortSignal): Promise<void>;
}
export interface ArtifactRef {
  hash: string;
  path: string;
  size: number;
}

export interface TaskContext {
  runId: string;
  stepId: string;
  /** This attempt's number, counted across retries and resumes (1, 2, ...). */
  attempt: number;
  /**
   * The step's idempotency key (`<run>/<step>`): the same for every attempt of this step, in this
   * process or after a crash and resume. A task that writes outside its outputs (a registry, a deployment,
   * a message) records its effect under this key and, when the key is already there, reuses what an
   * earlier attempt did instead of doing it again. Programs the step starts get it as
   * PIPEWRIGHT_IDEMPOTENCY_KEY (docs/training-contract.md).
   */
  idempotencyKey: string;
  /**
   * Runs a side effect at most once per step and name: the first attempt runs `fn` and its result is
   * recorded under idempotencyKey; a later attempt gets that result back without calling `fn`. An attempt
   * that died during `fn` leaves it unfinished, and the next attempt calls `fn` again (pass the key on,
   * e.g. as an Idempotency-Key header, so the receiver can drop the repeat).
   */
  once<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Who is behind the run (the person or token that started it): recorded on what the task changes. */
  actor?: string;
  /** The workspace root: plan file paths are confined to it (see resolveInWorkspace). */
  workspace: string;
  /** A fresh directory for this step attempt's temporary files. */
  scratchDir: string;
  log: TaskLogger;
  /** Reports progress as a fraction 0..1, with an optional note. */
  progress(fraction: number, message?: string): void;
  /** Aborted on cancel or timeout; pass it to subprocesses and long loops. */
  signal: AbortSignal;
  artifacts: ArtifactStore;
  /** Outputs of upstream steps, by step id. */
  upstream: Readonly<Record<string, unknown>>;
  config: Config;
  /** Resource grant, e.g. CUDA device ids assigned by a GPU worker. */
  devices?: { gpus: string[] };
  /** Named secrets the step declared (granted by the policy); its processes get them as variables. */
  secrets?: readonly string[];
}

export interface TaskDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  id: string;
  /** Bump when behaviour changes so old cache entries are not reused. */
  version: number;
  description: string;
  input: I;
  output: O;
  /** Runs commands or deploys: needs an approval step upstream unless the plan allows it. */
  needsApproval: boolean;
  /** Whether identical inputs may reuse an earlier output (default true; false for side effects). */
  cacheable: boolean;
  resources?: { cpu?: number; memory?: string; gpu?: number; gpuMemory?: string };
  /**
   * Where it may run when workers are configured: "anywhere" (a worker, the default) or "coordinator"
   * (it reads or writes the coordinator's own state: model registry, deployments, prediction logs).
   */
  placement?: 'anywhere' | 'coordinator';
  run(input: z.output<I>, ctx: TaskContext): Promise<z.input<O>>;
}

export type AnyTask = TaskDefinition<z.ZodType, z.ZodType>;

type DefineTaskInit<I extends z.ZodType, O extends z.ZodType> = Omit<
  TaskDefinition<I, O>,
  'version' | 'needsApproval' | 'cacheable'
> &
  Partial<Pick<TaskDefinition<I, O>, 'version' | 'needsApproval' | 'cacheable'>>;

export function defineTask<I extends z.ZodType, O extends z.ZodType>(
  init: DefineTaskInit<I, O>,
): TaskDefinition<I, O> {
  if (!/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/.test(init.id)) {
    throw new Error(`task id "${init.id}" must look like "stage.name"`);
  }
  return { version: 1, needsApproval: false, cacheable: true, ...init };
}
