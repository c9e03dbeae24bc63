/**
 * The monitoring stage: drift checks on served traffic or new batches, serving metrics (latency, errors,
 * canary vs stable) and canary watches, and notifications about them.
 */
import type { AnyTask } from '../../src/tasks/index.ts';
import { monitorDrift } from '../monitor/drift.ts';
import { modelDataset } from '../monitor/serving-dataset.ts';
import { servingMetrics } from '../monitor/serving-metrics.ts';
import { servingWatch } from '../monitor/serving-watch.ts';
import { monitorTraffic } from '../monitor/traffic.ts';
import { notifySend } from '../notify/notify.ts';

export { type DriftOutput, type FeatureResult, monitorDrift } from '../monitor/drift.ts';
export { DriftAlert, DriftFinding, DriftMethod } from '../monitor/drift-alert.ts';
export { modelDataset } from '../monitor/serving-dataset.ts';
export { measureServing, type ServingMetrics, servingMetrics } from '../monitor/serving-metrics.ts';
export { servingWatch } from '../monitor/serving-watch.ts';
export { monitorTraffic } from '../monitor/traffic.ts';
export { notifySend, redactUrl } from '../notify/notify.ts';

export const monitoringTasks: AnyTask[] = [
  monitorTraffic,
  modelDataset,
  monitorDrift,
  servingMetrics,
  servingWatch,
  notifySend,
];
