/**
 * The web console's read routes on a run store with 20,000 runs (in-process requests through the whole app:
 * auth, parsing, JSON): the first page of runs, a text search with a status filter, a deep page, the plans
 * summary, and the timeline of a 200-step run with 4,000 log lines. The API's own run listing is the
 * yardstick for the first page.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { Plan } from '../../src/plan/index.ts';
import { createApp } from '../../src/server/app.ts';
import { openModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { type BenchResult, quantile } from './types.ts';

const RUNS = 20_000;
const PLANS = 40;
const REPEAT = 30;

export async function benchConsole(): Promise<BenchResult[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-console-'));
  const config = loadConfig({ workspace, user: 'bench' }, {});
  const store = new RunStore(stateTarget(config));
  const t0 = performance.now();
  const chain = (name: string, n: number) =>
    Plan.parse({
      name,
      steps: Array.from({ length: n }, (_, j) => ({
        id: `s${j}`,
        task: 'test.echo',
        dependsOn: j ? [`s${j - 1}`] : [],
      })),
    });
  const plans = Array.from({ length: PLANS }, (_, i) => chain(`plan-${i}`, 5));
  store.atomically(() => {
    for (let i = 0; i < RUNS; i++)
      // Own ids: newRunId's 6 random hex digits repeat within a second at this rate.
      store.createRun({
        plan: plans[i % PLANS] as Plan,
        createdBy: `user-${i % 7}`,
        id: `run-bench-${String(i).padStart(5, '0')}`,
      });
  });
  store.db.prepare("UPDATE runs SET status = 'failed' WHERE rowid % 13 = 0").run();
  store.db.prepare("UPDATE runs SET status = 'succeeded' WHERE status = 'queued'").run();
  // One long run: 200 steps, each started and finished, with 20 log lines each.
  const long = store.createRun({ plan: chain('long', 200), createdBy: 'bench' });
  store.atomically(() => {
    store.appendEvent({ runId: long.id, type: 'run.started', data: {} });
    for (let j = 0; j < 200; j++) {
      store.appendEvent({ runId: long.id, stepId: `s${j}`, type: 'step.started', data: { attempt: 1 } });
      for (let k = 0; k < 20; k++)
        store.appendEvent({
          runId: long.id,
          stepId: `s${j}`,
          type: 'step.log',
          data: { level: 'info', message: `line ${k}` },
        });
      store.appendEvent({ runId: long.id, stepId: `s${j}`, type: 'step.succeeded', data: { attempt: 1 } });
    }
  });
  const seeded = performance.now() - t0;
  const server = createApp({ config, registry: openModelRegistry(config), store, approvalSweepMs: 0 });
  const token = server.auth.createToken({ name: 'bench', role: 'viewer', createdBy: 'bench' }).token;
  const time = async (url: string) => {
    const ms: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const s = performance.now();
      const res = await server.app.request(url, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      ms.push(performance.now() - s);
    }
    return quantile(ms, 0.5);
  };
  try {
    const baseline = await time('/api/runs?limit=25');
    const first = await time('/api/console/runs');
    const search = await time('/api/console/runs?q=user-3&status=failed');
    const deep = await time(`/api/console/runs?offset=${RUNS - 25}`);
    const plansMs = await time('/api/console/plans');
    const timeline = await time(`/api/console/runs/${long.id}/timeline`);
    const note = `${RUNS} runs, p50 of ${REPEAT}`;
    return [
      {
        name: 'seed the run store',
        value: seeded / 1000,
        unit: 's',
        note: `${RUNS} runs of 5 steps, one run of 200 steps`,
      },
      { name: 'GET /api/runs?limit=25 (the API, yardstick)', value: baseline, unit: 'ms', note },
      {
        name: 'runs, first page with total and step counts',
        value: first,
        unit: 'ms',
        note: `${(first / baseline).toFixed(1)}x the API listing`,
      },
      { name: 'runs, text search + status filter', value: search, unit: 'ms', note },
      { name: 'runs, last page (offset 19,975)', value: deep, unit: 'ms', note },
      { name: 'plans summary', value: plansMs, unit: 'ms', note: `${PLANS} plans` },
      {
        name: 'timeline of a 200-step run',
        value: timeline,
        unit: 'ms',
        note: '4,000 log lines beside 401 state events',
      },
    ];
  } finally {
    await server.close();
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}
