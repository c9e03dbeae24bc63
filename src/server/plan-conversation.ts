/**
 * The web chat's planning conversations: POST /api/plans/stream with a `thread` continues that conversation —
 * the text answers the planner's question or changes the plan under review (agents/planner PlanConversation)
 * — instead of being appended to the goal. Threads live in a LangGraph SQLite checkpointer in the state folder
 * (<stateDir>/plan-conversations.db), so they survive server restarts; finished threads are deleted.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import {
  type ConversationTurn,
  createPlannerGraph,
  PlanConversation,
  type PlannerDeps,
} from '../../agents/planner/index.ts';
import { errorJson } from './http-errors.ts';
import { type PlanProgress, progressLines } from './sse.ts';

/** One turn of a web conversation: a new thread when none is given. */
export type ConversationPlanner = (
  thread: string | undefined,
  text: string,
  onProgress: PlanProgress,
) => Promise<ConversationTurn>;

export function conversationFile(stateDir: string): string {
  return path.join(stateDir, 'plan-conversations.db');
}

export function conversationPlanner(
  deps: () => Promise<Omit<PlannerDeps, 'review'>>,
  stateDir: string,
): { say: ConversationPlanner; close(): void } {
  let saver: SqliteSaver | undefined;
  const open = () => {
    if (!saver) {
      mkdirSync(stateDir, { recursive: true });
      saver = SqliteSaver.fromConnString(conversationFile(stateDir));
    }
    return saver;
  };
  return {
    async say(thread, text, onProgress) {
      const checkpointer = open();
      const graph = createPlannerGraph({ ...(await deps()), review: true }, { checkpointer });
      const talk = new PlanConversation(graph, (node, update) => {
        for (const line of progressLines(node, update)) onProgress(line);
      });
      const id = thread ?? `web-${randomUUID().slice(0, 12)}`;
      const turn = await talk.say(id, text);
      if (turn.kind === 'done') await checkpointer.deleteThread(id);
      return turn;
    },
    close: () => saver?.db.close(),
  };
}

/**
 * POST /api/plans/stream on a conversation: `progress` events, then one `plan` ({plan, notes, problems,
 * thread}), `clarify` ({clarify, thread}), `refused` ({refused, thread}) or `error` event.
 */
export function streamConversation(
  c: Context,
  text: string,
  thread: string | undefined,
  planner: ConversationPlanner,
) {
  return streamSSE(c, async (stream) => {
    let seq = 0;
    let chain = Promise.resolve();
    const write = (event: string, data: unknown) => {
      const id = String(++seq);
      chain = chain.then(() => stream.writeSSE({ id, event, data: JSON.stringify(data) }));
      return chain;
    };
    try {
      void write('progress', { message: thread ? 'continuing the conversation' : 'understanding the goal' });
      const turn = await planner(thread, text, (message) => void write('progress', { message }));
      if (turn.kind === 'clarify') await write('clarify', { clarify: turn.question, thread: turn.thread });
      else if (turn.kind === 'review')
        await write('plan', {
          plan: turn.plan,
          notes: turn.notes,
          problems: turn.problems,
          thread: turn.thread,
        });
      else if (turn.result.kind === 'refuse')
        await write('refused', { refused: turn.result.reason, thread: turn.thread });
      else if (turn.result.kind === 'clarify')
        await write('clarify', { clarify: turn.result.question, thread: turn.thread });
      else
        await write('plan', {
          plan: turn.result.plan,
          notes: turn.result.notes,
          problems: [],
          thread: turn.thread,
        });
    } catch (e) {
      await write('error', errorJson(e).body);
    }
  });
}
