import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { grantLocalGpus } from '../../src/engine/local-gpus.ts';
import type { TaskStep } from '../../src/plan/index.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { GpuPool } from '../../src/workers/gpu-pool.ts';
import { parseNvidiaSmi, parseSimulatedGpus, selectGpus } from '../../src/workers/gpus.ts';
import {
  canMeet,
  describeRequirement,
  laneOf,
  parseMemoryMiB,
  requirementOf,
  requirementOfLane,
} from '../../src/workers/resources.ts';

const task = defineTask({
  id: 'test.gpu',
  description: 'test',
  input: z.object({}),
  output: z.object({}),
  resources: { gpu: 1 },
  run: async () => ({}),
});
const step = (resources?: TaskStep['resources']): TaskStep =>
  ({
    id: 's',
    kind: 'task',
    task: 'test.gpu',
    with: {},
    dependsOn: [],
    ...(resources ? { resources } : {}),
  }) as TaskStep;

describe('resource requests', () => {
  it('reads memory sizes in binary and decimal units', () => {
    expect(parseMemoryMiB('24Gi')).toBe(24 * 1024);
    expect(parseMemoryMiB('512Mi')).toBe(512);
    expect(parseMemoryMiB('16G')).toBe(15258);
    expect(parseMemoryMiB('lots')).toBeUndefined();
  });

  it('takes the step request over the task default and names a lane for it', () => {
    expect(requirementOf(step(), task)).toEqual({ gpus: 1, gpuMemoryMiB: 0 });
    const big = requirementOf(step({ gpu: 2, gpuMemory: '24Gi' }), task);
    expect(big).toEqual({ gpus: 2, gpuMemoryMiB: 24576 });
    expect(laneOf(big)).toBe('gpu2-m24576');
    expect(requirementOfLane('gpu2-m24576')).toEqual(big);
    expect(laneOf(requirementOf(step({ gpu: 0 }), task))).toBe('cpu');
    expect(requirementOfLane('nonsense')).toBeUndefined();
    expect(describeRequirement(big)).toBe('2 GPUs with at least 24 GiB each');
  });

  it('never matches a worker with fewer or smaller GPUs than asked', () => {
    const two16 = parseSimulatedGpus('2x16Gi');
    const mixed = parseSimulatedGpus('1x80Gi,1x16Gi');
    const req = { gpus: 2, gpuMemoryMiB: 24 * 1024 };
    expect(canMeet(two16, req)).toBe(false);
    expect(canMeet(mixed, req)).toBe(false);
    expect(canMeet(parseSimulatedGpus('2x40Gi'), req)).toBe(true);
    expect(canMeet([], { gpus: 0, gpuMemoryMiB: 0 })).toBe(true);
  });
});

describe('GPU discovery', () => {
  it('parses nvidia-smi CSV and skips lines it cannot read', () => {
    const csv = '0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA A10, 23028\n\nNo devices were found\n';
    expect(parseNvidiaSmi(csv)).toEqual([
      { index: '0', name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559 },
      { index: '1', name: 'NVIDIA A10', memoryMiB: 23028 },
    ]);
  });

  it('applies --gpus and rejects impossible requests with a clear error', () => {
    const found = parseNvidiaSmi('0, A, 1000\n1, B, 2000\n');
    expect(selectGpus(found, 'auto')).toHaveLength(2);
    expect(selectGpus(found, '1').map((g) => g.name)).toEqual(['A']);
    expect(selectGpus(found, 'none')).toEqual([]);
    expect(() => selectGpus(found, '3')).toThrow(/more GPUs than this machine has/);
    expect(() => selectGpus(found, 'many')).toThrow(/not valid/);
    expect(() => parseSimulatedGpus('2 big ones')).toThrow(/<count>x<memory>/);
  });
});

describe('GPU pool', () => {
  it('never hands one GPU to two steps and wakes a waiting step on release', async () => {
    const pool = new GpuPool(parseSimulatedGpus('2x24Gi'));
    const signal = new AbortController().signal;
    const a = await pool.acquire({ gpus: 1, gpuMemoryMiB: 0 }, signal);
    const b = await pool.acquire({ gpus: 1, gpuMemoryMiB: 0 }, signal);
    expect(new Set([...a, ...b]).size).toBe(2);
    let got: string[] | undefined;
    const c = pool.acquire({ gpus: 1, gpuMemoryMiB: 0 }, signal).then((g) => {
      got = g;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBeUndefined();
    pool.release(a);
    await c;
    expect(got).toEqual(a);
  });

  it('gives up waiting when the step is cancelled', async () => {
    const pool = new GpuPool(parseSimulatedGpus('1x24Gi'));
    const ctl = new AbortController();
    await pool.acquire({ gpus: 1, gpuMemoryMiB: 0 }, ctl.signal);
    const waiting = pool.acquire({ gpus: 1, gpuMemoryMiB: 0 }, ctl.signal);
    ctl.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow(/cancelled/);
  });
});

describe('GPU steps without workers', () => {
  it('fail with a clear error instead of running on the CPU when this machine has too few GPUs', async () => {
    const err = await grantLocalGpus(step({ gpu: 64 }), task, new AbortController().signal).catch((e) => e);
    expect(err.code).toBe('GPU_UNAVAILABLE');
    expect(err.what).toMatch(/needs 64 GPUs/);
    expect(err.fix).toMatch(/pipewright worker --gpus auto/);
  });
});

describe('an unreachable Redis', () => {
  it('fails a dispatched step fast with REDIS_UNREACHABLE instead of hanging', async () => {
    const { BullmqDispatcher } = await import('../../src/workers/dispatcher.ts');
    const d = new BullmqDispatcher({ redisUrl: 'redis://127.0.0.1:1', queue: 'nowhere' });
    try {
      const err = (await d
        .execute({
          runId: 'r',
          stepId: 's',
          attempt: 1,
          step: step(),
          task,
          input: {},
          upstream: {},
          signal: new AbortController().signal,
          emit: () => {},
        })
        .catch((e: unknown) => e)) as { code?: string; retryable?: boolean; what?: string };
      expect(err.code).toBe('REDIS_UNREACHABLE');
      expect(err.retryable).toBe(true);
      expect(err.what).toBe('Cannot reach Redis at 127.0.0.1:1');
    } finally {
      await d.close();
    }
  });
});

describe('a GPU step that cannot get its GPUs, with a timeout', () => {
  it('fails once with GPU_UNAVAILABLE and leaves no timer behind to fire later', async () => {
    const { Engine } = await import('../../src/engine/index.ts');
    const { RunStore } = await import('../../src/store/index.ts');
    const { TaskRegistry } = await import('../../src/tasks/index.ts');
    const { testConfig } = await import('../helpers/state.ts');
    const { makeWorkspace } = await import('../helpers/task-context.ts');
    const config = testConfig({ workspace: makeWorkspace() });
    const store = new RunStore(path.join(config.stateDir, 'state.db'));
    const engine = new Engine({ store, registry: new TaskRegistry([task]), config });
    try {
      const out = await engine.run(
        {
          name: 'big-gpu',
          steps: [{ id: 'train', task: 'test.gpu', resources: { gpu: 64 }, timeout: '200ms' }],
        },
        { createdBy: 'tester' },
      );
      expect(out.status).toBe('failed');
      expect(store.getStep(out.runId, 'train')?.error?.code).toBe('GPU_UNAVAILABLE');
      // Past the timeout: a leaked timer would reject its promise now, with nobody listening.
      await new Promise((r) => setTimeout(r, 400));
      expect(store.events(out.runId).filter((e) => e.type === 'step.failed')).toHaveLength(1);
    } finally {
      await engine.close();
      store.close();
    }
  });
});
