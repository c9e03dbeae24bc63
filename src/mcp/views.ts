/** What MCP clients see of runs: the record without its plan, steps, approvals; and waiting for a run. */
import type { RunStore } from '../store/index.ts';

const MAX_OUTPUT = 20_000;

/** A step output as sent to a client: whole when small, else cut (show_run is for people and agents, not bulk data). */
function trimmed(output: unknown): unknown {
  if (output === undefined) return undefined;
  const text = JSON.stringify(output);
  return text.length <= MAX_OUTPUT ? output : { truncated: true, preview: `${text.slice(0, MAX_OUTPUT)}…` };
}

export function runView(store: RunStore, runId: string): Record<string, unknown> {
  const { plan, ...run } = store.requireRun(runId);
  const steps = store.getSteps(run.id).map((s) => ({ ...s, output: trimmed(s.output) }));
  const approvals = store.listApprovals({ runId: run.id });
  return {
    run: { ...run, plan: plan.name },
    steps,
    approvals,
    pending: approvals
      .filter((a) => a.status === 'pending')
      .map((a) => ({ step: a.stepId, message: a.message })),
  };
}

/**
 * Resolves once the run is no longer queued or running (it finished, or waits at an approval) and nothing
 * here executes it any more, or after `ms`.
 */
export async function waitForRun(
  store: RunStore,
  runId: string,
  ms: number,
  isExecuting: (runId: string) => boolean = () => false,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const status = store.requireRun(runId).status;
    if (status !== 'queued' && status !== 'running' && !isExecuting(runId)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
