import path from 'node:path';
import type { Config } from '../../src/config.ts';
import { DiskArtifactStore } from '../../src/store/artifacts.ts';
import type { TaskContext } from '../../src/tasks/index.ts';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** The q-quantile (0..1) of a sample, nearest rank; NaN for an empty one. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

/** A step's context with no run behind it, for benchmarks that start step processes directly. */
export function benchTaskContext(workspace: string, config: Config): TaskContext {
  const noop = () => {};
  return {
    runId: 'bench',
    stepId: 'p',
    attempt: 1,
    idempotencyKey: 'bench/p',
    once: (_name, fn) => fn(),
    workspace,
    scratchDir: workspace,
    log: { debug: noop, info: noop, warn: noop, error: noop },
    progress: noop,
    signal: new AbortController().signal,
    artifacts: new DiskArtifactStore(path.join(config.stateDir, 'artifacts')),
    upstream: {},
    config,
  };
}
