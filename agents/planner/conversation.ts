/**
 * A planning conversation on one checkpointed thread of the planner graph: the goal, then whatever the person
 * says next — the answer to the planner's question (it fills the missing piece) or a change to the plan shown
 * (an edit of that plan) — until they approve it. The terminal chat, the web chat and the evals all talk to the
 * planner through this; the checkpointer (SqliteSaver in the state folder, MemorySaver in tests) keeps each
 * thread across requests and restarts.
 */
import { Command } from '@langchain/langgraph';
import type { Plan, Problem } from '../../src/plan/index.ts';
import type { ClarifyRequest, PlannerGraph, PlannerResult, ReviewRequest } from './graph.ts';

export type ConversationTurn =
  /** A plan waits for review: approve it, or say what to change. `problems`: why the last change was not made. */
  | { kind: 'review'; thread: string; plan: Plan; notes: string[]; problems: Problem[] }
  /** The planner asks for one missing piece. */
  | { kind: 'clarify'; thread: string; question: string }
  /** The thread ended: an approved plan, or a refusal (or a question, when nobody can answer). */
  | { kind: 'done'; thread: string; result: PlannerResult };

const config = (thread: string) => ({ configurable: { thread_id: thread } });

/** Told of each graph node's update as the planner works (for live progress). */
export type OnNode = (node: string, update: Record<string, unknown> | undefined) => void;

export class PlanConversation {
  constructor(
    private readonly graph: PlannerGraph,
    private readonly onNode?: OnNode,
  ) {}

  /** Where a thread stands now, or undefined when nothing waits on it. */
  async pending(thread: string): Promise<ConversationTurn | undefined> {
    const snapshot = await this.graph.getState(config(thread));
    for (const task of snapshot.tasks ?? [])
      for (const i of task.interrupts ?? []) {
        const value = i.value as ReviewRequest | ClarifyRequest | undefined;
        if (value?.kind === 'plan_review')
          return { kind: 'review', thread, plan: value.plan, notes: value.notes, problems: value.problems };
        if (value?.kind === 'clarify') return { kind: 'clarify', thread, question: value.question };
      }
    return undefined;
  }

  /** Starts a thread with a goal. */
  async start(thread: string, goal: string): Promise<ConversationTurn> {
    return this.run(thread, { goal });
  }

  /**
   * What the person says next: an answer when a question waits, a change of the plan when a review waits,
   * else a new goal on this thread.
   */
  async say(thread: string, text: string, by?: string): Promise<ConversationTurn> {
    const waiting = await this.pending(thread);
    if (!waiting) return this.start(thread, text);
    const resume =
      waiting.kind === 'clarify'
        ? { answer: text, ...(by ? { by } : {}) }
        : { action: 'reject', feedback: text, ...(by ? { by } : {}) };
    return this.run(thread, new Command({ resume }));
  }

  async approve(thread: string, by?: string): Promise<ConversationTurn> {
    const resume = { action: 'approve', ...(by ? { by } : {}) };
    return this.run(thread, new Command({ resume }));
  }

  /** Replaces the plan under review with one the person wrote (validated; problems come back with the old one). */
  async edit(thread: string, plan: unknown, by?: string): Promise<ConversationTurn> {
    const resume = { action: 'edit', plan, ...(by ? { by } : {}) };
    return this.run(thread, new Command({ resume }));
  }

  /** Runs the graph until it ends or waits; node updates go to onNode as they come. */
  private async run(thread: string, input: { goal: string } | Command): Promise<ConversationTurn> {
    if (this.onNode) {
      const stream = await this.graph.stream(input as Parameters<PlannerGraph['stream']>[0], {
        ...config(thread),
        streamMode: 'updates',
      });
      for await (const chunk of stream as AsyncIterable<Record<string, Record<string, unknown> | undefined>>)
        for (const [node, update] of Object.entries(chunk))
          if (node !== '__interrupt__') this.onNode(node, update);
    } else await this.graph.invoke(input as Parameters<PlannerGraph['invoke']>[0], config(thread));
    const snapshot = await this.graph.getState(config(thread));
    const result = (snapshot.values as { result?: PlannerResult }).result;
    const waiting = await this.pending(thread);
    if (waiting) return waiting;
    if (result) return { kind: 'done', thread, result };
    throw new Error('the planner stopped without a plan, a question or a refusal');
  }
}
