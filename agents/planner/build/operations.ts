/**
 * Plans that act on what exists, from a resolved frame:
 *   score            load → predict.batch with "name@alias" / "name:3" (resolved again at run time)
 *   monitor-traffic  model.dataset (the version's own training data) + monitor.traffic → monitor.drift → notify
 *   serving-metrics  serving.metrics over a window → notify
 *   rollback         [serving.watch | serving.metrics] → approve → model.rollback
 *   canary           approve → deploy.http with a canary share → serving.watch → promote | drop the canary
 *   promote          evaluate.model (candidate vs production on the candidate's held-out rows) → approve → deploy
 *                    [→ serving.watch → model.rollback on a breach] [→ notify]
 * Every check against the workspace (the model's files, its training data, a version to roll back to, the data
 * to score having the model's features) is made here, so a plan is never built on something that is gone.
 * Each lives in its own module; this one gathers them for the frame builder (build/index.ts).
 */
export { buildCanary } from './canary-promote.ts';
export type { OperationContext } from './operation-context.ts';
export { buildPromote } from './promote.ts';
export { buildRollback } from './rollback.ts';
export { buildScore } from './score.ts';
export { buildMonitorTraffic, buildServingMetrics } from './traffic.ts';
