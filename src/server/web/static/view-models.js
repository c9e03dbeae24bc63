/**
 * The model registry: every model with its aliases, deployment and latest metrics; one model's versions
 * with their metrics side by side (a table, and one uPlot chart per metric across versions: scales never
 * mixed), aliases with their history, deployments, drift checks and triage verdicts, and a rollback button
 * for those allowed to move production.
 */
import { api, enc } from './api.js';
import { higherIsBetter, metricFamilies, NOT_A_METRIC } from './charts.js';
import { add, ago, fill, fmt, h, pct, timeEl } from './dom.js';
import { lineChart } from './lines.js';
import { subscribe } from './live.js';
import { whoAmI } from './session.js';
import {
  badge,
  can,
  debounce,
  empty,
  errorView,
  lineageLink,
  modelLink,
  runLink,
  section,
  table,
} from './ui.js';

const aliasChips = (aliases) =>
  h(
    'span',
    { class: 'chips' },
    Object.entries(aliases ?? {}).map(([a, v]) => h('span', { class: `chip alias-${a}` }, `${a} → v${v}`)),
  );

export async function renderList(outlet) {
  const box = h('div', { 'aria-live': 'polite' });
  add(outlet, h('h1', { tabindex: '-1' }, 'Models'), box);
  const load = async () => {
    try {
      const { models } = await api('GET', '/api/console/models');
      fill(
        box,
        models.length
          ? table(
              'Registered models',
              [
                { title: 'Model', cell: (m) => modelLink(m.name) },
                { title: 'Latest', class: 'num', cell: (m) => `v${m.latestVersion}` },
                { title: 'Aliases', cell: (m) => aliasChips(m.aliases) },
                {
                  title: 'Deployed',
                  cell: (m) =>
                    m.deployment
                      ? [
                          `${m.deployment.alias} → v${m.deployment.version}`,
                          h(
                            'div',
                            { class: 'note' },
                            `${m.deployment.kind} ${ago(m.deployment.createdAt)} by ${m.deployment.createdBy}`,
                          ),
                        ]
                      : 'not deployed',
                },
                {
                  title: 'Latest metrics',
                  cell: (m) =>
                    h(
                      'span',
                      { class: 'note' },
                      Object.entries(m.metrics ?? {})
                        .slice(0, 4)
                        .map(([k, v]) => `${k} ${fmt(v)}`)
                        .join(' · '),
                    ),
                },
              ],
              models,
              { key: (m) => m.name },
            )
          : empty(
              'No registered models yet.',
              'A plan registers one with a model.register step, e.g. ',
              h('code', {}, 'pipewright run examples/penguins.yaml'),
              '.',
            ),
      );
    } catch (e) {
      fill(box, errorView(e));
    }
  };
  await load();
  const refresh = debounce(() => void load(), 500);
  return subscribe((e) => (e.type === 'step.succeeded' || e.type === 'run.succeeded') && refresh());
}

export async function renderOne(outlet, ctx) {
  const name = ctx.params.name;
  const me = await whoAmI().catch(() => undefined);
  const box = h('div', {});
  add(outlet, h('h1', { tabindex: '-1' }, `Model ${name}`), box);
  const load = async () => {
    let m;
    try {
      m = await api('GET', `/api/console/models/${enc(name)}`);
    } catch (e) {
      fill(box, errorView(e), h('p', {}, h('a', { href: '#/models' }, 'All models')));
      return;
    }
    const names = [...new Set(m.versions.flatMap((v) => Object.keys(v.metrics ?? {})))];
    const best = new Map(
      names.map((n) => {
        const vals = m.versions.map((v) => v.metrics?.[n]).filter((x) => typeof x === 'number');
        return [n, higherIsBetter(n) ? Math.max(...vals) : Math.min(...vals)];
      }),
    );
    const serving = m.serving.version;
    const rollback = h('form', { class: 'rollback', id: 'rollback-form', 'aria-label': 'Roll back' });
    if (can(me, 'operator') && m.deployments.length) {
      const reason = h('input', {
        type: 'text',
        id: 'rollback-reason',
        required: true,
        placeholder: 'why (kept with the deployment)',
      });
      const result = h('div', { role: 'status' });
      fill(
        rollback,
        h('label', { for: 'rollback-reason' }, `Roll ${m.serving.alias} back to its previous version`),
        reason,
        h('button', { type: 'submit', class: 'danger' }, 'Roll back'),
        result,
      );
      rollback.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        if (
          !window.confirm(
            `Roll ${name} ${m.serving.alias} back from v${serving}? Serving switches on the next request.`,
          )
        )
          return;
        try {
          const r = await api('POST', `/api/models/${enc(name)}/rollback`, {
            reason: reason.value.trim(),
            alias: m.serving.alias,
          });
          result.replaceChildren(`Rolled back: ${r.alias} now serves v${r.version}.`);
          await load();
        } catch (e) {
          result.replaceChildren(errorView(e));
        }
      });
    } else {
      fill(
        rollback,
        m.deployments.length
          ? h('p', { class: 'meta' }, 'Rolling back needs an operator token or higher.')
          : null,
      );
    }
    const { scores, others } = metricFamilies(names, (n) => m.versions.map((v) => v.metrics?.[n]));
    const chrono = [...m.versions].reverse();
    const charts = [...scores, ...others].map((n) =>
      lineChart({
        title: `${n} (${higherIsBetter(n) ? 'higher' : 'lower'} is better)`,
        ...(scores.includes(n) ? { range: [0, 1] } : {}),
        x: chrono.map((v) => v.version),
        series: [{ label: n, values: chrono.map((v) => v.metrics?.[n] ?? null) }],
        describe: `${n} by version: ${chrono.map((v) => `v${v.version} ${fmt(v.metrics?.[n])}`).join(', ')}`,
      }),
    );
    fill(
      box,
      h(
        'p',
        { class: 'lead', id: 'serving' },
        serving === null ? 'Not served: no version behind ' : `Serving v${serving} as `,
        h('code', {}, m.serving.alias),
        m.serving.canary
          ? ` with a ${pct(m.serving.canary.share)} canary on v${m.serving.canary.version}`
          : '',
        ` at POST ${m.serving.endpoint}. `,
        aliasChips(m.aliases),
      ),
      rollback,
      section(
        'Versions and metrics',
        table(
          'Versions',
          [
            {
              title: 'Version',
              cell: (v) => [
                h('strong', {}, `v${v.version}`),
                ' ',
                lineageLink(`model:${name}@${v.version}`, 'lineage'),
              ],
            },
            { title: 'Aliases', cell: (v) => v.aliases.join(', ') || '—' },
            ...names.map((n) => ({
              title: n,
              class: 'num',
              cell: (v) => {
                const x = v.metrics?.[n];
                if (typeof x !== 'number') return '—';
                return x === best.get(n) && m.versions.length > 1 && !NOT_A_METRIC.test(n)
                  ? h('strong', { title: 'best of all versions' }, fmt(x), ' ★')
                  : fmt(x);
              },
            })),
            {
              title: 'Algorithm',
              cell: (v) => [v.algorithm ?? '', v.framework ? h('div', { class: 'note' }, v.framework) : null],
            },
            {
              title: 'Data',
              cell: (v) =>
                v.datasetVersion
                  ? lineageLink(`dataset:${String(v.datasetVersion).split('@').at(-1)}`, v.datasetVersion)
                  : '—',
            },
            { title: 'Run', cell: (v) => (v.runId ? runLink(v.runId) : '—') },
            {
              title: 'Registered',
              cell: (v) => [timeEl(v.createdAt), h('div', { class: 'note' }, `by ${v.createdBy}`)],
            },
          ],
          m.versions,
          {
            class: 'versions',
            key: (v) => `v${v.version}`,
            rowClass: (v) => (v.version === serving ? 'serving' : null),
          },
        ),
        names.length
          ? h('p', { class: 'meta' }, '★ best value of all versions; the highlighted row is the one served.')
          : null,
      ),
      charts.length && m.versions.length > 1
        ? section('Metrics across versions', h('div', { class: 'grid-charts' }, charts))
        : null,
      section(
        'Alias history',
        m.aliasHistory.length
          ? table(
              'Alias moves',
              [
                { title: 'When', cell: (a) => timeEl(a.at) },
                { title: 'Alias', cell: (a) => h('code', {}, a.alias) },
                {
                  title: 'Move',
                  cell: (a) =>
                    `${a.fromVersion === undefined || a.fromVersion === null ? '—' : `v${a.fromVersion}`} → v${a.toVersion}`,
                },
                {
                  title: 'How',
                  cell: (a) => (a.action === 'rollback' ? badge('failed', 'rollback') : 'set'),
                },
                { title: 'By', cell: (a) => a.by },
                { title: 'Why', cell: (a) => a.reason ?? '' },
              ],
              [...m.aliasHistory].reverse(),
              { class: 'alias-history' },
            )
          : empty('No alias has pointed at a version yet.'),
      ),
      section(
        'Deployments',
        m.deployments.length
          ? table(
              'Deployments',
              [
                { title: 'When', cell: (d) => timeEl(d.createdAt) },
                {
                  title: 'What',
                  cell: (d) =>
                    `${d.kind} ${d.alias} → v${d.version}${d.canary ? ` (canary v${d.canary.version} ${pct(d.canary.share)})` : ''}`,
                },
                { title: 'Status', cell: (d) => d.status },
                { title: 'By', cell: (d) => d.createdBy },
                { title: 'Why', cell: (d) => d.reason ?? '' },
                { title: 'Run', cell: (d) => (d.runId ? runLink(d.runId) : '—') },
              ],
              m.deployments,
            )
          : empty('Not deployed yet: a deploy.http step after an approval deploys it.'),
      ),
      section('Drift and triage', driftList(m.drift, m.triages)),
    );
  };
  await load();
  const refresh = debounce(() => void load(), 500);
  return subscribe((e) => (e.type === 'run.succeeded' || e.type === 'step.succeeded') && refresh());
}

/** Drift checks of a model and the triage verdicts on its alerts. */
export function driftList(checks, triages) {
  return [
    checks.length
      ? table(
          'Drift checks',
          [
            { title: 'When', cell: (d) => timeEl(d.at) },
            {
              title: 'Result',
              cell: (d) => (d.drifted ? badge('failed', 'drift') : badge('succeeded', 'no drift')),
            },
            {
              title: 'Features drifted',
              cell: (d) =>
                `${pct(d.share)}${d.driftedFeatures.length ? `: ${d.driftedFeatures.join(', ')}` : ''}`,
            },
            {
              title: 'Rows',
              class: 'num',
              cell: (d) => `${fmt(d.reference?.rows ?? 0)} → ${fmt(d.current?.rows ?? 0)}`,
            },
            {
              title: 'Check',
              cell: (d) =>
                h(
                  'a',
                  { href: `#/runs/${enc(d.runId)}?step=${enc(d.stepId)}` },
                  `${d.planName} / ${d.stepId}`,
                ),
            },
          ],
          checks,
          { class: 'drift-checks' },
        )
      : empty(
          'No drift checks yet.',
          'A monitor.drift step compares served traffic (or a new extract) with the training data.',
        ),
    triages.length
      ? h(
          'ul',
          { class: 'triages' },
          triages.map((t) =>
            h(
              'li',
              { class: 'triage' },
              h('strong', {}, `${t.classification} (${t.severity})`),
              ` → ${t.action} · ${t.status} · `,
              timeEl(t.createdAt, ago(t.createdAt)),
              t.explanation ? h('p', {}, t.explanation) : null,
              t.reasoning.length
                ? h(
                    'ul',
                    {},
                    t.reasoning.map((r) => h('li', {}, r)),
                  )
                : null,
              t.runId ? h('p', {}, 'Action run: ', runLink(t.runId)) : null,
            ),
          ),
        )
      : h(
          'p',
          { class: 'meta' },
          'No triage verdicts: drift alerts are triaged when a drift trigger is set (pipewright scheduler add --on-drift).',
        ),
  ];
}
