/** A critical drift alert as monitor.drift writes it: two drifted features and a missing column. */
import type { DriftAlert } from '../../tools/monitor/drift-alert.ts';

export const criticalDriftAlert: DriftAlert = {
  kind: 'drift',
  severity: 'critical',
  summary: '2 of 5 features drifted (40%): temp_max ks=0.62, temp_min ks=0.71',
  features: [
    { name: 'temp_max', method: 'ks', statistic: 0.62, threshold: 0.05 },
    { name: 'temp_min', method: 'ks', statistic: 0.71, threshold: 0.05 },
  ],
  findings: [
    {
      kind: 'missing_in_current',
      column: 'wind',
      severity: 'critical',
      message: 'Column "wind" is missing.',
    },
  ],
  share: 0.4,
  reference: { name: 'train', hash: 'a'.repeat(64), path: '/w/train.parquet', rows: 731 },
  current: { name: 'summer', hash: 'b'.repeat(64), path: '/w/summer.parquet', rows: 92 },
  report: { json: '/w/report.json', html: '/w/report.html' },
  at: '2024-06-11T08:00:00.000Z',
};
