/**
 * New pipeline: a goal in plain words → the planner's progress, live → the plan as a graph and a table →
 * approve and run (opens the run page), edit (the plan as YAML, as the CLI writes it; every problem listed
 * with its path) or say what to change (the message goes on the planning conversation and edits the plan, as does
 * Reject with feedback; "New goal" leaves it). The conversation stays when you leave the page.
 */
import { ApiError, api, apiStream, enc } from './api.js';
import { add, fill, h } from './dom.js';
import { drawGraph, planGraph } from './graph.js';
import { navigate } from './router.js';
import { errorView } from './ui.js';

const state = {
  /** The goal that started the conversation. */
  goal: '',
  /** The planning conversation: answers and changes go on it and edit the plan, not the goal. */
  thread: undefined,
  /** Whether the next message answers the planner's question. */
  answering: false,
  plan: undefined,
  /** The page, built once and shown again when you come back. */
  page: undefined,
};

const $ = (id) => state.page.querySelector(`#${id}`);

function say(who, ...children) {
  const li = h(
    'li',
    { class: `msg ${who}` },
    h('span', { class: 'who' }, who === 'you' ? 'You' : 'pipewright'),
    children,
  );
  $('messages').appendChild(li);
  li.scrollIntoView({ block: 'nearest' });
  return li;
}

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
  const send = $('goal-send');
  send.disabled = true;
  const pending = say('agent', h('span', { class: 'thinking' }, 'Planning…'));
  try {
    const { r, steps } = await planStreamed(goal, pending);
    const who = h('span', { class: 'who' }, 'pipewright');
    if (r.clarify) {
      fill(pending, who, steps, h('p', { class: 'question' }, r.clarify));
      state.answering = true;
      $('goal-input').placeholder = 'Your answer';
      return;
    }
    if (r.refused) {
      state.goal = '';
      fill(pending, who, steps, h('p', { class: 'refused' }, `Not planned: ${r.refused}`));
      return;
    }
    fill(
      pending,
      who,
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
    await showPlan(r.plan);
  } catch (e) {
    fill(pending, h('span', { class: 'who' }, 'pipewright'), errorView(e));
  } finally {
    send.disabled = false;
  }
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

async function showPlan(plan) {
  state.plan = plan;
  $('plan-panel').hidden = false;
  $('plan-title').textContent = `Plan: ${plan.name}`;
  fill(
    $('plan-table'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Step', 'Task', 'Depends on', 'Details'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      plan.steps.map((st) =>
        h(
          'tr',
          { 'data-step': st.id },
          h('td', {}, h('code', {}, st.id)),
          h('td', {}, st.kind === 'approval' ? 'approval' : (st.task ?? '')),
          h('td', {}, (st.dependsOn ?? []).join(', ') || '—'),
          h('td', {}, details(st)),
        ),
      ),
    ),
  );
  $('edit-form').hidden = true;
  $('reject-form').hidden = true;
  for (const id of ['plan-approve', 'plan-edit', 'plan-reject']) $(id).disabled = false;
  const { nodes, edges } = planGraph(plan.steps);
  await drawGraph($('plan-dag'), nodes, edges, { label: `Plan ${plan.name} as a graph` }).catch((e) =>
    fill($('plan-dag'), errorView(e)),
  );
}

function build() {
  const page = h(
    'div',
    { class: 'chat-page' },
    h('h1', { tabindex: '-1' }, 'New pipeline'),
    h(
      'section',
      { 'aria-labelledby': 'chat-title', class: 'panel' },
      h('h2', { id: 'chat-title' }, 'Describe it'),
      h('ol', { id: 'messages', class: 'messages', 'aria-live': 'polite', 'aria-label': 'Conversation' }),
      h(
        'form',
        { id: 'goal-form', class: 'goal' },
        h('label', { for: 'goal-input' }, 'Goal'),
        h('textarea', {
          id: 'goal-input',
          rows: '2',
          placeholder:
            'e.g. predict species from data/penguins.json with a decision tree, deploy if accuracy >= 0.8, ask me first',
        }),
        h('button', { type: 'submit', id: 'goal-send', class: 'primary' }, 'Send'),
      ),
    ),
    h(
      'section',
      { id: 'plan-panel', 'aria-labelledby': 'plan-title', class: 'panel', hidden: true },
      h('h2', { id: 'plan-title' }, 'Plan'),
      h(
        'div',
        { class: 'graph-and-table' },
        h('div', { id: 'plan-dag', class: 'graph' }),
        h(
          'div',
          { class: 'table-wrap' },
          h('table', { id: 'plan-table', class: 'grid steps', 'aria-label': 'Plan steps' }),
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', id: 'plan-approve', class: 'primary' }, 'Approve and run'),
        h('button', { type: 'button', id: 'plan-edit' }, 'Edit'),
        h('button', { type: 'button', id: 'plan-reject', class: 'danger' }, 'Reject'),
        h('button', { type: 'button', id: 'plan-new', class: 'quiet' }, 'New goal'),
      ),
      h(
        'form',
        { id: 'edit-form', class: 'edit', hidden: true },
        h('label', { for: 'edit-text' }, 'Plan (YAML, as pipewright plan --out writes it; JSON works too)'),
        h('textarea', { id: 'edit-text', rows: '18', spellcheck: 'false' }),
        h('ul', { id: 'edit-problems', class: 'problems', 'aria-label': 'Problems in the edited plan' }),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit' }, 'Validate and use'),
          h('button', { type: 'button', id: 'edit-cancel', class: 'quiet' }, 'Cancel'),
        ),
      ),
      h(
        'form',
        { id: 'reject-form', class: 'edit', hidden: true },
        h('label', { for: 'reject-text' }, 'What should change? (the plan is changed accordingly)'),
        h('textarea', { id: 'reject-text', rows: '3' }),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit' }, 'Plan again'),
          h('button', { type: 'button', id: 'reject-cancel', class: 'quiet' }, 'Cancel'),
        ),
      ),
    ),
  );
  state.page = page;
  if (!$('messages').children.length)
    say(
      'agent',
      h(
        'p',
        {},
        'Say what the pipeline should do, in plain words: the data, the target, the model, the gate, who approves.',
      ),
    );

  $('goal-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('goal-input');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    say('you', h('p', {}, text));
    // While the planner asks or a plan is under review, the text goes on that conversation: it answers the
    // question or changes the plan ("use gradient boosting instead"). Otherwise it starts a new one.
    const onThread = state.thread && (state.answering || !$('plan-panel').hidden);
    if (!onThread) {
      state.thread = undefined;
      state.goal = text;
    }
    state.answering = false;
    input.placeholder = 'What to change, or a new goal after "New goal"';
    void ask(text);
  });
  $('goal-input').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      $('goal-form').requestSubmit();
    }
  });
  $('plan-approve').addEventListener('click', async () => {
    if (!state.plan) return;
    $('plan-approve').disabled = true;
    try {
      const r = await api('POST', '/api/runs', { plan: state.plan });
      state.thread = undefined;
      say('agent', h('p', {}, `Started run ${r.runId}.`));
      $('plan-panel').hidden = true;
      navigate(`#/runs/${enc(r.runId)}`);
    } catch (e) {
      say('agent', errorView(e));
      $('plan-approve').disabled = false;
    }
  });
  $('plan-edit').addEventListener('click', async () => {
    $('reject-form').hidden = true;
    $('edit-form').hidden = false;
    fill($('edit-problems'));
    try {
      $('edit-text').value = (await api('POST', '/api/console/plans/yaml', { plan: state.plan })).yaml;
    } catch {
      $('edit-text').value = JSON.stringify(state.plan, null, 2);
    }
    $('edit-text').focus();
  });
  $('edit-cancel').addEventListener('click', () => {
    $('edit-form').hidden = true;
  });
  $('edit-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const list = $('edit-problems');
    try {
      const r = await api('POST', '/api/plans/validate', { plan: $('edit-text').value });
      if (!r.ok) {
        fill(
          list,
          h('li', { class: 'summary' }, `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}:`),
          r.problems.map((p) => h('li', {}, h('code', {}, p.path || '(plan)'), ` ${p.message}`)),
        );
        return;
      }
      say('agent', h('p', {}, `The edited plan "${r.plan.name}" is valid.`));
      await showPlan(r.plan);
    } catch (e) {
      fill(list, h('li', {}, errorView(e)));
    }
  });
  $('plan-new').addEventListener('click', () => {
    // Leaves this conversation: the next message is a new goal.
    state.thread = undefined;
    state.answering = false;
    $('plan-panel').hidden = true;
    $('goal-input').placeholder = 'A new goal';
    $('goal-input').focus();
  });
  $('plan-reject').addEventListener('click', () => {
    $('edit-form').hidden = true;
    $('reject-form').hidden = false;
    $('reject-text').focus();
  });
  $('reject-cancel').addEventListener('click', () => {
    $('reject-form').hidden = true;
  });
  $('reject-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const feedback = $('reject-text').value.trim();
    if (!feedback) return;
    $('reject-text').value = '';
    $('plan-panel').hidden = true;
    say('you', h('p', {}, `Change: ${feedback}`));
    // On the plan's conversation, the feedback edits this plan.
    void ask(feedback);
  });
  return page;
}

export function render(outlet) {
  add(outlet, state.page ?? build());
  return undefined;
}
