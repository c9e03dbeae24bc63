/**
 * The prediction log: sampled requests and their predictions, one JSON line per scored instance, in
 * `<stateDir>/predictions/<model>/<YYYY-MM-DD>.jsonl`. Drift checks read it with DuckDB as the "current" data:
 *
 *   SELECT input.* FROM read_json_auto('<stateDir>/predictions/churn/*.jsonl')
 *
 * Lines are buffered and appended in the background (one writer per process, in order); flush() waits for
 * everything queued so far. A failed write is reported through onError and never fails the request.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { predictionErrorLogPath, predictionLogGlob, predictionLogPath } from '../store/prediction-paths.ts';

/** One logged prediction. `input` holds the feature values exactly as the client sent them. */
export interface PredictionLogLine {
  at: string;
  model: string;
  version: number;
  requestId: string;
  /** Position of the instance in its request. */
  index: number;
  /** Why this version answered: deployed alias, canary, or pinned by the caller. */
  route: 'stable' | 'canary' | 'pinned';
  input: Record<string, unknown>;
  prediction: unknown;
  probabilities?: Record<string, number>;
  latencyMs: number;
}

/** One failed predict request (after routing), in `errors/<YYYY-MM-DD>.jsonl`: what serving metrics count. */
export interface PredictionErrorLine {
  at: string;
  model: string;
  version: number;
  requestId: string;
  route: PredictionLogLine['route'];
  /** HTTP status answered, and the error code. */
  status: number;
  code: string;
  latencyMs: number;
}

export interface PredictionLogOptions {
  stateDir: string;
  /** Fraction of requests logged, 0..1 (default 1: every request). Sampling is per request, not per row. */
  sampleRate?: number;
  random?: () => number;
  /** Flush when this many lines are waiting (default 500); a timer flushes the rest. */
  batchLines?: number;
  flushIntervalMs?: number;
  onError?: (e: unknown) => void;
}

export { predictionErrorLogPath, predictionLogGlob, predictionLogPath };

export class PredictionLog {
  readonly sampleRate: number;
  private readonly random: () => number;
  private readonly batchLines: number;
  private readonly flushIntervalMs: number;
  private pending = new Map<string, string[]>();
  private pendingCount = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly madeDirs = new Set<string>();

  constructor(private readonly opts: PredictionLogOptions) {
    const rate = opts.sampleRate ?? 1;
    if (!(rate >= 0 && rate <= 1))
      throw new Error(`prediction log sample rate must be within 0..1, got ${rate}`);
    this.sampleRate = rate;
    this.random = opts.random ?? Math.random;
    this.batchLines = opts.batchLines ?? 500;
    this.flushIntervalMs = opts.flushIntervalMs ?? 1000;
  }

  /** Whether to log this request (decide once per request, before scoring). */
  sample(): boolean {
    return this.sampleRate >= 1 || (this.sampleRate > 0 && this.random() < this.sampleRate);
  }

  append(lines: PredictionLogLine[]): void {
    for (const line of lines) {
      const file = path.join(
        predictionLogPath(this.opts.stateDir, line.model),
        `${line.at.slice(0, 10)}.jsonl`,
      );
      const queue = this.pending.get(file);
      const text = JSON.stringify(line);
      if (queue) queue.push(text);
      else this.pending.set(file, [text]);
      this.pendingCount++;
    }
    if (this.pendingCount >= this.batchLines) void this.flush();
    else if (!this.timer && this.pendingCount > 0) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Logs a failed request beside the instances (same sampling decision as the request's lines would have had). */
  appendError(line: PredictionErrorLine): void {
    const file = path.join(
      predictionErrorLogPath(this.opts.stateDir, line.model),
      `${line.at.slice(0, 10)}.jsonl`,
    );
    const text = JSON.stringify(line);
    const queue = this.pending.get(file);
    if (queue) queue.push(text);
    else this.pending.set(file, [text]);
    this.pendingCount++;
    if (this.pendingCount >= this.batchLines) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes every queued line; resolves when they are on disk. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = new Map();
    this.pendingCount = 0;
    this.writing = this.writing.then(async () => {
      for (const [file, lines] of batch) {
        try {
          const dir = path.dirname(file);
          if (!this.madeDirs.has(dir)) {
            await mkdir(dir, { recursive: true });
            this.madeDirs.add(dir);
          }
          await appendFile(file, `${lines.join('\n')}\n`);
        } catch (e) {
          this.opts.onError?.(e);
        }
      }
    });
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
