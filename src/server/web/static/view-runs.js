/**
 * Runs: search and filters (status, plan, who, trigger, dates) and pages, all in the URL
 * (#/runs?status=failed&plan=churn&page=2); the list refreshes live as runs change.
 */
import { api, query } from './api.js';
import { add, duration, fill, h, timeEl } from './dom.js';
import { subscribe } from './live.js';
import { setQuery } from './router.js';
import { badge, debounce, empty, errorView, pager, planLink, runLink, table } from './ui.js';

const STATUSES = ['queued', 'running', 'waiting', 'interrupted', 'succeeded', 'failed', 'cancelled'];
const FIELDS = ['q', 'status', 'plan', 'who', 'trigger', 'from', 'to'];
const LIMIT = 25;

function stepsText(counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const done = (counts.succeeded ?? 0) + (counts.skipped ?? 0);
  const parts = [`${done}/${total}`];
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.running) parts.push(`${counts.running} running`);
  if (counts.waiting) parts.push(`${counts.waiting} waiting`);
  return parts.join(', ');
}

export async function render(outlet, ctx) {
  const values = Object.fromEntries(FIELDS.map((f) => [f, ctx.query.get(f) ?? '']));
  let offset = Number(ctx.query.get('offset') ?? 0) || 0;
  let closed = false;
  const facets = await api('GET', '/api/console/runs/facets').catch(() => ({
    plans: [],
    users: [],
    triggers: [],
  }));

  const select = (name, label, options) =>
    h(
      'label',
      { class: 'field' },
      h('span', {}, label),
      h(
        'select',
        { name },
        h('option', { value: '' }, 'any'),
        options.map((o) => h('option', { value: o, selected: values[name] === o }, o)),
      ),
    );
  const input = (name, label, type, extra = {}) =>
    h(
      'label',
      { class: 'field' },
      h('span', {}, label),
      h('input', { name, type, value: values[name], ...extra }),
    );
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Search and filter runs' },
    input('q', 'Search', 'search', { placeholder: 'run id, plan, person, error…' }),
    select('status', 'Status', STATUSES),
    select('plan', 'Plan', facets.plans),
    select('who', 'Started by', facets.users),
    select('trigger', 'Trigger', facets.triggers),
    input('from', 'From', 'date'),
    input('to', 'To', 'date'),
    h('button', { type: 'reset', class: 'quiet' }, 'Clear'),
  );
  const results = h('div', { class: 'results', 'aria-live': 'polite', 'aria-busy': 'true' });
  add(outlet, h('h1', { tabindex: '-1' }, 'Runs'), form, results);

  const hrefFor = (o) => `#/runs${query({ ...values, offset: o || '' })}`;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await api('GET', `/api/console/runs${query({ ...values, offset, limit: LIMIT })}`);
      if (mine !== seq) return;
      const filtered = FIELDS.some((f) => values[f]);
      fill(
        results,
        page.runs.length
          ? [
              table(
                'Runs',
                [
                  { title: 'Status', cell: (r) => badge(r.status) },
                  { title: 'Plan', cell: (r) => planLink(r.planName) },
                  { title: 'Run', cell: (r) => runLink(r.id) },
                  { title: 'Started by', cell: (r) => r.createdBy },
                  { title: 'Trigger', cell: (r) => r.trigger },
                  { title: 'Created', cell: (r) => timeEl(r.createdAt) },
                  {
                    title: 'Duration',
                    cell: (r) => (r.startedAt ? duration(r.startedAt, r.finishedAt) : '—'),
                    class: 'num',
                  },
                  {
                    title: 'Steps',
                    cell: (r) => [
                      stepsText(r.steps),
                      r.error?.what ? h('div', { class: 'note' }, r.error.what) : null,
                    ],
                  },
                ],
                page.runs,
                { class: 'runs-table', key: (r) => r.id, rowClass: (r) => `status-${r.status}` },
              ),
              pager(page, hrefFor),
            ]
          : filtered
            ? empty(
                'No run matches these filters.',
                h('a', { href: '#/runs' }, 'Clear the filters'),
                ' or widen the dates.',
              )
            : empty(
                'No runs yet.',
                'Describe a pipeline in ',
                h('a', { href: '#/new' }, 'New pipeline'),
                ', or run one from a terminal: ',
                h('code', {}, 'pipewright run examples/penguins.yaml'),
              ),
      );
    } catch (e) {
      fill(results, errorView(e));
    } finally {
      if (mine === seq) results.setAttribute('aria-busy', 'false');
    }
  };

  const apply = () => {
    // A late event of a page already left (a blur as the page changed) changes nothing.
    if (closed || !form.isConnected) return;
    for (const f of FIELDS) values[f] = form.elements[f].value.trim();
    offset = 0;
    setQuery(values);
    void load();
  };
  form.addEventListener('change', apply);
  form.addEventListener(
    'input',
    debounce((ev) => ev.target.name === 'q' && apply(), 300),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    apply();
  });
  form.addEventListener('reset', () => setTimeout(apply, 0));

  await load();
  const refresh = debounce(() => void load(), 400);
  const unsubscribe = subscribe((e) => {
    if (e.type.startsWith('run.') || e.type === 'step.succeeded' || e.type === 'step.failed') refresh();
  });
  return () => {
    closed = true;
    unsubscribe();
  };
}
