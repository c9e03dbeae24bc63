/**
 * Benchmark: serving.metrics (and so each serving.watch poll) over a large prediction log: a week of
 * traffic, 100,000 requests of 2 instances each (200,000 lines in 7 daily files) plus 2,000 failed requests,
 * written in the server's line format. Measures one full-week measurement and one 1-hour window, median of
 * 3 rounds.
 *
 *   npx tsx evals/bench/serving-metrics.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { ModelRegistry, RunStore } from '../../src/store/index.ts';
import { predictionErrorLogPath, predictionLogPath } from '../../src/store/prediction-paths.ts';
import { toyModel } from '../../test/deploy/helpers.ts';
import { makeWorkspace } from '../../test/helpers/task-context.ts';
import { measureServing } from '../../tools/monitor/serving-metrics.ts';
import type { BenchResult } from './types.ts';

const REQUESTS = 100_000;
const ERRORS = 2_000;
const DAYS = 7;
const ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export async function benchServingMetrics(): Promise<BenchResult[]> {
  const workspace = makeWorkspace('pw-bench-serving-metrics-');
  const config = loadConfig({ workspace }, {});
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  try {
    const registry = new ModelRegistry(store.db);
    registry.registerVersion({ name: 'toy', ref: await toyModel(config.stateDir), createdBy: 'bench' });
    registry.registerVersion({
      name: 'toy',
      ref: await toyModel(config.stateDir, { inverted: true }),
      createdBy: 'bench',
    });
    registry.deploy({ name: 'toy', version: 1, canary: { version: 2, share: 0.1 }, by: 'bench' });

    const end = Date.now();
    const start = end - DAYS * 86_400_000;
    const dir = predictionLogPath(config.stateDir, 'toy');
    const errDir = predictionErrorLogPath(config.stateDir, 'toy');
    mkdirSync(errDir, { recursive: true });
    const files = new Map<string, string[]>();
    const add = (file: string, line: string) => {
      const list = files.get(file);
      if (list) list.push(line);
      else files.set(file, [line]);
    };
    for (let i = 0; i < REQUESTS + ERRORS; i++) {
      const at = new Date(start + ((end - start) * i) / (REQUESTS + ERRORS)).toISOString();
      const canary = i % 10 === 0;
      const base = {
        at,
        model: 'toy',
        version: canary ? 2 : 1,
        requestId: `r${i}`,
        route: canary ? 'canary' : 'stable',
      };
      const latencyMs = 1 + ((i * 7919) % 100) / 10;
      if (i % ((REQUESTS + ERRORS) / ERRORS) === 0) {
        add(
          path.join(errDir, `${at.slice(0, 10)}.jsonl`),
          JSON.stringify({ ...base, status: 500, code: 'X', latencyMs }),
        );
        continue;
      }
      for (const index of [0, 1])
        add(
          path.join(dir, `${at.slice(0, 10)}.jsonl`),
          JSON.stringify({
            ...base,
            index,
            input: { x: (i % 100) / 100, color: 'red' },
            prediction: 'hi',
            latencyMs,
          }),
        );
    }
    for (const [file, lines] of files) writeFileSync(file, `${lines.join('\n')}\n`);

    const time = async (from: string) => {
      const ms: number[] = [];
      let requests = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const t0 = performance.now();
        const m = await measureServing(config, 'toy', { from, to: new Date(end + 1).toISOString() });
        ms.push(performance.now() - t0);
        requests = m.requests;
      }
      return { ms: median(ms), requests };
    };
    const week = await time(new Date(start).toISOString());
    const hour = await time(new Date(end - 3_600_000).toISOString());
    return [
      {
        name: `serving.metrics over a week (${week.requests} requests, ${2 * REQUESTS} log lines)`,
        value: week.ms,
        unit: 'ms',
        note: `median of ${ROUNDS}; per version and route, p50/p95/p99`,
      },
      {
        name: `serving.metrics, last hour of the same log (${hour.requests} requests)`,
        value: hour.ms,
        unit: 'ms',
        note: 'only the daily files the window touches are read',
      },
    ];
  } finally {
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await benchServingMetrics())
    console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit} (${r.note})`);
}
