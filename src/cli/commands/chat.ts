/**
 * `pipewright chat`: a conversation in the terminal. Goal → the plan (table + DAG) → approve / edit (a YAML
 * or JSON file of the plan) / reject with feedback (replan) → on approval the run, with live progress and the
 * run's own approvals asked here → results. Works on a pipe as well as a TTY (lines are read in order).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Command, isInterrupted, MemorySaver } from '@langchain/langgraph';
import type { Command as Program } from 'commander';
import {
  createPlannerGraph,
  type PlannerResult,
  plannerModelDeps,
  type ReviewRequest,
  workspaceDeps,
} from '../../../agents/planner/index.ts';
import { builtinRegistry } from '../../../tools/index.ts';
import { formatError } from '../../errors.ts';
import { type LlmOverrides, llmSettingsFrom } from '../../llm/index.ts';
import { type Plan, parsePlanText, renderPlanDag, renderPlanTable } from '../../plan/index.ts';
import { TERMINAL_RUN_STATUSES } from '../../store/index.ts';
import { configFrom, type GlobalOptions, openContext } from '../context.ts';
import { exitCodeForStatus } from '../exit-codes.ts';
import { ProgressRenderer } from '../progress.ts';

export interface ChatOptions extends LlmOverrides {
  /** Plan only: stop after the plan is approved (default: run it). */
  run?: boolean;
  input?: Readable;
  output?: Writable;
}

/** Reads answers line by line, in order, whether or not a question is pending (pipes deliver early). */
function lineReader(input: Readable, output: Writable) {
  const rl = createInterface({ input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question: string): Promise<string | undefined> {
      output.write(question);
      const next = await lines.next();
      return next.done ? undefined : String(next.value).trim();
    },
    close: () => rl.close(),
  };
}

export async function runChat(globals: GlobalOptions, opts: ChatOptions = {}): Promise<number> {
  const out = opts.output ?? process.stderr;
  const say = (s: string) => out.write(`${s}\n`);
  const io = lineReader(opts.input ?? process.stdin, out);
  const config = configFrom(globals);
  const deps = {
    registry: builtinRegistry(),
    ...workspaceDeps(config.workspace, config),
    ...(await plannerModelDeps(llmSettingsFrom(config, opts))),
  };
  const checkpointer = new MemorySaver();
  const graph = createPlannerGraph(deps, { checkpointer });
  try {
    say('Describe the pipeline you want (an empty line or Ctrl-D quits).');
    for (;;) {
      let goal = await io.ask('\ngoal> ');
      if (!goal) return 0;
      const thread = { configurable: { thread_id: randomUUID() } };
      let state = await graph.invoke({ goal }, thread);
      let plan: Plan | undefined;
      for (;;) {
        const result = state.result as PlannerResult | undefined;
        if (result?.kind === 'clarify') {
          say(`? ${result.question}`);
          const answer = await io.ask('answer> ');
          if (!answer) break;
          goal = `${goal}. ${answer}`;
          state = await graph.invoke({ goal }, { configurable: { thread_id: randomUUID() } });
          continue;
        }
        if (result?.kind === 'refuse') {
          say(`✗ refused: ${result.reason}`);
          break;
        }
        if (result?.kind === 'plan') {
          plan = result.plan;
          break;
        }
        if (!isInterrupted(state)) throw new Error('the planner stopped without a plan or a question');
        const request = state.__interrupt__[0]?.value as ReviewRequest;
        showPlan(say, request);
        const decision = await review(io, say, config.workspace, config.user);
        if (!decision) return 0;
        state = await graph.invoke(new Command({ resume: decision }), thread);
      }
      if (!plan) continue;
      say(`\n✓ plan "${plan.name}" approved.`);
      if (opts.run === false) return 0;
      return await runPlan(globals, plan, io, say, out);
    }
  } catch (e) {
    say(formatError(e));
    return 2;
  } finally {
    io.close();
  }
}

function showPlan(say: (s: string) => void, r: ReviewRequest): void {
  say(`\nplan "${r.plan.name}" (${r.plan.steps.length} steps)\n`);
  say(renderPlanTable(r.plan));
  say('');
  say(renderPlanDag(r.plan));
  for (const n of r.notes) say(`  note: ${n}`);
  if (r.problems.length) {
    say('\nYour edit was not used; it has these problems:');
    for (const p of r.problems) say(`  - ${p.path || '(plan)'}: ${p.message}`);
  }
}

type Decision =
  | { action: 'approve'; by: string }
  | { action: 'edit'; plan: unknown; by: string }
  | { action: 'reject'; feedback: string; by: string };

/**
 * "a" approves; "e <file>" takes an edited plan from a YAML/JSON file in the workspace; "r <feedback>" (or
 * any other sentence) rejects with that feedback; "q" or end of input quits.
 */
async function review(
  io: ReturnType<typeof lineReader>,
  say: (s: string) => void,
  workspace: string,
  by: string,
): Promise<Decision | undefined> {
  for (;;) {
    const answer = await io.ask(
      '\n[a]pprove · [e]dit <plan.yaml> · [r]eject <what to change> (or just say it) · [q]uit\nreview> ',
    );
    if (answer === undefined) return undefined;
    const [word = '', ...rest] = answer.split(/\s+/);
    const tail = rest.join(' ').trim();
    const w = word.toLowerCase();
    if (['a', 'approve', 'y', 'yes', 'ok'].includes(w) && !tail) return { action: 'approve', by };
    if (['q', 'quit', 'exit'].includes(w) && !tail) return undefined;
    if (w === 'e' || w === 'edit') {
      if (!tail) {
        say(
          'Give the path of the edited plan, e.g. `e plan.yaml` (write it with `pipewright plan … --out`).',
        );
        continue;
      }
      const file = path.resolve(workspace, tail);
      if (path.relative(workspace, file).startsWith('..')) {
        say(`${tail} is outside the workspace.`);
        continue;
      }
      try {
        return { action: 'edit', plan: parsePlanText(await readFile(file, 'utf8'), tail), by };
      } catch (e) {
        say(formatError(e));
        continue;
      }
    }
    const feedback = w === 'r' || w === 'reject' ? tail : answer;
    if (!feedback) {
      const more = await io.ask('What should change? ');
      if (!more) continue;
      return { action: 'reject', feedback: more, by };
    }
    return { action: 'reject', feedback, by };
  }
}

async function runPlan(
  globals: GlobalOptions,
  plan: Plan,
  io: ReturnType<typeof lineReader>,
  say: (s: string) => void,
  out: Writable,
): Promise<number> {
  const ctx = await openContext(globals);
  try {
    const run = ctx.engine.createRun(plan, { createdBy: ctx.config.user, trigger: 'chat' });
    say(`\nRun ${run.id} of plan "${run.planName}" (${run.plan.steps.length} steps)`);
    const renderer = new ProgressRenderer(
      ctx.store,
      run.id,
      out as NodeJS.WriteStream,
      Boolean((out as NodeJS.WriteStream).isTTY),
    ).start();
    try {
      let outcome = await ctx.engine.execute(run.id);
      while (outcome.status === 'waiting') {
        renderer.stop();
        let decided = 0;
        for (const a of outcome.waiting) {
          const answer = (
            await io.ask(`\n${a.stepId}: ${a.message} [y]es / [n]o / [l]ater: `)
          )?.toLowerCase();
          if (!answer || answer.startsWith('l')) continue;
          ctx.engine.decide({
            runId: run.id,
            stepId: a.stepId,
            approved: answer.startsWith('y'),
            by: ctx.config.user,
            via: 'cli-chat',
          });
          decided++;
        }
        if (decided === 0) {
          say(`\nRun ${run.id} waits for approval: pipewright approve ${run.id} <step>`);
          return exitCodeForStatus('waiting');
        }
        renderer.start(renderer.latestSeq());
        outcome = await ctx.engine.execute(run.id);
      }
    } finally {
      renderer.stop();
    }
    const final = ctx.store.requireRun(run.id);
    say(`\nRun ${run.id} ${final.status}.${final.error ? ` ${final.error.what}` : ''}`);
    if (TERMINAL_RUN_STATUSES.includes(final.status)) {
      say('\nresults:');
      for (const s of ctx.store.getSteps(run.id))
        say(`  ${s.stepId.padEnd(16)} ${s.status.padEnd(10)} ${brief(s.output)}`);
    }
    say(`  details: pipewright show ${run.id}   logs: pipewright logs ${run.id}`);
    return exitCodeForStatus(final.status);
  } finally {
    await ctx.close();
  }
}

/** A one-line view of a step's output: metrics first, else the top-level scalars. */
function brief(output: unknown): string {
  if (!output || typeof output !== 'object') return '';
  const o = output as Record<string, unknown>;
  const pick = (o.metrics && typeof o.metrics === 'object' ? o.metrics : o) as Record<string, unknown>;
  const parts = Object.entries(pick)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)}`);
  return parts.join(' ').slice(0, 100);
}

export function registerChatCommand(program: Program): void {
  program
    .command('chat')
    .description('a conversation: goal → plan → approve / edit / reject → run with live progress → results')
    .option('--provider <provider>', 'who drafts plans: offline | openai | ollama | llamacpp')
    .option('--model <name>', 'model name (openai, ollama) or GGUF path (llamacpp)')
    .option('--base-url <url>', 'OpenAI-compatible or Ollama server URL')
    .option('--no-run', 'stop once the plan is approved')
    .action(async (opts: LlmOverrides & { run: boolean }) => {
      process.exitCode = await runChat(program.opts() as GlobalOptions, opts);
    });
}
