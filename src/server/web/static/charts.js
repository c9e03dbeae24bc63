/**
 * Small fixed-size charts in inline SVG: evaluation metrics as bars that never share an axis across scales
 * (scores in [0, 1] on one 0–1 axis; every other metric — log loss, RMSE, … — on an axis of its own), the
 * confusion matrix as a heatmap table, and drift histograms (reference vs current) with plain-number axes.
 * Charts that grow with history (metrics across model versions, run durations) use uPlot (lines.js).
 */
import { fmt, h, pct, s } from './dom.js';

const REF = 'ref';
const CUR = 'cur';

const LOWER_IS_BETTER = /loss|error|rmse|mae|mse|mape|deviance|brier|_std$/i;
/** Counts and settings recorded beside metrics (cv_folds, rows): shown, never ranked or charted. */
export const NOT_A_METRIC = /folds?$|^n_|_count$|^rows$|_rows$|seconds$/i;
const SCORE = /acc|prec|recall|f1|auc|score|r2|kappa|mcc|jaccard|ap$|map/i;

/** Whether a higher value of this metric is better (the run's own direction when it recorded one). */
export function higherIsBetter(name, directions) {
  if (directions && typeof directions[name] === 'boolean') return directions[name];
  return !LOWER_IS_BETTER.test(name);
}

/** Metric families: scores bounded to [0, 1] share one axis; every other metric stands alone. */
export function metricFamilies(names, values) {
  const scores = [];
  const others = [];
  for (const n of names) {
    if (NOT_A_METRIC.test(n)) continue;
    const vs = values(n).filter((v) => typeof v === 'number' && Number.isFinite(v));
    if (SCORE.test(n) && !LOWER_IS_BETTER.test(n) && vs.every((v) => v >= 0 && v <= 1)) scores.push(n);
    else others.push(n);
  }
  return { scores, others };
}

/** A "nice" upper bound for an axis: 1, 2, 2.5, 5 × 10^k at or above x. */
export function niceMax(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/**
 * Bars per metric. series: [{ label, values: {name: number}, class }] (e.g. the model, then its baseline or
 * production); directions: {name: higherIsBetter}.
 */
export function metricsPanel(title, series, directions) {
  const names = [...new Set(series.flatMap((x) => Object.keys(x.values ?? {})))].filter((n) =>
    series.some((x) => typeof x.values?.[n] === 'number' && Number.isFinite(x.values[n])),
  );
  const { scores, others } = metricFamilies(names, (n) => series.map((x) => x.values?.[n]));
  const legend =
    series.length > 1
      ? h(
          'p',
          { class: 'legend' },
          series.map((x, i) => [h('span', { class: `swatch bar-${i}` }), ` ${x.label} `]),
        )
      : null;
  const figures = [];
  if (scores.length)
    figures.push(barFigure(`Scores (0–1)`, scores, series, directions, 1, 'metric-family-scores'));
  for (const n of others) {
    const max = niceMax(Math.max(...series.map((x) => Math.abs(x.values?.[n] ?? 0))));
    figures.push(barFigure(n, [n], series, directions, max, 'metric-family-own'));
  }
  return h(
    'div',
    { class: 'metrics-panel' },
    h('h3', {}, title),
    legend,
    h('div', { class: 'metric-figures' }, figures),
  );
}

function barFigure(caption, names, series, directions, max, cls) {
  const labelW = 118;
  const barW = 220;
  const barH = 12;
  const rowH = series.length * (barH + 3) + 10;
  const axisH = 20;
  const width = labelW + barW + 64;
  const height = names.length * rowH + axisH + 4;
  const x = (v) => labelW + (Math.max(0, Math.min(Math.abs(v), max)) / max) * barW;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * max);
  const rows = names.map((name, i) => {
    const y0 = 4 + i * rowH;
    const dir = higherIsBetter(name, directions) ? 'higher is better' : 'lower is better';
    return s(
      'g',
      { class: 'bar', 'data-metric': name },
      s('text', { x: labelW - 8, y: y0 + rowH / 2 + 3, 'text-anchor': 'end', class: 'label' }, name),
      series.map((sr, j) => {
        const v = sr.values?.[name];
        if (typeof v !== 'number' || !Number.isFinite(v)) return null;
        const y = y0 + j * (barH + 3);
        return s(
          'g',
          {},
          s('title', {}, `${name} (${sr.label}): ${fmt(v)}, ${dir}`),
          s('rect', {
            x: labelW,
            y,
            width: Math.max(1, x(v) - labelW),
            height: barH,
            class: `bar-${j}${v < 0 ? ' neg' : ''}`,
          }),
          s('text', { x: x(v) + 4, y: y + barH - 2, class: 'value' }, fmt(v)),
        );
      }),
    );
  });
  const axisY = names.length * rowH + 6;
  const axis = s(
    'g',
    { class: 'axis' },
    s('line', { x1: labelW, x2: labelW + barW, y1: axisY, y2: axisY }),
    ticks.map((t) =>
      s(
        'g',
        {},
        s('line', { x1: x(t), x2: x(t), y1: axisY, y2: axisY + 4 }),
        s('text', { x: x(t), y: axisY + 15, 'text-anchor': 'middle', class: 'tick' }, fmt(t)),
      ),
    ),
  );
  const dirNote =
    names.length === 1 ? ` (${higherIsBetter(names[0], directions) ? 'higher' : 'lower'} is better)` : '';
  return h(
    'figure',
    { class: `chart metrics-chart ${cls}` },
    h('figcaption', {}, `${caption}${dirNote}`),
    s(
      'svg',
      {
        viewBox: `0 0 ${width} ${height}`,
        width,
        height,
        role: 'img',
        'aria-label': `${caption}: ${names
          .map((n) => `${n} ${series.map((sr) => `${sr.label} ${fmt(sr.values?.[n])}`).join(', ')}`)
          .join('; ')}`,
      },
      rows,
      axis,
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
        const td = h('td', { class: cls, title: `${pct(share)} of row` }, String(n));
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
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'heatmap', 'aria-label': 'Confusion matrix' },
        h('thead', {}, head),
        h('tbody', {}, body),
      ),
    ),
  );
}

/** Bin labels: categories, one whole number per bin, or "a–b" ranges with plain numbers. */
export function binLabels(d) {
  if (d?.categories) return d.categories.map(String);
  const e = d?.edges ?? [];
  // Edges at k ± ½ are whole-number bins: label them with the numbers they hold.
  const wholeBins = e.length > 1 && e.every((x) => Math.abs(x - Math.floor(x) - 0.5) < 1e-9);
  const unit = e.length > 1 && e.slice(1).every((x, i) => Math.abs(x - e[i] - 1) < 1e-9);
  if (wholeBins && unit) return e.slice(0, -1).map((x) => fmt(x + 0.5));
  if (wholeBins) return e.slice(0, -1).map((x, i) => `${fmt(x + 0.5)}–${fmt(e[i + 1] - 0.5)}`);
  return e.slice(0, -1).map((x, i) => `${fmt(x)}–${fmt(e[i + 1])}`);
}

/** One feature's histogram: reference and current shares side by side per bin, with labelled axes. */
export function driftHistogram(feature) {
  const d = feature.display;
  const labels = binLabels(d);
  const ref = d?.reference ?? [];
  const cur = d?.current ?? [];
  const n = Math.max(ref.length, cur.length);
  const left = 38;
  const width = 320;
  const plotW = width - left - 6;
  const plotH = 100;
  const top = 8;
  const labelRows = d?.categories || n <= 8 ? 28 : 18;
  const height = top + plotH + labelRows + 6;
  const max = niceMax(Math.max(...ref, ...cur, 1e-9));
  const slot = plotW / Math.max(n, 1);
  const bw = Math.max(1, slot / 2 - 1);
  const bars = [];
  for (let i = 0; i < n; i++) {
    const x = left + i * slot;
    for (const [side, values, dx] of [
      [REF, ref, 0],
      [CUR, cur, bw],
    ]) {
      const v = values[i] ?? 0;
      const bh = (v / max) * plotH;
      bars.push(
        s(
          'rect',
          { x: x + dx + 0.5, y: top + plotH - bh, width: bw, height: Math.max(bh, 0.5), class: side },
          s('title', {}, `${labels[i] ?? i}: ${side === REF ? 'reference' : 'current'} ${pct(v)}`),
        ),
      );
    }
  }
  // X labels: categories under their bars when they fit; numbers as ticks at about five bin edges (for
  // whole-number bins, at the bin's first whole number), never one label per bin crowding the axis.
  const xTicks = [];
  if (d?.categories) {
    const every = n <= 8 ? 1 : Math.ceil(n / 4);
    for (let i = 0; i < n; i += every)
      xTicks.push({
        x: left + i * slot + slot / 2,
        text: labels[i] ?? '',
        anchor: 'middle',
        room: every * slot,
      });
  } else if (n > 0) {
    const e = d?.edges ?? [];
    const whole = e.length > 1 && e.every((v) => Math.abs(v - Math.floor(v) - 0.5) < 1e-9);
    const every = Math.max(1, Math.ceil(n / 4));
    for (let i = 0; i <= n; i += every) {
      if (whole && i === n) break;
      xTicks.push({
        x: whole ? left + i * slot + slot / 2 : left + i * slot,
        text: fmt(whole ? (e[i] ?? 0) + 0.5 : (e[i] ?? 0)),
        anchor: 'middle',
        room: every * slot,
      });
    }
  }
  const yTicks = [0, 0.5, 1].map((t) => t * max);
  const title = `${feature.name}${feature.drifted ? ' — drifted' : ''}`;
  return h(
    'figure',
    { class: `chart drift${feature.drifted ? ' drifted' : ''}` },
    h('figcaption', {}, title, feature.method ? h('span', { class: 'meta' }, ` (${feature.method})`) : null),
    s(
      'svg',
      {
        viewBox: `0 0 ${width} ${height}`,
        width,
        height,
        role: 'img',
        'aria-label': `Histogram of ${title}, share of rows per ${d?.categories ? 'category' : 'bin'}, reference and current`,
      },
      s(
        'g',
        { class: 'axis' },
        yTicks.map((t) =>
          s(
            'g',
            {},
            s('line', {
              x1: left - 3,
              x2: left + plotW,
              y1: top + plotH - (t / max) * plotH,
              y2: top + plotH - (t / max) * plotH,
              class: t ? 'gridline' : '',
            }),
            s(
              'text',
              { x: left - 5, y: top + plotH - (t / max) * plotH + 3, 'text-anchor': 'end', class: 'tick' },
              pct(t),
            ),
          ),
        ),
      ),
      bars,
      s(
        'g',
        { class: 'axis' },
        xTicks.map((t) =>
          s(
            'g',
            {},
            s('line', { x1: t.x, x2: t.x, y1: top + plotH, y2: top + plotH + 3 }),
            s(
              'text',
              {
                x: t.x,
                y: top + plotH + 14,
                'text-anchor': t.x > width - 24 ? 'end' : t.anchor,
                class: 'tick',
              },
              shortLabel(t.text, Math.max(4, Math.floor(t.room / 6))),
            ),
          ),
        ),
      ),
    ),
  );
}

const shortLabel = (t, n) => (t.length > n ? `${t.slice(0, n - 1)}…` : t);

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
