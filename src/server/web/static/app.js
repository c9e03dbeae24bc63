/**
 * The console: one layout (header, navigation, the view), one URL per view (hash routing: shareable,
 * reloadable, the back button works), live updates over one SSE feed. Without a token every page shows the
 * token form first. Everything from the API reaches the DOM as text (see dom.js).
 */
import { api, token } from './api.js';
import { byId } from './dom.js';
import { connect, disconnect, subscribe, watchState } from './live.js';
import { location, rerender, route, start } from './router.js';
import { forgetMe, whoAmI } from './session.js';
import { debounce } from './ui.js';
import * as approvals from './view-approvals.js';
import * as ask from './view-ask.js';
import * as chat from './view-chat.js';
import * as drift from './view-drift.js';
import * as lineage from './view-lineage.js';
import * as models from './view-models.js';
import * as overview from './view-overview.js';
import * as plans from './view-plans.js';
import * as run from './view-run.js';
import * as runs from './view-runs.js';
import * as schedules from './view-schedules.js';
import * as tokenView from './view-token.js';

/** Every view but the token page needs a token: without one, the token page asks for it first. */
const guarded = (render) => (outlet, ctx) => {
  if (!token.get()) {
    const next = window.location.hash || '#/';
    return tokenView.render(outlet, { ...ctx, query: new URLSearchParams({ next }) }, onTokenChange);
  }
  return render(outlet, ctx);
};

route('/', 'Overview', guarded(overview.render));
route('/runs', 'Runs', guarded(runs.render));
route('/runs/:id', (p) => `Run ${p.id}`, guarded(run.render));
route('/plans', 'Plans', guarded(plans.renderList));
route('/plans/:name', (p) => `Plan ${p.name}`, guarded(plans.renderOne));
route('/approvals', 'Approvals', guarded(approvals.render));
route('/models', 'Models', guarded(models.renderList));
route('/models/:name', (p) => `Model ${p.name}`, guarded(models.renderOne));
route('/lineage', 'Lineage', guarded(lineage.render));
route('/lineage/:entity', (p) => `Lineage of ${p.entity}`, guarded(lineage.render));
route('/schedules', 'Schedules', guarded(schedules.render));
route('/drift', 'Drift', guarded(drift.render));
route('/ask', 'Ask', guarded(ask.render));
route('/new', 'New pipeline', guarded(chat.render));
route('/token', 'Token', (outlet, ctx) => tokenView.render(outlet, ctx, onTokenChange));

// ---- header: navigation, who, live state, the approvals count ---------------------------------------------

const nav = byId('nav');
const toggle = byId('menu-toggle');
toggle.addEventListener('click', () => {
  const open = toggle.getAttribute('aria-expanded') !== 'true';
  toggle.setAttribute('aria-expanded', String(open));
  nav.classList.toggle('open', open);
});

function highlight(loc) {
  const top = `/${loc.path.split('/')[1] ?? ''}`;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === top) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // A narrow screen closes the menu once a page is picked.
  toggle.setAttribute('aria-expanded', 'false');
  nav.classList.remove('open');
}

async function showWho() {
  const who = byId('who');
  if (!token.get()) {
    who.textContent = 'Add a token';
    who.classList.add('warn');
    return;
  }
  who.classList.remove('warn');
  try {
    const me = await whoAmI();
    who.textContent = `${me.name} · ${me.role}`;
  } catch {
    who.textContent = 'Token not accepted';
    who.classList.add('warn');
  }
}

async function countApprovals() {
  const badge = byId('approvals-count');
  if (!token.get()) {
    badge.hidden = true;
    return;
  }
  try {
    const n = (await api('GET', '/api/approvals?status=pending')).approvals.length;
    badge.textContent = String(n);
    badge.hidden = n === 0;
    badge.setAttribute('aria-label', `${n} waiting`);
  } catch {
    badge.hidden = true;
  }
}

watchState((s) => {
  const el = byId('live');
  el.dataset.state = s;
  el.textContent = s === 'live' ? 'live' : s === 'reconnecting' ? 'reconnecting…' : '';
});
const recount = debounce(() => void countApprovals(), 300);
subscribe((e) => {
  if (
    e.type === 'step.waiting' ||
    e.type === 'approval.decided' ||
    e.type === 'run.waiting' ||
    e.type.startsWith('run.')
  )
    recount();
});

function onTokenChange() {
  forgetMe();
  disconnect();
  connect();
  void showWho();
  void countApprovals();
}

// Pages built before a token was saved: render them again once it is.
window.addEventListener('storage', (e) => {
  if (e.key === 'pipewright.token') {
    onTokenChange();
    rerender();
  }
});

connect();
void showWho();
void countApprovals();
start(byId('view'), (loc) => highlight(loc ?? location()));
