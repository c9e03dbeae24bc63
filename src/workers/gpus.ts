/**
 * GPU discovery with nvidia-smi (count, name, memory), and simulated GPUs for machines without one
 * (tests and demos of the routing; they are marked simulated everywhere they are shown).
 */
import { execa } from 'execa';
import { userError } from '../errors.ts';
import { type GpuInfo, parseMemoryMiB } from './resources.ts';

/** Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): GpuInfo[] {
  const out: GpuInfo[] = [];
  for (const line of csv.split('\n')) {
    const parts = line.split(',').map((s) => s.trim());
    if (parts.length < 3) continue;
    const [index, name, mem] = parts as [string, string, string];
    const memoryMiB = Number(mem);
    if (!/^\d+$/.test(index) || !Number.isFinite(memoryMiB)) continue;
    out.push({ index, name, memoryMiB });
  }
  return out;
}

/** The machine's GPUs; none when nvidia-smi is missing or fails (a CPU machine). */
export async function detectGpus(nvidiaSmi = 'nvidia-smi'): Promise<{ gpus: GpuInfo[]; note?: string }> {
  const r = await execa(nvidiaSmi, ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'], {
    reject: false,
    timeout: 15_000,
  });
  if (r.failed || r.exitCode !== 0) {
    const why =
      (r.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'nvidia-smi not found' : r.stderr;
    return { gpus: [], note: `no GPU detected (${String(why || 'nvidia-smi failed').trim()})` };
  }
  return { gpus: parseNvidiaSmi(String(r.stdout)) };
}

/** "2x24Gi" or "1x80Gi,1x16Gi" → simulated GPUs numbered from 0. */
export function parseSimulatedGpus(spec: string): GpuInfo[] {
  const out: GpuInfo[] = [];
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)x(.+)$/.exec(part);
    const mem = m ? parseMemoryMiB(m[2]) : undefined;
    if (!m || mem === undefined) {
      throw userError(
        'WORKER_GPUS_INVALID',
        `Cannot read the simulated GPUs "${spec}"`,
        `"${part}" is not <count>x<memory>`,
        'Write it like --simulate-gpus 2x24Gi (or 1x80Gi,1x16Gi).',
      );
    }
    for (let i = 0; i < Number(m[1]); i++) {
      out.push({ index: String(out.length), name: 'simulated GPU', memoryMiB: mem, simulated: true });
    }
  }
  return out;
}

/**
 * Applies --gpus: "auto" (all detected), "none"/"0", or N (the first N detected; an error when the
 * machine has fewer).
 */
export function selectGpus(detected: GpuInfo[], option: string): GpuInfo[] {
  if (option === 'auto') return detected;
  if (option === 'none') return [];
  const n = Number(option);
  if (!Number.isInteger(n) || n < 0) {
    throw userError(
      'WORKER_GPUS_INVALID',
      `--gpus ${option} is not valid`,
      'it takes auto, none, or a whole number',
      'Use --gpus auto to offer every GPU nvidia-smi sees.',
    );
  }
  if (n > detected.length) {
    throw userError(
      'WORKER_GPUS_MISSING',
      `--gpus ${n} asks for more GPUs than this machine has`,
      `nvidia-smi reports ${detected.length}`,
      'Lower --gpus, or use --gpus auto.',
    );
  }
  return detected.slice(0, n);
}
