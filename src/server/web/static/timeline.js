/**
 * A run's timeline as a Gantt chart (inline SVG): one row per step, its attempts as bars (green succeeded,
 * red failed, striped when retried), the waits between them (retry back-off, approval, queue for a worker
 * or GPU) as lighter bars, skipped steps as a mark; time axis in plain seconds/minutes from the run's start.
 * Bars still going reach to now and grow as the run goes on.
 */
import { duration, h, ms, s, when } from './dom.js';

const ROW = 24;
const LABEL = 132;

function niceStep(totalMs) {
  const steps = [
    100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000,
    3_600_000, 7_200_000, 21_600_000, 86_400_000,
  ];
  return steps.find((st) => totalMs / st <= 6) ?? 86_400_000;
}

const label = (n) =>
  n < 1000
    ? `${n} ms`
    : n < 60_000
      ? `${n / 1000} s`
      : n < 3_600_000
        ? `${n / 60_000} min`
        : `${n / 3_600_000} h`;

/** tl: the answer of GET /api/console/runs/:id/timeline; width: pixels available. */
export function timelineChart(tl, width = 760, now = Date.now()) {
  const t0 = Date.parse(tl.start);
  const ends = tl.steps.flatMap((st) => st.segments.map((g) => (g.end ? Date.parse(g.end) : now)));
  const t1 = Math.max(t0 + 1000, tl.end ? Date.parse(tl.end) : now, ...ends);
  const plotW = Math.max(160, width - LABEL - 12);
  const x = (t) => LABEL + ((t - t0) / (t1 - t0)) * plotW;
  const rows = tl.steps.length;
  const height = rows * ROW + 30;
  const step = niceStep(t1 - t0);
  const ticks = [];
  for (let t = 0; t <= t1 - t0; t += step) ticks.push(t);
  const body = tl.steps.map((st, i) => {
    const y = i * ROW + 4;
    const bars = st.segments.map((g) => {
      const a = Date.parse(g.start);
      const b = g.end ? Date.parse(g.end) : now;
      const cls = `seg seg-${g.kind}${g.outcome ? ` out-${g.outcome}` : ''}${g.end ? '' : ' open'}`;
      const what =
        g.kind === 'attempt'
          ? `attempt ${g.attempt ?? ''} ${g.outcome ?? ''}`
          : g.kind === 'backoff'
            ? `retry wait${g.note ? ` (${g.note})` : ''}`
            : g.kind === 'approval'
              ? `waiting for approval${g.outcome && g.outcome !== 'waiting' ? `, ${g.outcome}` : ''}`
              : 'queued (waiting for a worker, a GPU or a free slot)';
      return s(
        'rect',
        { x: x(a), y: y + 3, width: Math.max(2, x(b) - x(a)), height: ROW - 10, class: cls, rx: 2 },
        s(
          'title',
          {},
          `${st.stepId}: ${what}, ${duration(g.start, g.end)} (from ${when(g.start)})${g.note && g.kind === 'attempt' ? ` — ${g.note}` : ''}`,
        ),
      );
    });
    const skip = st.skipped
      ? s(
          'g',
          { class: 'seg-skipped' },
          s('title', {}, `${st.stepId} skipped${st.skipped.reason ? `: ${st.skipped.reason}` : ''}`),
          s('line', {
            x1: x(Date.parse(st.skipped.at)),
            x2: x(Date.parse(st.skipped.at)),
            y1: y + 3,
            y2: y + ROW - 7,
          }),
          s('text', { x: x(Date.parse(st.skipped.at)) + 4, y: y + ROW - 9, class: 'tick' }, 'skipped'),
        )
      : null;
    return s(
      'g',
      { class: `row status-${st.status}`, 'data-step': st.stepId },
      s(
        'text',
        { x: LABEL - 8, y: y + ROW / 2 + 2, 'text-anchor': 'end', class: 'label' },
        st.stepId.length > 18 ? `${st.stepId.slice(0, 17)}…` : st.stepId,
      ),
      s('line', { x1: LABEL, x2: LABEL + plotW, y1: y + ROW - 2, y2: y + ROW - 2, class: 'rowline' }),
      bars,
      skip,
    );
  });
  const axisY = rows * ROW + 6;
  const axis = s(
    'g',
    { class: 'axis' },
    ticks.map((t) =>
      s(
        'g',
        {},
        s('line', { x1: x(t0 + t), x2: x(t0 + t), y1: 0, y2: axisY, class: 'gridline' }),
        s('text', { x: x(t0 + t), y: axisY + 14, 'text-anchor': 'middle', class: 'tick' }, label(t)),
      ),
    ),
  );
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${LABEL + plotW + 12} ${height}`,
      width: LABEL + plotW + 12,
      height,
      role: 'img',
      'aria-label': `Timeline of the run's steps over ${ms(t1 - t0)}`,
    },
    axis,
    body,
  );
  return h(
    'figure',
    { class: 'chart timeline' },
    h('div', { class: 'table-wrap' }, svg),
    h(
      'p',
      { class: 'legend' },
      [
        ['sw-succeeded', 'succeeded'],
        ['sw-failed', 'failed'],
        ['sw-retried', 'failed, retried'],
        ['sw-backoff', 'retry wait'],
        ['sw-approval', 'approval wait'],
        ['sw-queued', 'queued'],
        ['sw-running', 'running'],
      ].map(([cls, text]) => [h('span', { class: `swatch ${cls}` }), ` ${text} `]),
    ),
  );
}
