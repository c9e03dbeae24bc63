/**
 * monitor.traffic: the inputs a deployed model was actually asked to score, from the serving prediction log,
 * as a dataset — the "current" side of a drift check.
 */
import { existsSync, readdirSync } from 'node:fs';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { predictionLogGlob, predictionLogPath } from '../../src/store/index.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { materialize } from '../lib/dataset-io.ts';
import { literal, withDuckDB } from '../lib/duckdb.ts';
import { DatasetRef } from '../lib/refs.ts';
import { windowMs } from './serving-metrics.ts';

const sinceWindow = (window: string) => new Date(Date.now() - windowMs(window)).toISOString();

export const monitorTraffic = defineTask({
  id: 'monitor.traffic',
  placement: 'coordinator',
  description:
    'Collect the feature values a deployed model was asked to score (its prediction log) into a dataset, optionally only since a time; the current side of monitor.drift.',
  input: z.object({
    model: z.string().min(1).describe('Registered model name, as served at /models/<name>/predict'),
    since: z
      .string()
      .optional()
      .describe('Only requests at or after this ISO time, e.g. "2026-11-01T00:00:00Z"'),
    window: z
      .string()
      .optional()
      .describe(
        'Only requests of the last period, e.g. "24h", "7d" (a scheduled check stays relative); since wins',
      ),
    version: z.number().int().optional().describe('Only requests answered by this model version'),
    minRows: z.number().int().min(1).default(1).describe('Fail when fewer logged rows than this are found'),
  }),
  output: z.object({
    dataset: DatasetRef.describe('One row per logged instance, one column per feature'),
    rows: z.number().int().describe('Rows collected'),
    from: z.string().nullable().describe('Time of the first collected request'),
    to: z.string().nullable().describe('Time of the last collected request'),
  }),
  // The log grows between runs: never reuse an earlier collection.
  cacheable: false,
  async run(input, ctx) {
    const dir = predictionLogPath(ctx.config.stateDir, input.model);
    if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.jsonl'))) {
      throw userError(
        'TRAFFIC_NOT_FOUND',
        `No prediction log for model "${input.model}"`,
        `nothing has been logged under ${dir}`,
        'Deploy the model (deploy.http), send it prediction requests through `pipewright serve`, then run this again.',
      );
    }
    const since = input.since ?? (input.window ? sinceWindow(input.window) : undefined);
    const where = [
      ...(since ? [`"at" >= ${literal(since)}`] : []),
      ...(input.version !== undefined ? [`"version" = ${input.version}`] : []),
    ];
    const source = `(SELECT * FROM read_json_auto(${literal(predictionLogGlob(ctx.config.stateDir, input.model))}, union_by_name = true)${where.length ? ` WHERE ${where.join(' AND ')}` : ''})`;
    return withDuckDB(async (db) => {
      const [span] = await db.all(
        `SELECT count(*) AS n, min("at") AS first, max("at") AS last FROM ${source}`,
      );
      const rows = Number(span?.n ?? 0);
      if (rows < input.minRows) {
        throw userError(
          'TRAFFIC_TOO_SMALL',
          `Only ${rows} logged row${rows === 1 ? '' : 's'} for model "${input.model}"`,
          `at least ${input.minRows} are needed`,
          'Wait for more traffic, or lower minRows.',
        );
      }
      const dataset = await materialize(db, `SELECT input.* FROM ${source}`, ctx, {
        name: `${input.model}-traffic`,
      });
      ctx.log.info(`collected ${rows} logged predictions of ${input.model}`);
      return {
        dataset,
        rows,
        from: span?.first ? String(span.first) : null,
        to: span?.last ? String(span.last) : null,
      };
    });
  },
});
