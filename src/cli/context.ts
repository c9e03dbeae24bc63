/** Opens what a command needs: config, store, task registry, engine. */
import path from 'node:path';
import { builtinRegistry } from '../../tools/index.ts';
import { type Config, type ConfigOverrides, loadConfig } from '../config.ts';
import { Engine } from '../engine/index.ts';
import { RunStore } from '../store/index.ts';
import type { TaskRegistry } from '../tasks/index.ts';

export interface GlobalOptions {
  workspace?: string;
  stateDir?: string;
  json?: boolean;
  as?: string;
}

export interface CliContext {
  config: Config;
  store: RunStore;
  registry: TaskRegistry;
  engine: Engine;
  close(): void;
}

export function configFrom(opts: GlobalOptions): Config {
  const overrides: ConfigOverrides = {};
  if (opts.workspace) overrides.workspace = opts.workspace;
  if (opts.stateDir) overrides.stateDir = opts.stateDir;
  if (opts.as) overrides.user = opts.as;
  return loadConfig(overrides);
}

export function openContext(opts: GlobalOptions): CliContext {
  const config = configFrom(opts);
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const registry = builtinRegistry();
  const engine = new Engine({ store, registry, config });
  return { config, store, registry, engine, close: () => store.close() };
}
