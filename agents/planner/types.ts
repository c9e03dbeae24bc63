/** What a planner produces: a plan, one clarifying question, or a refusal. */
import type { PlanInput } from '../../src/plan/index.ts';

export type DraftOutcome =
  | { kind: 'plan'; plan: PlanInput; notes: string[] }
  | { kind: 'clarify'; question: string }
  | { kind: 'refuse'; reason: string };

export const OFFLINE_PLANNER = { name: 'offline', version: '1.0.0' } as const;
