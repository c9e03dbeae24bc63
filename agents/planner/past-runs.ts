/**
 * Similar past runs from run memory, as planner context: a short summary per run for the draft prompt, the
 * run ids for plan metadata, and one small rule for the offline planner (a past run of the same data that
 * failed on missing values → impute). Memory is never on the planner's critical path: any failure is no context.
 */
import path from 'node:path';
import type { Config } from '../../src/config.ts';
import { type MemoryHit, searchMemory } from '../../src/lineage/memory.ts';
import type { DatasetDescription } from './describe-dataset.ts';

export interface PastRun {
  runId: string;
  pipeline: string;
  status: string;
  /** Dataset label of the run (name@version or path), when known. */
  dataset?: string;
  /** Error lines (short). */
  errors: string[];
  /** Metric lines (short). */
  metrics: string[];
  /** The run's own summary line (short). */
  summary?: string;
}

const MAX_RUNS = 3;
const clip = (t: string, n: number) => (t.length > n ? `${t.slice(0, n - 1)}…` : t);

/** Groups memory hits (several documents per run) into at most `limit` runs, best first. */
export function pastRunsFromHits(hits: MemoryHit[], limit = MAX_RUNS): PastRun[] {
  const runs = new Map<string, PastRun>();
  for (const h of hits) {
    if (!h.run_id) continue;
    let r = runs.get(h.run_id);
    if (!r) {
      if (runs.size >= limit) continue;
      r = { runId: h.run_id, pipeline: h.pipeline, status: h.status, errors: [], metrics: [] };
      runs.set(h.run_id, r);
    }
    if (h.dataset && !r.dataset) r.dataset = h.dataset;
    const text = clip(h.text, 240);
    if (h.kind === 'error' && r.errors.length < 2) r.errors.push(text);
    else if (h.kind === 'metrics' && r.metrics.length < 1) r.metrics.push(text);
    else if (h.kind === 'run' && !r.summary) r.summary = text;
  }
  return [...runs.values()];
}

/** The planner's pastRuns dependency backed by run memory: top 3 runs, [] on any failure or no memory. */
export function memoryPastRuns(
  config: Config | (() => Config),
  search: typeof searchMemory = searchMemory,
): (goal: string) => Promise<PastRun[]> {
  return async (goal) => {
    try {
      const cfg = typeof config === 'function' ? config() : config;
      return pastRunsFromHits(await search(cfg, goal, { limit: 20 }));
    } catch {
      return [];
    }
  };
}

/** The "Similar past runs" section of the draft prompt. */
export function pastRunsText(runs: PastRun[]): string {
  if (runs.length === 0) return 'none found';
  return runs
    .slice(0, MAX_RUNS)
    .map((r) => {
      const lines = [
        `- run ${r.runId}: pipeline ${r.pipeline || '?'}, ${r.status || 'unknown status'}${
          r.dataset ? `, data ${r.dataset}` : ''
        }`,
      ];
      for (const e of r.errors) lines.push(`  error: ${e}`);
      for (const m of r.metrics) lines.push(`  metrics: ${m}`);
      if (!r.errors.length && !r.metrics.length && r.summary) lines.push(`  summary: ${r.summary}`);
      return lines.join('\n');
    })
    .join('\n');
}

const MISSING =
  /\b(missing values?|null values?|nulls?|NaN|contains? NaN|input contains nan|not-null|is null)\b/i;

/**
 * A failed past run of the same data whose errors were about missing values, if any. "Same data": the run's
 * dataset or summary mentions the source file's base name (without extension).
 */
export function missingValueRun(
  runs: PastRun[],
  source: string | undefined,
  data?: DatasetDescription,
): PastRun | undefined {
  const file = source ?? data?.path;
  if (!file) return undefined;
  const stem = path
    .basename(file)
    .replace(/\.[^.]+$/, '')
    .toLowerCase();
  if (!stem) return undefined;
  return runs.find((r) => {
    if (r.status !== 'failed') return false;
    const where = `${r.dataset ?? ''} ${r.summary ?? ''} ${r.errors.join(' ')}`.toLowerCase();
    if (!where.includes(stem)) return false;
    return MISSING.test([...r.errors, r.summary ?? ''].join(' '));
  });
}
