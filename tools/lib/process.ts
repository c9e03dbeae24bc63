/**
 * Runs a subprocess for a task: argv only (never a shell string), allowlisted environment, sealed in a
 * sandbox (tools/lib/sandbox.ts), killed with its whole tree on cancel or timeout, output streamed line by
 * line to the step log. Lines of the form
 *   ::progress 0.5 optional message      ::metric name 0.93      ::output {"key": "value"}
 * report progress, metrics and outputs (the line protocol shared by shell.exec, python.script and the
 * training runners).
 */

import { constants } from 'node:os';
import { z } from 'zod';
import { childEnv } from '../../src/config.ts';
import { PipewrightError, userError } from '../../src/errors.ts';
import type { TaskContext } from '../../src/tasks/index.ts';
import { spawnStepProcess } from './sandbox.ts';

/** The output of a task that ran a program: shared by shell.exec and python.script. */
export const CommandOutput = z.object({
  exitCode: z.number().describe('Exit status of the program'),
  durationMs: z.number().describe('Wall time'),
  stdoutTail: z.array(z.string()).describe('Last lines printed on stdout'),
  metrics: z.record(z.string(), z.number()).describe('Values reported with ::metric'),
  outputs: z.record(z.string(), z.unknown()).describe('Values reported with ::output'),
});

/** The CommandOutput of a finished process. */
export function commandOutput(r: ProcessResult): z.infer<typeof CommandOutput> {
  return {
    exitCode: r.exitCode,
    durationMs: r.durationMs,
    stdoutTail: r.stdoutTail,
    metrics: r.metrics,
    outputs: r.outputs,
  };
}

export interface ProcessResult {
  exitCode: number;
  durationMs: number;
  stdoutTail: string[];
  stderrTail: string[];
  metrics: Record<string, number>;
  outputs: Record<string, unknown>;
}

const TAIL = 50;

export async function runProcess(
  ctx: TaskContext,
  argv: string[],
  opts: { cwd: string; env?: Record<string, string>; failOnExit?: boolean; what?: string },
): Promise<ProcessResult> {
  const [file, ...args] = argv;
  if (!file)
    throw userError(
      'COMMAND_EMPTY',
      'The command is empty',
      'argv needs at least a program name',
      'Give the command as a list, e.g. ["python3", "train.py"].',
    );
  const gpus = ctx.devices?.gpus;
  const env = childEnv(ctx.config, {
    ...(opts.env ?? {}),
    ...(gpus ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : {}),
  });
  const result: ProcessResult = {
    exitCode: -1,
    durationMs: 0,
    stdoutTail: [],
    stderrTail: [],
    metrics: {},
    outputs: {},
  };
  const t0 = performance.now();
  // Sealed in a sandbox (or the loud process-group fallback); its whole tree ends with the step.
  const { subprocess: child, sandboxed } = spawnStepProcess(ctx, file, args, {
    cwd: opts.cwd,
    env,
    execa: {
      cancelSignal: ctx.signal,
      forceKillAfterDelay: 2000,
      reject: false,
      stdin: 'ignore',
      buffer: false,
    },
  });
  const onLine = (stream: 'stdout' | 'stderr') => (line: string) => {
    const tail = stream === 'stdout' ? result.stdoutTail : result.stderrTail;
    tail.push(line);
    if (tail.length > TAIL) tail.shift();
    if (line.startsWith('::') && parseProtocolLine(line, ctx, result)) return;
    if (stream === 'stdout') ctx.log.info(line);
    else ctx.log.warn(line);
  };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  splitLines(child.stdout, onLine('stdout'));
  splitLines(child.stderr, onLine('stderr'));
  const done = await child;
  // In the sandbox the program is bubblewrap's child: a signal that killed it comes back as 128 + signal.
  const signal = done.signal ?? (sandboxed ? signalOf(done.exitCode) : undefined);
  result.durationMs = Math.round(performance.now() - t0);
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('cancelled');
  if (signal) {
    throw new PipewrightError({
      code: 'COMMAND_KILLED',
      category: 'system',
      what: `${opts.what ?? `"${file}"`} was killed by ${signal}`,
      why:
        signal === 'SIGKILL'
          ? 'something outside the step killed it (out of memory, or kill -9)'
          : 'it received a signal',
      fix: 'Read the step log; if memory ran out, give the step more memory or less data. The step may be retried.',
      retryable: true,
    });
  }
  if (done.failed && done.exitCode === undefined) {
    const code = (done.cause as NodeJS.ErrnoException | undefined)?.code;
    throw userError(
      code === 'ENOENT' ? 'COMMAND_NOT_FOUND' : 'COMMAND_FAILED_TO_START',
      `Cannot start "${file}"`,
      code === 'ENOENT'
        ? 'no such program on PATH or at that path'
        : (done.shortMessage ?? String(done.cause)),
      code === 'ENOENT'
        ? 'Install the program or give its full path.'
        : 'Check the command and its permissions.',
    );
  }
  result.exitCode = done.exitCode ?? -1;
  if (opts.failOnExit !== false && result.exitCode !== 0) {
    throw userError(
      'COMMAND_FAILED',
      `${opts.what ?? `"${file}"`} exited with code ${result.exitCode}`,
      result.stderrTail.slice(-5).join('\n') || 'it printed nothing on stderr',
      'Read the step log (`pipewright logs <run> <step>`) for the full output.',
    );
  }
  return result;
}

/** The signal behind a shell-style exit status 128 + n (bubblewrap reports a killed child that way). */
export function signalOf(exitCode: number | undefined): NodeJS.Signals | undefined {
  if (exitCode === undefined || exitCode <= 128 || exitCode > 128 + 64) return undefined;
  const n = exitCode - 128;
  return (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals) ?? undefined;
}

function splitLines(stream: NodeJS.ReadableStream | null | undefined, fn: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i = buf.indexOf('\n');
    while (i >= 0) {
      fn(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
      i = buf.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (buf) fn(buf);
  });
}

function parseProtocolLine(line: string, ctx: TaskContext, result: ProcessResult): boolean {
  const m = /^::(progress|metric|output)\s+(.*)$/.exec(line);
  if (!m) return false;
  const [, kind, rest = ''] = m;
  if (kind === 'progress') {
    const [f, ...msg] = rest.split(/\s+/);
    const fraction = Number(f);
    if (!Number.isFinite(fraction)) return false;
    ctx.progress(fraction, msg.join(' ') || undefined);
    return true;
  }
  if (kind === 'metric') {
    const [name, value] = rest.split(/\s+/);
    if (!name || !Number.isFinite(Number(value))) return false;
    result.metrics[name] = Number(value);
    ctx.log.info(`metric ${name} = ${value}`);
    return true;
  }
  try {
    const v = JSON.parse(rest) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(result.outputs, v);
    return true;
  } catch {
    return false;
  }
}
