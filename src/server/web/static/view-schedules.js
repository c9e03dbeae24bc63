/**
 * Schedules and triggers: cron schedules with their next fire times in the trigger's own time zone (and in
 * the reader's), watched folders, webhooks, drift triggers; the last fire of each and whether anything here
 * fires them.
 */
import { api } from './api.js';
import { add, ago, fill, h, timeEl, when } from './dom.js';
import { subscribe } from './live.js';
import { debounce, empty, errorView, planLink, runLink, table } from './ui.js';
import { triggerText } from './view-plans.js';

export async function render(outlet) {
  const box = h('div', { 'aria-live': 'polite' });
  add(outlet, h('h1', { tabindex: '-1' }, 'Schedules and triggers'), box);
  const load = async () => {
    try {
      const r = await api('GET', '/api/console/schedules');
      const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
      fill(
        box,
        h(
          'p',
          { class: r.scheduler.running ? 'notice' : 'notice warn', id: 'scheduler-state' },
          r.scheduler.running
            ? `This server fires the triggers (server time zone ${r.scheduler.timezone}; yours ${here}).`
            : [
                'Nothing in this server fires triggers: they fire while ',
                h('code', {}, 'pipewright scheduler'),
                ` or a server that owns its engine runs (server time zone ${r.scheduler.timezone}).`,
              ],
        ),
        r.triggers.length
          ? table(
              'Triggers',
              [
                {
                  title: 'Trigger',
                  cell: (t) => [
                    h('strong', {}, t.name),
                    t.enabled ? '' : h('div', { class: 'note' }, 'disabled'),
                  ],
                },
                { title: 'Kind', cell: (t) => t.kind },
                { title: 'Plan', cell: (t) => planLink(t.planName) },
                { title: 'When', cell: (t) => triggerText(t) },
                {
                  title: 'Time zone',
                  cell: (t) =>
                    t.timezone
                      ? [
                          t.timezone,
                          t.timezoneIsDefault ? h('div', { class: 'note' }, "the server's (none set)") : null,
                        ]
                      : '—',
                },
                {
                  title: 'Next fires',
                  cell: (t) =>
                    t.nextFires?.length
                      ? h(
                          'ol',
                          { class: 'plain next-fires' },
                          t.nextFires.map((at, i) =>
                            h(
                              'li',
                              {},
                              h(
                                'time',
                                { datetime: at, title: `your time: ${when(at)}` },
                                when(at, { timeZone: t.timezone, seconds: false }),
                              ),
                              i === 0 ? h('span', { class: 'note' }, ` (${ago(at)})`) : null,
                            ),
                          ),
                        )
                      : t.kind === 'cron'
                        ? 'none (disabled)'
                        : 'when it happens',
                },
                {
                  title: 'Last fire',
                  cell: (t) =>
                    t.lastFire
                      ? [
                          t.lastFire.status,
                          ' ',
                          timeEl(t.lastFire.at, ago(t.lastFire.at)),
                          t.lastFire.runId ? [' · ', runLink(t.lastFire.runId)] : '',
                          t.lastFire.reason ? h('div', { class: 'note' }, t.lastFire.reason) : null,
                        ]
                      : 'never',
                },
                {
                  title: 'Policy',
                  cell: (t) =>
                    h(
                      'span',
                      { class: 'note' },
                      `missed ticks: ${t.catchUp}; at most ${t.maxConcurrent} at once, then ${t.onLimit}`,
                    ),
                },
              ],
              r.triggers,
              { class: 'triggers', key: (t) => t.name },
            )
          : empty(
              'No schedules or triggers yet.',
              'Add one from a terminal: ',
              h('code', {}, 'pipewright scheduler add plan.yaml --cron "0 2 * * *" --timezone Europe/Oslo'),
              ' (or --watch <folder>, --webhook, --on-drift).',
            ),
      );
    } catch (e) {
      fill(box, errorView(e));
    }
  };
  await load();
  const refresh = debounce(() => void load(), 800);
  return subscribe((e) => e.type === 'run.created' && refresh());
}
