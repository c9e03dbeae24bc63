/**
 * `pipewright triage <drift-report.json|run-id>`: evidence, classification, reasoning and one proposal for a
 * drift alert; `--apply` posts it and starts the approval-gated action run (decide it with `pipewright
 * approve|reject <run> approve`, from Slack or the web page; `--apply` again continues an unfinished action
 * run); `pipewright triages` lists earlier triages.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { userError } from '../../errors.ts';
import { TERMINAL_RUN_STATUSES } from '../../store/types.ts';
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
        { alertFromRun, attachTriageRecorder, readDriftReport, triageAndPost, triageModelDeps },
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
        const file = path.resolve(source);
        const input =
          source.endsWith('.json') || existsSync(file)
            ? { ...readDriftReport(file), ...(opts.model ? { model: opts.model } : {}) }
            : alertFromRun(ctx.store, source, opts.model);
        const deps = await triageModelDeps(llmSettingsFrom(ctx.config));
        if (!opts.apply) {
          const { triageAlert, templateRetrain } = await import('../../../agents/triage/index.ts');
          const triage = await triageAlert(input, {
            ...deps,
            store: ctx.store,
            config: ctx.config,
            draftRetrain: (ev) => templateRetrain(ctx.store, ev, opts.data ? { freshData: opts.data } : {}),
          });
          if (g.json) return printJson({ triage });
          process.stdout.write(`${renderTriage(triage)}\n\nPost it for approval with --apply.\n`);
          return;
        }
        const { triage, posted } = await triageAndPost(ctx.engine, ctx.config, input, {
          ...deps,
          by: ctx.config.user,
          ...(opts.data ? { freshData: opts.data } : {}),
        });
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

type TriageView = Awaited<ReturnType<typeof import('../../../agents/triage/index.ts').triageAlert>>;

/** The triage for a person: evidence, verdict, reasoning, explanation, proposal. */
export function renderTriage(t: TriageView): string {
  const ev = t.evidence;
  const out: string[] = [];
  out.push(`Drift alert ${ev.alert.ref}: ${ev.alert.summary}`);
  out.push('', 'Evidence');
  for (const f of ev.features.filter((x) => x.drifted))
    out.push(
      `  drifted  ${f.name.padEnd(22)} ${f.change}  (${f.method} ${f.statistic === null ? 'n/a' : f.statistic.toPrecision(3)} vs ${f.threshold})`,
    );
  for (const f of ev.findings) out.push(`  finding  ${f.kind} on "${f.column}": ${f.message}`);
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
    `Proposal: ${t.proposal.action}${t.proposal.rollbackTo ? ` to v${t.proposal.rollbackTo}` : ''}${t.proposal.reviewAt ? ` until ${t.proposal.reviewAt}` : ''}`,
  );
  out.push(...t.proposal.reasons.map((r) => `  - ${r}`));
  const steps = (t.proposal.plan as { steps?: { id: string; task?: string }[] } | undefined)?.steps;
  if (steps) out.push(`  retrain plan: ${steps.map((s) => s.id).join(' → ')}`);
  if (t.notes.length) out.push('', 'Notes:', ...t.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}
