/**
 * What a command opens: the config, the run store, the engine. Everything heavy is imported when a command
 * opens it, never at start-up, so `pipewright --help` and the read-only commands load only what they use.
 */
import type { Config, ConfigOverrides } from '../config.ts';
import type { Engine } from '../engine/index.ts';
import type { RunStore } from '../store/index.ts';
import type { TaskRegistry } from '../tasks/index.ts';

export interface GlobalOptions {
  workspace?: string;
  stateDir?: string;
  json?: boolean;
  as?: string;
}

export interface StoreContext {
  config: Config;
  store: RunStore;
  close(): void;
}

export interface CliContext {
  config: Config;
  store: RunStore;
  registry: TaskRegistry;
  engine: Engine;
  /** Waits for lineage and memory writes, then closes the store. */
  close(): Promise<void>;
}

export async function configFrom(opts: GlobalOptions): Promise<Config> {
  const { loadConfig } = await import('../config.ts');
  const overrides: ConfigOverrides = {};
  if (opts.workspace) overrides.workspace = opts.workspace;
  if (opts.stateDir) overrides.stateDir = opts.stateDir;
  if (opts.as) overrides.user = opts.as;
  return loadConfig(overrides);
}

export async function openStore(opts: GlobalOptions): Promise<StoreContext> {
  const [config, { RunStore, stateTarget }] = await Promise.all([
    configFrom(opts),
    import('../store/index.ts'),
  ]);
  const store = new RunStore(stateTarget(config));
  return { config, store, close: () => store.close() };
}

export async function openContext(opts: GlobalOptions): Promise<CliContext> {
  const [{ Engine }, { attachRecorders }, { builtinRegistry }] = await Promise.all([
    import('../engine/index.ts'),
    import('../lineage/index.ts'),
    import('../../tools/index.ts'),
  ]);
  const { config, store } = await openStore(opts);
  const registry = builtinRegistry();
  // With PIPEWRIGHT_REDIS_URL set, steps run on `pipewright worker` machines (BullMQ is loaded only then).
  const executor = config.redisUrl
    ? new (await import('../workers/dispatcher.ts')).BullmqDispatcher({
        redisUrl: config.redisUrl,
        queue: config.queue,
      })
    : undefined;
  const engine = new Engine({ store, registry, config, ...(executor ? { executor } : {}) });
  // Who the person at this CLI is under the policy (PIPEWRIGHT_TOKEN, or the local user's role).
  engine.guard.actAsCli();
  // Runs executed here are recorded in the lineage graph and the searchable memory as they happen.
  const recorders = attachRecorders(store, config);
  return {
    config,
    store,
    registry,
    engine,
    close: async () => {
      await recorders.flush();
      recorders.detach();
      await engine.close();
      store.close();
    },
  };
}
