/**
 * `pipewright chat`: a conversation in the terminal. Goal → the plan (table + DAG) → approve / edit (a YAML
 * or JSON file of the plan) / reject with feedback (replan) → on approval the run, with live progress and the
 * run's own approvals asked here → results. Works on a pipe as well as a TTY (lines are read in order).
 * A pending review is kept in <stateDir>/chat-reviews.db (SqliteSaver), so `pipewright chat --resume
 * <thread>` continues it after the process has exited.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Command, isInterrupted } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { Command as Program } from 'commander';
import {
  createPlannerGraph,
  type PlannerResult,
  plannerModelDeps,
  type ReviewRequest,
  workspaceDeps,
} from '../../../agents/planner/index.ts';
import { builtinRegistry } from '../../../tools/index.ts';
import { formatError, userError } from '../../errors.ts';
import { type LlmOverrides, llmSettingsFrom } from '../../llm/index.ts';
import { type Plan, parsePlanText, renderPlanDag, renderPlanTable } from '../../plan/index.ts';
import { TERMINAL_RUN_STATUSES } from '../../store/index.ts';
import { resolveInWorkspace } from '../../tasks/index.ts';
import { configFrom, type GlobalOptions, openContext } from '../context.ts';
import { exitCodeForStatus } from '../exit-codes.ts';
import { ProgressRenderer } from '../progress.ts';

export interface ChatOptions extends LlmOverrides {
  /** Plan only: stop after the plan is approved (default: run it). */
  run?: boolean;
  /** Continue the pending plan review of this chat thread (printed when a review is left open). */
  resume?: string;
  input?: Readable;
  output?: Writable;
}

/** Where chat reviews wait between processes: a LangGraph SQLite checkpointer in the state folder. */
export function chatCheckpointFile(stateDir: string): string {
  return path.join(stateDir, 'chat-reviews.db');
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

type Graph = ReturnType<typeof createPlannerGraph>;
type Say = (s: string) => void;
const threadConfig = (thread: string) => ({ configurable: { thread_id: thread } });

/** The plan review a chat thread waits at, if any. */
export async function pendingReview(graph: Graph, thread: string): Promise<ReviewRequest | undefined> {
  const snapshot = await graph.getState(threadConfig(thread));
  for (const task of snapshot.tasks ?? [])
    for (const i of task.interrupts ?? [])
      if ((i.value as ReviewRequest | undefined)?.kind === 'plan_review') return i.value as ReviewRequest;
  return undefined;
}

/** Chat threads with a review waiting, newest first (for the error of a wrong --resume). */
async function pendingThreads(graph: Graph, saver: SqliteSaver, limit = 5): Promise<string[]> {
  const seen = new Set<string>();
  for await (const t of saver.list({}, { limit: 500 })) {
    const id = t.config.configurable?.thread_id;
    if (typeof id === 'string') seen.add(id);
  }
  const out: string[] = [];
  for (const id of seen) {
    if (out.length >= limit) break;
    if (await pendingReview(graph, id)) out.push(id);
  }
  return out;
}

export async function runChat(globals: GlobalOptions, opts: ChatOptions = {}): Promise<number> {
  const out = opts.output ?? process.stderr;
  const say: Say = (s) => out.write(`${s}\n`);
  const io = lineReader(opts.input ?? process.stdin, out);
  let saver: SqliteSaver | undefined;
  try {
    const config = configFrom(globals);
    const deps = {
      registry: builtinRegistry(),
      ...workspaceDeps(config.workspace, config),
      ...(await plannerModelDeps(llmSettingsFrom(config, opts))),
    };
    mkdirSync(config.stateDir, { recursive: true });
    saver = SqliteSaver.fromConnString(chatCheckpointFile(config.stateDir));
    const graph = createPlannerGraph(deps, { checkpointer: saver });
    const ctx = { graph, saver, io, say, workspace: config.workspace, user: config.user };
    let plan: Plan | undefined;
    if (opts.resume) {
      const request = await pendingReview(graph, opts.resume);
      if (!request) {
        const waiting = await pendingThreads(graph, saver);
        throw userError(
          'CHAT_REVIEW_NOT_FOUND',
          `No plan review waits in chat thread "${opts.resume}"`,
          waiting.length
            ? `reviews waiting: ${waiting.join(', ')}`
            : `no review waits in ${chatCheckpointFile(config.stateDir)} (finished reviews are not kept)`,
          'Use the thread id `pipewright chat` printed when it left the review open, with the same workspace and state folder.',
        );
      }
      say(`Resuming the review of chat thread ${opts.resume}.`);
      const outcome = await converse(ctx, { thread: opts.resume, request });
      if (outcome.kind !== 'plan') return 0;
      plan = outcome.plan;
    } else {
      say('Describe the pipeline you want (an empty line or Ctrl-D quits).');
      while (!plan) {
        const goal = await io.ask('\ngoal> ');
        if (!goal) return 0;
        const outcome = await converse(ctx, { goal });
        if (outcome.kind === 'quit') return 0;
        if (outcome.kind === 'plan') plan = outcome.plan;
      }
    }
    say(`\n✓ plan "${plan.name}" approved.`);
    if (opts.run === false) return 0;
    return await runPlan(globals, plan, io, say, out);
  } catch (e) {
    say(formatError(e));
    return 2;
  } finally {
    io.close();
    saver?.db.close();
  }
}

interface ChatContext {
  graph: Graph;
  saver: SqliteSaver;
  io: ReturnType<typeof lineReader>;
  say: Say;
  workspace: string;
  user: string;
}

type Outcome = { kind: 'plan'; plan: Plan } | { kind: 'next' } | { kind: 'quit' };

/**
 * One goal (or one resumed review) until a plan is approved, a question goes unanswered, the goal is refused
 * or the person quits. The review is an interrupt on a thread of the SQLite checkpointer: quitting leaves it
 * there for `pipewright chat --resume <thread>`; finished threads are deleted.
 */
async function converse(
  ctx: ChatContext,
  start: { goal: string } | { thread: string; request: ReviewRequest },
): Promise<Outcome> {
  const { graph, io, say } = ctx;
  const newThread = () => `chat-${randomUUID().slice(0, 8)}`;
  let thread = 'thread' in start ? start.thread : newThread();
  let request = 'request' in start ? start.request : undefined;
  let state = 'goal' in start ? await graph.invoke({ goal: start.goal }, threadConfig(thread)) : undefined;
  let announced = 'thread' in start;
  for (;;) {
    if (state) {
      const result = state.result as PlannerResult | undefined;
      if (result) await ctx.saver.deleteThread(thread);
      if (result?.kind === 'clarify') {
        say(`? ${result.question}`);
        const answer = await io.ask('answer> ');
        if (!answer) return { kind: 'next' };
        thread = newThread();
        announced = false;
        state = await graph.invoke({ goal: `${String(state.goal)}. ${answer}` }, threadConfig(thread));
        continue;
      }
      if (result?.kind === 'refuse') {
        say(`✗ refused: ${result.reason}`);
        return { kind: 'next' };
      }
      if (result?.kind === 'plan') return { kind: 'plan', plan: result.plan };
      if (!isInterrupted(state)) throw new Error('the planner stopped without a plan or a question');
      request = state.__interrupt__[0]?.value as ReviewRequest;
    }
    showPlan(say, request as ReviewRequest);
    if (!announced) {
      say(`  (review thread ${thread}: \`q\` leaves it open for \`pipewright chat --resume ${thread}\`)`);
      announced = true;
    }
    const decision = await review(io, say, ctx.workspace, ctx.user);
    if (!decision) {
      say(
        `\nThe review waits in chat thread ${thread}; continue it with \`pipewright chat --resume ${thread}\`.`,
      );
      return { kind: 'quit' };
    }
    state = await graph.invoke(new Command({ resume: decision }), threadConfig(thread));
  }
}

function showPlan(say: Say, r: ReviewRequest): void {
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
      try {
        // realpath before the check: a symlink in the workspace pointing outside is refused.
        const file = resolveInWorkspace(workspace, tail, 'plan file');
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
    .option(
      '--resume <thread>',
      'continue a plan review left open (q) in an earlier chat; the thread id is printed with the plan',
    )
    .action(async (opts: LlmOverrides & { run: boolean; resume?: string }) => {
      process.exitCode = await runChat(program.opts() as GlobalOptions, opts);
    });
}
