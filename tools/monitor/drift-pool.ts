/**
 * Spreads monitor.drift's numeric columns over worker threads (one per share of the columns, each loading
 * and comparing its own columns; see drift-worker.ts). Workers start before the task knows whether it will
 * use them, so that their start-up overlaps its planning. A share resolves to null when its worker cannot
 * start or fails, so that the task can do the work on its own thread instead, with the same results and
 * errors.
 */
import { Worker } from 'node:worker_threads';
import type { NumericComparison } from '../lib/drift-compare.ts';
import type { NumericJob, NumericJobReply } from './drift-worker.ts';

const ENTRY = new URL('./drift-worker-entry.mjs', import.meta.url);

type Share = [string, NumericComparison][] | null;

export class DriftWorkerPool {
  private readonly workers: Worker[] = [];

  constructor(threads: number) {
    for (let i = 0; i < threads; i++) {
      try {
        const worker = new Worker(ENTRY);
        // An idle worker must not keep the process alive.
        worker.unref();
        // Errors surface through run(); an unused worker that fails is just closed.
        worker.on('error', () => {});
        this.workers.push(worker);
      } catch {
        break;
      }
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Compares `job.columns` on the pool's workers, columns dealt round-robin. Null when any worker failed
   * (or the signal aborted): the caller then compares on its own thread. Closes the pool.
   */
  async compare(job: NumericJob, signal: AbortSignal): Promise<Map<string, NumericComparison> | null> {
    const n = Math.min(this.workers.length, job.columns.length);
    if (n === 0) return null;
    try {
      const shares = await Promise.all(
        this.workers
          .slice(0, n)
          .map((worker, w) =>
            runShare(worker, { ...job, columns: job.columns.filter((_, i) => i % n === w) }, signal),
          ),
      );
      if (shares.some((s) => s === null)) return null;
      return new Map(shares.flatMap((s) => s ?? []));
    } finally {
      this.close();
    }
  }

  close(): void {
    for (const w of this.workers.splice(0)) void w.terminate();
  }
}

function runShare(worker: Worker, job: NumericJob, signal: AbortSignal): Promise<Share> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: Share) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => finish(null);
    if (signal.aborted) return finish(null);
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (reply: NumericJobReply) => finish(reply.ok ? reply.results : null));
    worker.on('error', () => finish(null));
    worker.on('exit', () => finish(null));
    worker.ref();
    worker.postMessage(job);
  });
}
