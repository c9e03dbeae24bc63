/** `run`, `resume`, `cancel`, `approve`, `reject`: commands that change runs. */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { RunOutcome } from '../../engine/index.ts';
import { isPipewrightError, userError } from '../../errors.ts';
import { TERMINAL_RUN_STATUSES } from '../../store/types.ts';
import { type CliContext, type GlobalOptions, openContext } from '../context.ts';
import { EXIT, exitCodeForStatus } from '../exit-codes.ts';
import { printJson } from '../output.ts';
import { ProgressRenderer } from '../progress.ts';
import { readPlanArg } from './plan-files.ts';

function parseInputs(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0)
      throw userError(
        'INPUT_SYNTAX',
        `Cannot read --input "${p}"`,
        'inputs are written name=value',
        'Example: --input threshold=0.9',
      );
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

interface ExecuteOptions {
  json: boolean;
  wait: boolean;
  /** Decide every approval as approved, recorded as such in the audit log (demos, trusted automation). */
  autoApprove?: boolean;
  /** Ask at the terminal when the run reaches an approval. */
  prompt?: boolean;
}

/** Executes a run with live progress; with `wait`, stays until approvals are decided or time out. */
async function executeWithProgress(
  ctx: CliContext,
  runId: string,
  opts: ExecuteOptions,
): Promise<RunOutcome> {
  const renderer = opts.json ? undefined : new ProgressRenderer(ctx.store, runId).start();
  let interrupted = 0;
  const onSignal = () => {
    interrupted++;
    if (interrupted > 1) process.exit(EXIT.interrupted);
    process.stderr.write('\nCancelling the run (Ctrl-C again to quit at once)...\n');
    try {
      ctx.engine.cancel(runId, ctx.config.user);
    } catch {
      // Already finished.
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let outcome = await executeOrFollow(ctx, runId);
    while (outcome.status === 'waiting') {
      const before = outcome;
      if (opts.autoApprove) {
        autoApprove(ctx, runId, outcome.waiting);
      } else if (opts.prompt && process.stdin.isTTY && !opts.json) {
        renderer?.stop();
        try {
          await promptDecisions(ctx, runId, outcome.waiting);
        } catch (e) {
          if (e instanceof PromptDeferred) return before;
          throw e;
        }
        renderer?.start(renderer.latestSeq());
      } else if (opts.wait) {
        await waitForDecision(ctx, runId);
      } else break;
      outcome = await executeOrFollow(ctx, runId);
    }
    return outcome;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    renderer?.stop();
  }
}

/** --auto-approve: decides every approval the run waits for as this user, recorded as such. */
export function autoApprove(ctx: CliContext, runId: string, waiting: RunOutcome['waiting']): void {
  for (const a of waiting) {
    ctx.engine.decide({
      runId,
      stepId: a.stepId,
      approved: true,
      by: ctx.config.user,
      comment: 'auto-approved (--auto-approve)',
      via: 'auto-approve',
    });
  }
}

/** Executes the run here, or, when another live process has claimed it, follows it to its end. */
async function executeOrFollow(ctx: CliContext, runId: string): Promise<RunOutcome> {
  try {
    return await ctx.engine.execute(runId);
  } catch (e) {
    if (!isPipewrightError(e) || e.code !== 'RUN_BUSY') throw e;
    for (;;) {
      const run = ctx.store.requireRun(runId);
      // The process we were following died: continue the run here (or follow whoever claims it first).
      if (run.status === 'interrupted') return executeOrFollow(ctx, runId);
      if (TERMINAL_RUN_STATUSES.includes(run.status) || run.status === 'waiting') {
        return {
          runId,
          status: run.status,
          waiting: ctx.store.listApprovals({ runId, status: 'pending' }),
          results: {},
        };
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

async function promptDecisions(
  ctx: CliContext,
  runId: string,
  waiting: RunOutcome['waiting'],
): Promise<void> {
  const { approvalEvidenceText } = await import('../approval-text.ts');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (const a of waiting) {
      process.stderr.write(`\n${a.stepId}: ${a.message}\n${approvalEvidenceText(a)}`);
      const answer = (await rl.question(`approve ${a.stepId}? [y]es / [n]o / [l]ater: `))
        .trim()
        .toLowerCase();
      if (answer.startsWith('l') || answer === '') continue;
      const comment = (await rl.question('comment (optional): ')).trim();
      ctx.engine.decide({
        runId,
        stepId: a.stepId,
        approved: answer.startsWith('y'),
        by: ctx.config.user,
        via: 'cli-prompt',
        ...(comment ? { comment } : {}),
      });
    }
  } finally {
    rl.close();
  }
  if (ctx.store.listApprovals({ runId, status: 'pending' }).length === waiting.length) {
    throw new PromptDeferred();
  }
}

/** The person chose to decide later: stop prompting and report the run as waiting. */
class PromptDeferred extends Error {}

async function waitForDecision(ctx: CliContext, runId: string): Promise<void> {
  for (;;) {
    ctx.store.expireApprovals();
    const run = ctx.store.requireRun(runId);
    if (run.status !== 'waiting' || run.cancelRequested) return;
    const approvals = ctx.store.listApprovals({ runId });
    const waitingSteps = ctx.store.getSteps(runId).filter((s) => s.status === 'waiting');
    if (waitingSteps.some((s) => approvals.find((a) => a.stepId === s.stepId)?.status !== 'pending')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function report(ctx: CliContext, outcome: RunOutcome, json: boolean): Promise<void> {
  const run = ctx.store.requireRun(outcome.runId);
  process.exitCode = exitCodeForStatus(outcome.status);
  if (json) {
    printJson({
      run: { ...run, plan: undefined },
      steps: ctx.store.getSteps(run.id),
      waiting: outcome.waiting,
    });
    return;
  }
  const w = process.stderr;
  // Loaded here, not at start-up: it reads the engine's evidence and condition modules.
  const { approvalEvidenceText, gateNotesText } = await import('../approval-text.ts');
  if (outcome.status === 'waiting') {
    w.write(`\nRun ${run.id} is waiting for approval:\n`);
    for (const a of outcome.waiting) {
      w.write(`  ${a.stepId}: ${a.message} (expires ${a.expiresAt}, then ${a.onTimeout})\n`);
      w.write(approvalEvidenceText(a, '    '));
      w.write(
        `    pipewright approve ${run.id} ${a.stepId}   |   pipewright reject ${run.id} ${a.stepId} --comment "why"\n`,
      );
    }
    return;
  }
  w.write(`\nRun ${run.id} ${outcome.status}.`);
  if (run.error) w.write(` ${run.error.what}${run.error.why ? `: ${run.error.why}` : ''}`);
  w.write(`\n${gateNotesText(run, ctx.store.getSteps(run.id))}`);
  w.write(`  details: pipewright show ${run.id}   logs: pipewright logs ${run.id}\n`);
}

export function registerExecuteCommands(program: Command): void {
  const global = () => program.opts() as GlobalOptions;

  program
    .command('run')
    .description('validate and run a plan with live progress')
    .argument('<plan>', 'plan file (YAML or JSON), or - for stdin')
    .option('-i, --input <name=value...>', 'plan input values', [])
    .option('--wait', 'stay until approvals are decided (from another terminal) or time out')
    .option('--auto-approve', 'approve every approval step as you (recorded in the audit log)')
    .option('--no-prompt', 'do not ask at the terminal when the run reaches an approval')
    .option(
      '--detach',
      'run it in the background and return at once (follow with `pipewright logs <run> --follow`)',
    )
    .action(
      async (
        file: string,
        opts: { input: string[]; wait?: boolean; detach?: boolean; autoApprove?: boolean; prompt: boolean },
      ) => {
        const g = global();
        const raw = await readPlanArg(file);
        const ctx = await openContext(g);
        try {
          const run = ctx.engine.createRun(raw, {
            createdBy: ctx.config.user,
            inputs: parseInputs(opts.input),
          });
          if (!g.json)
            process.stderr.write(
              `Run ${run.id} of plan "${run.planName}" (${run.plan.steps.length} steps)\n`,
            );
          if (opts.detach) {
            const { startDetached } = await import('../detach.ts');
            const bg = startDetached(ctx.config, run.id);
            if (g.json) printJson({ run: { id: run.id, status: run.status }, pid: bg.pid, log: bg.log });
            else
              process.stderr.write(
                `Running in the background (pid ${bg.pid}), output in ${bg.log}\n  follow: pipewright logs ${run.id} --follow   stop: pipewright cancel ${run.id}\n`,
              );
            return;
          }
          const outcome = await executeWithProgress(ctx, run.id, {
            json: g.json === true,
            wait: opts.wait === true,
            autoApprove: opts.autoApprove === true,
            prompt: opts.prompt,
          });
          await report(ctx, outcome, g.json === true);
        } finally {
          await ctx.close();
        }
      },
    );

  program
    .command('resume')
    .description(
      'continue a run after a crash, a kill or an approval decision, without redoing finished steps',
    )
    .argument('<run>', 'run id (or a unique prefix)')
    .option('--wait', 'stay until approvals are decided or time out')
    .action(async (id: string, opts: { wait?: boolean }) => {
      const g = global();
      const ctx = await openContext(g);
      try {
        const run = ctx.store.requireRun(id);
        await report(
          ctx,
          await executeWithProgress(ctx, run.id, { json: g.json === true, wait: opts.wait === true }),
          g.json === true,
        );
      } finally {
        await ctx.close();
      }
    });

  program
    .command('cancel')
    .description('cancel a run; running steps are stopped and their processes killed')
    .argument('<run>', 'run id (or a unique prefix)')
    .action(async (id: string) => {
      const g = global();
      const ctx = await openContext(g);
      try {
        let run = ctx.engine.cancel(id, ctx.config.user);
        // A live owner stops at its next heartbeat; wait briefly so the answer is final.
        for (let i = 0; i < 40 && !TERMINAL_RUN_STATUSES.includes(run.status); i++) {
          await new Promise((r) => setTimeout(r, 250));
          run = ctx.store.requireRun(run.id);
        }
        if (g.json) printJson({ run: { id: run.id, status: run.status } });
        else
          process.stderr.write(
            `Run ${run.id}: ${run.status === 'cancelled' ? 'cancelled' : `cancel requested (now ${run.status})`}\n`,
          );
      } finally {
        await ctx.close();
      }
    });

  for (const verb of ['approve', 'reject'] as const) {
    program
      .command(verb)
      .description(`${verb} a waiting approval step (single-use), then continue the run`)
      .argument('<run>', 'run id (or a unique prefix)')
      .argument('<step>', 'approval step id')
      .option('-m, --comment <text>', 'why')
      .option('--no-resume', 'only record the decision; do not continue the run here')
      .action(async (id: string, stepId: string, opts: { comment?: string; resume: boolean }) => {
        const g = global();
        const ctx = await openContext(g);
        try {
          const run = ctx.store.requireRun(id);
          const approval = ctx.engine.decide({
            runId: run.id,
            stepId,
            approved: verb === 'approve',
            by: ctx.config.user,
            via: 'cli',
            ...(opts.comment ? { comment: opts.comment } : {}),
          });
          if (!g.json)
            process.stderr.write(
              `${verb === 'approve' ? 'Approved' : 'Rejected'} ${run.id}/${stepId} as ${approval.decidedBy}.\n`,
            );
          if (!opts.resume || ctx.store.requireRun(run.id).status !== 'waiting') {
            if (g.json) printJson({ approval });
            return;
          }
          const outcome = await executeWithProgress(ctx, run.id, { json: g.json === true, wait: false });
          if (g.json) printJson({ approval, run: { id: run.id, status: outcome.status } });
          else await report(ctx, outcome, false);
          process.exitCode = exitCodeForStatus(outcome.status);
        } finally {
          await ctx.close();
        }
      });
  }
}
