/**
 * The e-mail form of a notification: a subject from the severity and title, a plain-text body that reads
 * well in any client, and a simple HTML body (inline styles only, no images, no scripts) with the same
 * content: summary, drifted features, data-quality findings, the datasets compared and the report path.
 */
import type { DriftAlert } from '../monitor/drift-alert.ts';

export interface MailContent {
  title: string;
  text: string;
  severity: 'info' | 'warning' | 'critical';
  alert?: DriftAlert;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const MAX_FEATURES = 25;
const MAX_FINDINGS = 15;

/** One line, at most `max` characters: no header injection through a title. */
function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** "[pipewright] Nightly check" for info; the severity up front otherwise, so inbox rules can sort it. */
export function mailSubject(m: Pick<MailContent, 'title' | 'severity'>): string {
  const tag = m.severity === 'info' ? '[pipewright]' : `[pipewright ${m.severity.toUpperCase()}]`;
  return oneLine(`${tag} ${m.title}`, 200);
}

function statistic(v: number | null): string {
  return v === null ? 'n/a' : String(Number(v.toPrecision(3)));
}

function dataset(d: DriftAlert['reference']): string {
  return `${d.name ?? d.hash.slice(0, 12)} (${d.rows} rows, ${d.hash.slice(0, 12)})`;
}

export function renderMail(m: MailContent, footer: string): RenderedMail {
  const a = m.alert;
  const text: string[] = [m.title, '', m.text];
  const html: string[] = [
    `<h2 style="margin:0 0 8px">${escapeHtml(m.title)}</h2>`,
    `<p style="margin:0 0 12px"><b>${escapeHtml(m.severity)}</b> · ${escapeHtml(m.text)}</p>`,
  ];
  if (a) {
    if (a.features.length > 0) {
      const shown = a.features.slice(0, MAX_FEATURES);
      text.push('', 'Drifted features:');
      for (const f of shown)
        text.push(`  - ${f.name}: ${f.method} = ${statistic(f.statistic)} (threshold ${f.threshold})`);
      if (a.features.length > shown.length) text.push(`  … and ${a.features.length - shown.length} more`);
      html.push(
        '<h3 style="margin:12px 0 4px">Drifted features</h3>',
        '<table cellpadding="4" style="border-collapse:collapse">',
        '<tr><th align="left">feature</th><th align="left">test</th><th align="right">statistic</th><th align="right">threshold</th></tr>',
        ...shown.map(
          (f) =>
            `<tr><td><code>${escapeHtml(f.name)}</code></td><td>${f.method}</td>` +
            `<td align="right">${statistic(f.statistic)}</td><td align="right">${f.threshold}</td></tr>`,
        ),
        '</table>',
      );
      if (a.features.length > shown.length)
        html.push(`<p>… and ${a.features.length - shown.length} more</p>`);
    }
    if (a.findings.length > 0) {
      const shown = a.findings.slice(0, MAX_FINDINGS);
      text.push('', 'Data quality:');
      for (const f of shown) text.push(`  - [${f.severity}] ${f.column}: ${f.message}`);
      if (a.findings.length > shown.length) text.push(`  … and ${a.findings.length - shown.length} more`);
      html.push(
        '<h3 style="margin:12px 0 4px">Data quality</h3>',
        '<ul>',
        ...shown.map(
          (f) =>
            `<li><b>${f.severity}</b> <code>${escapeHtml(f.column)}</code>: ${escapeHtml(f.message)}</li>`,
        ),
        '</ul>',
      );
    }
    const facts: [string, string][] = [
      ['Reference', dataset(a.reference)],
      ['Current', dataset(a.current)],
      ['Drifted share', `${Math.round(a.share * 1000) / 10}%`],
      ['Checked at', a.at],
      ['Report', a.report.html],
    ];
    text.push('', ...facts.map(([k, v]) => `${`${k}:`.padEnd(15)}${v}`));
    html.push(
      '<table cellpadding="2" style="margin-top:12px">',
      ...facts.map(([k, v]) => `<tr><td><b>${k}</b></td><td>${escapeHtml(v)}</td></tr>`),
      '</table>',
    );
  }
  text.push('', '--', footer);
  html.push(`<p style="color:#666;font-size:12px;margin-top:16px">${escapeHtml(footer)}</p>`);
  return {
    subject: mailSubject(m),
    text: `${text.join('\n')}\n`,
    html: `<!doctype html><html><body style="font-family:sans-serif">\n${html.join('\n')}\n</body></html>\n`,
  };
}
