/**
 * The chat page: token → goal → plan (DAG + table) → approve / edit / reject → run with live progress over
 * SSE → metrics, confusion matrix and drift charts; beside it the pending approvals across runs and the run
 * history. Everything from the API reaches the DOM as text (see dom.js).
 */
import { ApiError, api, apiStream, enc, runEvents, token } from './api.js';
import { confusionTable, driftHistogram, driftLegend, metricsChart } from './charts.js';
import { drawDag } from './dag.js';
import { byId, duration, fill, fmt, h } from './dom.js';

const EVENT_TYPES = [
  'run.created',
  'run.started',
  'run.resumed',
  'run.waiting',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'step.started',
  'step.progress',
  'step.log',
  'step.retry',
  'step.waiting',
  'step.succeeded',
  'step.failed',
  'step.skipped',
  'approval.decided',
];
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

const state = {
  /** The goal that started the conversation. */
  goal: '',
  /** The planning conversation: answers and changes are sent on it and edit the plan, not the goal. */
  thread: undefined,
  /** Whether the next message answers the planner's question. */
  answering: false,
  plan: undefined,
  runId: undefined,
  events: undefined,
  /** Last progress or log line per step of the followed run. */
  live: new Map(),
  refreshTimer: undefined,
  driftShown: new Set(),
};

// ---- messages ----------------------------------------------------------------------------------------

function say(who, ...children) {
  const li = h(
    'li',
    { class: `msg ${who}` },
    h('span', { class: 'who' }, who === 'you' ? 'You' : 'pipewright'),
    children,
  );
  byId('messages').appendChild(li);
  li.scrollIntoView({ block: 'nearest' });
  return li;
}

/** An API error as people read it: what happened, why, how to fix, and every problem with its path. */
function errorView(e) {
  if (!(e instanceof ApiError)) return h('div', { class: 'error' }, String(e?.message ?? e));
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
          e.problems.map((p) => h('li', {}, `${p.path}: ${p.message}`)),
        )
      : null,
  );
}

// ---- token -------------------------------------------------------------------------------------------

function showToken() {
  const has = token.get() !== '';
  byId('token-state').textContent = has ? 'token saved' : 'no token yet';
  byId('token-help').hidden = has;
}

byId('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = byId('token-input');
  if (!input.value.trim()) return;
  token.set(input.value);
  input.value = '';
  showToken();
  void refreshSide();
});
byId('token-clear').addEventListener('click', () => {
  token.clear();
  showToken();
});

// ---- goal → plan -------------------------------------------------------------------------------------

/** Streams the planner's reply: each progress line appears in the bubble as it comes, then the answer. */
async function planStreamed(goal, pending) {
  const thinking = h('span', { class: 'thinking' }, 'Planning…');
  const steps = h('ul', { class: 'progress', 'aria-label': 'Planner progress' });
  fill(pending, h('span', { class: 'who' }, 'pipewright'), thinking, steps);
  let answer;
  // On a conversation's thread the text answers the planner's question or changes the plan shown.
  const body = { goal, ...(state.thread ? { thread: state.thread } : {}) };
  await apiStream('/api/plans/stream', body, (type, data) => {
    if (type === 'progress') {
      steps.appendChild(h('li', { class: 'progress-line' }, String(data?.message ?? '')));
      pending.scrollIntoView({ block: 'nearest' });
    } else if (type === 'error') answer = { error: new ApiError(500, data) };
    else if (type === 'plan' || type === 'clarify' || type === 'refused') answer = data;
  });
  thinking.remove();
  if (!answer) throw new Error('The planner stream ended without an answer');
  if (answer.error) throw answer.error;
  state.thread = answer.refused ? undefined : answer.thread;
  return { r: answer, steps };
}

async function ask(goal) {
  const send = byId('goal-send');
  send.disabled = true;
  const pending = say('agent', h('span', { class: 'thinking' }, 'Planning…'));
  try {
    const { r, steps } = await planStreamed(goal, pending);
    if (r.clarify) {
      fill(
        pending,
        h('span', { class: 'who' }, 'pipewright'),
        steps,
        h('p', { class: 'question' }, r.clarify),
      );
      state.answering = true;
      byId('goal-input').placeholder = 'Your answer';
      return;
    }
    if (r.refused) {
      state.goal = '';
      fill(
        pending,
        h('span', { class: 'who' }, 'pipewright'),
        steps,
        h('p', { class: 'refused' }, `Not planned: ${r.refused}`),
      );
      return;
    }
    fill(
      pending,
      h('span', { class: 'who' }, 'pipewright'),
      steps,
      h(
        'p',
        {},
        r.problems?.length
          ? `That change was not made (${r.problems.map((p) => p.message).join('; ')}); the plan is still "${r.plan.name}".`
          : `Here is a plan, "${r.plan.name}", with ${r.plan.steps.length} steps. Approve it to run it, or say what to change.`,
      ),
      r.notes?.length
        ? h(
            'ul',
            { class: 'notes' },
            r.notes.map((n) => h('li', {}, n)),
          )
        : null,
    );
    showPlan(r.plan);
  } catch (e) {
    fill(pending, h('span', { class: 'who' }, 'pipewright'), errorView(e));
  } finally {
    send.disabled = false;
  }
}

byId('goal-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = byId('goal-input');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  say('you', h('p', {}, text));
  // An answer to the planner's question goes on its conversation and fills the missing piece; anything else
  // starts a new conversation.
  if (!state.answering) {
    state.thread = undefined;
    state.goal = text;
  }
  state.answering = false;
  input.placeholder = 'Another goal';
  void ask(text);
});
byId('goal-input').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) {
    ev.preventDefault();
    byId('goal-form').requestSubmit();
  }
});

// ---- the plan: DAG, table, approve / edit / reject ----------------------------------------------------

function stepRows(steps, status) {
  const head = h(
    'tr',
    {},
    ['Step', 'Task', 'Depends on', status ? 'Status' : 'Details'].map((t) => h('th', { scope: 'col' }, t)),
  );
  const rows = steps.map((st) => {
    const info = status ? status(st) : details(st);
    return h(
      'tr',
      { 'data-step': st.id },
      h('td', {}, h('code', {}, st.id)),
      h('td', {}, st.kind === 'approval' ? 'approval' : (st.task ?? '')),
      h('td', {}, (st.dependsOn ?? []).join(', ') || '—'),
      h('td', {}, info),
    );
  });
  return [h('thead', {}, head), h('tbody', {}, rows)];
}

function details(st) {
  if (st.kind === 'approval') return `${st.message ?? ''} (timeout ${st.timeout ?? '24h'})`;
  const parts = Object.entries(st.with ?? {}).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
  );
  if (st.when) parts.unshift(`when ${st.when}`);
  const text = parts.join('; ');
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

function showPlan(plan) {
  state.plan = plan;
  byId('plan-panel').hidden = false;
  byId('plan-title').textContent = `Plan: ${plan.name}`;
  drawDag(byId('plan-dag'), plan.steps);
  fill(byId('plan-table'), stepRows(plan.steps));
  byId('edit-form').hidden = true;
  byId('reject-form').hidden = true;
  for (const id of ['plan-approve', 'plan-edit', 'plan-reject']) byId(id).disabled = false;
}

byId('plan-approve').addEventListener('click', async () => {
  if (!state.plan) return;
  byId('plan-approve').disabled = true;
  try {
    const r = await api('POST', '/api/runs', { plan: state.plan });
    state.thread = undefined;
    say('agent', h('p', {}, `Started run ${r.runId}.`));
    byId('plan-panel').hidden = true;
    await openRun(r.runId);
    void refreshSide();
  } catch (e) {
    say('agent', errorView(e));
    byId('plan-approve').disabled = false;
  }
});

byId('plan-edit').addEventListener('click', () => {
  byId('reject-form').hidden = true;
  byId('edit-form').hidden = false;
  byId('edit-text').value = JSON.stringify(state.plan, null, 2);
  fill(byId('edit-problems'));
  byId('edit-text').focus();
});
byId('edit-cancel').addEventListener('click', () => {
  byId('edit-form').hidden = true;
});
byId('edit-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const list = byId('edit-problems');
  try {
    const r = await api('POST', '/api/plans/validate', { plan: byId('edit-text').value });
    if (!r.ok) {
      fill(
        list,
        h('li', { class: 'summary' }, `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}:`),
        r.problems.map((p) => h('li', {}, h('code', {}, p.path || '(plan)'), ` ${p.message}`)),
      );
      return;
    }
    say('agent', h('p', {}, `The edited plan "${r.plan.name}" is valid.`));
    showPlan(r.plan);
  } catch (e) {
    fill(list, h('li', {}, errorView(e)));
  }
});

byId('plan-reject').addEventListener('click', () => {
  byId('edit-form').hidden = true;
  byId('reject-form').hidden = false;
  byId('reject-text').focus();
});
byId('reject-cancel').addEventListener('click', () => {
  byId('reject-form').hidden = true;
});
byId('reject-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const feedback = byId('reject-text').value.trim();
  if (!feedback) return;
  byId('reject-text').value = '';
  byId('plan-panel').hidden = true;
  say('you', h('p', {}, `Change: ${feedback}`));
  // On the plan's conversation, the feedback edits this plan ("use gradient boosting instead").
  void ask(feedback);
});

// ---- a run: live progress and results ----------------------------------------------------------------

async function openRun(runId) {
  state.events?.close();
  state.events = undefined;
  state.runId = runId;
  state.live = new Map();
  state.driftShown = new Set();
  fill(byId('run-charts'));
  byId('run-panel').hidden = false;
  const detail = await loadRun();
  if (detail && !TERMINAL.has(detail.run.status)) follow(runId);
}

/**
 * Follows the run's SSE stream. The server ends the stream when the run finishes or waits; EventSource then
 * reconnects by itself with Last-Event-ID, which picks up where a resumed run goes on. A finished run closes it.
 */
function follow(runId) {
  state.events?.close();
  const es = runEvents(runId);
  state.events = es;
  const onEvent = (msg) => {
    if (state.runId !== runId) return;
    const e = JSON.parse(msg.data);
    if (e.type === 'step.progress' && e.stepId) {
      const pct = Math.round((e.data.fraction ?? 0) * 100);
      state.live.set(e.stepId, `${pct}%${e.data.message ? ` ${e.data.message}` : ''}`);
    } else if (e.type === 'step.log' && e.stepId && typeof e.data.message === 'string') {
      state.live.set(e.stepId, e.data.message);
    }
    if (['run.succeeded', 'run.failed', 'run.cancelled'].includes(e.type)) {
      es.close();
      void refreshSide();
    }
    if (e.type === 'run.waiting' || e.type === 'step.waiting') void refreshSide();
    scheduleRefresh();
  };
  for (const t of EVENT_TYPES) es.addEventListener(t, onEvent);
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => void loadRun(), 120);
}

async function loadRun() {
  const runId = state.runId;
  if (!runId) return undefined;
  try {
    const d = await api('GET', `/api/runs/${enc(runId)}`);
    if (state.runId !== runId) return d;
    renderRun(d);
    return d;
  } catch (e) {
    fill(byId('run-status'), errorView(e));
    return undefined;
  }
}

function renderRun({ run, steps, approvals }) {
  const recs = new Map(steps.map((st) => [st.stepId, st]));
  const statusOf = new Map(steps.map((st) => [st.stepId, st.status]));
  byId('run-panel').dataset.status = run.status;
  byId('run-title').textContent = `Run ${run.id}`;
  fill(
    byId('run-status'),
    h('span', { class: `badge status-${run.status}` }, run.status),
    ` ${run.planName} · started by ${run.createdBy}`,
    run.startedAt ? ` · ${duration(run.startedAt, run.finishedAt)}` : '',
    run.error ? h('span', { class: 'error' }, ` ${run.error.what}`) : '',
  );
  drawDag(byId('run-dag'), run.plan.steps, statusOf);
  const decisions = new Map(approvals.map((a) => [a.stepId, a]));
  fill(
    byId('run-steps'),
    stepRows(run.plan.steps, (st) => {
      const rec = recs.get(st.id);
      const status = rec?.status ?? 'pending';
      const note =
        rec?.error?.what ?? decisionNote(decisions.get(st.id)) ?? rec?.reason ?? state.live.get(st.id);
      return [
        h('span', { class: `badge status-${status}` }, status),
        rec?.startedAt ? ` ${duration(rec.startedAt, rec.finishedAt)}` : '',
        rec?.cached ? ' (cached)' : '',
        note ? h('div', { class: 'note' }, note) : null,
      ];
    }),
  );
  renderResults(run, steps);
}

function decisionNote(a) {
  if (!a) return undefined;
  if (a.status === 'pending') return `waiting: ${a.message}`;
  return `${a.status} by ${a.decidedBy ?? '?'} via ${a.via ?? '?'}${a.comment ? `: ${a.comment}` : ''}`;
}

/** Metrics, confusion matrix and drift histograms from the outputs of finished steps. */
function renderResults(run, steps) {
  const box = byId('run-charts');
  for (const st of steps) {
    if (st.status !== 'succeeded' || !st.output || typeof st.output !== 'object') continue;
    const out = st.output;
    const key = `metrics:${st.stepId}`;
    if (
      out.metrics &&
      typeof out.metrics === 'object' &&
      !box.querySelector(`[data-key="${CSS.escape(key)}"]`)
    ) {
      const figs = h('div', { class: 'result', 'data-key': key });
      figs.appendChild(metricsChart(`Metrics of step ${st.stepId}`, Object.entries(out.metrics)));
      if (out.confusionMatrix) figs.appendChild(confusionTable(out.confusionMatrix));
      box.appendChild(figs);
    }
    if (typeof out.reportJson === 'string' && !state.driftShown.has(st.stepId)) {
      state.driftShown.add(st.stepId);
      void showDrift(run.id, st.stepId, out);
    }
  }
}

async function showDrift(runId, stepId, out) {
  const box = h('div', { class: 'result drift-set', 'data-key': `drift:${stepId}` });
  box.appendChild(
    h(
      'h3',
      {},
      `Drift (step ${stepId}): ${out.drifted ? 'drift detected' : 'no dataset drift'}, ${fmt((out.share ?? 0) * 100)}% of features drifted`,
    ),
  );
  box.appendChild(driftLegend());
  byId('run-charts').appendChild(box);
  try {
    const r = await api('GET', `/web/drift/${enc(runId)}/${enc(stepId)}`);
    const grid = h('div', { class: 'grid' });
    for (const f of r.features.filter((x) => x.display)) grid.appendChild(driftHistogram(f));
    box.appendChild(grid);
  } catch (e) {
    box.appendChild(errorView(e));
  }
}

// ---- approvals across runs and the run history --------------------------------------------------------

async function decide(a, approved, comment, item) {
  for (const b of item.querySelectorAll('button')) b.disabled = true;
  try {
    await api('POST', `/api/runs/${enc(a.runId)}/approvals/${enc(a.stepId)}`, {
      approved,
      ...(comment ? { comment } : {}),
    });
    item.replaceChildren(h('span', {}, `${approved ? 'Approved' : 'Rejected'} ${a.stepId} of ${a.runId}`));
    // The run resumes: follow it again at once instead of waiting for EventSource's reconnect.
    if (state.runId === a.runId) follow(a.runId);
  } catch (e) {
    item.appendChild(errorView(e));
  }
  void refreshSide();
}

function approvalItem(a) {
  const label = `${a.runId} / ${a.stepId}`;
  const comment = h('input', {
    type: 'text',
    placeholder: 'comment (optional)',
    'aria-label': `Comment on ${label}`,
  });
  const item = h(
    'li',
    { class: 'approval', 'data-run': a.runId, 'data-step': a.stepId },
    h('p', { class: 'message' }, a.message),
    h(
      'p',
      { class: 'meta' },
      h('button', { type: 'button', class: 'link', onclick: () => void openRun(a.runId) }, a.runId),
      ` · ${a.stepId} · expires ${new Date(a.expiresAt).toLocaleString()} (then ${a.onTimeout})`,
    ),
    comment,
  );
  item.appendChild(
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'aria-label': `Approve ${label}`,
          onclick: () => void decide(a, true, comment.value.trim(), item),
        },
        'Approve',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'aria-label': `Reject ${label}`,
          onclick: () => void decide(a, false, comment.value.trim(), item),
        },
        'Reject',
      ),
    ),
  );
  return item;
}

async function refreshApprovals() {
  const list = byId('approvals');
  const r = await api('GET', '/api/approvals?status=pending');
  // Keep items being typed into; add new ones, drop decided ones.
  const keep = new Set(r.approvals.map((a) => `${a.runId}/${a.stepId}`));
  for (const li of [...list.children]) if (!li.classList.contains('approval')) li.remove();
  for (const li of [...list.querySelectorAll('li.approval')]) {
    if (!keep.has(`${li.dataset.run}/${li.dataset.step}`)) li.remove();
  }
  for (const a of r.approvals) {
    const exists = [...list.querySelectorAll('li.approval')].some(
      (li) => li.dataset.run === a.runId && li.dataset.step === a.stepId,
    );
    if (!exists) list.appendChild(approvalItem(a));
  }
  if (!r.approvals.length) list.appendChild(h('li', { class: 'empty' }, 'Nothing waits for a decision.'));
}

async function refreshHistory() {
  const r = await api('GET', '/api/runs?limit=20');
  fill(
    byId('history'),
    r.runs.length
      ? r.runs.map((run) =>
          h(
            'li',
            { class: run.id === state.runId ? 'current' : null },
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                onclick: () => void openRun(run.id),
                'aria-label': `Open run ${run.id}`,
              },
              run.planName,
            ),
            ' ',
            h('span', { class: `badge status-${run.status}` }, run.status),
            h(
              'div',
              { class: 'meta' },
              `${run.id} · ${new Date(run.createdAt).toLocaleString()} · ${run.createdBy}`,
            ),
          ),
        )
      : h('li', { class: 'empty' }, 'No runs yet.'),
  );
}

async function refreshSide() {
  if (!token.get()) return;
  try {
    await Promise.all([refreshApprovals(), refreshHistory()]);
  } catch (e) {
    fill(byId('approvals'), h('li', {}, errorView(e)));
  }
}

showToken();
void refreshSide();
setInterval(() => {
  if (document.visibilityState === 'visible') void refreshSide();
}, 4000);
