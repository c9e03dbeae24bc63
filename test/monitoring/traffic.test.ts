import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { predictionLogPath } from '../../src/store/index.ts';
import { literal, withDuckDB } from '../../tools/lib/duckdb.ts';
import { monitorTraffic } from '../../tools/monitoring/index.ts';
import { makeTaskContext } from '../helpers/task-context.ts';

describe('monitor.traffic', () => {
  it('turns the prediction log into a dataset of the inputs, filtered by time and version', async () => {
    const ctx = makeTaskContext();
    const dir = predictionLogPath(ctx.config.stateDir, 'churn');
    mkdirSync(dir, { recursive: true });
    const line = (at: string, version: number, tenure: number, plan: string) =>
      JSON.stringify({
        at,
        model: 'churn',
        version,
        requestId: at,
        index: 0,
        route: 'stable',
        input: { tenure, plan },
        prediction: 'no',
        latencyMs: 1,
      });
    writeFileSync(
      path.join(dir, '2026-11-25.jsonl'),
      [line('2026-11-25T10:00:00Z', 1, 3, 'basic'), line('2026-11-25T11:00:00Z', 1, 7, 'pro')].join('\n') +
        '\n',
    );
    writeFileSync(path.join(dir, '2026-11-26.jsonl'), `${line('2026-11-26T09:00:00Z', 2, 12, 'pro')}\n`);

    const all = await monitorTraffic.run(monitorTraffic.input.parse({ model: 'churn' }), ctx);
    expect(all.rows).toBe(3);
    expect(all.dataset.columns.map((c) => c.name)).toEqual(['tenure', 'plan']);
    expect(all.from).toContain('2026-11-25');
    const rows = await withDuckDB((db) =>
      db.all(`SELECT tenure, plan FROM read_parquet(${literal(all.dataset.path)}) ORDER BY tenure`),
    );
    expect(rows).toEqual([
      { tenure: '3', plan: 'basic' },
      { tenure: '7', plan: 'pro' },
      { tenure: '12', plan: 'pro' },
    ]);
    const recent = await monitorTraffic.run(
      monitorTraffic.input.parse({ model: 'churn', since: '2026-11-25T10:30:00Z' }),
      ctx,
    );
    expect(recent.rows).toBe(2);
    const v2 = await monitorTraffic.run(monitorTraffic.input.parse({ model: 'churn', version: 2 }), ctx);
    expect(v2.rows).toBe(1);
    await expect(
      monitorTraffic.run(monitorTraffic.input.parse({ model: 'churn', minRows: 10 }), ctx),
    ).rejects.toMatchObject({
      code: 'TRAFFIC_TOO_SMALL',
    });
  });

  it('says how to get traffic when nothing was logged', async () => {
    const ctx = makeTaskContext();
    await expect(
      monitorTraffic.run(monitorTraffic.input.parse({ model: 'nothing' }), ctx),
    ).rejects.toMatchObject({
      code: 'TRAFFIC_NOT_FOUND',
      fix: expect.stringContaining('pipewright serve'),
    });
  });
});
