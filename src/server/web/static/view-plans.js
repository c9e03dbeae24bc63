/**
 * Plans (pipelines): every plan the run store or a trigger knows, with its runs by status, last run and
 * triggers; one plan's YAML (as the CLI writes it), graph, triggers, run durations over time (uPlot) and
 * runs, with "Run this plan" for operators.
 */
import { api, enc } from './api.js';
import { add, ago, duration, fill, fmt, h, timeEl, when } from './dom.js';
import { drawGraph, planGraph } from './graph.js';
import { lineChart } from './lines.js';
import { subscribe } from './live.js';
import { navigate } from './router.js';
import { whoAmI } from './session.js';
import { badge, can, debounce, empty, errorView, planLink, runLink, section, table } from './ui.js';

export function triggerText(t) {
  if (t.kind === 'cron') return `cron ${t.spec.schedule} (${t.timezone})`;
  if (t.kind === 'file') return `new ${t.spec.pattern ?? '*'} in ${t.spec.path}`;
  if (t.kind === 'webhook') return `webhook POST /hooks/${t.name}`;
  if (t.kind === 'drift') return `drift alert${t.spec.model ? ` of ${t.spec.model}` : ''}`;
  if (t.kind === 'bucket') return `new object at ${t.spec.url}`;
  return t.kind;
}

function counts(byStatus) {
  const order = ['running', 'waiting', 'interrupted', 'failed', 'succeeded', 'cancelled', 'queued'];
  return h(
    'span',
    { class: 'counts' },
    order.filter((s) => byStatus[s]).map((s) => [badge(s, `${byStatus[s]} ${s}`), ' ']),
  );
}

export async function renderList(outlet) {
  const box = h('div', { 'aria-live': 'polite' });
  add(outlet, h('h1', { tabindex: '-1' }, 'Plans'), box);
  const load = async () => {
    try {
      const { plans } = await api('GET', '/api/console/plans');
      fill(
        box,
        plans.length
          ? table(
              'Plans',
              [
                {
                  title: 'Plan',
                  cell: (p) => [
                    planLink(p.name),
                    p.description || p.goal ? h('div', { class: 'note' }, p.description ?? p.goal) : null,
                  ],
                },
                { title: 'Steps', class: 'num', cell: (p) => String(p.steps) },
                {
                  title: 'Runs',
                  cell: (p) =>
                    p.runs ? [h('strong', {}, String(p.runs)), ' ', counts(p.byStatus)] : 'none yet',
                },
                {
                  title: 'Last run',
                  cell: (p) =>
                    p.lastRun
                      ? [
                          badge(p.lastRun.status),
                          ' ',
                          runLink(p.lastRun.id, ago(p.lastRun.createdAt)),
                          ` by ${p.lastRun.createdBy}`,
                        ]
                      : '—',
                },
                {
                  title: 'Triggers',
                  cell: (p) =>
                    p.triggers.length
                      ? h(
                          'ul',
                          { class: 'plain' },
                          p.triggers.map((t) =>
                            h(
                              'li',
                              {},
                              triggerText(t),
                              t.nextFires?.[0]
                                ? h(
                                    'span',
                                    { class: 'note' },
                                    ` next ${when(t.nextFires[0])} (${ago(t.nextFires[0])})`,
                                  )
                                : null,
                              t.enabled ? '' : ' (disabled)',
                            ),
                          ),
                        )
                      : '—',
                },
              ],
              plans,
              { class: 'plans', key: (p) => p.name },
            )
          : empty(
              'No plans yet: plans appear here once they run or get a trigger.',
              'Describe one in ',
              h('a', { href: '#/new' }, 'New pipeline'),
              ', or from a terminal: ',
              h('code', {}, 'pipewright run examples/penguins.yaml'),
            ),
      );
    } catch (e) {
      fill(box, errorView(e));
    }
  };
  await load();
  const refresh = debounce(() => void load(), 500);
  return subscribe((e) => e.type.startsWith('run.') && refresh());
}

export async function renderOne(outlet, ctx) {
  const name = ctx.params.name;
  const me = await whoAmI().catch(() => undefined);
  add(outlet, h('h1', { tabindex: '-1' }, `Plan ${name}`));
  let p;
  try {
    p = await api('GET', `/api/console/plans/${enc(name)}`);
  } catch (e) {
    add(outlet, errorView(e), h('p', {}, h('a', { href: '#/plans' }, 'All plans')));
    return undefined;
  }
  const graph = h('div', { class: 'graph', id: 'plan-graph' });
  const runButton =
    can(me, 'operator') && p.plan
      ? h('button', { type: 'button', class: 'primary', id: 'plan-run' }, 'Run this plan')
      : null;
  const feedback = h('div', { role: 'status' });
  const yaml = h(
    'pre',
    { class: 'yaml', tabindex: '0', 'aria-label': 'The plan as YAML', id: 'plan-yaml' },
    p.yaml || '(the stored plan no longer validates)',
  );
  const copy = h('button', { type: 'button', class: 'link' }, 'Copy YAML');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(p.yaml);
      feedback.replaceChildren('Copied.');
    } catch {
      feedback.replaceChildren('Copying needs clipboard access; select the text instead.');
    }
  });
  const durations = p.runs.filter((r) => r.seconds !== undefined).reverse();
  add(
    outlet,
    p.plan?.description || p.plan?.goal ? h('p', { class: 'lead' }, p.plan.description ?? p.plan.goal) : null,
    h(
      'p',
      { class: 'actions' },
      runButton,
      h('a', { class: 'button', href: `#/runs?plan=${enc(name)}` }, 'All runs of this plan'),
    ),
    feedback,
    h(
      'div',
      { class: 'two' },
      section('Steps', graph),
      section(
        'Plan (YAML)',
        h(
          'p',
          {},
          copy,
          h('span', { class: 'meta' }, ` · save it and run it with pipewright run ${name}.yaml`),
        ),
        yaml,
      ),
    ),
    section(
      'Triggers',
      p.triggers.length
        ? table(
            'Triggers',
            [
              { title: 'Trigger', cell: (t) => t.name },
              { title: 'When', cell: (t) => triggerText(t) },
              {
                title: 'Next fire',
                cell: (t) =>
                  t.nextFires?.length ? [timeEl(t.nextFires[0]), ` (${ago(t.nextFires[0])})`] : '—',
              },
              {
                title: 'Last fire',
                cell: (t) =>
                  t.lastFire
                    ? [
                        t.lastFire.status,
                        ' ',
                        t.lastFire.runId ? runLink(t.lastFire.runId) : (t.lastFire.reason ?? ''),
                      ]
                    : '—',
              },
            ],
            p.triggers,
          )
        : empty(
            'No triggers: this plan runs when someone starts it.',
            'Schedule it with ',
            h('code', {}, `pipewright scheduler add ${name}.yaml --cron "0 2 * * *" --timezone Europe/Oslo`),
          ),
    ),
    section(
      'Run durations',
      durations.length > 1
        ? lineChart({
            title: 'Seconds per finished run',
            x: durations.map((r) => Date.parse(r.createdAt) / 1000),
            series: [{ label: 'duration', values: durations.map((r) => r.seconds) }],
            time: true,
            unit: ' s',
            describe: `${durations.length} runs, from ${fmt(Math.min(...durations.map((r) => r.seconds)))} to ${fmt(Math.max(...durations.map((r) => r.seconds)))} seconds`,
          })
        : empty('The chart appears after two finished runs.'),
    ),
    section(
      'Runs',
      p.runs.length
        ? table(
            'Runs of this plan',
            [
              { title: 'Status', cell: (r) => badge(r.status) },
              { title: 'Run', cell: (r) => runLink(r.id) },
              { title: 'Created', cell: (r) => timeEl(r.createdAt) },
              { title: 'By', cell: (r) => r.createdBy },
              {
                title: 'Took',
                class: 'num',
                cell: (r) =>
                  r.seconds !== undefined
                    ? duration(new Date(0).toISOString(), new Date(r.seconds * 1000).toISOString())
                    : '—',
              },
            ],
            p.runs.slice(0, 20),
          )
        : empty('Not run yet.'),
    ),
    p.versions.length > 1
      ? section(
          'Versions',
          table(
            'Plan versions',
            [
              { title: 'Hash', cell: (v) => h('code', {}, v.hash.slice(0, 12)) },
              { title: 'First run', cell: (v) => timeEl(v.firstSeen) },
              { title: 'Last run', cell: (v) => timeEl(v.lastSeen) },
              { title: 'Runs', class: 'num', cell: (v) => String(v.runs) },
            ],
            p.versions,
          ),
        )
      : null,
  );
  if (p.plan?.steps) {
    const { nodes, edges } = planGraph(p.plan.steps);
    await drawGraph(graph, nodes, edges, { label: `Steps of plan ${name}` }).catch((e) =>
      fill(graph, errorView(e)),
    );
  }
  runButton?.addEventListener('click', async () => {
    runButton.disabled = true;
    try {
      const r = await api('POST', '/api/runs', { plan: p.plan });
      navigate(`#/runs/${enc(r.runId)}`);
    } catch (e) {
      runButton.disabled = false;
      feedback.replaceChildren(errorView(e));
    }
  });
  return undefined;
}
