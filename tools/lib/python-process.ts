/**
 * Child processes for training and serving: argv arrays only (never a shell string), an allowlisted
 * environment, sealed in a sandbox (tools/lib/sandbox.ts), killed with their whole tree on abort or
 * timeout, output streamed line by line to the task log.
 *
 * Line protocol (training runners and user commands), one instruction per stdout line:
 *   ::progress <fraction 0..1> <message>   progress of this run
 *   ::metric <name> <number>               a metric measured by the script
 *   ::missing <python module>              (pipewright runners) a required module is not installed
 *   ::error <message>                      (pipewright runners) a user-facing failure explanation
 * Any other line is logged as is.
 */

import { createInterface } from 'node:readline';
import { PipewrightError, userError } from '../../src/errors.ts';
import type { TaskContext } from '../../src/tasks/index.ts';
import { spawnStepProcess } from './sandbox.ts';

export const PYTHON_DIR = new URL('../train/python/', import.meta.url).pathname;

/** Install hints for the Python modules the runners need (Debian packages first; pip as an alternative). */
export const INSTALL_HINT: Record<string, string> = {
  sklearn: 'apt-get install -y python3-sklearn (or pip install scikit-learn)',
  xgboost: 'apt-get install -y python3-xgboost (or pip install xgboost)',
  pandas: 'apt-get install -y python3-pandas (or pip install pandas)',
  joblib: 'apt-get install -y python3-joblib (or pip install joblib)',
  torch: 'pip install torch (see https://pytorch.org/get-started/locally/ for the CUDA build)',
  numpy: 'apt-get install -y python3-numpy (or pip install numpy)',
};

export function missingModuleError(python: string, module: string): PipewrightError {
  return userError(
    'TRAIN_FRAMEWORK_MISSING',
    `The Python module "${module}" is not installed for ${python}`,
    'this framework runs in Python and needs it',
    `Install it: ${INSTALL_HINT[module] ?? `pip install ${module}`}; or set PIPEWRIGHT_PYTHON to an interpreter that has it.`,
    { module, python },
  );
}

export function pythonMissingError(python: string, cause?: unknown): PipewrightError {
  return new PipewrightError({
    code: 'TRAIN_PYTHON_MISSING',
    category: 'user',
    what: `The Python interpreter "${python}" could not be started`,
    why: 'training with sklearn, xgboost, torch or a Python command needs Python 3',
    fix: 'Install it (apt-get install -y python3 python3-sklearn python3-xgboost python3-pandas) or set PIPEWRIGHT_PYTHON to an interpreter path.',
    retryable: false,
    cause,
  });
}

export interface ProtocolRun {
  /** Metrics reported with ::metric lines. */
  metrics: Record<string, number>;
  /** The last lines of output, for error messages. */
  tail: string[];
}

export interface RunOptions {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  ctx: TaskContext;
  /** What is being run, for messages ("the sklearn runner", "your training command"). */
  what: string;
  timeoutMs?: number;
  /** Maps the script's 0..1 progress into this part of the task's progress. */
  progressRange?: [number, number];
  /** The interpreter, when `file` is one; named in "missing module" errors. */
  python?: string;
  /** Folders the sealed process may write besides the workspace and scratch dir (its model output). */
  writable?: string[];
}

/** Runs a process to completion, applying the line protocol; throws a PipewrightError on failure. */
export async function runWithProtocol(opts: RunOptions): Promise<ProtocolRun> {
  const { ctx } = opts;
  const [lo, hi] = opts.progressRange ?? [0, 1];
  const metrics: Record<string, number> = {};
  const tail: string[] = [];
  let missing: string | undefined;
  let reported: string | undefined;
  // Sealed in a sandbox (or the loud process-group fallback); its whole tree ends with the step.
  const { subprocess: proc } = spawnStepProcess(ctx, opts.file, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    ...(opts.writable ? { writable: opts.writable } : {}),
    execa: {
      stdin: 'ignore',
      buffer: false,
      reject: false,
      cancelSignal: ctx.signal,
      forceKillAfterDelay: 3000,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    },
  });
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  const onStdout = (line: string) => {
    const m = /^::(\w+)\s*(.*)$/.exec(line);
    if (!m) {
      remember(line);
      ctx.log.info(line);
      return;
    }
    const [, kind, rest = ''] = m;
    if (kind === 'progress') {
      const [f, ...msg] = rest.split(' ');
      const fraction = Number(f);
      if (Number.isFinite(fraction)) {
        ctx.progress(lo + (hi - lo) * Math.min(1, Math.max(0, fraction)), msg.join(' ') || undefined);
      }
    } else if (kind === 'metric') {
      const [name, value] = rest.split(/\s+/);
      const v = Number(value);
      if (name && Number.isFinite(v)) metrics[name] = v;
    } else if (kind === 'missing') {
      missing = rest.trim();
    } else if (kind === 'error') {
      reported = rest.trim();
    } else {
      ctx.log.info(line);
    }
  };
  const done = Promise.all([
    proc.stdout ? lines(proc.stdout, onStdout) : undefined,
    proc.stderr
      ? lines(proc.stderr, (line) => {
          remember(line);
          ctx.log.warn(line);
        })
      : undefined,
  ]);
  const result = await proc;
  await done;
  if (result.exitCode === 0 && !result.failed) return { metrics, tail };
  if (opts.python && missing) throw missingModuleError(opts.python, missing);
  if ((result as { code?: string }).code === 'ENOENT') {
    if (opts.python) throw pythonMissingError(opts.python, result);
    throw userError(
      'TRAIN_COMMAND_NOT_FOUND',
      `${opts.what} could not be started: "${opts.file}" was not found`,
      undefined,
      'Give the program as an absolute path, a path inside the workspace, or a name on PATH.',
    );
  }
  if (result.isCanceled) {
    throw new PipewrightError({
      code: 'TRAIN_CANCELLED',
      category: 'system',
      what: `${opts.what} was stopped`,
      why: 'the step was cancelled or timed out',
      retryable: false,
    });
  }
  if (result.timedOut) {
    throw new PipewrightError({
      code: 'TRAIN_TIMEOUT',
      category: 'system',
      what: `${opts.what} ran past its ${Math.round((opts.timeoutMs ?? 0) / 1000)} s limit and was killed`,
      fix: 'Raise timeoutSeconds, use fewer trials/folds, or train on a sample.',
      retryable: false,
    });
  }
  throw new PipewrightError({
    code: 'TRAIN_PROCESS_FAILED',
    category: reported ? 'user' : 'system',
    what: `${opts.what} failed (exit code ${result.exitCode ?? result.signal ?? 'unknown'})`,
    why: reported ?? tail.slice(-8).join('\n'),
    fix: reported
      ? 'Fix the problem named above and run the step again.'
      : 'See the step log for the full output.',
    retryable: false,
    details: { tail },
  });
}

async function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }))
    onLine(line);
}
