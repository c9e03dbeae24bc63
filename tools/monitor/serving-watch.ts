/**
 * serving.watch: holds a deployment (usually a canary) for a duration, measuring it from the prediction log
 * every `pollEvery`, and ends early when it regresses: error rate above the baseline's by more than
 * `maxErrorRateIncrease`, above `maxErrorRate`, or p95 latency above `maxP95Factor` × the baseline's (or a
 * latency percentile above `maxP50Ms` / `maxP90Ms` / `maxP95Ms` / `maxP99Ms`).
 *
 * What is judged against what: with a canary active, the canary route against the stable route over the
 * same period (both since the watch began); without one, all traffic since the watch began against the
 * `baselineWindow` before it. The outputs `healthy` and `regressed` are what a plan's promote and rollback
 * steps test in their `when`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineTask } from '../../src/tasks/index.ts';
import {
  emptySlice,
  measureServing,
  ServingMetricsOutput,
  ServingSlice,
  servingNow,
  windowMs,
} from './serving-metrics.ts';

export const ServingWatchInput = z.object({
  model: z.string().min(1).describe('Registered model name, as served at /models/<name>/predict'),
  duration: z.string().describe('How long to hold and watch, e.g. "2h"; ends early on a regression'),
  pollEvery: z.string().default('1m').describe('Time between measurements, e.g. "30s", "5m"'),
  minRequests: z
    .number()
    .int()
    .min(1)
    .default(20)
    .describe('Judged requests needed before anything counts (and for a healthy verdict at the end)'),
  maxErrorRateIncrease: z
    .number()
    .min(0)
    .default(0.01)
    .describe(
      'Regressed when the judged error rate exceeds the baseline error rate by more than this (0.01 = 1 point)',
    ),
  maxErrorRate: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('Regressed when the judged error rate exceeds this'),
  maxP95Factor: z
    .number()
    .gt(0)
    .optional()
    .describe(
      'Regressed when the judged p95 latency exceeds this many times the baseline p95, e.g. 2 ("doubles")',
    ),
  maxP95Ms: z
    .number()
    .gt(0)
    .optional()
    .describe('Regressed when the judged p95 latency exceeds this many ms'),
  maxP50Ms: z
    .number()
    .gt(0)
    .optional()
    .describe('Regressed when the judged median latency exceeds this many ms'),
  maxP90Ms: z
    .number()
    .gt(0)
    .optional()
    .describe('Regressed when the judged p90 latency exceeds this many ms'),
  maxP99Ms: z
    .number()
    .gt(0)
    .optional()
    .describe('Regressed when the judged p99 latency exceeds this many ms'),
  baselineWindow: z
    .string()
    .default('1h')
    .describe('Without a canary: the period before the watch whose traffic is the baseline'),
});
export type ServingWatchInput = z.infer<typeof ServingWatchInput>;

export const ServingWatchOutput = ServingMetricsOutput.extend({
  judged: z
    .enum(['canary', 'all'])
    .describe(
      'canary: the canary route was judged against the stable route; all: all traffic against the time before',
    ),
  baseline: ServingSlice.nullable().describe('The figures the judged traffic was compared with'),
  healthy: z
    .boolean()
    .describe('True when the watch ended without a regression and with at least minRequests judged requests'),
  regressed: z.boolean().describe('True when a condition was breached (the watch then ended early)'),
  reasons: z.array(z.string()).describe('Why it regressed, or why it is not healthy'),
  checks: z.number().int().describe('Measurements taken'),
  endedEarly: z.boolean().describe('True when a regression ended the watch before its duration'),
});
export type ServingWatchOutput = z.infer<typeof ServingWatchOutput>;

export const servingWatch = defineTask({
  id: 'serving.watch',
  placement: 'coordinator',
  description:
    'Hold a canary or deployment for a duration such as "2h", measuring error rate and p95 latency from the prediction log and ending early when it regresses; outputs healthy / regressed for promote or rollback steps.',
  input: ServingWatchInput,
  output: ServingWatchOutput,
  cacheable: false,
  async run(input, ctx) {
    const durationMs = windowMs(input.duration, 'duration');
    const pollMs = windowMs(input.pollEvery, 'pollEvery');
    const start = Date.now();
    const from = new Date(start).toISOString();
    const deadline = start + durationMs;

    const serving = servingNow(ctx.config, input.model);
    const judged: 'canary' | 'all' = serving.canary ? 'canary' : 'all';
    const before =
      judged === 'all'
        ? await measureServing(ctx.config, input.model, {
            from: new Date(start - windowMs(input.baselineWindow, 'baselineWindow')).toISOString(),
            to: from,
          })
        : undefined;
    ctx.log.info(
      judged === 'canary'
        ? `watching the canary (version ${serving.canary?.version}, share ${serving.canary?.share}) of ${input.model} against stable for ${input.duration}`
        : `watching ${input.model} for ${input.duration} against the ${input.baselineWindow} before (${before?.requests ?? 0} requests)`,
    );

    let checks = 0;
    for (;;) {
      const now = Math.min(Date.now(), deadline);
      const m = await measureServing(ctx.config, input.model, { from, to: new Date(now + 1).toISOString() });
      checks++;
      const current = judged === 'canary' ? (m.byRoute.canary ?? emptySlice()) : sliceOf(m);
      const baseline = judged === 'canary' ? (m.byRoute.stable ?? emptySlice()) : sliceOf(before ?? m);
      const breaches = current.requests >= input.minRequests ? breached(input, current, baseline) : [];
      ctx.progress(Math.min(1, (now - start) / durationMs), `${current.requests} judged requests`);
      const over = Date.now() >= deadline;
      if (breaches.length > 0 || over) {
        const regressed = breaches.length > 0;
        const tooFew =
          !regressed && current.requests < input.minRequests
            ? [
                `only ${current.requests} judged request${current.requests === 1 ? '' : 's'} (minRequests ${input.minRequests})`,
              ]
            : [];
        const out: ServingWatchOutput = {
          ...m,
          ...current,
          judged,
          baseline,
          healthy: !regressed && tooFew.length === 0,
          regressed,
          reasons: regressed ? breaches : tooFew,
          checks,
          endedEarly: regressed && !over,
        };
        ctx.log.info(
          regressed
            ? `regressed: ${breaches.join('; ')}`
            : out.healthy
              ? `healthy after ${checks} checks`
              : `not healthy: ${tooFew.join('; ')}`,
        );
        return out;
      }
      await sleep(Math.max(0, Math.min(pollMs, deadline - Date.now())), undefined, { signal: ctx.signal });
    }
  },
});

const sliceOf = (m: ServingSlice): ServingSlice => ({
  requests: m.requests,
  instances: m.instances,
  errors: m.errors,
  errorRate: m.errorRate,
  latencyMs: m.latencyMs,
});

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The conditions the judged traffic breaks, each as a sentence with its figures. */
export function breached(input: ServingWatchInput, current: ServingSlice, baseline: ServingSlice): string[] {
  const out: string[] = [];
  const base = baseline.requests > 0 ? baseline.errorRate : 0;
  if (current.errorRate - base > input.maxErrorRateIncrease) {
    out.push(
      `error rate ${pct(current.errorRate)} (${current.errors}/${current.requests}) > baseline ${pct(base)} + ${pct(input.maxErrorRateIncrease)}`,
    );
  }
  if (input.maxErrorRate !== undefined && current.errorRate > input.maxErrorRate) {
    out.push(`error rate ${pct(current.errorRate)} > ${pct(input.maxErrorRate)}`);
  }
  const p95 = current.latencyMs.p95;
  const baseP95 = baseline.latencyMs.p95;
  if (input.maxP95Factor !== undefined && p95 !== null && baseP95 !== null && baseP95 > 0) {
    if (p95 > input.maxP95Factor * baseP95) {
      out.push(
        `p95 latency ${p95.toFixed(1)} ms = ${(p95 / baseP95).toFixed(2)}× baseline ${baseP95.toFixed(1)} ms > ${input.maxP95Factor}×`,
      );
    }
  }
  const limits = [
    ['p50', input.maxP50Ms],
    ['p90', input.maxP90Ms],
    ['p95', input.maxP95Ms],
    ['p99', input.maxP99Ms],
  ] as const;
  for (const [p, max] of limits) {
    const v = current.latencyMs[p];
    if (max !== undefined && v !== null && v > max) out.push(`${p} latency ${v.toFixed(1)} ms > ${max} ms`);
  }
  return out;
}
