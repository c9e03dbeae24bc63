/**
 * The plan being built by buildPlan (build.ts): the goal, the data read for it, and what each phase
 * (data → train → release → monitor) has added so far for the phases after it.
 */
import { out, type StepIn } from '../build/steps.ts';
import type { DatasetDescription } from '../describe-dataset.ts';
import type { GoalSpec, SourceSpec } from './parse.ts';

export type { StepIn };
export type TaskType = 'classification' | 'regression';

/** A reference to a step's output (the same helper the operation builders use). */
export const ref = out;

export const CLASSIFICATION_ONLY = new Set(['logistic_regression', 'naive_bayes']);

/** The registered model a plan deploys over: its new version is compared with production in the same run. */
export interface Champion {
  name: string;
  production: number;
}

export interface BuildInput {
  spec: GoalSpec;
  /** The registered model the plan trains a new version of (from the goal, or found by target and data). */
  registeredAs?: string | undefined;
  /** Compare with this production model on the same held-out rows (and gate a deploy on it). */
  champion?: Champion | undefined;
  /** Description of the first (training) source, when it could be read. */
  data?: DatasetDescription | undefined;
  /** Description of a second source (rows to score, current batch for drift), when one was named. */
  second?: DatasetDescription | undefined;
}

/** A trained candidate: its train step and the step that evaluates it. */
export interface Trained {
  train: string;
  evaluate: string;
}

export interface PlanDraft {
  spec: GoalSpec;
  data: DatasetDescription | undefined;
  second: DatasetDescription | undefined;
  registeredAs: string | undefined;
  champion: Champion | undefined;
  primary: SourceSpec;
  notes: string[];
  steps: StepIn[];
  inputs: Record<string, unknown>;
  /** Column names of the training source (empty when it could not be read). */
  columns: string[];
  /** " Its columns are: …" for questions, or ''. */
  columnList: string;
  /** How questions and notes name the training source. */
  where: string;
  target: string | undefined;
  taskType: TaskType | undefined;
  /** The last data step (load, clean, version or split): what later steps depend on. */
  current: string;
  /** The prepared (cleaned / versioned) dataset, before any split. */
  datasetOut: string;
  trainRef: string;
  testRef: string;
  /** Candidates trained, the first one used by later steps. */
  trained: Trained[];
  metric: string | undefined;
  modelName: string;
  /** The last of evaluate / register / deploy, for a notification to follow. */
  lastModelStep: string | undefined;
  scoreStep: string | undefined;
  driftStep: string | undefined;
}
