/**
 * Graphs (a plan's DAG, a run's steps, a lineage graph) laid out by elkjs (the Eclipse Layout Kernel's
 * layered algorithm, served as /static/elk.js) and drawn as inline SVG. Nodes may link somewhere (a step
 * opens its panel, a lineage entity re-roots the graph): they are SVG <a> elements, reachable with Tab and
 * opened with Enter. The layout library is loaded on first use.
 */
import { s } from './dom.js';

let elk;

/** Loads elk.js once (a classic script that defines window.ELK). */
function loadElk() {
  elk ??= new Promise((resolve, reject) => {
    if (window.ELK) return resolve(new window.ELK());
    const script = document.createElement('script');
    script.src = '/static/elk.js';
    script.async = true;
    script.addEventListener('load', () => resolve(new window.ELK()));
    script.addEventListener('error', () => {
      elk = undefined;
      reject(new Error('The graph layout library (/static/elk.js) did not load'));
    });
    document.head.appendChild(script);
  });
  return elk;
}

const short = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
let graphs = 0;

/**
 * Lays out and draws a graph into `container`.
 *   nodes: [{ id, title, sub, class, href?, label? }]  (label: accessible name; title/sub: the two lines)
 *   edges: [{ from, to, class? }]                       (arrow from → to)
 *   opts:  { direction: 'DOWN' | 'RIGHT', width?, height?, label }
 */
export async function drawGraph(container, nodes, edges, opts = {}) {
  const W = opts.width ?? 176;
  const H = opts.height ?? 46;
  const ids = new Set(nodes.map((n) => n.id));
  const kept = edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to);
  const layout = await (await loadElk()).layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': opts.direction ?? 'DOWN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.spacing.nodeNode': '18',
      'elk.layered.spacing.nodeNodeBetweenLayers': '34',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.padding': '[top=6,left=6,bottom=6,right=6]',
    },
    children: nodes.map((n) => ({ id: n.id, width: W, height: H })),
    edges: kept.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
  const marker = `arrow-${++graphs}`;
  const pos = new Map(layout.children.map((c) => [c.id, c]));
  const paths = (layout.edges ?? []).flatMap((e, i) =>
    (e.sections ?? []).map((sec) => {
      const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint];
      return s('path', {
        class: `edge ${kept[i]?.class ?? ''}`,
        d: pts.map((p, j) => `${j ? 'L' : 'M'}${p.x},${p.y}`).join(' '),
        'marker-end': `url(#${marker})`,
      });
    }),
  );
  const drawn = nodes.map((n) => {
    const p = pos.get(n.id) ?? { x: 0, y: 0 };
    const box = [
      s('title', {}, n.label ?? `${n.title}${n.sub ? `: ${n.sub}` : ''}`),
      s('rect', { width: W, height: H, rx: n.round ? 16 : 6 }),
      s('text', { x: 10, y: 18, class: 'node-title' }, short(n.title, Math.floor(W / 7.4))),
      n.sub ? s('text', { x: 10, y: 35, class: 'node-sub' }, short(n.sub, Math.floor(W / 6.6))) : null,
    ];
    const attrs = {
      class: `node ${n.class ?? ''}`,
      transform: `translate(${p.x},${p.y})`,
      'data-id': n.id,
    };
    return n.href
      ? s('a', { ...attrs, href: n.href, 'aria-label': n.label ?? n.title }, box)
      : s('g', attrs, box);
  });
  const width = Math.ceil(layout.width ?? W);
  const height = Math.ceil(layout.height ?? H);
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      class: 'graph-svg',
      role: 'group',
      'aria-label': opts.label ?? 'Graph',
      'data-nodes': nodes.length,
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
    paths,
    drawn,
  );
  container.replaceChildren(svg);
  return svg;
}

/** A plan's steps as graph nodes and edges; status (step id → status) colours a run's nodes. */
export function planGraph(steps, status = new Map(), href) {
  const nodes = steps.map((st) => {
    const approval = st.kind === 'approval';
    const state = status.get(st.id);
    const sub = approval ? 'approval' : (st.task ?? '');
    return {
      id: st.id,
      title: st.id,
      sub: state ? `${sub} · ${state}` : sub,
      round: approval,
      class: `kind-${approval ? 'approval' : 'task'}${state ? ` status-${state}` : ''}`,
      label: `${st.id}: ${sub}${state ? `, ${state}` : ''}`,
      ...(href ? { href: href(st.id) } : {}),
    };
  });
  const edges = steps.flatMap((st) => (st.dependsOn ?? []).map((d) => ({ from: d, to: st.id })));
  return { nodes, edges };
}
