/**
 * Progress of a loop of similar units (folds of trials) with an estimate of the time left, sent through
 * ctx.progress at most every `everyMs` (and always for the last unit), so fast loops do not flood the run's
 * event log and slow ones still show movement.
 */
import type { TaskContext } from '../../src/tasks/index.ts';

export function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `~${Math.max(1, s)} s left`;
  const m = Math.floor(s / 60);
  if (m < 60) return `~${m} min ${String(s % 60).padStart(2, '0')} s left`;
  return `~${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min left`;
}

export interface EtaProgress {
  /** One unit is done; `label` says which (e.g. "trial 2/4 fold 3/5"). */
  done(label: string): void;
}

/**
 * Maps `units` equal-sized units onto the [from, to] part of the step's progress. The estimate is the mean
 * time per unit so far times the units left.
 */
export function etaProgress(
  ctx: Pick<TaskContext, 'progress'>,
  units: number,
  range: [number, number],
  opts: { everyMs?: number; now?: () => number } = {},
): EtaProgress {
  const now = opts.now ?? (() => performance.now());
  const everyMs = opts.everyMs ?? 500;
  const started = now();
  let finished = 0;
  let lastSent = Number.NEGATIVE_INFINITY;
  return {
    done(label) {
      finished++;
      const t = now();
      if (finished < units && t - lastSent < everyMs) return;
      lastSent = t;
      const left = units - finished;
      const eta = left > 0 ? `, ${formatEta(((t - started) / finished) * left)}` : '';
      ctx.progress(range[0] + ((range[1] - range[0]) * finished) / units, `${label}${eta}`);
    },
  };
}
