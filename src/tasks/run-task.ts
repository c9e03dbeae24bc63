/**
 * Runs a task's run() the way every executor should (the engine's own process and `pipewright worker`):
 * with a store that lives off this machine (S3), the artifacts and model folders named by the input and
 * the upstream outputs are made local first, and the model folders the output names are published after.
 */
import type { AnyTask, TaskContext } from './define.ts';

export async function runTask(task: AnyTask, input: unknown, ctx: TaskContext): Promise<unknown> {
  const store = ctx.artifacts;
  if (!store.localize) return task.run(input, ctx);
  const [localInput, upstream] = await Promise.all([
    store.localize(input, ctx.signal),
    store.localize(ctx.upstream, ctx.signal),
  ]);
  // The same context (its getters included), with the localized upstream outputs.
  const local: TaskContext = Object.create(ctx, { upstream: { value: upstream, enumerable: true } });
  const output = await task.run(localInput, local);
  await store.publish?.(output, ctx.signal);
  return output;
}
