/** Lineage and memory recording for a process that executes runs (the CLI, the server). */
import type { Config } from '../config.ts';
import type { RunStore } from '../store/index.ts';
import { attachMemory } from './memory.ts';
import { attachLineage } from './recorder.ts';

export interface Recorders {
  /** Waits for pending memory writes (call before the process exits). */
  flush(): Promise<void>;
  detach(): void;
}

export function attachRecorders(store: RunStore, config: Config): Recorders {
  const detachLineage = attachLineage(store);
  const memory = attachMemory(store, config);
  return {
    flush: async () => {
      await memory.flush();
    },
    detach: () => {
      detachLineage();
      memory.detach();
    },
  };
}
