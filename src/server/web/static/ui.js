/**
 * Pieces every view shares: status badges, empty states, errors as people read them, tables, pagers,
 * sections, and the links that make ids clickable. Everything builds nodes (dom.js), never markup.
 */
import { ApiError, enc } from './api.js';
import { h } from './dom.js';

/** Every run and step status, with the words shown beside its colour (colour is never the only cue). */
const STATUS_TEXT = {
  queued: 'queued',
  pending: 'pending',
  running: 'running',
  waiting: 'waiting for approval',
  interrupted: 'interrupted',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
  rejected: 'rejected',
  approved: 'approved',
};

export function badge(status, text) {
  const s = String(status ?? 'pending');
  return h('span', { class: `badge status-${s}` }, text ?? STATUS_TEXT[s] ?? s);
}

/** An empty state: what is missing and what to do about it (a command, a link). */
export function empty(what, ...todo) {
  return h(
    'div',
    { class: 'empty', role: 'note' },
    h('p', { class: 'empty-what' }, what),
    todo.length ? h('p', {}, todo) : null,
  );
}

/** An error as people read it: what happened, why, how to fix, and every problem with its path. */
export function errorView(e) {
  if (!(e instanceof ApiError)) return h('div', { class: 'error', role: 'alert' }, String(e?.message ?? e));
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('strong', {}, e.message),
    e.why ? h('div', {}, `Why: ${e.why}`) : null,
    e.fix ? h('div', {}, `Fix: ${e.fix}`) : null,
    e.problems.length
      ? h(
          'ul',
          {},
          e.problems.map((p) => h('li', {}, h('code', {}, p.path || '(plan)'), ` ${p.message}`)),
        )
      : null,
  );
}

/** A stored error (run or step): what, why and fix as recorded. */
export function storedError(err) {
  if (!err) return null;
  return h(
    'div',
    { class: 'error', role: 'alert' },
    h('strong', {}, err.what ?? err.code ?? 'failed'),
    err.why ? h('div', {}, `Why: ${err.why}`) : null,
    err.fix ? h('div', {}, `Fix: ${err.fix}`) : null,
    err.code ? h('div', { class: 'meta' }, `code ${err.code}`) : null,
  );
}

/** A titled section of a page. */
export function section(title, ...children) {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

/**
 * A table: columns [{ title, cell(row), class? }], rows; wrapped so that it scrolls sideways on small
 * screens instead of breaking the page.
 */
export function table(label, columns, rows, opts = {}) {
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label },
    h(
      'table',
      { class: `grid ${opts.class ?? ''}` },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col', class: c.class ?? null }, c.title)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            { class: opts.rowClass?.(r) ?? null, 'data-key': opts.key?.(r) ?? null },
            columns.map((c) => h('td', { class: c.class ?? null, 'data-label': c.title }, c.cell(r))),
          ),
        ),
      ),
    ),
  );
}

/** "1–25 of 134" with previous / next links to `hrefFor(offset)`. */
export function pager({ offset, limit, total }, hrefFor) {
  const last = Math.min(offset + limit, total);
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    h('span', { role: 'status' }, total ? `${offset + 1}–${last} of ${total}` : '0 of 0'),
    offset > 0
      ? h('a', { class: 'button', href: hrefFor(Math.max(0, offset - limit)), rel: 'prev' }, '← Newer')
      : h('span', { class: 'button disabled', 'aria-disabled': 'true' }, '← Newer'),
    last < total
      ? h('a', { class: 'button', href: hrefFor(offset + limit), rel: 'next' }, 'Older →')
      : h('span', { class: 'button disabled', 'aria-disabled': 'true' }, 'Older →'),
  );
}

export const runLink = (id, text) => h('a', { href: `#/runs/${enc(id)}` }, text ?? id);
export const stepLink = (runId, stepId, text) =>
  h('a', { href: `#/runs/${enc(runId)}?step=${enc(stepId)}` }, text ?? stepId);
export const planLink = (name, text) => h('a', { href: `#/plans/${enc(name)}` }, text ?? name);
export const modelLink = (name, text) => h('a', { href: `#/models/${enc(name)}` }, text ?? name);
export const lineageLink = (id, text) => h('a', { href: `#/lineage/${enc(id)}` }, text ?? id);

/** A link for an id found in text: runs, models and lineage entities each open their page. */
export function idLink(id) {
  if (/^run-/.test(id)) return runLink(id);
  if (/^run:/.test(id)) return runLink(id.slice(4));
  return lineageLink(id);
}

/** Key-value pairs as a description list. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

/** A JSON value, pretty, in a scrollable block. */
export function json(value, label = 'JSON') {
  return h('pre', { class: 'json', tabindex: '0', 'aria-label': label }, JSON.stringify(value, null, 2));
}

/** Whether a role may do what `need` allows (viewer < operator < approver < admin). */
export function can(me, need) {
  const roles = me?.roles ?? ['viewer', 'operator', 'approver', 'admin'];
  return roles.indexOf(me?.role) >= roles.indexOf(need);
}

/** Calls fn at most once per `waitMs`, the last call always going through. */
export function debounce(fn, waitMs) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), waitMs);
  };
}
