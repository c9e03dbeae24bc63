/**
 * One run: its status and what it waits for (approval cards with evidence, in place), the step graph
 * (elkjs) coloured live, the steps table, the timeline (attempts, retries, waits), the selected step's live
 * logs, output and artifacts (#/runs/<id>?step=train&tab=logs), and the results (metrics, confusion
 * matrix, drift histograms with the HTML report). Live over the run's SSE stream while it executes, and
 * over the console feed when something else resumes it.
 */
import { api, download, enc, runEvents, withToken } from './api.js';
import { approvalCard } from './approval.js';
import { confusionTable, driftHistogram, driftLegend, metricsPanel } from './charts.js';
import { add, duration, fill, fmt, h, pct, timeEl, when } from './dom.js';
import { drawGraph, planGraph } from './graph.js';
import { subscribe } from './live.js';
import { navigate, setQuery } from './router.js';
import { whoAmI } from './session.js';
import { timelineChart } from './timeline.js';
import {
  badge,
  can,
  debounce,
  empty,
  errorView,
  facts,
  json,
  lineageLink,
  planLink,
  section,
  storedError,
  table,
} from './ui.js';

const SETTLED = new Set(['succeeded', 'failed', 'cancelled', 'waiting', 'interrupted']);
const ENDS = new Set(['run.succeeded', 'run.failed', 'run.cancelled', 'run.waiting', 'run.interrupted']);
const RUN_EVENT_TYPES = [
  'run.created',
  'run.started',
  'run.resumed',
  'run.waiting',
  'run.interrupted',
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
const TABS = ['overview', 'logs', 'output', 'artifacts'];

export async function render(outlet, ctx) {
  const runId = ctx.params.id;
  const me = await whoAmI().catch(() => undefined);
  const view = {
    step: ctx.query.get('step') ?? undefined,
    tab: TABS.includes(ctx.query.get('tab')) ? ctx.query.get('tab') : 'overview',
  };
  /** Last progress or log line per step. */
  const live = new Map();
  let detail;
  let events;
  let closed = false;

  const head = h('div', { class: 'run-head' });
  const approvalsBox = h('div', { id: 'run-approvals', class: 'approvals' });
  const dag = h('div', { id: 'run-dag', class: 'graph' });
  const stepsBox = h('div', { id: 'run-steps' });
  const stepPanel = h('section', {
    id: 'step-panel',
    class: 'panel step-panel',
    'aria-labelledby': 'step-title',
  });
  const timelineBox = h('div', { id: 'run-timeline' });
  const charts = h('div', { id: 'run-charts', class: 'charts' });
  const decided = h('div', { id: 'run-decisions' });
  const root = h(
    'div',
    { id: 'run-panel', class: 'run' },
    head,
    approvalsBox,
    h('div', { class: 'run-grid' }, h('div', {}, section('Steps', dag, stepsBox)), stepPanel),
    section('Timeline', timelineBox),
    section('Results', charts),
    decided,
  );
  add(outlet, root);

  // ---- header ---------------------------------------------------------------------------------------

  const renderHead = ({ run, steps }) => {
    root.dataset.status = run.status;
    const skipped = steps.filter((st) => st.status === 'skipped');
    const notDeployed = skipped.filter((st) => st.task === 'deploy.http' || st.task === 'model.register');
    const actions = [];
    if (can(me, 'operator') && !['succeeded', 'failed', 'cancelled'].includes(run.status))
      actions.push(h('button', { type: 'button', class: 'danger', id: 'run-cancel' }, 'Cancel run'));
    if (can(me, 'operator')) actions.push(h('button', { type: 'button', id: 'run-again' }, 'Run again'));
    fill(
      head,
      h('h1', { tabindex: '-1', id: 'run-title' }, `Run ${run.id}`),
      h(
        'p',
        { id: 'run-status', role: 'status' },
        badge(run.status),
        ' ',
        planLink(run.planName),
        ` · started by ${run.createdBy} via ${run.trigger} · `,
        timeEl(run.createdAt),
        run.startedAt ? ` · ${duration(run.startedAt, run.finishedAt)}` : '',
      ),
      run.status === 'interrupted'
        ? h(
            'div',
            { class: 'notice warn', role: 'alert' },
            h('strong', {}, 'Interrupted: '),
            'the process executing this run stopped (killed, or its machine went away), so nobody runs it now. Finished steps are kept. Continue it with ',
            h('code', {}, `pipewright resume ${run.id}`),
            ' (or restart the server that started it).',
          )
        : null,
      run.error ? storedError(run.error) : null,
      run.cancelRequested && !['cancelled', 'succeeded', 'failed'].includes(run.status)
        ? h('p', { class: 'notice' }, 'Cancel requested: running steps are being stopped.')
        : null,
      notDeployed.length
        ? h(
            'p',
            { class: 'notice warn', id: 'not-deployed' },
            h('strong', {}, 'Not deployed: '),
            notDeployed.map((st) => `${st.stepId} skipped${st.reason ? ` (${st.reason})` : ''}`).join('; '),
          )
        : skipped.length && run.status === 'succeeded'
          ? h(
              'p',
              { class: 'notice' },
              `Succeeded with ${skipped.length} step${skipped.length === 1 ? '' : 's'} skipped: ${skipped.map((st) => st.stepId).join(', ')}.`,
            )
          : null,
      h(
        'p',
        { class: 'actions' },
        actions,
        h('a', { class: 'button', href: `#/lineage/${enc(`run:${run.id}`)}` }, 'Lineage'),
        h('a', { class: 'button', href: `#/plans/${enc(run.planName)}` }, 'Plan'),
      ),
    );
    head.querySelector('#run-cancel')?.addEventListener('click', async (ev) => {
      ev.target.disabled = true;
      try {
        await api('POST', `/api/runs/${enc(run.id)}/cancel`);
        void reload();
      } catch (e) {
        head.appendChild(errorView(e));
      }
    });
    head.querySelector('#run-again')?.addEventListener('click', async (ev) => {
      ev.target.disabled = true;
      try {
        const r = await api('POST', '/api/runs', { plan: run.plan, inputs: run.inputs ?? {} });
        navigate(`#/runs/${enc(r.runId)}`);
      } catch (e) {
        ev.target.disabled = false;
        head.appendChild(errorView(e));
      }
    });
  };

  // ---- approvals in place -----------------------------------------------------------------------------

  const renderApprovals = ({ run, steps, approvals }) => {
    const pending = approvals.filter((a) => a.status === 'pending');
    fill(
      approvalsBox,
      pending.map((a) =>
        approvalCard(a, { run, steps, me, onDecided: () => setTimeout(() => void reload(true), 200) }),
      ),
    );
    const done = approvals.filter((a) => a.status !== 'pending');
    fill(
      decided,
      done.length
        ? section(
            'Decisions',
            done.map((a) => approvalCard(a, { run, steps, me })),
          )
        : null,
    );
  };

  // ---- steps: graph and table -------------------------------------------------------------------------

  const stepHref = (id) =>
    `#/runs/${enc(runId)}?step=${enc(id)}${view.tab !== 'overview' ? `&tab=${view.tab}` : ''}`;
  let graphKey = '';
  const renderSteps = async ({ run, steps, approvals }) => {
    const recs = new Map(steps.map((st) => [st.stepId, st]));
    const status = new Map(steps.map((st) => [st.stepId, st.status]));
    const key = JSON.stringify([...status]);
    if (key !== graphKey) {
      graphKey = key;
      const { nodes, edges } = planGraph(run.plan.steps, status, stepHref);
      await drawGraph(dag, nodes, edges, {
        direction: 'DOWN',
        label: `Steps of run ${run.id}, by status`,
      }).catch((e) => fill(dag, errorView(e)));
      for (const n of dag.querySelectorAll('.node'))
        n.classList.toggle('selected', n.dataset.id === view.step);
    }
    const decisions = new Map(approvals.map((a) => [a.stepId, a]));
    fill(
      stepsBox,
      table(
        'Steps',
        [
          {
            title: 'Step',
            cell: (st) =>
              h('a', { href: stepHref(st.id), 'aria-current': st.id === view.step ? 'true' : null }, st.id),
          },
          { title: 'Task', cell: (st) => (st.kind === 'approval' ? 'approval' : (st.task ?? '')) },
          {
            title: 'Status',
            cell: (st) => [
              badge(recs.get(st.id)?.status ?? 'pending'),
              recs.get(st.id)?.cached ? ' (cached)' : '',
            ],
          },
          {
            title: 'Time',
            class: 'num',
            cell: (st) => {
              const r = recs.get(st.id);
              return r?.startedAt ? duration(r.startedAt, r.finishedAt) : '';
            },
          },
          {
            title: 'Note',
            cell: (st) => {
              const r = recs.get(st.id);
              const a = decisions.get(st.id);
              const note =
                r?.error?.what ??
                (a
                  ? a.status === 'pending'
                    ? `waiting: ${a.message}`
                    : `${a.status} by ${a.decidedBy ?? '?'}${a.comment ? `: ${a.comment}` : ''}`
                  : undefined) ??
                r?.reason ??
                (r?.attempt > 1 ? `attempt ${r.attempt}` : undefined) ??
                live.get(st.id);
              return note ? h('span', { class: 'note' }, note) : '';
            },
          },
        ],
        run.plan.steps,
        { class: 'steps', key: (st) => st.id, rowClass: (st) => (st.id === view.step ? 'selected' : null) },
      ),
    );
  };

  // ---- the selected step --------------------------------------------------------------------------------

  let logList;
  let follow = true;
  const logLine = (e) => {
    const level = e.type === 'step.log' ? (e.data.level ?? 'info') : 'event';
    const text =
      e.type === 'step.log'
        ? String(e.data.message ?? '')
        : e.type === 'step.progress'
          ? `${pct(e.data.fraction ?? 0)}${e.data.message ? ` ${e.data.message}` : ''}`
          : e.type === 'step.retry'
            ? `attempt ${e.data.attempt} failed: ${e.data.error?.what ?? ''}; retrying in ${fmt((e.data.delayMs ?? 0) / 1000)} s`
            : e.type === 'step.failed'
              ? `failed: ${e.data.error?.what ?? ''}`
              : e.type.replace('step.', '');
    return h(
      'li',
      { class: `log log-${level}`, 'data-seq': e.seq },
      h('time', { datetime: e.at }, new Date(e.at).toLocaleTimeString('en-GB')),
      h('span', { class: 'level' }, level),
      h('span', { class: 'log-msg' }, text),
    );
  };
  const appendLog = (e) => {
    if (!logList || e.stepId !== view.step || e.type === 'step.progress') return;
    if (logList.querySelector(`[data-seq="${e.seq}"]`)) return;
    logList.querySelector('.empty-log')?.remove();
    logList.appendChild(logLine(e));
    if (follow) logList.scrollTop = logList.scrollHeight;
  };

  const renderStepPanel = async () => {
    logList = undefined;
    if (!view.step || !detail?.run.plan.steps.some((st) => st.id === view.step)) {
      fill(
        stepPanel,
        h('h2', { id: 'step-title' }, 'Step'),
        empty('Pick a step in the graph or the table to see its logs, output and artifacts.'),
      );
      return;
    }
    const stepId = view.step;
    const tabs = h(
      'div',
      { role: 'tablist', class: 'tabs', 'aria-label': `Step ${stepId}` },
      TABS.map((t) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            id: `tab-${t}`,
            'aria-selected': t === view.tab ? 'true' : 'false',
            'aria-controls': 'tab-body',
            tabindex: t === view.tab ? '0' : '-1',
            onclick: () => selectTab(t),
          },
          t[0].toUpperCase() + t.slice(1),
        ),
      ),
    );
    tabs.addEventListener('keydown', (ev) => {
      const i = TABS.indexOf(view.tab);
      if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
        ev.preventDefault();
        const next = TABS[(i + (ev.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length];
        selectTab(next);
        stepPanel.querySelector(`#tab-${next}`)?.focus();
      }
    });
    const body = h('div', {
      id: 'tab-body',
      role: 'tabpanel',
      'aria-labelledby': `tab-${view.tab}`,
      tabindex: '0',
    });
    fill(stepPanel, h('h2', { id: 'step-title' }, `Step ${stepId}`), tabs, body);
    const rec = detail.steps.find((st) => st.stepId === stepId);
    const planStep = detail.run.plan.steps.find((st) => st.id === stepId);
    if (view.tab === 'overview') {
      fill(
        body,
        facts([
          ['Task', planStep.kind === 'approval' ? 'approval' : planStep.task],
          ['Status', badge(rec?.status ?? 'pending')],
          ['Attempts', rec?.attempt ? String(rec.attempt) : ''],
          ['Started', rec?.startedAt ? when(rec.startedAt) : ''],
          ['Took', rec?.startedAt ? duration(rec.startedAt, rec.finishedAt) : ''],
          ['Cached', rec?.cached ? 'yes (reused an identical earlier step)' : ''],
          ['Depends on', planStep.dependsOn?.length ? planStep.dependsOn.join(', ') : 'nothing'],
          ['Runs when', planStep.when ?? ''],
          [
            'Skipped because',
            rec?.status === 'skipped' ? (rec.reason ?? 'a step it depends on did not run') : '',
          ],
        ]),
        rec?.error ? storedError(rec.error) : null,
        live.get(stepId) ? h('p', { class: 'note' }, `Latest: ${live.get(stepId)}`) : null,
      );
    } else if (view.tab === 'logs') {
      logList = h('ol', { class: 'logs', 'aria-label': `Log of step ${stepId}`, tabindex: '0' });
      const followBox = h('input', { type: 'checkbox', id: 'log-follow', checked: follow });
      followBox.addEventListener('change', () => {
        follow = followBox.checked;
      });
      fill(
        body,
        h(
          'p',
          { class: 'log-tools' },
          h('label', { for: 'log-follow' }, followBox, ' Follow new lines'),
          ' · ',
          h('button', { type: 'button', class: 'link', id: 'log-download' }, 'Download'),
          h(
            'span',
            { class: 'meta' },
            ` · from a terminal: pipewright logs ${runId} ${stepId} --follow (--json for NDJSON)`,
          ),
        ),
        logList,
      );
      const list = logList;
      try {
        const r = await api('GET', `/api/runs/${enc(runId)}/logs?step=${enc(stepId)}&limit=5000`);
        const lines = r.events.filter((e) => e.type !== 'step.progress');
        if (list !== logList) return;
        fill(list, lines.length ? lines.map(logLine) : h('li', { class: 'empty-log' }, 'No log lines yet.'));
        if (follow) list.scrollTop = list.scrollHeight;
        body.querySelector('#log-download').addEventListener('click', () => {
          const text = lines.map((e) => `${e.at} ${e.type} ${JSON.stringify(e.data)}`).join('\n');
          const a = document.createElement('a');
          a.href = URL.createObjectURL(new Blob([`${text}\n`], { type: 'text/plain' }));
          a.download = `${runId}-${stepId}.log`;
          a.click();
        });
      } catch (e) {
        fill(list, h('li', {}, errorView(e)));
      }
    } else {
      fill(body, h('p', { class: 'meta' }, 'Loading…'));
      try {
        const r = await api('GET', `/api/console/runs/${enc(runId)}/steps/${enc(stepId)}`);
        if (view.step !== stepId) return;
        if (view.tab === 'output') {
          fill(
            body,
            r.step.output === undefined
              ? empty('No output yet: the step has not finished.')
              : [h('h3', {}, 'Output'), json(r.step.output, 'Output')],
            r.step.input !== undefined ? [h('h3', {}, 'Input'), json(r.step.input, 'Input')] : null,
            h(
              'p',
              { class: 'meta' },
              'Paths are relative to the workspace; <state>/ is the state folder (.pipewright).',
            ),
          );
        } else {
          fill(body, artifactsView(runId, stepId, r.artifacts, rec));
        }
      } catch (e) {
        fill(body, errorView(e));
      }
    }
  };

  const selectTab = (t) => {
    view.tab = t;
    setQuery({ step: view.step, tab: t === 'overview' ? '' : t }, { replace: true });
    void renderStepPanel();
  };

  // ---- results ---------------------------------------------------------------------------------------

  const shownResults = new Set();
  const renderResults = ({ run, steps }) => {
    for (const st of steps) {
      if (st.status !== 'succeeded' || !st.output || typeof st.output !== 'object') continue;
      const out = st.output;
      if (out.metrics && typeof out.metrics === 'object' && !shownResults.has(`m:${st.stepId}`)) {
        shownResults.add(`m:${st.stepId}`);
        const series = [{ label: 'model', values: out.metrics }];
        const other = out.productionMetrics ?? out.baselineMetrics;
        if (other) series.push({ label: out.productionMetrics ? 'production' : 'baseline', values: other });
        charts.appendChild(
          h(
            'div',
            { class: 'result', 'data-key': `metrics:${st.stepId}` },
            metricsPanel(`Metrics of step ${st.stepId}`, series, out.higherIsBetter),
            out.confusionMatrix ? confusionTable(out.confusionMatrix) : null,
          ),
        );
      }
      if (typeof out.reportJson === 'string' && !shownResults.has(`d:${st.stepId}`)) {
        shownResults.add(`d:${st.stepId}`);
        void showDrift(run.id, st.stepId, out);
      }
    }
    charts.querySelector(':scope > .empty')?.remove();
    if (!charts.children.length)
      charts.appendChild(
        empty(
          SETTLED.has(run.status)
            ? 'This run recorded no metrics or drift checks.'
            : 'Metrics and drift histograms appear here when an evaluate or drift step finishes.',
        ),
      );
  };

  const showDrift = async (id, stepId, out) => {
    const box = h('div', { class: 'result drift-set', 'data-key': `drift:${stepId}` });
    add(
      box,
      h(
        'h3',
        {},
        `Drift (step ${stepId}): ${out.drifted ? 'drift detected' : 'no dataset drift'}, ${pct(out.share ?? 0)} of features drifted`,
      ),
      h(
        'p',
        {},
        h(
          'a',
          {
            href: withToken(`/web/drift/${enc(id)}/${enc(stepId)}/report.html`),
            target: '_blank',
            rel: 'noopener',
            id: `report-${stepId}`,
          },
          'Open the full report (HTML)',
        ),
      ),
      driftLegend(),
    );
    charts.querySelector(':scope > .empty')?.remove();
    charts.appendChild(box);
    try {
      const r = await api('GET', `/web/drift/${enc(id)}/${enc(stepId)}`);
      box.appendChild(
        h('div', { class: 'grid-charts' }, r.features.filter((x) => x.display).map(driftHistogram)),
      );
    } catch (e) {
      box.appendChild(errorView(e));
    }
  };

  // ---- loading and live updates -------------------------------------------------------------------------

  const renderTimeline = async () => {
    try {
      const tl = await api('GET', `/api/console/runs/${enc(runId)}/timeline`);
      if (closed) return;
      const width = Math.max(360, timelineBox.clientWidth || 760);
      fill(
        timelineBox,
        tl.steps.some((st) => st.segments.length || st.skipped)
          ? timelineChart(tl, width)
          : empty('Nothing has run yet.'),
      );
    } catch (e) {
      fill(timelineBox, errorView(e));
    }
  };

  const reload = async (refollow = false) => {
    try {
      detail = await api('GET', `/api/runs/${enc(runId)}`);
    } catch (e) {
      fill(head, h('h1', { tabindex: '-1' }, `Run ${runId}`), errorView(e));
      return;
    }
    if (closed) return;
    renderHead(detail);
    renderApprovals(detail);
    await renderSteps(detail);
    renderResults(detail);
    void renderTimeline();
    if (refollow || (!SETTLED.has(detail.run.status) && !events)) followRun();
  };
  const refresh = debounce(() => void reload(), 200);

  const followRun = () => {
    events?.close();
    const es = runEvents(runId);
    events = es;
    const on = (msg) => {
      const e = JSON.parse(msg.data);
      if (e.type === 'step.progress' && e.stepId)
        live.set(e.stepId, `${pct(e.data.fraction ?? 0)}${e.data.message ? ` ${e.data.message}` : ''}`);
      else if (e.type === 'step.log' && e.stepId && typeof e.data.message === 'string')
        live.set(e.stepId, e.data.message);
      if (e.stepId) appendLog(e);
      if (ENDS.has(e.type)) {
        es.close();
        if (events === es) events = undefined;
      }
      if (e.type !== 'step.log' || !logList) refresh();
    };
    for (const t of RUN_EVENT_TYPES) es.addEventListener(t, on);
  };

  await reload();
  await renderStepPanel();

  // Someone else resumed or decided (CLI, Slack, another tab): the feed says so; follow the run again.
  const unsubscribe = subscribe((e) => {
    if (e.runId !== runId) return;
    if ((e.type === 'run.started' || e.type === 'run.resumed' || e.type === 'approval.decided') && !events)
      void reload(true);
    else refresh();
  });
  return {
    dispose: () => {
      closed = true;
      events?.close();
      unsubscribe();
    },
    // Another step or tab picked: re-render the panel, keep the page and its live stream.
    query: (loc) => {
      const step = loc.query.get('step') ?? undefined;
      const tab = TABS.includes(loc.query.get('tab')) ? loc.query.get('tab') : 'overview';
      if (step === view.step && tab === view.tab) return;
      view.step = step;
      view.tab = tab;
      for (const n of dag.querySelectorAll('.node'))
        n.classList.toggle('selected', n.dataset.id === view.step);
      if (detail) void renderSteps(detail);
      void renderStepPanel();
    },
  };
}

/** The artifacts a step's output names: previews (first rows, text) and downloads. */
function artifactsView(runId, stepId, artifacts, rec) {
  if (!artifacts.length)
    return empty(
      rec?.status === 'succeeded'
        ? "This step's output names no files (datasets, models and reports are the steps that do)."
        : 'Artifacts appear when the step has finished.',
    );
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
  const base = `/api/console/runs/${enc(runId)}/steps/${enc(stepId)}`;
  const open = async (path, file) => {
    fill(preview, h('p', { class: 'meta' }, 'Loading…'));
    try {
      const p = await api('GET', `${base}/artifact?path=${enc(path)}${file ? `&file=${enc(file)}` : ''}`);
      fill(
        preview,
        h('h3', {}, `${p.file ?? p.path} (${p.format}, ${fmt(p.bytes)} bytes)`),
        p.table
          ? [
              h('p', { class: 'meta' }, `First ${p.table.rows.length} of ${fmt(p.table.totalRows)} rows`),
              table(
                'Rows',
                p.table.columns.map((c) => ({
                  title: `${c.name}`,
                  cell: (r) =>
                    r[c.name] === null || r[c.name] === undefined
                      ? '∅'
                      : typeof r[c.name] === 'object'
                        ? JSON.stringify(r[c.name])
                        : String(r[c.name]),
                })),
                p.table.rows,
                { class: 'rows' },
              ),
            ]
          : p.text !== undefined
            ? [
                h('pre', { class: 'json', tabindex: '0' }, p.text),
                p.truncated
                  ? h(
                      'p',
                      { class: 'meta' },
                      'Only the first 64 KiB are shown; download the file for all of it.',
                    )
                  : null,
              ]
            : h('p', {}, 'A binary file: download it to open it.'),
      );
    } catch (e) {
      fill(preview, errorView(e));
    }
  };
  const dl = (path, file, name) => async () => {
    try {
      await download(`${base}/download?path=${enc(path)}${file ? `&file=${enc(file)}` : ''}`, name);
    } catch (e) {
      fill(preview, errorView(e));
    }
  };
  const isReport = (a) => a.format === 'html' && rec?.task === 'monitor.drift';
  const rows = artifacts.flatMap((a) =>
    a.kind === 'dir'
      ? (a.files ?? []).map((f) => ({ a, file: f.name, bytes: f.bytes, format: f.format }))
      : [{ a, bytes: a.bytes, format: a.format }],
  );
  return [
    table(
      'Artifacts',
      [
        { title: 'Field', cell: (r) => h('code', {}, r.a.field) },
        {
          title: 'File',
          cell: (r) => h('code', { title: r.a.path }, r.file ?? r.a.path.split('/').at(-1).slice(0, 16)),
        },
        { title: 'Kind', cell: (r) => r.format },
        { title: 'Size', class: 'num', cell: (r) => `${fmt(r.bytes)} B` },
        {
          title: 'Open',
          cell: (r) => [
            r.format !== 'binary'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'link',
                    onclick: () => void open(r.a.path, r.file),
                    'aria-label': `Preview ${r.file ?? r.a.field}`,
                  },
                  'Preview',
                )
              : null,
            ' ',
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                onclick: dl(r.a.path, r.file, r.file ?? `${stepId}-${r.a.field}`),
                'aria-label': `Download ${r.file ?? r.a.field}`,
              },
              'Download',
            ),
            isReport(r.a)
              ? [
                  ' ',
                  h(
                    'a',
                    {
                      href: withToken(`/web/drift/${enc(runId)}/${enc(stepId)}/report.html`),
                      target: '_blank',
                      rel: 'noopener',
                    },
                    'Open as page',
                  ),
                ]
              : null,
          ],
        },
      ],
      rows,
      { class: 'artifacts' },
    ),
    preview,
    rec?.output?.model?.hash
      ? h('p', {}, 'Model lineage: ', lineageLink(`model:${String(rec.output.model.hash).slice(0, 12)}`))
      : null,
  ];
}
