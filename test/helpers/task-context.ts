/** A real TaskContext over a temporary workspace, for testing tasks without the engine. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { DiskArtifactStore } from '../../src/store/artifacts.ts';
import type { TaskContext } from '../../src/tasks/index.ts';

export interface TestContext extends TaskContext {
  logs: { level: string; message: string }[];
  progressReports: { fraction: number; message?: string }[];
}

export function makeWorkspace(prefix = 'pw-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function makeTaskContext(opts: Partial<TaskContext> & { workspace?: string } = {}): TestContext {
  const workspace = opts.workspace ?? makeWorkspace();
  const config = opts.config ?? loadConfig({ workspace }, {});
  const scratchDir = path.join(config.stateDir, 'scratch', 'test');
  mkdirSync(scratchDir, { recursive: true });
  const logs: TestContext['logs'] = [];
  const progressReports: TestContext['progressReports'] = [];
  const logAt = (level: string) => (message: string) => {
    logs.push({ level, message });
  };
  // Side effects remembered in memory, per context: enough to test a task's use of once().
  const effects = new Map<string, unknown>();
  return {
    runId: 'run-test',
    stepId: 'step-test',
    attempt: 1,
    idempotencyKey: `${opts.runId ?? 'run-test'}/${opts.stepId ?? 'step-test'}`,
    once: async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      if (!effects.has(name)) effects.set(name, await fn());
      return effects.get(name) as T;
    },
    workspace,
    scratchDir,
    signal: new AbortController().signal,
    artifacts: new DiskArtifactStore(path.join(config.stateDir, 'artifacts')),
    upstream: {},
    config,
    log: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    progress: (fraction, message) => {
      progressReports.push({ fraction, ...(message ? { message } : {}) });
    },
    ...opts,
    logs,
    progressReports,
  };
}
