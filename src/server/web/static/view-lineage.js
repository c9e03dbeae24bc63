/**
 * Lineage: pick an entity (run, dataset, model version, deployment, approval, alert), see where it came from
 * and what came from it as one graph (elkjs, left to right: origins → the entity → what it produced). Every
 * node links to its own lineage (#/lineage/<id>), so the graph is walked by clicking; a list beside the
 * graph names every node for keyboards and screen readers.
 */
import { api, enc, query } from './api.js';
import { add, fill, h, timeEl } from './dom.js';
import { drawGraph } from './graph.js';
import { navigate } from './router.js';
import { debounce, empty, errorView, lineageLink, modelLink, runLink, section, table } from './ui.js';

const KINDS = ['run', 'dataset', 'model', 'deployment', 'approval', 'alert', 'plan', 'step', 'prompt'];

/** Where an entity has a page of its own besides lineage. */
function pageOf(e) {
  if (e.kind === 'run') return runLink(e.id.replace(/^run:/, ''), 'run page');
  const model = /^model:(.+)@\d+$/.exec(e.id) ?? /^(.+)@\d+$/.exec(e.label ?? '');
  if (e.kind === 'model' && model) return modelLink(model[1], 'registry');
  return null;
}

export async function render(outlet, ctx) {
  const entity = ctx.params.entity;
  const depth = Math.min(8, Math.max(1, Number(ctx.query.get('depth') ?? 3) || 3));
  add(outlet, h('h1', { tabindex: '-1' }, entity ? `Lineage of ${entity}` : 'Lineage'));
  const search = h('input', {
    type: 'search',
    id: 'lineage-q',
    name: 'q',
    placeholder: 'model name, dataset hash, run id…',
    value: entity ? '' : (ctx.query.get('q') ?? ''),
  });
  const kind = h(
    'select',
    { id: 'lineage-kind', name: 'kind' },
    h('option', { value: '' }, 'any kind'),
    KINDS.map((k) => h('option', { value: k, selected: ctx.query.get('kind') === k }, k)),
  );
  const list = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find a lineage entity' },
    h('label', { class: 'field', for: 'lineage-q' }, h('span', {}, 'Find'), search),
    h('label', { class: 'field', for: 'lineage-kind' }, h('span', {}, 'Kind'), kind),
  );
  const find = async () => {
    try {
      const r = await api(
        'GET',
        `/api/console/lineage${query({ q: search.value.trim(), kind: kind.value, limit: entity ? 12 : 60 })}`,
      );
      fill(
        list,
        r.entities.length
          ? table(
              'Entities',
              [
                { title: 'Entity', cell: (e) => lineageLink(e.id) },
                { title: 'Kind', cell: (e) => e.kind },
                { title: 'Label', cell: (e) => e.label },
                { title: 'Recorded', cell: (e) => timeEl(e.at) },
              ],
              r.entities,
              { class: 'entities' },
            )
          : empty(
              search.value || kind.value
                ? 'Nothing recorded matches.'
                : 'Nothing recorded yet: lineage is recorded as runs execute.',
              'Run a plan, e.g. ',
              h('code', {}, 'pipewright run examples/penguins.yaml'),
              ', then come back.',
            ),
      );
    } catch (e) {
      fill(list, errorView(e));
    }
  };
  form.addEventListener(
    'input',
    debounce(() => void find(), 250),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void find();
  });

  if (!entity) {
    add(outlet, form, list);
    await find();
    return undefined;
  }

  const graph = h('div', { class: 'graph lineage-graph', id: 'lineage-graph' });
  const nodesBox = h('div', {});
  const depthSel = h(
    'select',
    { id: 'lineage-depth' },
    [1, 2, 3, 4, 6, 8].map((d) =>
      h('option', { value: String(d), selected: d === depth }, `${d} step${d === 1 ? '' : 's'}`),
    ),
  );
  depthSel.addEventListener('change', () => navigate(`#/lineage/${enc(entity)}?depth=${depthSel.value}`));
  add(
    outlet,
    h(
      'p',
      { class: 'actions' },
      h('label', { for: 'lineage-depth' }, 'Follow edges up to '),
      depthSel,
      ' each way · ',
      h('a', { href: '#/lineage' }, 'Another entity'),
    ),
    graph,
    nodesBox,
  );
  try {
    const [up, down] = await Promise.all(
      ['up', 'down'].map((d) => api('GET', `/api/lineage/${enc(entity)}?direction=${d}&depth=${depth}`)),
    );
    const nodes = new Map();
    for (const n of [...up.nodes, ...down.nodes]) nodes.set(n.id, n);
    const edges = new Map();
    for (const e of [...up.edges, ...down.edges]) edges.set(`${e.src}|${e.type}|${e.dst}`, e);
    const rootId = up.root.id;
    // Stored edges point from a thing to what it came from; drawn from origin to product.
    await drawGraph(
      graph,
      [...nodes.values()].map((n) => ({
        id: n.id,
        title: n.label.length > 2 && n.label !== n.id ? n.label : n.id,
        sub: `${n.kind} · ${n.id}`,
        class: `kind-${n.kind}${n.id === rootId ? ' root' : ''}`,
        href: `#/lineage/${enc(n.id)}${depth !== 3 ? `?depth=${depth}` : ''}`,
        label: `${n.kind} ${n.label} (${n.id})${n.id === rootId ? ', shown entity' : ''}`,
        round: n.kind === 'approval',
      })),
      [...edges.values()].map((e) => ({ from: e.dst, to: e.src, class: `edge-${e.type}` })),
      { direction: 'RIGHT', width: 200, label: `Lineage of ${entity}: ${nodes.size} entities` },
    );
    const root = nodes.get(rootId);
    fill(
      nodesBox,
      section(
        'Entities in this graph',
        root ? h('p', {}, h('strong', {}, root.label), ` (${root.kind}) `, pageOf(root)) : null,
        table(
          'Entities in the graph',
          [
            { title: 'Entity', cell: (n) => lineageLink(n.id) },
            { title: 'Kind', cell: (n) => n.kind },
            { title: 'Label', cell: (n) => n.label },
            { title: 'How', cell: (n) => relation(n.id, rootId, [...edges.values()]) },
            { title: 'Page', cell: (n) => pageOf(n) ?? '' },
          ],
          [...nodes.values()].sort((a, b) => (a.id === rootId ? -1 : b.id === rootId ? 1 : 0)),
          { class: 'entities' },
        ),
      ),
    );
  } catch (e) {
    fill(graph, errorView(e));
    add(outlet, form, list);
    search.value = entity;
    await find();
  }
  return undefined;
}

function relation(id, rootId, edges) {
  if (id === rootId) return 'shown entity';
  const e = edges.find((x) => (x.src === rootId && x.dst === id) || (x.dst === rootId && x.src === id));
  if (!e) return '';
  const verb = e.type.replace(/_/g, ' ');
  return e.src === rootId ? `the shown entity ${verb} this` : `this ${verb} the shown entity`;
}
