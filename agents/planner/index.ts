/** The planner agent: goal → validated plan, through one graph for every provider. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemorySaver } from '@langchain/langgraph';
import { type Config, loadConfig } from '../../src/config.ts';
import {
  type CreateChatModelOptions,
  createChatModel,
  type LlmSettings,
  loadPrompt,
  type Prompt,
} from '../../src/llm/index.ts';
import { createDescribeDataset } from './describe-dataset.ts';
import { createPlannerGraph, type PlannerDeps, type PlannerResult } from './graph.ts';
import { openLookups } from './lookups.ts';
import { memoryPastRuns } from './past-runs.ts';

export * from './conversation.ts';
export * from './describe-dataset.ts';
export { applyAnswer, applyEdit } from './edits.ts';
export * from './graph.ts';
export * from './intent.ts';
export { emptyLookups, type OpenLookups, openLookups } from './lookups.ts';
export { planOffline, screenGoal } from './offline/index.ts';
export { memoryPastRuns, missingValueRun, pastRunsFromHits, pastRunsText } from './past-runs.ts';
export { bindModel, bindRun, type Lookups } from './resolve.ts';
export * from './tools/index.ts';
export * from './types.ts';

const PROMPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prompts/planner');

export function loadDraftPrompt(): Prompt {
  return loadPrompt(path.join(PROMPTS, 'draft.md'));
}

/** The prompts of the tool rounds before a draft (prompts/planner/tools.md, tool-context.md). */
export function loadToolPrompts(): { prompt: Prompt; context: Prompt } {
  return {
    prompt: loadPrompt(path.join(PROMPTS, 'tools.md')),
    context: loadPrompt(path.join(PROMPTS, 'tool-context.md')),
  };
}

/**
 * The model side of PlannerDeps for LLM settings: the chat model, the draft prompt, the look-up tools (for
 * models that take tool calls, unless settings.tools is false) and what to record in plan metadata (provider
 * and model, never the key). Empty for the offline planner.
 */
export async function plannerModelDeps(
  settings: LlmSettings,
  opts: CreateChatModelOptions = {},
): Promise<Pick<PlannerDeps, 'model' | 'prompt' | 'modelInfo' | 'structuredOutput' | 'tools'>> {
  const model = await createChatModel(settings, opts);
  if (!model) return {};
  const tools = settings.tools !== false && typeof model.bindTools === 'function';
  return {
    model,
    prompt: loadDraftPrompt(),
    modelInfo: { provider: settings.provider, ...(settings.model ? { model: settings.model } : {}) },
    ...(settings.structuredOutput ? { structuredOutput: settings.structuredOutput } : {}),
    ...(tools ? { tools: loadToolPrompts() } : {}),
  };
}

const DATA_EXT = /\.(csv|tsv|json|ndjson|jsonl|parquet|arrow)$/i;

/**
 * Workspace helpers for the planner: file existence (confined to the workspace), a shallow data listing and
 * similar past runs from run memory (the config's memory folder, default <workspace>/.pipewright/memory).
 */
export function workspaceDeps(
  workspace: string,
  config?: Config,
  opts: { now?: () => Date } = {},
): Pick<PlannerDeps, 'describe' | 'exists' | 'dataFiles' | 'pastRuns' | 'lookups'> {
  const root = path.resolve(workspace);
  const cfg = () => config ?? loadConfig({ workspace: root });
  return {
    pastRuns: memoryPastRuns(cfg),
    lookups: () => openLookups(cfg(), opts.now),
    describe: createDescribeDataset(root),
    exists: (file) => {
      const abs = path.resolve(root, file);
      return !path.relative(root, abs).startsWith('..') && existsSync(abs);
    },
    dataFiles: () => {
      const out: string[] = [];
      for (const dir of ['.', 'data']) {
        try {
          for (const f of readdirSync(path.join(root, dir)))
            if (DATA_EXT.test(f)) out.push(dir === '.' ? f : `${dir}/${f}`);
        } catch {
          // No such folder: nothing to list.
        }
      }
      return out;
    },
  };
}

/** Runs the graph once without a person in the loop (review off): the CLI with --yes, evals, scripts. */
export async function planGoal(goal: string, deps: Omit<PlannerDeps, 'review'>): Promise<PlannerResult> {
  const graph = createPlannerGraph({ ...deps, review: false }, { checkpointer: new MemorySaver() });
  const out = await graph.invoke({ goal }, { configurable: { thread_id: 'plan' } });
  if (!out.result) throw new Error('the planner graph ended without a result');
  return out.result;
}
