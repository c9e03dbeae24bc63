/** `runs`, `show`, `logs`: read-only views of the records. */
import type { Command } from 'commander';
import { userError } from '../../errors.ts';
import type { RunStore } from '../../store/run-store.ts';
import {
  RUN_STATUSES,
  type RunEvent,
  type RunRecord,
  type RunStatus,
  TERMINAL_RUN_STATUSES,
} from '../../store/types.ts';
import { type GlobalOptions, openStore } from '../context.ts';
import { printJson, shortTime, span, table } from '../output.ts';

export function registerInspectCommands(program: Command): void {
  const global = () => program.opts() as GlobalOptions;

  program
    .command('runs')
    .description('list recent runs')
    .option('-s, --status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('-p, --plan <name>', 'only runs of this plan')
    .option('-n, --limit <n>', 'how many', '20')
    .action(async (opts: { status?: string; plan?: string; limit: string }) => {
      const g = global();
      if (opts.status && !RUN_STATUSES.includes(opts.status as RunStatus)) {
        throw userError(
          'USAGE',
          `Unknown status "${opts.status}"`,
          `statuses are ${RUN_STATUSES.join(', ')}`,
          'Pick one of them.',
        );
      }
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw userError(
          'USAGE',
          `--limit must be a positive whole number, not "${opts.limit}"`,
          undefined,
          'Example: --limit 50',
        );
      const ctx = await openStore(g);
      try {
        const runs = ctx.store.listRuns({
          limit,
          ...(opts.status ? { status: opts.status as RunStatus } : {}),
          ...(opts.plan ? { plan: opts.plan } : {}),
        });
        if (g.json) return printJson(runs.map(({ plan: _plan, ...r }) => r));
        if (runs.length === 0)
          return void process.stdout.write('No runs yet. Start one with `pipewright run <plan>`.\n');
        const rows = runs.map((r) => [
          r.id,
          r.planName,
          r.status,
          shortTime(r.createdAt),
          span(r.startedAt, endOf(ctx.store, r)),
          r.createdBy,
        ]);
        process.stdout.write(`${table(['run', 'plan', 'status', 'created', 'took', 'by'], rows)}\n`);
        const stopped = runs.filter((r) => r.status === 'interrupted');
        for (const r of stopped)
          process.stdout.write(`${r.id} was interrupted; continue it with: ${resumeCommand(g, r.id)}\n`);
      } finally {
        ctx.close();
      }
    });

  program
    .command('show')
    .description('show a run: its steps, outputs, approvals and errors')
    .argument('<run>', 'run id (or a unique prefix)')
    .action(async (id: string) => {
      const g = global();
      const ctx = await openStore(g);
      try {
        const run = ctx.store.requireRun(id);
        const steps = ctx.store.getSteps(run.id);
        const approvals = ctx.store.listApprovals({ runId: run.id });
        if (g.json) return printJson({ run, steps, approvals });
        const o = process.stdout;
        o.write(
          `run      ${run.id}\nplan     ${run.planName}${run.plan.goal ? `  (goal: ${run.plan.goal})` : ''}\n`,
        );
        o.write(
          `status   ${run.status}\ncreated  ${shortTime(run.createdAt)} by ${run.createdBy} (${run.trigger})\n`,
        );
        const end = endOf(ctx.store, run);
        if (run.startedAt) o.write(`took     ${span(run.startedAt, end)}\n`);
        if (run.status === 'interrupted') {
          const why = ctx.store.events(run.id, { types: ['run.interrupted'] }).at(-1)?.data.reason;
          o.write(
            `         nobody executes it now${why ? ` (${String(why)})` : ''}; continue it with: ${resumeCommand(g, run.id)}\n`,
          );
        }
        if (run.error) o.write(`error    ${run.error.what}${run.error.why ? `: ${run.error.why}` : ''}\n`);
        const rows = steps.map((s) => [
          s.stepId,
          s.task ?? 'approval',
          // A step that was running when its process died is not running now.
          s.status === 'running' && run.status === 'interrupted' ? 'interrupted' : s.status,
          s.attempt > 1 ? String(s.attempt) : '',
          s.cached ? 'cache' : span(s.startedAt, s.finishedAt ?? end),
          (s.error ? s.error.what : (s.reason ?? summarizeOutput(s.output))).slice(0, 70),
        ]);
        o.write(`\n${table(['step', 'task', 'status', 'tries', 'took', 'note'], rows)}\n`);
        // Evidence and gate notes need the plan and engine modules: loaded only when there is something to show.
        const explain =
          approvals.length || steps.some((s) => s.status === 'skipped')
            ? await import('../approval-text.ts')
            : undefined;
        const gates = explain?.gateNotesText(run, steps);
        if (gates) o.write(`\n${gates}`);
        for (const a of approvals) {
          o.write(
            `\napproval ${a.stepId}: ${a.message}\n  ${a.status}${a.decidedBy ? ` by ${a.decidedBy} at ${shortTime(a.decidedAt)} via ${a.via}` : `, expires ${shortTime(a.expiresAt)} (then ${a.onTimeout})`}${a.comment ? ` — "${a.comment}"` : ''}\n`,
          );
          o.write(explain?.approvalEvidenceText(a) ?? '');
        }
      } finally {
        ctx.close();
      }
    });

  program
    .command('logs')
    .description(
      "print a run's log lines and step transitions (with --json: one event per line, NDJSON, as GET /api/runs/:id/logs gives them)",
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .argument('[step]', 'only this step')
    .option('-f, --follow', 'keep printing until the run finishes or waits')
    .action(async (id: string, stepId: string | undefined, opts: { follow?: boolean }) => {
      const g = global();
      const ctx = await openStore(g);
      try {
        const run = ctx.store.requireRun(id);
        if (stepId && !run.plan.steps.some((s) => s.id === stepId)) {
          throw userError(
            'STEP_NOT_FOUND',
            `Run ${run.id} has no step "${stepId}"`,
            undefined,
            `Its steps are: ${run.plan.steps.map((s) => s.id).join(', ')}.`,
          );
        }
        let after = 0;
        for (;;) {
          const events = ctx.store.events(run.id, { afterSeq: after, ...(stepId ? { stepId } : {}) });
          for (const e of events) {
            after = e.seq;
            if (g.json) process.stdout.write(`${JSON.stringify(e)}\n`);
            else process.stdout.write(formatEvent(e));
          }
          const status = ctx.store.requireRun(run.id).status;
          if (!opts.follow || TERMINAL_RUN_STATUSES.includes(status) || status === 'waiting') break;
          await new Promise((r) => setTimeout(r, 300));
        }
      } finally {
        ctx.close();
      }
    });
}

/** When a run stopped: its end, or for an interrupted run the last thing its executor recorded. */
function endOf(store: RunStore, run: RunRecord): string | undefined {
  return run.finishedAt ?? (run.status === 'interrupted' ? store.lastEventAt(run.id) : undefined);
}

/** The exact command that continues a run, with the workspace options this command was given. */
function resumeCommand(g: GlobalOptions, runId: string): string {
  const opts = [
    ...(g.workspace ? [`--workspace ${JSON.stringify(g.workspace)}`] : []),
    ...(g.stateDir ? [`--state-dir ${JSON.stringify(g.stateDir)}`] : []),
  ];
  return ['pipewright', ...opts, 'resume', runId].join(' ');
}

function summarizeOutput(output: unknown): string {
  if (output === undefined || output === null) return '';
  // A task that writes its own one-line summary (train.tabular: model, features, scores) is shown by it.
  const own = (output as { summary?: unknown }).summary;
  if (typeof own === 'string') return own;
  const text = JSON.stringify(output);
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

function formatEvent(e: RunEvent): string {
  const t = e.at.slice(11, 23);
  const who = e.stepId ? `${e.stepId} ` : '';
  if (e.type === 'step.log')
    return `${t} ${who}${String(e.data.level).padEnd(5)} ${String(e.data.message)}\n`;
  const err = (e.data.error as { what?: string } | undefined)?.what;
  const extra = err ?? (e.data.reason as string | undefined) ?? (e.data.message as string | undefined) ?? '';
  return `${t} ${who}[${e.type}]${extra ? ` ${extra}` : ''}\n`;
}
