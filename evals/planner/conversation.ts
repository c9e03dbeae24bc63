/**
 * Drives a planner conversation the way `pipewright chat` does: the goal, then each follow-up — an answer when
 * the planner asked a question, otherwise review feedback on the plan it showed — and finally approval.
 */
import { Command, isInterrupted, MemorySaver } from '@langchain/langgraph';
import {
  createPlannerGraph,
  type PlannerDeps,
  type PlannerResult,
  type ReviewRequest,
} from '../../agents/planner/index.ts';

export interface ConversationOutcome {
  result: PlannerResult;
  /** The last follow-up was refused as an edit: its problems were shown and the plan kept. */
  editProblems: boolean;
}

export async function converse(
  goal: string,
  followUps: string[],
  deps: Omit<PlannerDeps, 'review'>,
): Promise<ConversationOutcome> {
  const graph = createPlannerGraph({ ...deps, review: true }, { checkpointer: new MemorySaver() });
  let n = 0;
  let thread = `eval-${n}`;
  let asked = goal;
  let state = await graph.invoke({ goal: asked }, { configurable: { thread_id: thread } });
  let editProblems = false;
  for (const turn of followUps) {
    const result = state.result as PlannerResult | undefined;
    if (result?.kind === 'clarify') {
      // As chat does today: the answer is appended to the goal and planned afresh.
      asked = `${asked}. ${turn}`;
      thread = `eval-${++n}`;
      state = await graph.invoke({ goal: asked }, { configurable: { thread_id: thread } });
      continue;
    }
    if (result || !isInterrupted(state)) break;
    state = await graph.invoke(new Command({ resume: { action: 'reject', feedback: turn } }), {
      configurable: { thread_id: thread },
    });
    const request = isInterrupted(state) ? (state.__interrupt__[0]?.value as ReviewRequest) : undefined;
    editProblems = (request?.problems.length ?? 0) > 0;
  }
  if (!state.result && isInterrupted(state))
    state = await graph.invoke(new Command({ resume: { action: 'approve' } }), {
      configurable: { thread_id: thread },
    });
  const result = state.result as PlannerResult | undefined;
  if (!result) throw new Error('the conversation ended without a plan, a question or a refusal');
  return { result, editProblems };
}
