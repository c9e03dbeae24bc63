/**
 * A plan drawn as a DAG in inline SVG, top to bottom. Layered layout from dependsOn: a step's layer (row) is
 * one more than its deepest dependency; within a row, steps are ordered by the mean position of their
 * dependencies (barycenter), which keeps most edges from crossing in the small graphs plans make. Plans are
 * mostly long chains, so rows stack downwards and the graph stays narrow beside the step table.
 */
import { s } from './dom.js';

const W = 150;
const H = 40;
const GAP_X = 14;
const GAP_Y = 22;
const PAD = 8;

/** { layers: string[][], pos: Map<id, {x, y}>, width, height } for steps [{id, dependsOn}]. */
export function layoutDag(steps) {
  const byId = new Map(steps.map((st) => [st.id, st]));
  const layer = new Map();
  const depth = (id, seen) => {
    if (layer.has(id)) return layer.get(id);
    if (seen.has(id)) return 0; // a cycle (plans are validated, so only in a broken edit): draw it flat
    seen.add(id);
    const deps = (byId.get(id)?.dependsOn ?? []).filter((d) => byId.has(d));
    const d = deps.length ? 1 + Math.max(...deps.map((x) => depth(x, seen))) : 0;
    layer.set(id, d);
    return d;
  };
  for (const st of steps) depth(st.id, new Set());

  const layers = [];
  for (const st of steps) {
    const l = layer.get(st.id);
    layers[l] ??= [];
    layers[l].push(st.id);
  }
  // Order each layer by the mean index of its dependencies in the layers before.
  const index = new Map();
  for (const ids of layers) {
    if (!ids) continue;
    const key = (id) => {
      const deps = (byId.get(id)?.dependsOn ?? []).filter((d) => index.has(d));
      return deps.length ? deps.reduce((a, d) => a + index.get(d), 0) / deps.length : ids.indexOf(id);
    };
    ids.sort((a, b) => key(a) - key(b));
    ids.forEach((id, i) => {
      index.set(id, i);
    });
  }

  const cols = Math.max(1, ...Array.from(layers, (ids) => ids?.length ?? 0));
  const width = PAD * 2 + cols * W + (cols - 1) * GAP_X;
  const pos = new Map();
  layers.forEach((ids, l) => {
    if (!ids) return;
    const left = PAD + ((cols - ids.length) * (W + GAP_X)) / 2;
    ids.forEach((id, i) => {
      pos.set(id, { x: left + i * (W + GAP_X), y: PAD + l * (H + GAP_Y) });
    });
  });
  const height = PAD * 2 + layers.length * H + Math.max(0, layers.length - 1) * GAP_Y;
  return { layers, pos, width, height };
}

const short = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

let graphs = 0;

/**
 * Draws steps [{id, kind, task, dependsOn}] into `container`; `status` maps step ids to a run status
 * (pending, running, waiting, succeeded, failed, skipped, cancelled) that colours the node.
 */
export function drawDag(container, steps, status = new Map()) {
  const { pos, width, height } = layoutDag(steps);
  const marker = `arrow-${++graphs}`;
  const edges = [];
  for (const st of steps) {
    const to = pos.get(st.id);
    for (const dep of st.dependsOn ?? []) {
      const from = pos.get(dep);
      if (!from || !to) continue;
      const x1 = from.x + W / 2;
      const y1 = from.y + H;
      const x2 = to.x + W / 2;
      const y2 = to.y - 2;
      const my = (y1 + y2) / 2;
      edges.push(
        s('path', {
          class: 'edge',
          d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`,
          'marker-end': `url(#${marker})`,
        }),
      );
    }
  }
  const nodes = steps.map((st) => {
    const p = pos.get(st.id);
    const kind = st.kind === 'approval' ? 'approval' : 'task';
    const state = status.get(st.id);
    const sub = kind === 'approval' ? 'approval' : (st.task ?? '');
    return s(
      'g',
      {
        class: `node kind-${kind}${state ? ` status-${state}` : ''}`,
        transform: `translate(${p.x},${p.y})`,
        'data-step': st.id,
      },
      s('title', {}, `${st.id}: ${sub}${state ? ` (${state})` : ''}`),
      s('rect', { width: W, height: H, rx: kind === 'approval' ? 14 : 5 }),
      s('text', { x: 9, y: 16, class: 'node-id' }, short(st.id, 20)),
      s('text', { x: 9, y: 32, class: 'node-sub' }, short(sub, 24)),
    );
  });
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      class: 'dag-svg',
      'aria-hidden': 'true',
      'data-steps': steps.length,
    },
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: marker,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }),
      ),
    ),
    edges,
    nodes,
  );
  container.replaceChildren(svg);
  return svg;
}
