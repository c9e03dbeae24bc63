/** What a planner produces: a plan, one clarifying question, or a refusal. */
import type { PlanInput } from '../../src/plan/index.ts';

/** What a clarifying question asks for, so that the answer fills that piece of the goal. */
export type MissingPiece = 'target' | 'source' | 'model' | 'run' | 'script' | 'text' | 'other';

export type DraftOutcome =
  | { kind: 'plan'; plan: PlanInput; notes: string[] }
  | { kind: 'clarify'; question: string; about?: MissingPiece }
  | { kind: 'refuse'; reason: string };

export const OFFLINE_PLANNER = { name: 'offline', version: '1.0.0' } as const;
