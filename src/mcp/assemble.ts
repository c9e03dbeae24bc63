/**
 * Assembles McpDeps from an engine: the background executor, token store, model registry (own connection,
 * closed by close()) and the planner over the workspace, as the HTTP server assembles its own.
 */
import { planGoal, plannerModelDeps, workspaceDeps } from '../../agents/planner/index.ts';
import type { Engine } from '../engine/index.ts';
import { recordDeploymentChange } from '../lineage/index.ts';
import { llmSettingsFrom } from '../llm/index.ts';
import { RunExecutor } from '../server/executor.ts';
import { AuthStore, openModelRegistry } from '../store/index.ts';
import type { McpDeps } from './deps.ts';

export interface AssembledMcp {
  deps: McpDeps;
  /** Waits for runs executing here to finish or stop at an approval (at most `graceMs`), then closes the registry. */
  close(graceMs?: number): Promise<void>;
}

export function assembleMcpDeps(
  engine: Engine,
  opts: { planner?: McpDeps['planner']; log?: (line: string) => void } = {},
): AssembledMcp {
  const { config, store } = engine;
  const executor = new RunExecutor(engine, opts.log);
  const models = openModelRegistry(config);
  // The configured LLM (or the offline planner), set up on the first goal, not at start-up.
  let modelDeps: ReturnType<typeof plannerModelDeps> | undefined;
  const planner =
    opts.planner ??
    (async (goal: string) => {
      modelDeps ??= plannerModelDeps(llmSettingsFrom(config)).catch((e: unknown) => {
        modelDeps = undefined;
        throw e;
      });
      return planGoal(goal, {
        registry: engine.registry,
        ...workspaceDeps(config.workspace, config),
        ...(await modelDeps),
      });
    });
  const deps: McpDeps = {
    config,
    engine,
    store,
    executor,
    auth: new AuthStore(store),
    models,
    planner,
    onDeploymentChange: (d) => {
      try {
        recordDeploymentChange(store, d);
      } catch (e) {
        opts.log?.(`pipewright: rollback not recorded in the lineage graph (${(e as Error).message})`);
      }
    },
  };
  return {
    deps,
    close: async (graceMs = 30_000) => {
      await Promise.race([executor.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
      models.close();
    },
  };
}
