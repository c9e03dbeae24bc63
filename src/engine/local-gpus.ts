/**
 * GPUs for steps that run in the engine's own process: a step asking for GPUs gets devices of this
 * machine (CUDA_VISIBLE_DEVICES), never shared with another running step, or fails with a clear error
 * when the machine has too few; it never silently runs on the CPU instead.
 */
import { userError } from '../errors.ts';
import type { TaskStep } from '../plan/index.ts';
import type { AnyTask } from '../tasks/index.ts';
import { GpuPool } from '../workers/gpu-pool.ts';
import { detectGpus } from '../workers/gpus.ts';
import {
  canMeet,
  describeGpus,
  describeRequirement,
  type GpuInfo,
  requirementOf,
} from '../workers/resources.ts';

let local: Promise<{ gpus: GpuInfo[]; note?: string; pool: GpuPool }> | undefined;

function machine() {
  local ??= detectGpus().then((d) => ({ ...d, pool: new GpuPool(d.gpus) }));
  return local;
}

export async function grantLocalGpus(
  step: TaskStep,
  task: AnyTask,
  signal: AbortSignal,
): Promise<{ granted: string[]; release(): void }> {
  const req = requirementOf(step, task);
  if (req.gpus === 0) return { granted: [], release: () => {} };
  const m = await machine();
  if (!canMeet(m.gpus, req)) {
    throw userError(
      'GPU_UNAVAILABLE',
      `Step "${step.id}" needs ${describeRequirement(req)}, and this machine has ${describeGpus(m.gpus)}`,
      m.note ?? 'the step asked for more GPUs, or bigger ones, than nvidia-smi reports here',
      'Run it on GPU workers: set PIPEWRIGHT_REDIS_URL and start `pipewright worker --gpus auto` on a GPU machine ' +
        '(see "Scale out" in the README); or remove resources.gpu from the step to train on the CPU.',
    );
  }
  const granted = await m.pool.acquire(req, signal);
  return { granted, release: () => m.pool.release(granted) };
}
