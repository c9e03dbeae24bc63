/**
 * The overview: what waits for a decision, what failed or was interrupted, the latest runs, what is in
 * production, what fires next and the latest drift checks; each card links to its page, and refreshes live.
 */
import { api } from './api.js';
import { add, ago, fill, fmt, h, pct } from './dom.js';
import { subscribe } from './live.js';
import { badge, debounce, empty, errorView, modelLink, planLink, runLink, stepLink } from './ui.js';

function card(id, title, href, body) {
  return h(
    'section',
    { class: 'card', id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, href ? h('a', { href }, title) : title),
    body,
  );
}

const runItem = (r) =>
  h(
    'li',
    {},
    badge(r.status),
    ' ',
    planLink(r.planName),
    ' ',
    runLink(r.id, ago(r.createdAt)),
    h('span', { class: 'note' }, ` by ${r.createdBy}${r.error?.what ? ` — ${r.error.what}` : ''}`),
  );

export async function render(outlet) {
  const grid = h('div', { class: 'cards' });
  add(outlet, h('h1', { tabindex: '-1' }, 'Overview'), grid);
  const load = async () => {
    try {
      const [approvals, recent, failed, interrupted, models, schedules, drift] = await Promise.all([
        api('GET', '/api/approvals?status=pending'),
        api('GET', '/api/console/runs?limit=8'),
        api('GET', '/api/console/runs?status=failed&limit=5'),
        api('GET', '/api/console/runs?status=interrupted&limit=5').catch(() => ({ runs: [], total: 0 })),
        api('GET', '/api/console/models'),
        api('GET', '/api/console/schedules'),
        api('GET', '/api/console/drift?limit=5'),
      ]);
      const fires = schedules.triggers
        .flatMap((t) => (t.nextFires?.[0] ? [{ t, at: t.nextFires[0] }] : []))
        .sort((a, b) => a.at.localeCompare(b.at))
        .slice(0, 5);
      const attention = [...interrupted.runs, ...failed.runs].slice(0, 6);
      fill(
        grid,
        card(
          'card-approvals',
          `Waiting for a decision (${approvals.approvals.length})`,
          '#/approvals',
          approvals.approvals.length
            ? h(
                'ul',
                { class: 'plain' },
                approvals.approvals
                  .slice(0, 5)
                  .map((a) =>
                    h(
                      'li',
                      {},
                      stepLink(a.runId, a.stepId, `${a.stepId} of ${a.runId}`),
                      h('div', { class: 'note' }, `${a.message} — expires ${ago(a.expiresAt)}`),
                    ),
                  ),
              )
            : empty('Nothing waits for a decision.'),
        ),
        card(
          'card-attention',
          'Failed or interrupted',
          '#/runs?status=failed',
          attention.length
            ? h('ul', { class: 'plain' }, attention.map(runItem))
            : empty('No failed or interrupted runs.'),
        ),
        card(
          'card-recent',
          `Latest runs (${recent.total} in all)`,
          '#/runs',
          recent.runs.length
            ? h('ul', { class: 'plain' }, recent.runs.map(runItem))
            : empty(
                'No runs yet.',
                h('a', { href: '#/new' }, 'Describe a pipeline'),
                ' or run ',
                h('code', {}, 'pipewright run examples/penguins.yaml'),
                '.',
              ),
        ),
        card(
          'card-production',
          'In production',
          '#/models',
          models.models.some((m) => m.aliases.production !== undefined)
            ? h(
                'ul',
                { class: 'plain' },
                models.models
                  .filter((m) => m.aliases.production !== undefined)
                  .map((m) =>
                    h(
                      'li',
                      {},
                      modelLink(m.name),
                      ` v${m.aliases.production}`,
                      h(
                        'div',
                        { class: 'note' },
                        Object.entries(m.metrics ?? {})
                          .slice(0, 3)
                          .map(([k, v]) => `${k} ${fmt(v)}`)
                          .join(' · '),
                      ),
                    ),
                  ),
              )
            : empty('Nothing deployed yet.'),
        ),
        card(
          'card-next',
          'Next scheduled',
          '#/schedules',
          fires.length
            ? h(
                'ul',
                { class: 'plain' },
                fires.map(({ t, at }) =>
                  h(
                    'li',
                    {},
                    planLink(t.planName),
                    ` ${ago(at)}`,
                    h('div', { class: 'note' }, `${t.name}: ${t.spec.schedule} (${t.timezone})`),
                  ),
                ),
              )
            : empty('No schedules.', h('code', {}, 'pipewright scheduler add plan.yaml --cron "0 2 * * *"')),
        ),
        card(
          'card-drift',
          'Latest drift checks',
          '#/drift',
          drift.checks.length
            ? h(
                'ul',
                { class: 'plain' },
                drift.checks.map((d) =>
                  h(
                    'li',
                    {},
                    d.drifted ? badge('failed', 'drift') : badge('succeeded', 'no drift'),
                    ' ',
                    stepLink(d.runId, d.stepId, d.model ?? d.planName),
                    h('span', { class: 'note' }, ` ${pct(d.share)} of features · ${ago(d.at)}`),
                  ),
                ),
              )
            : empty('No drift checks yet.'),
        ),
      );
    } catch (e) {
      fill(grid, errorView(e));
    }
  };
  await load();
  const refresh = debounce(() => void load(), 600);
  return subscribe(() => refresh());
}
