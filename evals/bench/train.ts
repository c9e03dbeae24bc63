/** Builtin model serving speed: single-row predict latency (p50/p99) and batch throughput. */
import { rm } from 'node:fs/promises';
import { makeTaskContext } from '../../test/helpers/task-context.ts';
import { penguins } from '../../test/training/helpers.ts';
import { loadModel } from '../../tools/lib/model.ts';
import { trainTabular } from '../../tools/train/tabular.ts';
import type { BenchResult } from './types.ts';

export async function benchTrain(): Promise<BenchResult[]> {
  const ctx = makeTaskContext();
  try {
    const dataset = await penguins(ctx.workspace);
    const t0 = performance.now();
    const trained = await trainTabular.run(
      trainTabular.input.parse({ dataset, target: 'Species', folds: 5 }),
      ctx,
    );
    const trainMs = performance.now() - t0;
    const model = await loadModel(trained.model.dir, { config: ctx.config });
    const rows = model.file.sample?.rows ?? [];
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const row = rows[i % rows.length] as Record<string, unknown>;
      const s = performance.now();
      await model.predict([row]);
      times.push((performance.now() - s) * 1000);
    }
    times.sort((a, b) => a - b);
    const batch = Array.from({ length: 10_000 }, (_, i) => rows[i % rows.length] as Record<string, unknown>);
    const s = performance.now();
    await model.predict(batch);
    const perSec = batch.length / ((performance.now() - s) / 1000);
    const note = 'penguins, builtin random_forest (50 trees)';
    return [
      { name: 'train.builtin.rf.penguins.5fold', value: Math.round(trainMs), unit: 'ms', note },
      {
        name: 'predict.builtin.single.p50',
        value: Math.round(times[Math.floor(times.length * 0.5)] ?? 0),
        unit: 'µs',
        note,
      },
      {
        name: 'predict.builtin.single.p99',
        value: Math.round(times[Math.floor(times.length * 0.99)] ?? 0),
        unit: 'µs',
        note,
      },
      { name: 'predict.builtin.batch.throughput', value: Math.round(perSec), unit: 'rows/s', note },
    ];
  } finally {
    await rm(ctx.workspace, { recursive: true, force: true });
  }
}
