/** The drift triage agent: alert → evidence → verdict → one proposal → approval-gated action run. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config.ts';
import type { Engine } from '../../src/engine/index.ts';
import {
  createChatModel,
  type LlmSettings,
  llmSettingsFrom,
  loadPrompt,
  type Prompt,
} from '../../src/llm/index.ts';
import type { AlertHandler } from '../../src/triggers/index.ts';
import { templateRetrain } from './action-plan.ts';
import type { AlertInput } from './evidence.ts';
import { type TriageDeps, triageAlert } from './graph.ts';
import { alertFromRun, type PostedTriage, postTriage, rememberTriage } from './post.ts';
import type { Triage } from './types.ts';

export * from './action-plan.ts';
export * from './evidence.ts';
export * from './explain.ts';
export * from './graph.ts';
export * from './post.ts';
export * from './rules.ts';
export * from './types.ts';

const PROMPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prompts/triage');

export function loadExplainPrompt(): Prompt {
  return loadPrompt(path.join(PROMPTS, 'explain.md'));
}

/** The model side of TriageDeps for LLM settings (empty offline). */
export async function triageModelDeps(settings: LlmSettings): Promise<Pick<TriageDeps, 'model' | 'prompt'>> {
  const model = await createChatModel(settings);
  return model ? { model, prompt: loadExplainPrompt() } : {};
}

export interface TriageAndPostOptions extends Omit<TriageDeps, 'store' | 'config' | 'draftRetrain'> {
  by: string;
  /** Data for the retrain (replaces the path of the training plan's first ingest step). */
  freshData?: string;
  /** Also write the triage into run memory now (default true). */
  remember?: boolean;
}

/** Triage an alert with the engine's store, then post it (record + approval-gated action run). */
export async function triageAndPost(
  engine: Engine,
  config: Config,
  input: AlertInput,
  opts: TriageAndPostOptions,
): Promise<{ triage: Triage; posted: PostedTriage }> {
  const { by, freshData, remember, ...deps } = opts;
  const triage = await triageAlert(input, {
    ...deps,
    store: engine.store,
    config,
    draftRetrain: (ev) => templateRetrain(engine.store, ev, freshData ? { freshData } : {}),
  });
  const posted = postTriage(engine, triage, { by });
  if (posted.created && remember !== false) {
    try {
      await rememberTriage(config, triage);
    } catch {
      // Memory is never on the critical path; `pipewright memory rebuild` restores the run documents.
    }
  }
  return { triage, posted };
}

/**
 * The scheduler's drift-alert handler, shared by `pipewright scheduler` and `pipewright serve`: triage the
 * alert, post it (record + approval-gated action run) and start that run so it waits at its approval.
 */
export async function createAlertHandler(
  engine: Engine,
  config: Config,
  log: (line: string) => void,
  /** The deployed model's check (tools/triage/model-check.ts registeredModelChecker), from the composition root. */
  extra: Pick<TriageDeps, 'checkModel'> = {},
): Promise<AlertHandler> {
  const deps = { ...(await triageModelDeps(llmSettingsFrom(config))), ...extra };
  return async (e) => {
    const input = alertFromRun(engine.store, e.runId, e.model);
    const { triage: t, posted } = await triageAndPost(engine, config, input, {
      ...deps,
      by: `trigger:${e.trigger}`,
    });
    if (posted.created && posted.runId) await engine.execute(posted.runId);
    log(
      posted.created
        ? `alert ${input.ref}: ${t.verdict.classification} (${t.verdict.cause}) → ${t.proposal.action}; waiting for approval on run ${posted.runId}`
        : `alert ${input.ref}: window already triaged as ${posted.record.id}`,
    );
    return { ...(posted.runId ? { runId: posted.runId } : {}), reason: `triage ${posted.record.id}` };
  };
}
