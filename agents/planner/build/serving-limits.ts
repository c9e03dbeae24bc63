/** Serving limits from the goal ("p95 above 500 ms", "error rate over 2%") as checks and serving.watch inputs. */
import type { IntentFrame } from '../intent.ts';

/** The serving limit of each latency percentile. */
export const LATENCY_LIMIT = { p50: 'maxP50Ms', p90: 'maxP90Ms', p95: 'maxP95Ms', p99: 'maxP99Ms' } as const;

/** Conditions on serving.metrics outputs for absolute limits; undefined when a baseline ratio is asked. */
export function metricConditions(frame: IntentFrame, step: string): string | undefined {
  const w = frame.watch ?? {};
  if (w.maxP95Factor !== undefined || w.maxErrorRateIncrease !== undefined) return undefined;
  const parts: string[] = [];
  for (const p of ['p50', 'p90', 'p95', 'p99'] as const) {
    const max = w[LATENCY_LIMIT[p]];
    if (max !== undefined) parts.push(`steps.${step}.outputs.latencyMs.${p} > ${max}`);
  }
  if (w.maxErrorRate !== undefined) parts.push(`steps.${step}.outputs.errorRate > ${w.maxErrorRate}`);
  return parts.length ? parts.join(' || ') : undefined;
}

export function watchInput(frame: IntentFrame, model: string, duration: string): Record<string, unknown> {
  const w = frame.watch ?? {};
  return {
    model,
    duration,
    ...(w.maxErrorRate !== undefined ? { maxErrorRate: w.maxErrorRate } : {}),
    ...(w.maxErrorRateIncrease !== undefined ? { maxErrorRateIncrease: w.maxErrorRateIncrease } : {}),
    ...(w.maxP95Factor !== undefined ? { maxP95Factor: w.maxP95Factor } : {}),
    ...Object.fromEntries(
      Object.values(LATENCY_LIMIT).flatMap((k) => (w[k] !== undefined ? [[k, w[k]]] : [])),
    ),
  };
}
