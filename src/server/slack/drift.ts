/**
 * The Slack message for a drift alert (monitor.drift's `alert`): severity, the drifted features with their
 * statistics and thresholds, data-quality findings, the datasets compared and where the HTML report is.
 */
import { DriftAlert } from '../../../tools/monitor/drift-alert.ts';
import type { SlackMessage } from './payloads.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** The alert a step output carries (monitor.drift: `{ alert, driftedFeatures, reportHtml, ... }`), if any. */
export function driftAlertOf(output: unknown): DriftAlert | undefined {
  if (!isObject(output) || output.alert == null) return undefined;
  const r = DriftAlert.safeParse(output.alert);
  return r.success ? r.data : undefined;
}

/** Identifies one alert: the same alert seen again (a cached step, a replayed event) is not posted twice. */
export function driftAlertKey(a: DriftAlert): string {
  return `${a.report.json}|${a.at}`;
}

const fmt = (n: number | null) => (n === null ? 'n/a' : Number.isInteger(n) ? String(n) : n.toPrecision(4));

export function driftAlertMessage(
  a: DriftAlert,
  where: { runId: string; stepId?: string | undefined; planName?: string | undefined },
): SlackMessage {
  const icon = a.severity === 'critical' ? ':rotating_light:' : ':warning:';
  const origin = `run \`${where.runId}\`${where.planName ? ` (${where.planName})` : ''}${where.stepId ? `, step \`${where.stepId}\`` : ''}`;
  const features = a.features.length
    ? a.features
        .map((f) => `• \`${f.name}\` — ${f.method} ${fmt(f.statistic)} (threshold ${fmt(f.threshold)})`)
        .join('\n')
    : '• none';
  const findings = a.findings.map((f) => `• ${f.severity}: \`${f.column}\` — ${f.message}`).join('\n');
  const ds = (d: DriftAlert['reference']) => `${d.name ?? d.hash.slice(0, 12)} (${d.rows} rows)`;
  const text =
    `Drift alert (${a.severity}) from run ${where.runId}: ${a.summary}. ` +
    `Drifted: ${a.features.map((f) => `${f.name} ${f.method}=${fmt(f.statistic)}`).join(', ') || 'none'}. ` +
    `Report: ${a.report.html}`;
  return {
    text,
    blocks: [
      section(`${icon} *Drift alert — ${a.severity}* — ${origin}\n>${a.summary}`),
      section(
        `*Drifted features* (${(a.share * 100).toFixed(0)}% of those checked)\n${features}` +
          (findings ? `\n*Findings*\n${findings}` : ''),
      ),
      section(
        `Reference ${ds(a.reference)} → current ${ds(a.current)}, checked ${a.at}\n` +
          `*HTML report:* \`${a.report.html}\`\n*JSON report:* \`${a.report.json}\``,
      ),
    ],
  };
}
