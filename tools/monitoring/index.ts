/** The monitoring stage: drift checks on served traffic or new batches, and notifications about them. */
import type { AnyTask } from '../../src/tasks/index.ts';
import { monitorDrift } from '../monitor/drift.ts';
import { monitorTraffic } from '../monitor/traffic.ts';
import { notifySend } from '../notify/notify.ts';

export { type DriftOutput, type FeatureResult, monitorDrift } from '../monitor/drift.ts';
export { DriftAlert, DriftFinding, DriftMethod } from '../monitor/drift-alert.ts';
export { monitorTraffic } from '../monitor/traffic.ts';
export { notifySend, redactUrl } from '../notify/notify.ts';

export const monitoringTasks: AnyTask[] = [monitorTraffic, monitorDrift, notifySend];
