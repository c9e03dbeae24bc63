/**
 * A workspace with a history, made by real runs on a real server (the one `pipewright serve` builds, with
 * lineage, memory and the scheduler), for the console's browser tests and screenshots: penguins trained,
 * approved and deployed (v1); served traffic that drifted, checked by examples/penguins-drift.yaml; a second
 * model version deployed and rolled back; a step retried; a failed run; a run waiting for approval; cron,
 * webhook and drift triggers; a triage verdict.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { loadConfig } from '../../src/config.ts';
import { createApp, type PipewrightApp } from '../../src/server/app.ts';
import { openModelRegistry, TriggerStore } from '../../src/store/index.ts';
import { Scheduler } from '../../src/triggers/index.ts';
import { parseTriggerDef } from '../../src/triggers/schema.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { testRegistry } from '../helpers/tasks.ts';
import { until } from '../helpers/wait.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** Penguins with a decision tree, evaluated, then an approval before register and deploy. */
export const quickPlan = (name = 'penguins-quick') => ({
  name,
  description: 'A decision tree on penguins, approved before it is deployed.',
  steps: [
    { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' } },
    {
      id: 'clean',
      task: 'prep.transform',
      dependsOn: ['load'],
      with: {
        dataset: '${{ steps.load.outputs.dataset }}',
        ops: [{ op: 'filter', where: '"Species" IS NOT NULL AND "Beak Length (mm)" IS NOT NULL' }],
      },
    },
    {
      id: 'version',
      task: 'dataset.version',
      dependsOn: ['clean'],
      with: { dataset: '${{ steps.clean.outputs.dataset }}', name: 'penguins-clean' },
    },
    {
      id: 'split',
      task: 'dataset.split',
      dependsOn: ['version'],
      with: {
        dataset: '${{ steps.version.outputs.dataset }}',
        by: { method: 'stratified', column: 'Species' },
        seed: 3,
      },
    },
    {
      id: 'train',
      task: 'train.tabular',
      dependsOn: ['split'],
      with: {
        dataset: '${{ steps.split.outputs.train }}',
        target: 'Species',
        framework: 'builtin',
        algorithm: 'decision_tree',
      },
    },
    {
      id: 'evaluate',
      task: 'evaluate.model',
      dependsOn: ['train', 'split'],
      with: { model: '${{ steps.train.outputs.model }}', dataset: '${{ steps.split.outputs.test }}' },
    },
    {
      id: 'approve',
      kind: 'approval',
      dependsOn: ['evaluate'],
      message: 'Deploy the decision tree to production?',
      timeout: '24h',
    },
    {
      id: 'register',
      task: 'model.register',
      dependsOn: ['approve'],
      with: {
        name: 'penguins-species',
        model: '${{ steps.train.outputs.model }}',
        dataset: '${{ steps.version.outputs.dataset }}',
      },
    },
    {
      id: 'deploy',
      task: 'deploy.http',
      dependsOn: ['register'],
      with: {
        model: 'penguins-species',
        version: '${{ steps.register.outputs.version }}',
        reason: 'approved',
      },
    },
  ],
});

export interface ConsoleFixture {
  server: PipewrightApp;
  url: string;
  token: string;
  viewer: string;
  ids: Record<'trained' | 'drift' | 'second' | 'flaky' | 'failed' | 'waiting' | 'interrupted', string>;
  close(): Promise<void>;
}

export async function consoleFixture(): Promise<ConsoleFixture> {
  const workspace = makeWorkspace('pw-console-');
  mkdirSync(path.join(workspace, 'data'), { recursive: true });
  copyFileSync(
    path.join(root, 'node_modules/vega-datasets/data/penguins.json'),
    path.join(workspace, 'data/penguins.json'),
  );
  // The interrupted run below must stay interrupted: the server's scheduler would resume it otherwise.
  const config = loadConfig({ workspace, user: 'server', autoResume: false }, {});
  const server = createApp({
    config,
    registry: openModelRegistry(config),
    tasks: testRegistry(),
    approvalSweepMs: 0,
    sse: { pollMs: 100 },
  });
  const token = server.auth.createToken({ name: 'alice', role: 'approver', createdBy: 'test' }).token;
  const viewer = server.auth.createToken({ name: 'vera', role: 'viewer', createdBy: 'test' }).token;
  const operator = server.auth.createToken({ name: 'otto', role: 'operator', createdBy: 'test' }).token;
  let http: ReturnType<typeof serve> | undefined;
  const port = await new Promise<number>((resolve) => {
    http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve(info.port),
    );
  });
  const url = `http://127.0.0.1:${port}/`;
  const call = async (method: string, p: string, body?: unknown, as: string = token) => {
    const res = await fetch(new URL(p, url), {
      method,
      headers: {
        authorization: `Bearer ${as}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  // Otto (an operator) starts runs; Alice (an approver) decides them: the policy lets nobody but an admin
  // approve a deploy they submitted.
  const start = async (plan: unknown, as = operator) =>
    String((await call('POST', '/api/runs', { plan }, as)).runId);
  const settle = async (id: string, status: string[]) => {
    await until(() => {
      const run = server.store.getRun(id);
      if (
        run &&
        !status.includes(run.status) &&
        ['succeeded', 'failed', 'cancelled', 'waiting'].includes(run.status)
      )
        throw new Error(
          `run ${id} of ${run.planName} is ${run.status}, not ${status.join('/')}: ${JSON.stringify(
            run.error ??
              server.store
                .getSteps(id)
                .filter((s) => s.error)
                .map((s) => s.error),
          )}`,
        );
      return status.includes(run?.status ?? '');
    }, 60_000);
  };
  const approve = (id: string, step: string, comment: string) =>
    call('POST', `/api/runs/${id}/approvals/${step}`, { approved: true, comment });

  const ids = {} as ConsoleFixture['ids'];
  // 1. Penguins, trained two ways, gated, approved, registered and deployed (v1).
  ids.trained = await start(readFileSync(path.join(root, 'examples/penguins.yaml'), 'utf8'));
  await settle(ids.trained, ['waiting']);
  await approve(ids.trained, 'approve-deploy', 'accuracy is fine');
  await settle(ids.trained, ['succeeded']);

  // 2. Traffic the model served, shifted (heavier birds, longer flippers), checked for drift.
  const penguins = JSON.parse(readFileSync(path.join(workspace, 'data/penguins.json'), 'utf8')) as Record<
    string,
    unknown
  >[];
  const rows = penguins
    .filter((r) => r['Body Mass (g)'] !== null && r['Beak Length (mm)'] !== null)
    .filter((_, i) => i % 3 === 0)
    .map(({ Species: _s, ...r }) => ({
      ...r,
      'Body Mass (g)': Number(r['Body Mass (g)']) + 1800,
      'Flipper Length (mm)': Number(r['Flipper Length (mm)']) + 25,
    }));
  const predicted = await fetch(new URL('/models/penguins-species/predict', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
    body: JSON.stringify({ instances: rows }),
  });
  if (!predicted.ok) throw new Error(`predict: ${predicted.status} ${await predicted.text()}`);
  // The prediction log is written in the background: wait for the file the drift plan reads.
  const logDir = path.join(config.stateDir, 'predictions', 'penguins-species');
  await until(() => existsSync(logDir) && readdirSync(logDir).length > 0, 15_000, 'the prediction log');
  ids.drift = await start(readFileSync(path.join(root, 'examples/penguins-drift.yaml'), 'utf8'), operator);
  await settle(ids.drift, ['succeeded']);

  // 3. A second version, deployed, then rolled back.
  ids.second = await start(quickPlan());
  await settle(ids.second, ['waiting']);
  await approve(ids.second, 'approve', 'a simpler model, same accuracy');
  await settle(ids.second, ['succeeded']);
  await call('POST', '/api/models/penguins-species/rollback', {
    reason: 'the tree misclassifies Chinstraps in traffic',
  });

  // 4. A step that fails once and is retried; a run that fails.
  ids.flaky = await start(
    {
      name: 'nightly-export',
      steps: [
        {
          id: 'export',
          task: 'test.flaky',
          with: { failTimes: 1 },
          retry: { attempts: 3, delay: '300ms', jitter: 0 },
        },
      ],
    },
    operator,
  );
  await settle(ids.flaky, ['succeeded']);
  ids.failed = await start(
    {
      name: 'nightly-export',
      steps: [
        {
          id: 'export',
          task: 'test.flaky',
          with: { failTimes: 9, file: 'f2.txt' },
          retry: { attempts: 2, delay: '100ms', jitter: 0 },
        },
      ],
    },
    operator,
  );
  await settle(ids.failed, ['failed']);

  // 5. A run waiting for a decision now.
  ids.waiting = await start(quickPlan('penguins-retrain'));
  await settle(ids.waiting, ['waiting']);

  // 6. A run whose executing process died: the run store records it as interrupted (durable executions mark
  // it so when its lease lapses; here the status is set the way that marking leaves it).
  ids.interrupted = await start(
    { name: 'nightly-export', steps: [{ id: 'export', task: 'test.mark', with: { label: 'x' } }] },
    operator,
  );
  await settle(ids.interrupted, ['succeeded']);
  server.store.db
    .prepare("UPDATE runs SET status = 'interrupted', finished_at = NULL WHERE id = ?")
    .run(ids.interrupted);

  // 7. Triggers: a nightly schedule in Oslo time, a webhook, a drift trigger; and a triage verdict.
  const scheduler = new Scheduler({ engine: server.engine, execute: false });
  scheduler.add(
    parseTriggerDef({
      name: 'penguins-nightly',
      kind: 'cron',
      spec: { schedule: '0 2 * * *', timezone: 'Europe/Oslo' },
    }),
    quickPlan('penguins-retrain'),
    { by: 'alice' },
  );
  scheduler.add(
    parseTriggerDef({ name: 'export-hook', kind: 'webhook', spec: { secret: 'a-long-shared-secret' } }),
    { name: 'nightly-export', steps: [{ id: 'export', task: 'test.mark', with: { label: 'hook' } }] },
    { by: 'otto' },
  );
  scheduler.add(
    parseTriggerDef({ name: 'penguins-drift', kind: 'drift', spec: { model: 'penguins-species' } }),
    quickPlan('penguins-retrain'),
    { by: 'alice' },
  );
  new TriggerStore(server.store.db).insertTriage({
    id: 'tri-1',
    alertKey: `drift:${ids.drift}`,
    alertRef: `alert:${ids.drift}/drift`,
    model: 'penguins-species',
    classification: 'real_shift',
    severity: 'warning',
    action: 'retrain',
    status: 'proposed',
    triage: {
      explanation:
        'Body mass and flipper length moved together by a constant offset: a new colony, not a broken sensor.',
      verdict: {
        cause: 'population',
        columns: ['Body Mass (g)', 'Flipper Length (mm)'],
        reasoning: ['two correlated columns shifted', 'no new missing values'],
      },
      proposal: { reasons: ['retrain on recent traffic'] },
    },
    createdBy: 'triage',
  });
  await server.idle();
  return {
    server,
    url,
    token,
    viewer,
    ids,
    close: async () => {
      await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
      await server.close();
    },
  };
}
