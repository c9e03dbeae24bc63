/**
 * An approval as a decision with its evidence, beside the run it decides: what will change (model, alias,
 * from → to version), the challenger's metrics next to production's with deltas and direction, the data
 * version, the drift status, who asked and when it expires; approve or reject in place (the API's
 * single-use decision). Evidence comes with the approval when the engine computed it; without it, the card
 * shows the numbers the run's own evaluation recorded.
 */
import { api, enc } from './api.js';
import { higherIsBetter } from './charts.js';
import { ago, fmt, h, pct, when } from './dom.js';
import { can, errorView, lineageLink, modelLink, runLink } from './ui.js';

/** Evidence as the engine records it, or one derived from the run's evaluate step. */
export function evidenceOf(a, run, steps) {
  if (a.evidence && typeof a.evidence === 'object') return { ...a.evidence, derived: false };
  const evals = (steps ?? []).filter(
    (st) => st.status === 'succeeded' && st.output && typeof st.output === 'object' && st.output.metrics,
  );
  const ev = evals.at(-1);
  const out = ev?.output ?? {};
  const production = out.productionMetrics ?? out.baselineMetrics;
  const metrics = Object.entries(out.metrics ?? {})
    .filter(([, v]) => typeof v === 'number')
    .map(([name, challenger]) => {
      const other = production?.[name];
      const hib = higherIsBetter(name, out.higherIsBetter);
      const delta = typeof other === 'number' ? challenger - other : undefined;
      return {
        name,
        challenger,
        ...(typeof other === 'number'
          ? { production: other, delta, better: delta === 0 ? undefined : hib ? delta > 0 : delta < 0 }
          : {}),
        higherIsBetter: hib,
      };
    });
  const dataVersion = (steps ?? [])
    .map((st) => st.output?.dataset)
    .filter((d) => d && typeof d === 'object' && d.version)
    .map((d) => `${d.name ?? 'dataset'}@${d.version}`)
    .at(-1);
  const drift = (steps ?? []).find((st) => st.task === 'monitor.drift' && st.output);
  return {
    derived: true,
    summary: a.message,
    changes: [],
    metrics,
    comparedOn: production ? 'baseline' : 'none',
    primaryMetric: out.primaryMetric,
    evaluatedIn: ev?.stepId,
    ...(dataVersion ? { dataVersion } : {}),
    ...(drift
      ? {
          drift: {
            drifted: drift.output.drifted === true,
            share: drift.output.share ?? 0,
            features: drift.output.driftedFeatures ?? [],
            step: drift.stepId,
          },
        }
      : {}),
    requestedBy: run?.createdBy,
    expiresAt: a.expiresAt,
  };
}

function changeLine(c) {
  const verb =
    { deploy: 'Deploy', canary: 'Canary', rollback: 'Roll back', register: 'Register' }[c.kind] ?? c.kind;
  const to =
    c.toVersion === null || c.toVersion === undefined ? 'the version this run registers' : `v${c.toVersion}`;
  return h(
    'li',
    { 'data-change': c.kind },
    h('strong', {}, verb),
    ' ',
    modelLink(c.model),
    c.alias ? [' ', h('code', {}, c.alias)] : null,
    ': ',
    c.fromVersion === null || c.fromVersion === undefined ? 'nothing yet' : `v${c.fromVersion}`,
    ' → ',
    to,
    c.newVersion ? ' (new, from this run)' : '',
    c.share !== undefined ? `, ${pct(c.share)} of traffic` : '',
    h('span', { class: 'meta' }, ` (step ${c.step})`),
  );
}

function metricsTable(ev) {
  const otherLabel = ev.comparedOn === 'baseline' ? 'baseline' : 'production';
  const rows = [...ev.metrics].sort((a, b) =>
    a.name === ev.primaryMetric ? -1 : b.name === ev.primaryMetric ? 1 : 0,
  );
  // Nothing to compare with (no model in production, no baseline): the challenger's figures alone.
  const compared = rows.some((m) => m.production !== undefined);
  if (!compared)
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'grid evidence-metrics', 'aria-label': 'Challenger metrics' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['metric', 'challenger'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((m) =>
            h(
              'tr',
              { 'data-metric': m.name, class: m.name === ev.primaryMetric ? 'primary' : null },
              h(
                'th',
                { scope: 'row' },
                m.name,
                h('span', { class: 'meta' }, m.higherIsBetter ? ' ↑ better' : ' ↓ better'),
              ),
              h('td', { class: 'num' }, fmt(m.challenger)),
            ),
          ),
        ),
      ),
      h('p', { class: 'meta' }, 'The evaluation recorded no production or baseline figures to compare with.'),
    );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'grid evidence-metrics', 'aria-label': 'Challenger and production metrics' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['metric', 'challenger', otherLabel, 'Δ'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((m) => {
          const verdict = m.better === true ? 'better' : m.better === false ? 'worse' : 'same';
          return h(
            'tr',
            { 'data-metric': m.name, class: m.name === ev.primaryMetric ? 'primary' : null },
            h(
              'th',
              { scope: 'row' },
              m.name,
              h('span', { class: 'meta' }, m.higherIsBetter ? ' ↑ better' : ' ↓ better'),
              m.name === ev.primaryMetric ? h('span', { class: 'meta' }, ' (decides)') : null,
            ),
            h('td', { class: 'num' }, fmt(m.challenger)),
            h('td', { class: 'num' }, m.production === undefined ? '—' : fmt(m.production)),
            h(
              'td',
              { class: `num delta ${m.delta === undefined ? '' : verdict}` },
              m.delta === undefined
                ? '—'
                : `${m.delta > 0 ? '+' : ''}${fmt(m.delta)} ${verdict === 'same' ? '' : verdict === 'better' ? '▲ better' : '▼ worse'}`,
            ),
          );
        }),
      ),
    ),
  );
}

/**
 * The card. ctx: { run?, steps?, me, onDecided(approval) }. Decided approvals show the decision instead
 * of the buttons.
 */
export function approvalCard(a, ctx = {}) {
  const ev = evidenceOf(a, ctx.run, ctx.steps);
  const label = `${a.runId} / ${a.stepId}`;
  const status = h('div', { class: 'decision', role: 'status' });
  const comment = h('textarea', {
    rows: '2',
    placeholder: 'why (optional; kept with the decision)',
    'aria-label': `Comment on ${label}`,
  });
  const decide = async (approved, buttons) => {
    for (const b of buttons) b.disabled = true;
    status.replaceChildren();
    try {
      const r = await api('POST', `/api/runs/${enc(a.runId)}/approvals/${enc(a.stepId)}`, {
        approved,
        ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
      });
      status.replaceChildren(
        h('strong', {}, `${approved ? 'Approved' : 'Rejected'} by ${r.decidedBy ?? 'you'}.`),
        ' The run continues.',
      );
      ctx.onDecided?.(r);
    } catch (e) {
      status.replaceChildren(errorView(e));
      for (const b of buttons) b.disabled = false;
    }
  };
  const canDecide = can(ctx.me, 'approver');
  const approvers = a.approvers?.length ? a.approvers.join(', ') : 'anyone with the approver role';
  const buttons = [];
  if (a.status === 'pending' && canDecide) {
    const yes = h(
      'button',
      { type: 'button', class: 'primary', 'aria-label': `Approve ${label}` },
      'Approve',
    );
    const no = h('button', { type: 'button', class: 'danger', 'aria-label': `Reject ${label}` }, 'Reject');
    buttons.push(yes, no);
    yes.addEventListener('click', () => void decide(true, buttons));
    no.addEventListener('click', () => void decide(false, buttons));
  }
  const expires = Date.parse(a.expiresAt);
  return h(
    'article',
    {
      class: `approval-card status-${a.status}`,
      'data-run': a.runId,
      'data-step': a.stepId,
      'aria-label': `Approval ${label}`,
    },
    h(
      'header',
      {},
      h('h3', {}, a.status === 'pending' ? 'Decision needed: ' : `${a.status}: `, a.message),
      h(
        'p',
        { class: 'meta' },
        runLink(a.runId),
        ctx.run?.planName ? ` · plan ${ctx.run.planName}` : '',
        ` · step ${a.stepId}`,
      ),
    ),
    ev.summary && ev.summary !== a.message ? h('p', { class: 'summary' }, ev.summary) : null,
    ev.changes?.length
      ? h(
          'div',
          {},
          h('h4', {}, 'What approving changes'),
          h('ul', { class: 'changes' }, ev.changes.map(changeLine)),
        )
      : h('p', { class: 'meta' }, 'What approving lets run: the steps after ', h('code', {}, a.stepId), '.'),
    ev.metrics?.length
      ? h(
          'div',
          {},
          h(
            'h4',
            {},
            'Metrics',
            ev.evaluatedIn
              ? h(
                  'span',
                  { class: 'meta' },
                  ` (step ${ev.evaluatedIn}${ev.comparedOn === 'same-data' ? ', both scored on the same test rows' : ev.comparedOn === 'registered-metrics' ? ', production as registered, on its own data' : ''})`,
                )
              : null,
          ),
          metricsTable(ev),
          ev.better === true || ev.better === false
            ? h(
                'p',
                { class: `verdict ${ev.better ? 'better' : 'worse'}` },
                ev.better ? 'The challenger is better on ' : 'The challenger is not better on ',
                h('strong', {}, ev.primaryMetric ?? 'the primary metric'),
                '.',
              )
            : null,
        )
      : h('p', { class: 'meta' }, 'No evaluation metrics upstream of this approval.'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Data version'),
      h(
        'dd',
        {},
        // A dataset version is the first 12 characters of its hash: the lineage graph's dataset id.
        ev.dataVersion
          ? lineageLink(`dataset:${String(ev.dataVersion).split('@').at(-1)}`, ev.dataVersion)
          : 'not recorded',
      ),
      h('dt', {}, 'Drift'),
      h(
        'dd',
        {},
        ev.drift
          ? h(
              'span',
              { class: ev.drift.drifted ? 'bad' : 'ok' },
              ev.drift.drifted
                ? `drifted (${pct(ev.drift.share)} of features${ev.drift.features?.length ? `: ${ev.drift.features.join(', ')}` : ''})`
                : `no drift (${pct(ev.drift.share)} of features)`,
            )
          : 'no drift check upstream',
      ),
      h('dt', {}, 'Asked by'),
      h('dd', {}, ev.requestedBy ?? '?', ` at ${when(a.requestedAt)}`),
      h('dt', {}, 'Expires'),
      h(
        'dd',
        {},
        h(
          'time',
          { datetime: a.expiresAt, title: when(a.expiresAt) },
          `${when(a.expiresAt)} (${ago(a.expiresAt)})`,
        ),
        `, then ${a.onTimeout === 'approve' ? 'approved' : 'rejected'} automatically`,
        Number.isFinite(expires) && expires < Date.now() && a.status === 'pending'
          ? h('strong', { class: 'bad' }, ' — expired')
          : null,
      ),
      h('dt', {}, 'Who may decide'),
      h('dd', {}, approvers),
      a.status !== 'pending'
        ? [
            h('dt', {}, 'Decided'),
            h(
              'dd',
              {},
              `${a.status} by ${a.decidedBy ?? '?'} via ${a.via ?? '?'} at ${when(a.decidedAt)}${a.comment ? `: "${a.comment}"` : ''}`,
            ),
          ]
        : null,
    ),
    a.status === 'pending'
      ? canDecide
        ? h('div', { class: 'decide' }, comment, h('div', { class: 'actions' }, buttons))
        : h(
            'p',
            { class: 'meta' },
            `Deciding needs the approver role; your token is ${ctx.me?.role ?? 'unknown'}.`,
          )
      : null,
    status,
  );
}
