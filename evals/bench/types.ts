export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** The q-quantile (0..1) of a sample, nearest rank; NaN for an empty one. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}
