/** Drift: every drift check, grouped by the model whose data it watched, with the triage verdicts on its alerts. */
import { api, enc, query, withToken } from './api.js';
import { add, fill, h } from './dom.js';
import { subscribe } from './live.js';
import { setQuery } from './router.js';
import { debounce, empty, errorView, modelLink, section } from './ui.js';
import { driftList } from './view-models.js';

export async function render(outlet, ctx) {
  let model = ctx.query.get('model') ?? '';
  let closed = false;
  const box = h('div', { 'aria-live': 'polite' });
  const models = await api('GET', '/api/console/models').catch(() => ({ models: [] }));
  const pick = h(
    'select',
    { id: 'drift-model' },
    h('option', { value: '' }, 'every model'),
    models.models.map((m) => h('option', { value: m.name, selected: m.name === model }, m.name)),
  );
  pick.addEventListener('change', () => {
    if (closed) return;
    model = pick.value;
    setQuery({ model });
    void load();
  });
  add(
    outlet,
    h('h1', { tabindex: '-1' }, 'Drift'),
    h(
      'p',
      { class: 'filters' },
      h('label', { class: 'field', for: 'drift-model' }, h('span', {}, 'Model'), pick),
    ),
    box,
  );
  const load = async () => {
    try {
      const r = await api('GET', `/api/console/drift${query({ model })}`);
      if (!r.checks.length && !r.triages.length) {
        fill(
          box,
          empty(
            'No drift checks yet.',
            'A plan with a monitor.drift step checks served traffic or a new extract against the training data, e.g. ',
            h('code', {}, 'pipewright run examples/penguins-drift.yaml'),
            '.',
          ),
        );
        return;
      }
      const groups = new Map();
      for (const c of r.checks) {
        const k = c.model ?? '';
        groups.set(k, {
          checks: [...(groups.get(k)?.checks ?? []), c],
          triages: groups.get(k)?.triages ?? [],
        });
      }
      for (const t of r.triages) {
        const k = t.model ?? '';
        groups.set(k, {
          checks: groups.get(k)?.checks ?? [],
          triages: [...(groups.get(k)?.triages ?? []), t],
        });
      }
      fill(
        box,
        [...groups.entries()].map(([m, g]) =>
          section(
            m ? `Model ${m}` : 'Checks not tied to a model',
            m ? h('p', {}, modelLink(m, 'Registry page')) : null,
            driftList(g.checks, g.triages),
            g.checks[0]
              ? h(
                  'p',
                  {},
                  'Latest report: ',
                  h(
                    'a',
                    {
                      href: withToken(
                        `/web/drift/${enc(g.checks[0].runId)}/${enc(g.checks[0].stepId)}/report.html`,
                      ),
                      target: '_blank',
                      rel: 'noopener',
                    },
                    'open as page (HTML)',
                  ),
                  ' · ',
                  h('a', { href: `#/runs/${enc(g.checks[0].runId)}` }, 'histograms in the run'),
                )
              : null,
          ),
        ),
      );
    } catch (e) {
      fill(box, errorView(e));
    }
  };
  await load();
  const refresh = debounce(() => void load(), 800);
  const unsubscribe = subscribe((e) => e.type === 'run.succeeded' && refresh());
  return () => {
    closed = true;
    unsubscribe();
  };
}
