/**
 * Live progress of a run, read from the event stream in the store (so it works for the process that
 * executes the run and for any other process following it). On a terminal: a redrawn block with each
 * step's state, elapsed time, retries and a progress bar. Elsewhere (a pipe, a log file): one line per
 * event, and one per change of a step's progress message (fold, trial, time left), at most one a second.
 */
import { formatDuration } from '../plan/duration.ts';
import type { RunEvent, RunStore } from '../store/index.ts';

interface StepView {
  id: string;
  label: string;
  status: string;
  startedAt?: number;
  finishedAt?: number;
  attempt: number;
  of?: number;
  fraction?: number;
  note?: string;
  cached?: boolean;
  /** Piped output: the last progress message printed for the step, and when (event time). */
  printedNote?: string;
  printedAt?: number;
}

/** Piped output prints a step's progress at most this often (the last one of a step always shows). */
const PIPED_PROGRESS_MS = 1000;

const ICON: Record<string, string> = {
  pending: '·',
  running: '▶',
  waiting: '⏸',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  cancelled: '■',
};

export class ProgressRenderer {
  private readonly steps = new Map<string, StepView>();
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;
  private drawnLines = 0;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly live = Boolean(process.stderr.isTTY),
  ) {
    const run = store.requireRun(runId);
    for (const s of run.plan.steps) {
      this.steps.set(s.id, {
        id: s.id,
        label: s.kind === 'approval' ? 'approval' : s.task,
        status: 'pending',
        attempt: 0,
      });
    }
    for (const rec of store.getSteps(runId)) {
      const v = this.steps.get(rec.stepId);
      if (v) {
        v.status = rec.status;
        v.cached = rec.cached;
      }
    }
  }

  /** Starts following events after `afterSeq` (0: from the beginning). */
  start(afterSeq = 0): this {
    this.lastSeq = afterSeq;
    this.timer = setInterval(() => this.tick(), this.live ? 100 : 200);
    return this;
  }

  /** Drains remaining events and leaves the final picture on screen. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.tick();
  }

  latestSeq(): number {
    const ev = this.store.events(this.runId, { afterSeq: this.lastSeq });
    return ev.at(-1)?.seq ?? this.lastSeq;
  }

  private tick(): void {
    let events: RunEvent[];
    try {
      events = this.store.events(this.runId, { afterSeq: this.lastSeq, limit: 10_000 });
    } catch {
      return;
    }
    for (const e of events) {
      this.lastSeq = e.seq;
      this.apply(e);
      if (!this.live) this.printLine(e);
    }
    if (this.live) this.draw();
  }

  private apply(e: RunEvent): void {
    const v = e.stepId ? this.steps.get(e.stepId) : undefined;
    if (!v) return;
    const at = Date.parse(e.at);
    switch (e.type) {
      case 'step.started':
        v.status = 'running';
        v.startedAt = at;
        v.attempt = Number(e.data.attempt ?? 1);
        v.of = Number(e.data.of ?? 1);
        v.fraction = undefined;
        v.note = undefined;
        break;
      case 'step.progress':
        v.fraction = Number(e.data.fraction);
        v.note = typeof e.data.message === 'string' ? e.data.message : v.note;
        break;
      case 'step.log':
        if (typeof e.data.message === 'string') v.note = e.data.message.slice(0, 80);
        break;
      case 'step.retry':
        v.note = `retrying in ${formatDuration(Number(e.data.delayMs))}: ${(e.data.error as { what?: string })?.what ?? ''}`;
        break;
      case 'step.waiting':
        v.status = 'waiting';
        v.startedAt = at;
        v.note = `waiting for approval: ${String(e.data.message)}`;
        break;
      case 'step.succeeded':
        v.status = 'succeeded';
        v.finishedAt = at;
        v.startedAt ??= at;
        v.cached = e.data.cached === true;
        v.note = v.cached ? 'cache hit' : undefined;
        v.fraction = undefined;
        break;
      case 'step.failed':
        v.status = 'failed';
        v.finishedAt = at;
        v.note = (e.data.error as { what?: string })?.what;
        break;
      case 'step.skipped':
        v.status = 'skipped';
        v.note = String(e.data.reason ?? '');
        break;
      case 'approval.decided':
        v.status = e.data.approved ? 'succeeded' : 'failed';
        v.finishedAt = at;
        v.note = `${e.data.approved ? 'approved' : 'rejected'} by ${String(e.data.by)}${e.data.comment ? `: ${String(e.data.comment)}` : ''}`;
        break;
    }
  }

  private elapsed(v: StepView): string {
    if (!v.startedAt) return '';
    return formatDuration((v.finishedAt ?? Date.now()) - v.startedAt);
  }

  private draw(): void {
    const width = Math.max(...[...this.steps.values()].map((v) => v.id.length));
    const labelWidth = Math.max(...[...this.steps.values()].map((v) => v.label.length));
    const lines = [...this.steps.values()].map((v) => {
      const bar = v.status === 'running' && v.fraction !== undefined ? ` ${progressBar(v.fraction)}` : '';
      const retry = v.attempt > 1 ? ` (attempt ${v.attempt}/${v.of})` : '';
      const note = v.note ? `  ${v.note}` : '';
      return `${ICON[v.status] ?? '?'} ${v.id.padEnd(width)}  ${v.label.padEnd(labelWidth)}  ${this.elapsed(v).padStart(7)}${retry}${bar}${note}`;
    });
    const cols = this.out.columns ?? 120;
    const clipped = lines.map((l) => (l.length > cols - 1 ? `${l.slice(0, cols - 2)}…` : l));
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.out.write(`${clipped.join('\n')}\n`);
    this.drawnLines = clipped.length;
  }

  private printLine(e: RunEvent): void {
    const v = e.stepId ? this.steps.get(e.stepId) : undefined;
    const id = e.stepId ?? '';
    switch (e.type) {
      case 'step.started':
        this.out.write(
          `▶ ${id} (${v?.label}) started${Number(e.data.attempt) > 1 ? `, attempt ${String(e.data.attempt)}/${String(e.data.of)}` : ''}\n`,
        );
        break;
      case 'step.log':
        this.out.write(`  ${id} | ${String(e.data.message)}\n`);
        break;
      case 'step.progress': {
        const message = typeof e.data.message === 'string' ? e.data.message : undefined;
        const at = Date.parse(e.at);
        const fraction = Number(e.data.fraction);
        if (!v || !message || message === v.printedNote) break;
        if (fraction < 1 && v.printedAt !== undefined && at - v.printedAt < PIPED_PROGRESS_MS) break;
        v.printedNote = message;
        v.printedAt = at;
        this.out.write(`  ${id} ${String(Math.round(fraction * 100)).padStart(3)}% ${message}\n`);
        break;
      }
      case 'step.retry':
        this.out.write(`  ${id} ${v?.note}\n`);
        break;
      case 'step.succeeded':
        this.out.write(
          `✓ ${id} ${v?.cached ? 'reused from cache' : `succeeded in ${this.elapsed(v as StepView)}`}\n`,
        );
        break;
      case 'step.failed':
        this.out.write(`✗ ${id} failed: ${v?.note ?? ''}\n`);
        break;
      case 'step.skipped':
        this.out.write(`↷ ${id} skipped: ${String(e.data.reason)}\n`);
        break;
      case 'step.waiting':
        this.out.write(`⏸ ${id} ${v?.note} (expires ${String(e.data.expiresAt)})\n`);
        if (typeof e.data.evidence === 'string') this.out.write(`  ${id} | ${e.data.evidence}\n`);
        break;
      case 'approval.decided':
        this.out.write(`  ${id} ${v?.note}\n`);
        break;
    }
  }
}

export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}%`;
}
