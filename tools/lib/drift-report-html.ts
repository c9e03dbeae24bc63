/**
 * A self-contained HTML drift report: a summary table and one inline SVG histogram per feature (reference
 * and current overlaid). No scripts, fonts or other external resources, so it opens from disk or mail.
 * Every number in the table also sits in a data-* attribute at full precision, for machines.
 */
import type { DisplayHistogram } from './drift-compare.ts';

export interface DriftReportFeature {
  name: string;
  type: 'numeric' | 'categorical';
  method: string;
  statistic: number | null;
  pValue?: number | null;
  threshold: number;
  drifted: boolean;
  computation?: string;
  stats: Record<string, number | null>;
  nulls: { reference: number; current: number };
  display?: DisplayHistogram;
}

export interface DriftReportView {
  title: string;
  at: string;
  reference: { name?: string; rows: number; hash: string };
  current: { name?: string; rows: number; hash: string };
  drifted: boolean;
  share: number;
  datasetShareThreshold: number;
  features: DriftReportFeature[];
  findings: {
    kind: string;
    column: string;
    severity: string;
    message: string;
    evidence?: {
      statistic: string;
      value: number;
      threshold: number;
      test: string;
      pValue?: number | undefined;
      examples: Record<string, unknown>[];
    };
  }[];
}

const REF_COLOR = '#4c78a8';
const CUR_COLOR = '#f58518';

export function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A finding's evidence: statistic, threshold, the rule, and its example rows as a small table. */
function evidenceHtml(e: DriftReportView['findings'][number]['evidence']): string {
  if (!e) return '';
  const head = `<div class="evidence">${escapeHtml(e.statistic)} = ${formatNumber(e.value)} (threshold ${formatNumber(
    e.threshold,
  )}${e.pValue !== undefined ? `, p ${formatNumber(e.pValue)}` : ''}): ${escapeHtml(e.test)}</div>`;
  const rows = e.examples.slice(0, 3);
  if (rows.length === 0) return head;
  const cols = Object.keys(rows[0] ?? {});
  const cell = (v: unknown) => `<td>${escapeHtml(v === null || v === undefined ? '' : String(v))}</td>`;
  return `${head}<table class="examples"><thead><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => cell(r[c])).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A number as the report prints it: 4 significant digits, exponent for tiny or huge values. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** One histogram, reference and current bars overlaid, as an inline SVG. */
export function histogramSvg(name: string, h: DisplayHistogram): string {
  const width = 420;
  const height = 150;
  const pad = { left: 36, right: 8, top: 8, bottom: 34 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const bins = h.reference.length;
  const top = Math.max(1e-12, ...h.reference, ...h.current);
  const bw = plotW / Math.max(1, bins);
  const bars: string[] = [];
  const bar = (i: number, v: number, color: string, label: string, inset: number) => {
    const hgt = (v / top) * plotH;
    const x = pad.left + i * bw + inset;
    const y = pad.top + plotH - hgt;
    bars.push(
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, bw - 2 * inset).toFixed(1)}" ` +
        `height="${hgt.toFixed(1)}" fill="${color}" fill-opacity="0.55"><title>${escapeHtml(label)}: ${pct(v)}</title></rect>`,
    );
  };
  for (let i = 0; i < bins; i++) {
    const label = h.categories
      ? (h.categories[i] ?? '')
      : `${formatNumber(h.edges?.[i])} – ${formatNumber(h.edges?.[i + 1])}`;
    bar(i, h.reference[i] ?? 0, REF_COLOR, `reference ${label}`, 0.5);
    bar(i, h.current[i] ?? 0, CUR_COLOR, `current ${label}`, bw * 0.2);
  }
  const axis: string[] = [
    `<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${pad.left + plotW}" y2="${pad.top + plotH}" stroke="#999"/>`,
    `<text x="${pad.left - 4}" y="${pad.top + 8}" text-anchor="end" font-size="9">${pct(top)}</text>`,
  ];
  if (h.categories) {
    h.categories.forEach((c, i) => {
      const x = pad.left + (i + 0.5) * bw;
      const short = c.length > 10 ? `${c.slice(0, 9)}…` : c;
      axis.push(
        `<text x="${x.toFixed(1)}" y="${pad.top + plotH + 12}" text-anchor="middle" font-size="9">${escapeHtml(short)}</text>`,
      );
    });
  } else if (h.edges && h.edges.length > 1) {
    const first = h.edges[0] as number;
    const last = h.edges[h.edges.length - 1] as number;
    axis.push(
      `<text x="${pad.left}" y="${pad.top + plotH + 12}" font-size="9">${formatNumber(first)}</text>`,
      `<text x="${pad.left + plotW}" y="${pad.top + plotH + 12}" text-anchor="end" font-size="9">${formatNumber(last)}</text>`,
    );
  }
  const legend =
    `<rect x="${pad.left}" y="${height - 12}" width="10" height="8" fill="${REF_COLOR}" fill-opacity="0.55"/>` +
    `<text x="${pad.left + 14}" y="${height - 5}" font-size="9">reference</text>` +
    `<rect x="${pad.left + 80}" y="${height - 12}" width="10" height="8" fill="${CUR_COLOR}" fill-opacity="0.55"/>` +
    `<text x="${pad.left + 94}" y="${height - 5}" font-size="9">current</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="${escapeHtml(`Distribution of ${name}`)}">` +
    bars.join('') +
    axis.join('') +
    legend +
    '</svg>'
  );
}

function datasetLine(label: string, d: DriftReportView['reference']): string {
  const name = d.name ? `${escapeHtml(d.name)} · ` : '';
  return `<li><b>${label}</b>: ${name}${d.rows.toLocaleString('en-US')} rows · <code>${escapeHtml(d.hash.slice(0, 12))}</code></li>`;
}

export function renderDriftReportHtml(r: DriftReportView): string {
  const driftedCount = r.features.filter((f) => f.drifted).length;
  const verdict = r.drifted
    ? `<p class="verdict bad" data-drifted="true">Dataset drift: ${driftedCount} of ${r.features.length} features drifted (${pct(r.share)} ≥ ${pct(r.datasetShareThreshold)}).</p>`
    : `<p class="verdict ok" data-drifted="false">No dataset drift: ${driftedCount} of ${r.features.length} features drifted (${pct(r.share)} &lt; ${pct(r.datasetShareThreshold)}).</p>`;
  const rows = r.features
    .map((f) => {
      const p = f.pValue === undefined ? '' : ` data-p-value="${f.pValue ?? ''}"`;
      return (
        `<tr data-feature="${escapeHtml(f.name)}" data-statistic="${f.statistic ?? ''}"${p} data-threshold="${f.threshold}" data-drifted="${f.drifted}">` +
        `<td>${escapeHtml(f.name)}</td><td>${f.type}</td><td>${escapeHtml(f.method)}</td>` +
        `<td class="num">${formatNumber(f.statistic)}</td>` +
        `<td class="num">${f.pValue === undefined ? '' : formatNumber(f.pValue)}</td>` +
        `<td class="num">${formatNumber(f.threshold)}</td>` +
        `<td class="${f.drifted ? 'bad' : 'ok'}">${f.drifted ? 'drift' : 'ok'}</td>` +
        `<td class="num">${pct(f.nulls.reference)} → ${pct(f.nulls.current)}</td></tr>`
      );
    })
    .join('\n');
  const findings =
    r.findings.length === 0
      ? '<p>No data-quality findings.</p>'
      : `<ul class="findings">${r.findings
          .map(
            (x) =>
              `<li data-kind="${escapeHtml(x.kind)}" data-column="${escapeHtml(x.column)}" class="${x.severity === 'critical' ? 'bad' : 'warn'}">` +
              `<b>${escapeHtml(x.column)}</b> (${escapeHtml(x.kind)}): ${escapeHtml(x.message)}${evidenceHtml(x.evidence)}</li>`,
          )
          .join('')}</ul>`;
  const sections = r.features
    .map((f) => {
      const stats = Object.entries(f.stats)
        .map(([k, v]) => `<span>${escapeHtml(k)} = ${formatNumber(v)}</span>`)
        .join(' · ');
      const chart = f.display ? histogramSvg(f.name, f.display) : '<p>No values to plot.</p>';
      return (
        `<section class="feature" id="f-${escapeHtml(f.name)}"><h3>${escapeHtml(f.name)} ` +
        `<small class="${f.drifted ? 'bad' : 'ok'}">${f.drifted ? 'drift' : 'ok'}</small></h3>` +
        `${chart}<p class="stats">${stats}${f.computation ? ` · ${escapeHtml(f.computation)}` : ''}</p></section>`
      );
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(r.title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:12px 0}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b42318;font-weight:600}.ok{color:#067647}
.warn{color:#b54708}.verdict{font-size:1.1em}.feature{display:inline-block;vertical-align:top;margin:8px 16px 8px 0}
.stats{font-size:12px;color:#555;max-width:420px}h3{margin:8px 0 4px}code{font-size:12px}
.evidence{font-size:12px;color:#555;font-weight:400}.examples{font-size:12px;color:#222;font-weight:400;margin:4px 0 10px}
</style></head><body>
<h1>${escapeHtml(r.title)}</h1>
<p>Checked ${escapeHtml(r.at)}</p>
<ul>${datasetLine('Reference', r.reference)}${datasetLine('Current', r.current)}</ul>
${verdict}
<h2>Features</h2>
<table><thead><tr><th>feature</th><th>type</th><th>method</th><th>statistic</th><th>p-value</th><th>threshold</th><th>result</th><th>missing</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Data quality</h2>
${findings}
<h2>Distributions</h2>
${sections}
</body></html>
`;
}
