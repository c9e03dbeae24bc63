/**
 * Plans goals with the offline planner against the populated workspace (test/fixtures/populated-workspace.ts):
 * the set-up the plan tests of the grounded planner share. Call at the top of a test file; `ws` is there once
 * the file's beforeAll has run.
 */
import { beforeAll, expect } from 'vitest';
import { type PlannerResult, planGoal, workspaceDeps } from '../../agents/planner/index.ts';
import { type Plan, validatePlan } from '../../src/plan/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../fixtures/populated-workspace.ts';

export function populatedPlanner() {
  const registry = builtinRegistry();
  const state: { ws?: PopulatedWorkspace } = {};
  beforeAll(async () => {
    state.ws = await populatedWorkspace();
  }, 300_000);
  const workspace = (): PopulatedWorkspace => {
    if (!state.ws) throw new Error('the populated workspace is built in beforeAll; use it inside a test');
    return state.ws;
  };
  const resultOf = (goal: string): Promise<PlannerResult> => {
    const ws = workspace();
    return planGoal(goal, { registry, ...workspaceDeps(ws.dir, ws.config, { now: () => ws.now }) });
  };
  /** The plan for a goal, checked valid against the catalog; anything else fails the test. */
  const planOf = async (goal: string): Promise<Plan> => {
    const r = await resultOf(goal);
    if (r.kind !== 'plan')
      throw new Error(`expected a plan, got ${r.kind}: ${JSON.stringify(r).slice(0, 300)}`);
    expect(validatePlan(r.plan, registry).ok).toBe(true);
    return r.plan;
  };
  return {
    registry,
    resultOf,
    planOf,
    get ws() {
      return workspace();
    },
  };
}

/** A plan's task step by its task name. */
export const taskStep = (plan: Plan, task: string) =>
  plan.steps.find((s) => s.kind === 'task' && s.task === task) as
    | { with: Record<string, unknown>; when?: string }
    | undefined;
