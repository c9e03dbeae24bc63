/**
 * Charts in inline SVG, no library: a bar chart of evaluation metrics, the confusion matrix as a heatmap
 * table, and drift histograms (reference vs current) per feature.
 */
import { fmt, h, s } from './dom.js';

const REF = 'ref';
const CUR = 'cur';

/** Horizontal bars, one per metric: [[name, value], ...]. Values in [0, 1] share a 0..1 scale. */
export function metricsChart(title, entries) {
  const rows = entries.filter(([, v]) => typeof v === 'number' && Number.isFinite(v));
  const unit = rows.every(([, v]) => v >= 0 && v <= 1);
  const max = unit ? 1 : Math.max(...rows.map(([, v]) => Math.abs(v)), 1e-9);
  const labelW = 120;
  const barW = 260;
  const rowH = 24;
  const width = labelW + barW + 70;
  const height = rows.length * rowH + 8;
  const bars = rows.map(([name, v], i) => {
    const y = 4 + i * rowH;
    const w = Math.max(1, (Math.abs(v) / max) * barW);
    return s(
      'g',
      { class: 'bar', 'data-metric': name },
      s('title', {}, `${name}: ${fmt(v)}`),
      s('text', { x: labelW - 8, y: y + 15, 'text-anchor': 'end', class: 'label' }, name),
      s('rect', { x: labelW, y: y + 3, width: w, height: rowH - 8, class: v < 0 ? 'neg' : 'pos' }),
      s('text', { x: labelW + w + 6, y: y + 15, class: 'value' }, fmt(v)),
    );
  });
  return h(
    'figure',
    { class: 'chart metrics-chart' },
    h('figcaption', {}, title),
    s(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title },
      s('line', { x1: labelW, x2: labelW, y1: 0, y2: height, class: 'axis' }),
      bars,
    ),
  );
}

/** The confusion matrix as a table whose cells are shaded by their share of the row (recall per class). */
export function confusionTable(cm) {
  const labels = cm.labels ?? [];
  const matrix = cm.matrix ?? [];
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'actual ↓ / predicted →'),
    labels.map((l) => h('th', { scope: 'col' }, l)),
  );
  const body = matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, labels[i] ?? String(i)),
      row.map((n, j) => {
        const share = n / total;
        const cls = `${i === j ? 'diag' : 'off'}${share > 0.55 ? ' strong' : ''}`;
        const td = h('td', { class: cls, title: `${fmt(share * 100)}% of row` }, String(n));
        // CSSOM, not a style attribute: allowed under style-src 'self'.
        td.style.setProperty('--share', share.toFixed(3));
        return td;
      }),
    );
  });
  return h(
    'figure',
    { class: 'chart confusion' },
    h('figcaption', {}, 'Confusion matrix'),
    h(
      'table',
      { class: 'heatmap', 'aria-label': 'Confusion matrix' },
      h('thead', {}, head),
      h('tbody', {}, body),
    ),
  );
}

/** One feature's histogram: reference and current shares side by side per bin. */
export function driftHistogram(feature) {
  const d = feature.display;
  const labels =
    d?.categories ?? (d?.edges ?? []).slice(0, -1).map((e, i) => `${fmt(e)}–${fmt(d.edges[i + 1])}`);
  const ref = d?.reference ?? [];
  const cur = d?.current ?? [];
  const n = Math.max(ref.length, cur.length);
  const width = 300;
  const height = 130;
  const plotH = 96;
  const max = Math.max(...ref, ...cur, 1e-9);
  const slot = (width - 10) / Math.max(n, 1);
  const bw = Math.max(1, slot / 2 - 1);
  const bars = [];
  for (let i = 0; i < n; i++) {
    const x = 5 + i * slot;
    for (const [side, values, dx] of [
      [REF, ref, 0],
      [CUR, cur, bw],
    ]) {
      const v = values[i] ?? 0;
      const bh = (v / max) * plotH;
      bars.push(
        s(
          'rect',
          { x: x + dx, y: 8 + plotH - bh, width: bw, height: Math.max(bh, 0.5), class: side },
          s('title', {}, `${labels[i] ?? i}: ${side === REF ? 'reference' : 'current'} ${fmt(v * 100)}%`),
        ),
      );
    }
  }
  const title = `${feature.name}${feature.drifted ? ' — drifted' : ''}`;
  return h(
    'figure',
    { class: `chart drift${feature.drifted ? ' drifted' : ''}` },
    h('figcaption', {}, title),
    s(
      'svg',
      {
        viewBox: `0 0 ${width} ${height}`,
        width,
        height,
        role: 'img',
        'aria-label': `Histogram of ${title}`,
      },
      bars,
      s('line', { x1: 0, x2: width, y1: 8 + plotH, y2: 8 + plotH, class: 'axis' }),
      s('text', { x: 5, y: height - 8, class: 'label' }, labels[0] ?? ''),
      s('text', { x: width - 5, y: height - 8, class: 'label', 'text-anchor': 'end' }, labels[n - 1] ?? ''),
    ),
  );
}

export function driftLegend() {
  return h(
    'p',
    { class: 'legend' },
    h('span', { class: `swatch ${REF}` }),
    ' reference ',
    h('span', { class: `swatch ${CUR}` }),
    ' current',
  );
}
