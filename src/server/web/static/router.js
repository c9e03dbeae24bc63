/**
 * Hash routing: every view has a URL (#/runs?status=failed, #/runs/<id>?step=train) that can be shared,
 * reloaded and walked with the back button. A view renders into the outlet and may return a cleanup
 * function (closing its event streams), or { dispose, query(location) } to take changes of its query itself
 * (a run page switching steps keeps its live stream). Filters a view changes are pushed as history entries
 * without a re-render, so typing keeps focus and the back button still restores them.
 */

const routes = [];
let outlet;
let current;
let shownPath = '';
let shown = '';
let renders = 0;
let onChange = () => {};

/** Registers a view: pattern like '/runs/:id', title for document.title, render(outlet, ctx). */
export function route(pattern, title, render) {
  const names = [];
  const re = new RegExp(
    `^${pattern.replace(/:([a-z]+)/g, (_, n) => {
      names.push(n);
      return '([^/]+)';
    })}$`,
  );
  routes.push({ re, names, title, render, pattern });
}

/** The current location as { path, query }. */
export function location() {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const i = raw.indexOf('?');
  return { path: i < 0 ? raw : raw.slice(0, i), query: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)) };
}

/** Goes to a hash (a history entry); the view renders on the hashchange. */
export function navigate(hash) {
  if (window.location.hash === hash) void render();
  else window.location.hash = hash;
}

/** Changes the current view's query (filters, selected step) as a new history entry, without re-rendering. */
export function setQuery(params, { replace = false } = {}) {
  const { path } = location();
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  const hash = `#${path}${s ? `?${s}` : ''}`;
  if (hash === window.location.hash) return;
  if (replace) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
  shown = hash;
  onChange(location());
}

async function render() {
  const hash = window.location.hash || '#/';
  if (hash === shown) return;
  const first = shown === '';
  shown = hash;
  const loc = location();
  if (loc.path === shownPath && current?.query) {
    onChange(loc);
    current.query(loc);
    return;
  }
  shownPath = loc.path;
  const mine = ++renders;
  const match = routes.map((r) => ({ r, m: r.re.exec(loc.path) })).find((x) => x.m);
  try {
    (current?.dispose ?? current)?.();
  } catch {
    // A view's cleanup never blocks the next one.
  }
  current = undefined;
  // Leaving a field fires its change event: let it fire now, after the view's cleanup, not mid-render.
  if (outlet.contains(document.activeElement)) document.activeElement.blur();
  outlet.replaceChildren();
  onChange(loc, match?.r);
  if (!match) {
    document.title = 'Not found · pipewright';
    const { notFound } = await import('./view-missing.js');
    notFound(outlet, loc.path);
    return;
  }
  const params = Object.fromEntries(match.r.names.map((n, i) => [n, decodeURIComponent(match.m[i + 1])]));
  document.title = `${typeof match.r.title === 'function' ? match.r.title(params) : match.r.title} · pipewright`;
  const cleanup = await match.r.render(outlet, { params, query: loc.query, path: loc.path });
  if (mine !== renders) {
    // Another view took the outlet while this one was loading.
    (cleanup?.dispose ?? cleanup)?.();
    return;
  }
  current = cleanup;
  // Keyboard and screen-reader users land on the new view's heading, not at the top of the page.
  if (!first) (outlet.querySelector('h1') ?? outlet).focus({ preventScroll: false });
}

/** Starts routing into `el`; `changed(location, route)` is told of every change (navigation highlight). */
export function start(el, changed) {
  outlet = el;
  onChange = changed ?? onChange;
  window.addEventListener('hashchange', () => void render());
  window.addEventListener('popstate', () => void render());
  void render();
}

/** Renders the current view again (after the token changed). */
export function rerender() {
  shown = '';
  shownPath = '';
  void render();
}
