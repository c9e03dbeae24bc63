/**
 * Charts that grow with history, drawn by uPlot (served as /static/uplot.js): a metric across model
 * versions, a plan's run durations over time. One chart per metric: values of different scales never share
 * an axis. Each chart follows its container's width.
 */

import { fmt, h, when } from './dom.js';
import uPlot from './uplot.js';

const COLORS = ['#2f5fb3', '#c2410c', '#0f766e', '#7c3aed'];

/**
 * A small line chart in a <figure>: x numbers (versions) or times (seconds since the epoch), one or more
 * series of y values. opts: { title, x, series: [{ label, values }], time?: boolean, unit?: string,
 * range?: [min, max] (a fixed y range: scores on 0–1), describe: string (the accessible summary) }.
 */
export function lineChart(opts) {
  const box = h('div', { class: 'uplot-box' });
  const fig = h(
    'figure',
    { class: 'chart line-chart', 'data-chart': opts.title },
    h('figcaption', {}, opts.title),
    box,
    h('p', { class: 'visually-hidden' }, opts.describe ?? ''),
  );
  let plot;
  const size = () => ({ width: Math.max(220, Math.min(box.clientWidth || 320, 640)), height: 150 });
  const make = () => {
    plot?.destroy();
    plot = new uPlot(
      {
        ...size(),
        scales: { x: { time: opts.time === true }, ...(opts.range ? { y: { range: opts.range } } : {}) },
        legend: { show: opts.series.length > 1 },
        cursor: { drag: { x: false, y: false } },
        series: [
          {
            label: opts.time ? 'time' : 'version',
            value: (_u, v) =>
              v === null ? '' : opts.time ? when(new Date(v * 1000).toISOString()) : `v${v}`,
          },
          ...opts.series.map((sr, i) => ({
            label: sr.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            points: { show: true, size: 6 },
            value: (_u, v) => (v === null ? '' : `${fmt(v)}${opts.unit ?? ''}`),
          })),
        ],
        axes: [
          opts.time
            ? {}
            : {
                values: (_u, vals) => vals.map((v) => (Number.isInteger(v) ? `v${v}` : '')),
                incrs: [1, 2, 5, 10, 20, 50],
              },
          { values: (_u, vals) => vals.map((v) => `${fmt(v)}${opts.unit ?? ''}`), size: 56 },
        ],
      },
      [opts.x, ...opts.series.map((sr) => sr.values)],
      box,
    );
  };
  // Drawn once the figure is in the page (its width is known then), and again when the width changes.
  const observer = new ResizeObserver(() => {
    if (!box.isConnected) return observer.disconnect();
    if (!plot) make();
    else plot.setSize(size());
  });
  observer.observe(box);
  return fig;
}
