/** Hands out this machine's GPUs to running steps so that two steps never share one. */
import type { GpuInfo, Requirement } from './resources.ts';

export class GpuPool {
  private readonly free: Set<string>;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly gpus: GpuInfo[]) {
    this.free = new Set(gpus.map((g) => g.index));
  }

  get inUse(): number {
    return this.gpus.length - this.free.size;
  }

  /** Waits until enough big-enough GPUs are free; returns their indexes. */
  async acquire(req: Requirement, signal: AbortSignal): Promise<string[]> {
    if (req.gpus === 0) return [];
    for (;;) {
      // A step cancelled or timed out while it waited takes nothing, even if GPUs just came free.
      signal.throwIfAborted();
      const picked = this.gpus
        .filter((g) => this.free.has(g.index) && g.memoryMiB >= req.gpuMemoryMiB)
        .slice(0, req.gpus)
        .map((g) => g.index);
      if (picked.length === req.gpus) {
        for (const i of picked) this.free.delete(i);
        return picked;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  release(indexes: string[]): void {
    for (const i of indexes) this.free.add(i);
    for (const w of this.waiters.splice(0)) w();
  }
}
