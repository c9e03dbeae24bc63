/** What the planner graph takes and gives: its dependencies, results and the two interrupts' payloads. */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { z } from 'zod';
import type { Prompt } from '../../src/llm/index.ts';
import type { Plan, Problem, TaskLookup } from '../../src/plan/index.ts';
import type { CatalogEntry } from '../../src/tasks/index.ts';
import type { DescribeDataset } from './describe-dataset.ts';
import type { OpenLookups } from './lookups.ts';
import type { PastRun } from './past-runs.ts';
import type { MissingPiece } from './types.ts';

export type PlannerResult =
  | { kind: 'plan'; plan: Plan; notes: string[] }
  | { kind: 'clarify'; question: string }
  | { kind: 'refuse'; reason: string };

/** The answer to a clarifying question (resumes a `clarify` interrupt). */
export const ClarifyAnswer = z.object({
  answer: z.string().min(1).describe('The missing piece, in words: a column, a file, which model or run'),
  by: z.string().optional(),
});
export type ClarifyAnswer = z.infer<typeof ClarifyAnswer>;

/** What the clarify interrupt shows the person. */
export interface ClarifyRequest {
  kind: 'clarify';
  question: string;
  about?: MissingPiece;
}

export const ReviewDecision = z.discriminatedUnion('action', [
  z.object({ action: z.literal('approve'), by: z.string().optional() }),
  z.object({
    action: z.literal('edit'),
    plan: z.unknown().describe('The replacement plan'),
    by: z.string().optional(),
  }),
  z.object({
    action: z.literal('reject'),
    feedback: z.string().min(1).describe('What to change'),
    by: z.string().optional(),
  }),
]);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/** What the review interrupt shows the person. */
export interface ReviewRequest {
  kind: 'plan_review';
  plan: Plan;
  notes: string[];
  /** Problems of a rejected edit, when the last edit was invalid. */
  problems: Problem[];
}

export interface PlannerDeps {
  registry: TaskLookup & { catalog(): CatalogEntry[] };
  describe: DescribeDataset;
  exists: (file: string) => boolean;
  dataFiles?: () => string[];
  /** A chat model drafts the plan; without one the offline planner does. */
  model?: BaseChatModel;
  /** Provider and model name, recorded in plan metadata (never the API key). */
  modelInfo?: { provider: string; model?: string };
  /** The draft prompt (prompts/planner/draft.md), required with a model. */
  prompt?: Prompt;
  /** How structured output is asked of the model (default: the client's choice, json_schema for OpenAI). */
  structuredOutput?: 'jsonSchema' | 'functionCalling' | 'jsonMode';
  /** Ask a person to approve, edit or reject the plan (default true). */
  review?: boolean;
  /** Drafts before giving up (the first plus repairs; default 3). */
  maxAttempts?: number;
  /** Similar past runs from run memory, shown to the drafter as context. Failures count as none. */
  pastRuns?: (goal: string) => Promise<PastRun[]>;
  /**
   * What exists in the workspace (registered models, runs, dataset versions, triggers), opened for one
   * planning turn and closed after. Without it nothing is registered and references get questions.
   */
  lookups?: () => OpenLookups;
  /**
   * Let the model call describe_dataset and task_catalog before it drafts (models with bindTools only):
   * the system prompt of the look-up rounds (prompts/planner/tools.md), the prompt that hands the look-ups
   * to the structured draft (prompts/planner/tool-context.md) and the bound on tool rounds (default 3).
   */
  tools?: { prompt: Prompt; context: Prompt; maxRounds?: number };
}
