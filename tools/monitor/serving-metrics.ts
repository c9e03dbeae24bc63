/**
 * serving.metrics: how a deployed model is serving, from the prediction log the server writes
 * (src/server/prediction-log.ts): requests, failed requests and error rate, latency percentiles, per version
 * and per route (stable / canary / pinned), over a window ending now or between two times.
 *
 * A request is one POST /models/<name>/predict: its instances share a request id, a time and a latency.
 * Failed requests (after a version was chosen) are in the log's errors/ folder. Counts are of logged
 * requests: with a sample rate below 1 they are a sample, and the rates and percentiles estimates.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { parseDuration } from '../../src/plan/index.ts';
import { openModelRegistry } from '../../src/store/model-registry.ts';
import { predictionErrorLogPath, predictionLogPath } from '../../src/store/prediction-paths.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { literal, withDuckDB } from '../lib/duckdb.ts';

export const Latency = z
  .object({
    p50: z.number().nullable().describe('Median latency in ms (null without successful requests)'),
    p90: z.number().nullable().describe('90th percentile latency in ms'),
    p95: z.number().nullable().describe('95th percentile latency in ms'),
    p99: z.number().nullable().describe('99th percentile latency in ms'),
    mean: z.number().nullable().describe('Mean latency in ms'),
    max: z.number().nullable().describe('Slowest request in ms'),
  })
  .describe('Latency of successful requests, in milliseconds');

export const ServingSlice = z
  .object({
    requests: z.number().int().describe('Predict requests, successful and failed'),
    instances: z.number().int().describe('Rows scored by the successful requests'),
    errors: z.number().int().describe('Failed requests'),
    errorRate: z.number().describe('errors / requests (0 without requests)'),
    latencyMs: Latency,
  })
  .describe('Serving figures for a set of requests');
export type ServingSlice = z.infer<typeof ServingSlice>;

export const ServingMetricsInput = z.object({
  model: z.string().min(1).describe('Registered model name, as served at /models/<name>/predict'),
  window: z
    .string()
    .default('1h')
    .describe('How far back from `until` (default now) to measure, e.g. "15m", "2h", "7d"'),
  since: z
    .string()
    .optional()
    .describe('Measure from this ISO time instead of `until` minus `window`, e.g. "2026-11-01T00:00:00Z"'),
  until: z.string().optional().describe('Measure up to this ISO time (default now)'),
  version: z.number().int().optional().describe('Only requests answered by this model version'),
});

export const ServingMetricsOutput = ServingSlice.extend({
  model: z.string().describe('The model measured'),
  from: z.string().describe('Start of the measured period (ISO time)'),
  to: z.string().describe('End of the measured period (ISO time)'),
  byVersion: z
    .record(z.string(), ServingSlice)
    .describe('Figures per model version, keyed by version number'),
  byRoute: z
    .object({
      stable: ServingSlice.optional().describe('Requests served by the deployed alias'),
      canary: ServingSlice.optional().describe('Requests sent to the canary version'),
      pinned: ServingSlice.optional().describe('Requests that pinned a version (?version=N)'),
    })
    .describe('Figures per route: stable vs canary (and pinned)'),
  serving: z
    .object({
      alias: z.string().describe('Alias served'),
      version: z.number().int().nullable().describe('Version the alias points at now (null: not deployed)'),
      canary: z
        .object({ version: z.number().int(), share: z.number() })
        .nullable()
        .describe('The active canary, if any'),
    })
    .describe('What the registry serves now'),
});
export type ServingMetrics = z.infer<typeof ServingMetricsOutput>;

export const servingMetrics = defineTask({
  id: 'serving.metrics',
  placement: 'coordinator',
  description:
    'Measure how a deployed model serves from its prediction log: requests, error rate, latency p50/p90/p95/p99, per version and per route (stable vs canary), over a window such as "2h".',
  input: ServingMetricsInput,
  output: ServingMetricsOutput,
  // The log grows between runs: never reuse an earlier measurement.
  cacheable: false,
  async run(input, ctx) {
    const to = input.until ? isoTime(input.until, 'until') : new Date(Date.now()).toISOString();
    const from = input.since
      ? isoTime(input.since, 'since')
      : new Date(Date.parse(to) - windowMs(input.window)).toISOString();
    const m = await measureServing(ctx.config, input.model, { from, to, version: input.version });
    ctx.log.info(
      `${input.model}: ${m.requests} requests, error rate ${(m.errorRate * 100).toFixed(2)}%, p95 ${m.latencyMs.p95?.toFixed(1) ?? '–'} ms (${from} → ${to})`,
    );
    return m;
  },
});

export function windowMs(text: string, what = 'window'): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw userError(
      'SERVING_BAD_DURATION',
      `The ${what} "${text}" is not a duration`,
      'durations are written like "30s", "15m", "2h", "7d"',
      `Give the ${what} as e.g. "2h".`,
    );
  }
  return ms;
}

function isoTime(text: string, what: string): string {
  const t = Date.parse(text);
  if (Number.isNaN(t)) {
    throw userError(
      'SERVING_BAD_TIME',
      `"${text}" is not a time`,
      `${what} must be an ISO time`,
      'Write e.g. "2026-11-01T00:00:00Z".',
    );
  }
  return new Date(t).toISOString();
}

const LOG_COLUMNS = `columns = {'at': 'VARCHAR', 'version': 'BIGINT', 'requestId': 'VARCHAR', 'route': 'VARCHAR', 'latencyMs': 'DOUBLE'}`;

/**
 * The daily log files (`YYYY-MM-DD.jsonl`, by UTC date) that can hold lines between two ISO times, as a
 * DuckDB list literal; undefined when there are none. Other .jsonl files are read too (never skipped).
 */
function logFiles(dir: string, from: string, to: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const [first, last] = [from.slice(0, 10), to.slice(0, 10)];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .filter((f) => {
      const day = /^(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(f)?.[1];
      return day === undefined || (day >= first && day <= last);
    })
    .map((f) => literal(path.join(dir, f)));
  return files.length ? `[${files.join(', ')}]` : undefined;
}

/** The serving figures of one model between two ISO times (from inclusive, to exclusive). */
export async function measureServing(
  config: { stateDir: string; databaseUrl?: string | undefined },
  model: string,
  range: { from: string; to: string; version?: number | undefined; route?: string | undefined },
): Promise<ServingMetrics> {
  const serving = servingNow(config, model);
  const filters = [
    `"at" >= ${literal(range.from)}`,
    `"at" < ${literal(range.to)}`,
    ...(range.version !== undefined ? [`"version" = ${Math.trunc(range.version)}`] : []),
    ...(range.route !== undefined ? [`"route" = ${literal(range.route)}`] : []),
  ].join(' AND ');
  const parts: string[] = [];
  const lines = logFiles(predictionLogPath(config.stateDir, model), range.from, range.to);
  if (lines) {
    parts.push(`SELECT "version", "route", max("latencyMs") AS latency, count(*) AS instances, false AS failed
      FROM read_json(${lines}, ${LOG_COLUMNS}, format = 'newline_delimited')
      WHERE ${filters} GROUP BY "requestId", "at", "version", "route"`);
  }
  const errors = logFiles(predictionErrorLogPath(config.stateDir, model), range.from, range.to);
  if (errors) {
    parts.push(`SELECT "version", "route", "latencyMs" AS latency, 0 AS instances, true AS failed
      FROM read_json(${errors}, ${LOG_COLUMNS}, format = 'newline_delimited') WHERE ${filters}`);
  }
  const rows = parts.length
    ? await withDuckDB((db) =>
        db.all(`WITH req AS (${parts.join(' UNION ALL ')})
          SELECT grouping("version") AS gv, grouping("route") AS gr, "version", "route",
            count(*) AS requests, sum(instances) AS instances, count(*) FILTER (WHERE failed) AS errors,
            quantile_cont(latency, 0.5) FILTER (WHERE NOT failed) AS p50,
            quantile_cont(latency, 0.9) FILTER (WHERE NOT failed) AS p90,
            quantile_cont(latency, 0.95) FILTER (WHERE NOT failed) AS p95,
            quantile_cont(latency, 0.99) FILTER (WHERE NOT failed) AS p99,
            avg(latency) FILTER (WHERE NOT failed) AS mean,
            max(latency) FILTER (WHERE NOT failed) AS max
          FROM req GROUP BY GROUPING SETS ((), ("version"), ("route"))`),
      )
    : [];
  const total = rows.find((r) => Number(r.gv) === 1 && Number(r.gr) === 1);
  const byVersion: Record<string, ServingSlice> = {};
  const byRoute: ServingMetrics['byRoute'] = {};
  for (const r of rows) {
    if (Number(r.gv) === 0) byVersion[String(r.version)] = toSlice(r);
    else if (Number(r.gr) === 0 && isRoute(r.route)) byRoute[r.route] = toSlice(r);
  }
  return {
    model,
    from: range.from,
    to: range.to,
    ...(total ? toSlice(total) : emptySlice()),
    byVersion,
    byRoute,
    serving,
  };
}

/** What the registry serves for the model now (fails clearly for an unregistered model). */
export function servingNow(
  config: { stateDir: string; databaseUrl?: string | undefined },
  model: string,
): ServingMetrics['serving'] {
  const registry = openModelRegistry(config);
  try {
    const state = registry.servingState(model);
    return { alias: state.alias, version: state.version ?? null, canary: state.canary ?? null };
  } finally {
    registry.close();
  }
}

const isRoute = (r: unknown): r is 'stable' | 'canary' | 'pinned' =>
  r === 'stable' || r === 'canary' || r === 'pinned';

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toSlice(r: Record<string, unknown>): ServingSlice {
  const requests = Number(r.requests ?? 0);
  const errors = Number(r.errors ?? 0);
  return {
    requests,
    instances: Number(r.instances ?? 0),
    errors,
    errorRate: requests ? errors / requests : 0,
    latencyMs: {
      p50: num(r.p50),
      p90: num(r.p90),
      p95: num(r.p95),
      p99: num(r.p99),
      mean: num(r.mean),
      max: num(r.max),
    },
  };
}

export function emptySlice(): ServingSlice {
  return {
    requests: 0,
    instances: 0,
    errors: 0,
    errorRate: 0,
    latencyMs: { p50: null, p90: null, p95: null, p99: null, mean: null, max: null },
  };
}
