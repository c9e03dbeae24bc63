/**
 * Ask the history: a question answered from the lineage graph and run memory (POST /api/ask), each cited id a
 * link; and a plain search over run memory (GET /api/memory/search). The question is in the URL.
 */
import { api, query } from './api.js';
import { add, fill, fmt, h } from './dom.js';
import { setQuery } from './router.js';
import { badge, empty, errorView, idLink, runLink, table } from './ui.js';

const EXAMPLES = [
  'what is in production?',
  'which data trained the model in production and who approved it?',
  'why did the last run fail?',
  'runs that drifted',
];

/** The answer's text with every known id turned into a link. */
function linked(text, ids) {
  if (!ids.length) return [text];
  const re = new RegExp(`(${ids.map((i) => i.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'g');
  return text.split(re).map((part) => (ids.includes(part) ? idLink(part) : part));
}

export async function render(outlet, ctx) {
  const q = ctx.query.get('q') ?? '';
  let closed = false;
  const input = h(
    'textarea',
    { id: 'ask-input', rows: '2', placeholder: 'e.g. which data trained the model in production?' },
    q,
  );
  const answer = h('div', { id: 'ask-answer', 'aria-live': 'polite' });
  const hits = h('div', { id: 'ask-hits' });
  const form = h(
    'form',
    { class: 'ask', 'aria-label': 'Ask the history' },
    h('label', { for: 'ask-input' }, 'Question'),
    input,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Ask'),
      h('button', { type: 'button', id: 'ask-search' }, 'Search run memory'),
    ),
    h(
      'p',
      { class: 'examples' },
      'Try: ',
      EXAMPLES.map((x) => [h('button', { type: 'button', class: 'link', onclick: () => go(x) }, x), ' ']),
    ),
  );
  add(outlet, h('h1', { tabindex: '-1' }, 'Ask'), form, answer, hits);
  const ask = async (text) => {
    fill(answer, h('p', { class: 'meta' }, 'Looking…'));
    try {
      const r = await api('POST', '/api/ask', { question: text });
      const ids = Object.values(r.citations ?? {}).flat();
      fill(
        answer,
        h('h2', {}, 'Answer'),
        h('p', { class: 'answer' }, linked(r.answer, ids)),
        h(
          'p',
          { class: 'meta' },
          `from ${r.source === 'lineage' ? 'the lineage graph' : 'run memory'}, written by ${r.writtenBy === 'model' ? `the model${r.prompt ? ` (${r.prompt})` : ''}` : 'a template (no model)'}`,
        ),
        ids.length
          ? h(
              'dl',
              { class: 'facts' },
              Object.entries(r.citations)
                .filter(([, v]) => v.length)
                .map(([k, v]) => [
                  h('dt', {}, k),
                  h(
                    'dd',
                    {},
                    v.map((id) => [idLink(id), ' ']),
                  ),
                ]),
            )
          : null,
      );
    } catch (e) {
      fill(answer, errorView(e));
    }
  };
  const search = async (text) => {
    try {
      const r = await api('GET', `/api/memory/search${query({ q: text, limit: 10 })}`);
      fill(
        hits,
        h('h2', {}, 'Run memory'),
        r.hits.length
          ? table(
              'Memory hits',
              [
                { title: 'Run', cell: (x) => (x.run_id ? runLink(x.run_id) : '') },
                { title: 'Status', cell: (x) => (x.status ? badge(x.status) : '') },
                { title: 'Plan', cell: (x) => x.pipeline ?? '' },
                { title: 'Kind', cell: (x) => `${x.kind}${x.step ? ` (${x.step})` : ''}` },
                {
                  title: 'What',
                  cell: (x) => h('span', { class: 'note' }, String(x.text ?? '').slice(0, 240)),
                },
                { title: 'Score', class: 'num', cell: (x) => fmt(x.score ?? 0) },
              ],
              r.hits,
            )
          : empty(
              'Nothing in run memory matches.',
              'Memory fills as runs finish; rebuild it with ',
              h('code', {}, 'pipewright memory rebuild'),
              '.',
            ),
      );
    } catch (e) {
      fill(hits, errorView(e));
    }
  };
  const go = (text) => {
    if (closed) return;
    input.value = text;
    setQuery({ q: text });
    void ask(text);
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (input.value.trim()) go(input.value.trim());
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  form
    .querySelector('#ask-search')
    .addEventListener('click', () => input.value.trim() && void search(input.value.trim()));
  if (q) await ask(q);
  return () => {
    closed = true;
  };
}
