/**
 * Drives a planner conversation the way `pipewright chat` and the web chat do (agents/planner PlanConversation):
 * the goal, then each follow-up — an answer when the planner asked a question, otherwise a change of the plan
 * shown — and finally approval.
 */
import { MemorySaver } from '@langchain/langgraph';
import {
  createPlannerGraph,
  PlanConversation,
  type PlannerDeps,
  type PlannerResult,
} from '../../agents/planner/index.ts';

export interface ConversationOutcome {
  result: PlannerResult;
  /** The last follow-up was not made: its problems were shown and the plan before it kept. */
  editProblems: boolean;
}

export async function converse(
  goal: string,
  followUps: string[],
  deps: Omit<PlannerDeps, 'review'>,
): Promise<ConversationOutcome> {
  const graph = createPlannerGraph({ ...deps, review: true }, { checkpointer: new MemorySaver() });
  const talk = new PlanConversation(graph);
  const thread = 'eval';
  let turn = await talk.start(thread, goal);
  let editProblems = false;
  for (const text of followUps) {
    if (turn.kind === 'done') break;
    turn = await talk.say(thread, text);
    editProblems = turn.kind === 'review' && turn.problems.length > 0;
  }
  const last = turn.kind === 'review' ? await talk.approve(thread) : turn;
  if (last.kind === 'done') return { result: last.result, editProblems };
  if (last.kind === 'clarify') return { result: { kind: 'clarify', question: last.question }, editProblems };
  throw new Error('the review did not end after approval');
}
