/**
 * Runs one task step: render inputs, check the cache, then attempt → retry with backoff and jitter →
 * timeout, recording every transition in the store. Validation errors are never retried.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config, StepConfig } from '../config.ts';
import { isPipewrightError, PipewrightError, serializeError, userError } from '../errors.ts';
import { parseDuration, type RetryPolicy, renderTemplates, type TaskStep } from '../plan/index.ts';
import type { RunStore, StepRecord } from '../store/index.ts';
import {
  type AnyTask,
  type ArtifactStore,
  runTask,
  type TaskContext,
  type TaskLogger,
} from '../tasks/index.ts';
import type { StepExecutor } from './executor.ts';
import { faultPoint } from './faults.ts';
import { grantLocalGpus } from './local-gpus.ts';

export interface StepResult {
  status: 'succeeded' | 'failed' | 'skipped' | 'rejected' | 'cancelled';
  output?: unknown;
  reason?: string;
}

export interface StepEnv {
  runId: string;
  store: RunStore;
  artifacts: ArtifactStore;
  config: Config;
  signal: AbortSignal;
  scope: Record<string, unknown>;
  upstream: Record<string, unknown>;
  upstreamHashes: Record<string, string>;
  executor?: StepExecutor;
  /** Who is behind the run (its submitter): tasks record it on what they change. */
  actor: string;
  /** This execution's lease on the run: an attempt starts only while it still holds it. */
  lease?: string;
  /** The step's record before this execution reached it (a resume finds the earlier attempts there). */
  prior?: StepRecord;
}

/** An attempt cut short by its process dying this many times fails the step instead of running again. */
export const MAX_INTERRUPTED_ATTEMPTS = 3;

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const hashValue = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex');

/** Delay before attempt n+1 (n ≥ 1), exponential or fixed, capped, with symmetric jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const base = parseDuration(policy.delay) ?? 1000;
  const cap = parseDuration(policy.maxDelay) ?? 300_000;
  const raw = policy.backoff === 'exponential' ? base * 2 ** (attempt - 1) : base;
  const capped = Math.min(raw, cap);
  return Math.max(0, Math.round(capped * (1 + policy.jitter * (2 * random() - 1))));
}

const DEFAULT_RETRY: RetryPolicy = {
  attempts: 1,
  backoff: 'exponential',
  delay: '1s',
  maxDelay: '5m',
  jitter: 0.2,
};

export async function runTaskStep(step: TaskStep, task: AnyTask, env: StepEnv): Promise<StepResult> {
  const { store, runId } = env;
  const startedAt = store.now();
  let input: unknown;
  try {
    input = renderTemplates(step.with, env.scope);
  } catch (e) {
    return fail(
      env,
      step,
      0,
      userError(
        'INPUT_TEMPLATE',
        `Cannot resolve the inputs of step "${step.id}"`,
        (e as Error).message,
        'Fix the ${{ }} expression in the plan.',
      ),
      startedAt,
    );
  }
  const parsed = task.input.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return fail(
      env,
      step,
      0,
      userError(
        'INPUT_INVALID',
        `The input of step "${step.id}" does not fit task ${task.id}`,
        problems.map((p) => `${p.path || '(input)'}: ${p.message}`).join('; '),
        'Fix the step\'s "with" block, or the upstream output it reads.',
        { problems },
      ),
      startedAt,
    );
  }

  const cacheEnabled = step.cache?.enabled ?? task.cacheable;
  const cacheKey = hashValue({
    task: task.id,
    version: task.version,
    input: parsed.data,
    upstream: step.dependsOn.map((d) => env.upstreamHashes[d] ?? null),
  });
  if (cacheEnabled) {
    const ttl = step.cache?.ttl !== undefined ? parseDuration(step.cache.ttl) : undefined;
    const hit = store.cacheGet(cacheKey, ttl);
    if (hit) {
      store.recordStep(
        runId,
        step.id,
        {
          status: 'succeeded',
          startedAt,
          finishedAt: store.now(),
          input: parsed.data,
          output: hit.output,
          cached: true,
          cacheKey,
        },
        {
          type: 'step.succeeded',
          data: { cached: true, from: `${hit.runId}/${hit.stepId}`, durationMs: 0, output: hit.output },
        },
      );
      return { status: 'succeeded', output: hit.output };
    }
  }

  const retry = step.retry ?? DEFAULT_RETRY;
  const timeoutMs = step.timeout !== undefined ? parseDuration(step.timeout) : undefined;
  // Attempts count across resumes. One that was running when its process died is an interrupted attempt:
  // it does not use up the retry budget, but a step that keeps killing its process stops being retried.
  const prior = env.prior;
  const interrupted = (prior?.interrupted ?? 0) + (prior?.status === 'running' ? 1 : 0);
  if (interrupted > 0 && interrupted !== prior?.interrupted) {
    store.recordStep(runId, step.id, { interrupted });
    if (interrupted >= MAX_INTERRUPTED_ATTEMPTS) {
      return fail(
        env,
        step,
        prior?.attempt ?? 0,
        new PipewrightError({
          code: 'STEP_INTERRUPTED',
          category: 'system',
          retryable: false,
          what: `Step "${step.id}" was cut short ${interrupted} times by its process dying`,
          why: 'the process executing it was killed during each attempt (out of memory, a crash, or kill -9)',
          fix: 'Read the step log and the machine log (dmesg for the OOM killer); give the step more memory or less data, then start a new run.',
        }),
        undefined,
      );
    }
  }
  for (let attempt = (prior?.attempt ?? 0) + 1; ; attempt++) {
    if (env.signal.aborted) return cancelled(env, step, attempt - 1);
    // Only while this execution holds the run: one paused past its lease stops before doing anything.
    fenced(env, () =>
      store.recordStep(
        runId,
        step.id,
        { status: 'running', attempt, startedAt: store.now(), input: parsed.data, error: null },
        { type: 'step.started', data: { task: task.id, attempt, of: retry.attempts } },
      ),
    );
    faultPoint(env.config, `step.start:${step.id}`);
    const t0 = performance.now();
    try {
      const raw = await attemptOnce(step, task, parsed.data, attempt, timeoutMs, env);
      faultPoint(env.config, `step.effect:${step.id}`);
      const out = task.output.safeParse(raw);
      if (!out.success) {
        throw new PipewrightError({
          code: 'TASK_OUTPUT_INVALID',
          category: 'system',
          retryable: false,
          what: `Task ${task.id} returned output that does not fit its own schema`,
          why: out.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          fix: 'This is a bug in the task implementation; report it with the step logs.',
        });
      }
      const durationMs = Math.round(performance.now() - t0);
      fenced(env, () => {
        store.recordStep(
          runId,
          step.id,
          { status: 'succeeded', finishedAt: store.now(), output: out.data, cached: false, cacheKey },
          { type: 'step.succeeded', data: { attempt, durationMs, output: out.data } },
        );
        if (cacheEnabled)
          store.cachePut(cacheKey, { task: task.id, output: out.data, runId, stepId: step.id });
      });
      faultPoint(env.config, `step.done:${step.id}`);
      return { status: 'succeeded', output: out.data };
    } catch (e) {
      if (isPipewrightError(e) && e.code === 'RUN_LEASE_LOST') throw e;
      if (env.signal.aborted && !isTimeout(e)) return cancelled(env, step, attempt);
      const err = serializeError(e);
      const retryable = err.retryable && attempt - interrupted < retry.attempts;
      if (!retryable) return fail(env, step, attempt, e, undefined);
      const delayMs = backoffDelay(retry, attempt);
      fenced(env, () =>
        store.recordStep(
          runId,
          step.id,
          { error: err },
          { type: 'step.retry', data: { attempt, nextAttempt: attempt + 1, delayMs, error: err } },
        ),
      );
      const slept = await sleep(delayMs, env.signal);
      if (!slept) return cancelled(env, step, attempt);
    }
  }
}

async function attemptOnce(
  step: TaskStep,
  task: AnyTask,
  input: unknown,
  attempt: number,
  timeoutMs: number | undefined,
  env: StepEnv,
): Promise<unknown> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(env.signal.reason);
  env.signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    if (timeoutMs === undefined) return;
    timer = setTimeout(() => {
      const err = new PipewrightError({
        code: 'STEP_TIMEOUT',
        category: 'user',
        retryable: true,
        what: `Step "${step.id}" timed out after ${step.timeout}`,
        why: 'it ran longer than its timeout; its processes were killed',
        fix: 'Raise the step timeout in the plan, or make the task faster.',
      });
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const aborted = new Promise<never>((_, reject) => {
    const rejectWith = () => reject(controller.signal.reason ?? new Error('cancelled'));
    if (controller.signal.aborted) rejectWith();
    else controller.signal.addEventListener('abort', rejectWith, { once: true });
  });
  const scratchPath = path.join(env.config.stateDir, 'scratch', env.runId, `${step.id}-${attempt}`);
  let scratchMade = false;
  let releaseGpus = () => {};
  const start = async (): Promise<unknown> => {
    if (env.executor?.accepts(step, task)) {
      return env.executor.execute({
        runId: env.runId,
        stepId: step.id,
        attempt,
        step,
        task,
        input,
        upstream: env.upstream,
        signal: controller.signal,
        emit: (type, data) => env.store.appendEvent({ runId: env.runId, stepId: step.id, type, data }),
      });
    }
    const gpus = await grantLocalGpus(step, task, controller.signal);
    releaseGpus = gpus.release;
    const idempotencyKey = `${env.runId}/${step.id}`;
    // Programs the task starts (shell.exec, python.script, train.command) get these through childEnv.
    const config: StepConfig = {
      ...env.config,
      stepEnv: {
        PIPEWRIGHT_IDEMPOTENCY_KEY: idempotencyKey,
        PIPEWRIGHT_RUN_ID: env.runId,
        PIPEWRIGHT_STEP_ID: step.id,
        PIPEWRIGHT_ATTEMPT: String(attempt),
      },
    };
    const log = stepLogger(env, step.id);
    const ctx: TaskContext = {
      runId: env.runId,
      stepId: step.id,
      attempt,
      idempotencyKey,
      once: (name, fn) => once(env.store, idempotencyKey, attempt, name, fn, log),
      actor: env.actor,
      workspace: env.config.workspace,
      // Created on first use: most steps never need one.
      get scratchDir() {
        if (!scratchMade) mkdirSync(scratchPath, { recursive: true });
        scratchMade = true;
        return scratchPath;
      },
      log,
      progress: progressReporter(env, step.id),
      signal: controller.signal,
      artifacts: env.artifacts,
      upstream: env.upstream,
      config,
      ...(gpus.granted.length ? { devices: { gpus: gpus.granted } } : {}),
      ...(step.secrets ? { secrets: step.secrets } : {}),
    };
    return runTask(task, input, ctx);
  };
  try {
    // A task that ignores its signal is abandoned at the timeout; its subprocesses got the signal.
    return await Promise.race([start(), timedOut, aborted]);
  } finally {
    clearTimeout(timer);
    env.signal.removeEventListener('abort', onAbort);
    releaseGpus();
    if (scratchMade) await rm(scratchPath, { recursive: true, force: true }).catch(() => {});
  }
}

/** TaskContext.once: the side effect's result is recorded under the step's key; a later attempt reuses it. */
async function once<T>(
  store: RunStore,
  key: string,
  attempt: number,
  name: string,
  fn: () => Promise<T>,
  log: TaskLogger,
): Promise<T> {
  const earlier = store.getSideEffect(key, name);
  if (earlier?.status === 'done') {
    log.info(`${name}: done by attempt ${earlier.attempt} already; reusing its result`);
    return earlier.result as T;
  }
  if (earlier) log.warn(`${name}: attempt ${earlier.attempt} started it and did not finish; doing it again`);
  store.startSideEffect(key, name, attempt);
  const result = await fn();
  store.finishSideEffect(key, name, result);
  return result;
}

/** This execution no longer holds the run: another process claimed it after this one's lease ran out. */
export function leaseLost(runId: string): PipewrightError {
  return new PipewrightError({
    code: 'RUN_LEASE_LOST',
    category: 'system',
    retryable: false,
    what: `This process stopped executing run ${runId}: another process took it over`,
    why: 'this process did not renew its lease in time (it was paused, or too busy), so the run was interrupted and resumed elsewhere',
    fix: `Nothing to do: the other process continues the run (\`pipewright show ${runId}\`).`,
  });
}

function isTimeout(e: unknown): boolean {
  return isPipewrightError(e) && e.code === 'STEP_TIMEOUT';
}

function stepLogger(env: StepEnv, stepId: string): TaskLogger {
  const at = (level: string) => (message: string, data?: Record<string, unknown>) => {
    env.store.appendEvent({
      runId: env.runId,
      stepId,
      type: 'step.log',
      data: { level, message, ...(data ? { data } : {}) },
    });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Progress events, at most ten a second per step, always the last one. */
function progressReporter(env: StepEnv, stepId: string) {
  let last = 0;
  return (fraction: number, message?: string) => {
    const now = Date.now();
    const f = Math.min(1, Math.max(0, fraction));
    if (now - last < 100 && f < 1) return;
    last = now;
    env.store.appendEvent({
      runId: env.runId,
      stepId,
      type: 'step.progress',
      data: { fraction: f, ...(message ? { message } : {}) },
    });
  };
}

function fail(
  env: StepEnv,
  step: TaskStep,
  attempt: number,
  e: unknown,
  startedAt: string | undefined,
): StepResult {
  const error = serializeError(e);
  fenced(env, () =>
    env.store.recordStep(
      env.runId,
      step.id,
      { status: 'failed', attempt, finishedAt: env.store.now(), error, ...(startedAt ? { startedAt } : {}) },
      { type: 'step.failed', data: { attempt, error } },
    ),
  );
  return { status: 'failed', reason: error.what };
}

function cancelled(env: StepEnv, step: TaskStep, attempt: number): StepResult {
  // Aborted because another process took the run over: that is not a cancel, and the run is not ours.
  const reason = env.signal.reason;
  if (isPipewrightError(reason) && reason.code === 'RUN_LEASE_LOST') throw reason;
  fenced(env, () =>
    env.store.recordStep(env.runId, step.id, {
      status: 'cancelled',
      attempt,
      finishedAt: env.store.now(),
      reason: 'run cancelled',
    }),
  );
  return { status: 'cancelled', reason: 'run cancelled' };
}

/**
 * Writes a step transition in one transaction, only while this execution still holds the run's lease; an
 * execution that lost it (paused past its lease, taken over) writes nothing and stops.
 */
function fenced(env: StepEnv, write: () => void): void {
  env.store.atomically(() => {
    if (env.lease && !env.store.holdsLease(env.runId, env.lease)) throw leaseLost(env.runId);
    write();
  });
}

/** Resolves true after ms, or false as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
