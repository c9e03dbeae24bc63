/**
 * `pipewright chat`: a conversation in the terminal. Goal → the plan (table + DAG) → approve / edit (a YAML
 * or JSON file of the plan) / say what to change (an edit of this plan: "use gradient boosting instead", "drop
 * the drift check", "make the threshold 0.8") → on approval the run, with live progress and the run's own
 * approvals asked here → results. A clarifying question is answered inline and the answer fills the missing
 * piece. Works on a pipe as well as a TTY (lines are read in order). The conversation is kept in
 * <stateDir>/chat-reviews.db (SqliteSaver), so `pipewright chat --resume <thread>` continues it after the
 * process has exited.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import {
  type ConversationTurn,
  createPlannerGraph,
  PlanConversation,
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

/** The plan review or question a chat thread waits at, if any. */
export async function pendingReview(graph: Graph, thread: string): Promise<ReviewRequest | undefined> {
  const turn = await new PlanConversation(graph).pending(thread);
  return turn?.kind === 'review'
    ? { kind: 'plan_review', plan: turn.plan, notes: turn.notes, problems: turn.problems }
    : undefined;
}

/** Chat threads with a review or a question waiting, newest first (for the error of a wrong --resume). */
async function pendingThreads(graph: Graph, saver: SqliteSaver, limit = 5): Promise<string[]> {
  const seen = new Set<string>();
  for await (const t of saver.list({}, { limit: 500 })) {
    const id = t.config.configurable?.thread_id;
    if (typeof id === 'string') seen.add(id);
  }
  const talk = new PlanConversation(graph);
  const out: string[] = [];
  for (const id of seen) {
    if (out.length >= limit) break;
    if (await talk.pending(id)) out.push(id);
  }
  return out;
}

export async function runChat(globals: GlobalOptions, opts: ChatOptions = {}): Promise<number> {
  const out = opts.output ?? process.stderr;
  const say: Say = (s) => out.write(`${s}\n`);
  const io = lineReader(opts.input ?? process.stdin, out);
  let saver: SqliteSaver | undefined;
  try {
    const config = await configFrom(globals);
    const deps = {
      registry: builtinRegistry(),
      ...workspaceDeps(config.workspace, config),
      ...(await plannerModelDeps(llmSettingsFrom(config, opts))),
    };
    mkdirSync(config.stateDir, { recursive: true });
    saver = SqliteSaver.fromConnString(chatCheckpointFile(config.stateDir));
    const graph = createPlannerGraph(deps, { checkpointer: saver });
    const ctx = {
      talk: new PlanConversation(graph),
      saver,
      io,
      say,
      workspace: config.workspace,
      user: config.user,
    };
    let plan: Plan | undefined;
    if (opts.resume) {
      const waiting = await ctx.talk.pending(opts.resume);
      if (!waiting) {
        const threads = await pendingThreads(graph, saver);
        throw userError(
          'CHAT_REVIEW_NOT_FOUND',
          `No plan review waits in chat thread "${opts.resume}"`,
          threads.length
            ? `reviews waiting: ${threads.join(', ')}`
            : `no review waits in ${chatCheckpointFile(config.stateDir)} (finished reviews are not kept)`,
          'Use the thread id `pipewright chat` printed when it left the review open, with the same workspace and state folder.',
        );
      }
      say(`Resuming the review of chat thread ${opts.resume}.`);
      const outcome = await converse(ctx, { turn: waiting });
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
  talk: PlanConversation;
  saver: SqliteSaver;
  io: ReturnType<typeof lineReader>;
  say: Say;
  workspace: string;
  user: string;
}

type Outcome = { kind: 'plan'; plan: Plan } | { kind: 'next' } | { kind: 'quit' };

/**
 * One goal (or one resumed thread) until a plan is approved, the goal is refused or the person quits. Questions
 * and reviews are interrupts on a thread of the SQLite checkpointer: an answer fills the missing piece, what is
 * said at a review changes the plan shown; quitting leaves the thread for `pipewright chat --resume <thread>`;
 * finished threads are deleted.
 */
async function converse(
  ctx: ChatContext,
  start: { goal: string } | { turn: ConversationTurn },
): Promise<Outcome> {
  const { talk, io, say } = ctx;
  let turn = 'turn' in start ? start.turn : await talk.start(`chat-${randomUUID().slice(0, 8)}`, start.goal);
  const thread = turn.thread;
  let announced = 'turn' in start;
  const announce = () => {
    if (announced) return;
    say(`  (chat thread ${thread}: \`q\` leaves it open for \`pipewright chat --resume ${thread}\`)`);
    announced = true;
  };
  const leave = (): Outcome => {
    say(
      `\nThe conversation waits in chat thread ${thread}; continue it with \`pipewright chat --resume ${thread}\`.`,
    );
    return { kind: 'quit' };
  };
  for (;;) {
    if (turn.kind === 'done') {
      await ctx.saver.deleteThread(thread);
      const result = turn.result;
      if (result.kind === 'plan') return { kind: 'plan', plan: result.plan };
      if (result.kind === 'refuse') say(`✗ refused: ${result.reason}`);
      else say(`? ${result.question}`);
      return { kind: 'next' };
    }
    if (turn.kind === 'clarify') {
      say(`? ${turn.question}`);
      announce();
      const answer = await io.ask('answer> ');
      if (answer === undefined || ['q', 'quit', 'exit'].includes(answer.toLowerCase())) return leave();
      if (!answer) {
        say(
          `  (the question stays open in chat thread ${thread}; \`pipewright chat --resume ${thread}\` answers it)`,
        );
        return { kind: 'next' };
      }
      turn = await talk.say(thread, answer, ctx.user);
      continue;
    }
    showPlan(say, { kind: 'plan_review', plan: turn.plan, notes: turn.notes, problems: turn.problems });
    announce();
    const decision = await review(io, say, ctx.workspace, ctx.user);
    if (!decision) return leave();
    if (decision.action === 'approve') turn = await talk.approve(thread, decision.by);
    else if (decision.action === 'edit') turn = await talk.edit(thread, decision.plan, decision.by);
    else turn = await talk.say(thread, decision.feedback, decision.by);
  }
}

function showPlan(say: Say, r: ReviewRequest): void {
  say(`\nplan "${r.plan.name}" (${r.plan.steps.length} steps)\n`);
  say(renderPlanTable(r.plan));
  say('');
  say(renderPlanDag(r.plan));
  for (const n of r.notes) say(`  note: ${n}`);
  if (r.problems.length) {
    say('\nYour change was not made; the plan above is the one before it. Problems:');
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
      '\n[a]pprove · [e]dit <plan.yaml> · say what to change ("use gradient boosting instead") · [q]uit\nreview> ',
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
