/**
 * What a step needs from the machine that runs it, and whether a worker can give it. Steps with the same
 * needs share a lane (one BullMQ queue); a worker consumes every lane it can serve, so a step never lands
 * on a worker without the GPUs it asked for.
 */
import type { TaskStep } from '../plan/index.ts';
import type { AnyTask } from '../tasks/index.ts';

export interface GpuInfo {
  /** Device index as CUDA_VISIBLE_DEVICES names it. */
  index: string;
  name: string;
  memoryMiB: number;
  /** Advertised with --simulate-gpus (tests, demos); no real device behind it. */
  simulated?: boolean;
}

export interface Requirement {
  gpus: number;
  /** Minimum memory of each GPU, in MiB (0: any). */
  gpuMemoryMiB: number;
}

const UNITS: Record<string, number> = {
  '': 1 / (1024 * 1024),
  K: 1000 / (1024 * 1024),
  M: 1e6 / (1024 * 1024),
  G: 1e9 / (1024 * 1024),
  T: 1e12 / (1024 * 1024),
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  Ti: 1024 * 1024,
};

/** "24Gi" → 24576; "16G" → 15259; bytes without a unit. Undefined when it does not parse. */
export function parseMemoryMiB(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1));
}

/** The step's own request wins over the task's default. */
export function requirementOf(step: TaskStep, task: AnyTask): Requirement {
  const gpus = step.resources?.gpu ?? task.resources?.gpu ?? 0;
  const mem = step.resources?.gpuMemory ?? task.resources?.gpuMemory;
  return { gpus, gpuMemoryMiB: gpus > 0 ? (parseMemoryMiB(mem) ?? 0) : 0 };
}

/** Queue-safe lane name: "cpu", "gpu1", "gpu2-m24576". */
export function laneOf(req: Requirement): string {
  if (req.gpus === 0) return 'cpu';
  return req.gpuMemoryMiB > 0 ? `gpu${req.gpus}-m${req.gpuMemoryMiB}` : `gpu${req.gpus}`;
}

export function requirementOfLane(lane: string): Requirement | undefined {
  if (lane === 'cpu') return { gpus: 0, gpuMemoryMiB: 0 };
  const m = /^gpu(\d+)(?:-m(\d+))?$/.exec(lane);
  return m ? { gpus: Number(m[1]), gpuMemoryMiB: Number(m[2] ?? 0) } : undefined;
}

/** GPUs of this machine that are big enough for the requirement. */
export function eligibleGpus(gpus: GpuInfo[], req: Requirement): GpuInfo[] {
  return gpus.filter((g) => g.memoryMiB >= req.gpuMemoryMiB);
}

export function canMeet(gpus: GpuInfo[], req: Requirement): boolean {
  return eligibleGpus(gpus, req).length >= req.gpus;
}

export function describeRequirement(req: Requirement): string {
  if (req.gpus === 0) return 'no GPU';
  const mem = req.gpuMemoryMiB > 0 ? ` with at least ${formatMiB(req.gpuMemoryMiB)} each` : '';
  return `${req.gpus} GPU${req.gpus > 1 ? 's' : ''}${mem}`;
}

export function formatMiB(mib: number): string {
  return mib >= 1024 ? `${Math.round((mib / 1024) * 10) / 10} GiB` : `${mib} MiB`;
}

export function describeGpus(gpus: GpuInfo[]): string {
  if (gpus.length === 0) return 'no GPU';
  return gpus
    .map((g) => `${g.name} ${formatMiB(g.memoryMiB)}${g.simulated ? ' (simulated)' : ''}`)
    .join(', ');
}
