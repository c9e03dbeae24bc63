/**
 * `pipewright triage <drift-report.json|run-id>`: evidence, classification, reasoning and one proposal for a
 * drift alert; `--apply` posts it and starts the approval-gated action run (decide it with `pipewright
 * approve|reject <run> approve`, from Slack or the web page; `--apply` again continues an unfinished action
 * run); `pipewright triages` lists earlier triages.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { userError } from '../../errors.ts';
import { TERMINAL_RUN_STATUSES } from '../../store/types.ts';
import { resolveInWorkspace } from '../../tasks/workspace.ts';
import { type GlobalOptions, openContext, openStore } from '../context.ts';
import { EXIT, exitCodeForStatus } from '../exit-codes.ts';
import { printJson, shortTime, table } from '../output.ts';
import { autoApprove } from './execute.ts';

interface TriageOptions {
  model?: string;
  apply?: boolean;
  autoApprove?: boolean;
  data?: string;
}

export function registerTriageCommands(program: Command): void {
  const global = () => program.opts() as GlobalOptions;

  program
    .command('triage')
    .description('explain a drift alert and propose one action (retrain, rollback, fix upstream, mute)')
    .argument(
      '<source>',
      'a drift report JSON (monitor.drift reportJson) or the id of a run that checked drift',
    )
    .option('-m, --model <name>', "the model the alert is about (default: the run's monitor.traffic model)")
    .option('--apply', 'post the triage and start the approval-gated action run')
    .option('--auto-approve', 'with --apply: approve at once (recorded as auto-approve) and run the action')
    .option('--data <path>', 'fresh data for a retrain: replaces the path the training plan ingests')
    .action(async (source: string, opts: TriageOptions) => {
      const g = global();
      if (opts.autoApprove && !opts.apply)
        throw userError('USAGE', '--auto-approve needs --apply', undefined, 'Add --apply.');
      const [
        { alertFromRun, attachTriageRecorder, postTriage, readDriftReport, rememberTriage, triageModelDeps },
        { llmSettingsFrom },
        { TriggerStore },
      ] = await Promise.all([
        import('../../../agents/triage/index.ts'),
        import('../../llm/index.ts'),
        import('../../store/index.ts'),
      ]);
      const ctx = await openContext(g);
      const detach = attachTriageRecorder(ctx.store);
      try {
        const file = reportPath(ctx.config, source);
        const input = file
          ? { ...readDriftReport(file), ...(opts.model ? { model: opts.model } : {}) }
          : alertFromRun(ctx.store, source, opts.model);
        const deps = {
          ...(await triageModelDeps(llmSettingsFrom(ctx.config))),
          checkModel: (await import('../../../tools/triage/model-check.ts')).registeredModelChecker(
            ctx.config,
            ctx.store,
          ),
        };
        const { triageAlert, templateRetrain, recordVerdict } = await import(
          '../../../agents/triage/index.ts'
        );
        const triage = await triageAlert(input, {
          ...deps,
          store: ctx.store,
          config: ctx.config,
          draftRetrain: (ev) => templateRetrain(ctx.store, ev, opts.data ? { freshData: opts.data } : {}),
        });
        if (!opts.apply || triage.proposal.action === 'none') {
          recordVerdict(ctx.store, triage);
          if (g.json) return printJson({ triage });
          const next =
            triage.proposal.action === 'none' ? 'Nothing to apply.' : 'Post it for approval with --apply.';
          process.stdout.write(`${renderTriage(triage)}\n\n${next}\n`);
          return;
        }
        const posted = postTriage(ctx.engine, triage, { by: ctx.config.user });
        if (posted.created) {
          try {
            await rememberTriage(ctx.config, triage);
          } catch {
            // Memory is never on the critical path; `pipewright memory rebuild` restores the run documents.
          }
        }
        const runId = posted.runId;
        let status = runId ? ctx.store.requireRun(runId).status : 'succeeded';
        // A new action run goes to its approval; an earlier one that is not finished continues (a decision
        // recorded elsewhere with --no-resume, or a process that died) — the decision itself is never made here
        // without --auto-approve.
        if (runId && !TERMINAL_RUN_STATUSES.includes(status)) {
          let outcome = await ctx.engine.execute(runId);
          if (opts.autoApprove && outcome.status === 'waiting') {
            autoApprove(ctx, runId, outcome.waiting);
            outcome = await ctx.engine.execute(runId);
          }
          status = outcome.status;
        }
        const record = new TriggerStore(ctx.store.db).getTriage(posted.record.id);
        if (g.json) {
          printJson({
            triage: posted.created ? triage : posted.record.triage,
            posted: { ...posted, record },
            status,
          });
        } else {
          process.stdout.write(
            `${posted.created ? renderTriage(triage) : `Alert already triaged as ${posted.record.id}.`}\n\n`,
          );
          process.stdout.write(
            `triage ${posted.record.id}: ${record?.status ?? 'proposed'}${runId ? `, action run ${runId} ${status}` : ''}\n`,
          );
          if (record?.outcome) process.stdout.write(`outcome: ${String(record.outcome.detail ?? '')}\n`);
          if (status === 'waiting' && runId)
            process.stdout.write(
              `Waiting for approval: pipewright approve ${runId} approve   (or reject; Slack and the web page show it too)\n`,
            );
        }
        process.exitCode = status === 'waiting' ? EXIT.ok : exitCodeForStatus(status);
      } finally {
        detach();
        await ctx.close();
      }
    });

  program
    .command('triages')
    .description('list drift triages and how they ended')
    .option('-m, --model <name>', 'only triages of this model')
    .option('-n, --limit <n>', 'how many', '20')
    .action(async (opts: { model?: string; limit: string }) => {
      const g = global();
      const [{ refreshTriage }, { TriggerStore }] = await Promise.all([
        import('../../../agents/triage/index.ts'),
        import('../../store/index.ts'),
      ]);
      const ctx = await openStore(g);
      try {
        const triggers = new TriggerStore(ctx.store.db);
        const list = triggers
          .listTriages({ ...(opts.model ? { model: opts.model } : {}), limit: Number(opts.limit) || 20 })
          .map((t) => refreshTriage(ctx.store, t.id) ?? t);
        if (g.json) return printJson(list);
        if (!list.length)
          return void process.stdout.write('No triages yet. Try `pipewright triage <run-id>`.\n');
        process.stdout.write(
          `${table(
            ['triage', 'model', 'classification', 'severity', 'action', 'status', 'run', 'created'],
            list.map((t) => [
              t.id,
              t.model ?? '',
              t.classification,
              t.severity,
              t.action,
              t.status,
              t.runId ?? '',
              shortTime(t.createdAt),
            ]),
          )}\n`,
        );
      } finally {
        ctx.close();
      }
    });
}

/**
 * A drift report path, resolved against the workspace (realpath, confined to it or to the state folder), or
 * undefined when `source` names a run. A path that looks like a report but is not there is a user error.
 */
export function reportPath(config: Config, source: string): string | undefined {
  const looksLikeFile = source.endsWith('.json') || source.includes('/') || source.includes(path.sep);
  const inState = path.resolve(config.workspace, source);
  const rel = path.relative(config.stateDir, inState);
  const candidate =
    !rel.startsWith('..') && !path.isAbsolute(rel) && existsSync(inState)
      ? inState
      : resolveInWorkspace(config.workspace, source, 'drift report');
  if (existsSync(candidate)) return candidate;
  if (!looksLikeFile) return undefined;
  throw userError(
    'TRIAGE_REPORT_NOT_FOUND',
    `No drift report at ${source}`,
    `${candidate} does not exist (paths are read relative to the workspace ${config.workspace})`,
    'Pass the reportJson path of a monitor.drift step (or `pipewright drift … --json`), or the id of the run that checked drift.',
  );
}

type TriageView = Awaited<ReturnType<typeof import('../../../agents/triage/index.ts').triageAlert>>;

const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : String(x));

/** The triage for a person: evidence, verdict, reasoning, explanation, proposal. */
export function renderTriage(t: TriageView): string {
  const ev = t.evidence;
  const out: string[] = [];
  if (t.verdict.classification === 'no_drift') {
    out.push(`${ev.alert.summary} (${ev.alert.ref}).`);
    out.push(...t.verdict.reasoning.map((r) => `  - ${r}`));
    out.push(`  window   ${ev.window.rows} rows (reference ${ev.reference.rows})`);
    return out.join('\n');
  }
  out.push(`Drift alert ${ev.alert.ref}: ${ev.alert.summary}`);
  out.push('', 'Evidence');
  for (const f of ev.features.filter((x) => x.drifted))
    out.push(
      `  drifted  ${f.name.padEnd(22)} ${f.change}  (${f.method} ${f.statistic === null ? 'n/a' : f.statistic.toPrecision(3)} vs ${f.threshold})`,
    );
  for (const f of ev.findings) {
    out.push(`  finding  ${f.kind} on "${f.column}": ${f.message}`);
    const e = f.evidence;
    if (e) {
      out.push(
        `           ${e.statistic} = ${fmt(e.value)} (threshold ${fmt(e.threshold)}${e.pValue !== undefined ? `, p ${fmt(e.pValue)}` : ''}): ${e.test}`,
      );
      for (const r of e.examples.slice(0, 3)) out.push(`           e.g. ${JSON.stringify(r).slice(0, 160)}`);
    }
  }
  if (ev.season && ev.season.currentMonths.length < 12) {
    const s = ev.season;
    out.push(
      `  season   window months ${s.currentMonths.join(',')}, reference months ${s.referenceMonths.join(',')}; ${
        s.baseline
          ? `same-months baseline ${s.baseline.rows} rows${s.baseline.lastYear ? ' (one year earlier)' : ''}: ${s.drifted.length ? `still drifting ${s.drifted.join(', ')}` : 'nothing drifts'}`
          : 'the reference has none of these months'
      }`,
    );
  }
  const mc = ev.modelCheck;
  if (mc) {
    const top = Object.entries(mc.importance)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
      .join(', ');
    out.push(`  model    predicts ${mc.target}; importance ${top}`);
    if (mc.quality)
      out.push(
        `  quality  ${mc.quality.metric} ${fmt(mc.quality.current)} on ${mc.quality.rows} labelled rows (holdout ${fmt(mc.quality.baseline)})${mc.quality.dropped ? ': dropped' : ': held'}`,
      );
    if (mc.labelShift)
      out.push(
        `  labels   ${mc.labelShift.statistic} ${fmt(mc.labelShift.value)}${mc.labelShift.drifted ? ': shifted' : ''}`,
      );
  }
  const nulls = Object.entries(ev.window.nullRates).filter(([, v]) => v > 0);
  out.push(
    `  window   ${ev.window.rows} rows (reference ${ev.reference.rows})${
      nulls.length
        ? `; missing: ${nulls.map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(', ')}`
        : '; no missing values'
    }${ev.window.months ? `; months ${ev.window.months.join(',')}` : ''}`,
  );
  if (ev.model) {
    const m = ev.model;
    out.push(
      `  model    ${m.name} v${m.version ?? '?'} trained ${m.trainedAt?.slice(0, 19) ?? '?'} on ${m.trainingData ?? '?'}${
        m.approvedBy.length ? `, approved by ${m.approvedBy.join(', ')}` : ''
      }${m.deployedAt ? `, deployed ${m.deployedAt.slice(0, 19)} by ${m.deployedBy ?? '?'}` : ''}`,
    );
  } else if (ev.modelMissing) out.push(`  model    "${ev.modelMissing}" is no longer registered`);
  for (const u of ev.upstream) out.push(`  upstream ${u.dataset} (${u.createdAt.slice(0, 19)}): ${u.change}`);
  for (const s of ev.similar.slice(0, 3))
    out.push(`  past     ${s.id}: ${s.classification} → ${s.action} (${s.status})`);
  out.push(
    '',
    `Classification: ${t.verdict.classification} (${t.verdict.cause}), severity ${t.verdict.severity}`,
  );
  out.push('Reasoning:', ...t.verdict.reasoning.map((r) => `  - ${r}`));
  out.push('', `Explanation (${t.source}): ${t.explanation}`);
  out.push(
    '',
    `Proposal: ${t.proposal.action}${t.proposal.rollbackTo ? ` to v${t.proposal.rollbackTo}` : ''}${t.proposal.expiresAt ? ` until ${t.proposal.expiresAt}` : ''}${t.proposal.holdRetrain ? ' (retrains on hold)' : ''}`,
  );
  if (t.proposal.window)
    out.push(
      `  window: ${t.proposal.window.description} (${t.proposal.window.reference} + ${t.proposal.window.current})`,
    );
  out.push(...t.proposal.reasons.map((r) => `  - ${r}`));
  const steps = (t.proposal.plan as { steps?: { id: string; task?: string }[] } | undefined)?.steps;
  if (steps) out.push(`  retrain plan: ${steps.map((s) => s.id).join(' → ')}`);
  if (t.notes.length) out.push('', 'Notes:', ...t.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}
