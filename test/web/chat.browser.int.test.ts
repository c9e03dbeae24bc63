/**
 * The chat page end to end in headless Debian Chromium (playwright-core): goal → plan drawn → approve →
 * the run waits at its approval step → approved in the pending approvals panel → run finished → metrics
 * chart visible. Screenshots of each stage go to test/artifacts/web/.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createApp, type PipewrightApp } from '../../src/server/app.ts';
import { openModelRegistry } from '../../src/store/index.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(root, 'test/artifacts/web');
const GOAL =
  'predict species from data/penguins.json with a decision tree, deploy if accuracy >= 0.8, ask me first';

/** Two problems: an unknown task and a dependency on a step that does not exist. */
const BROKEN_PLAN = {
  name: 'broken',
  steps: [
    { id: 'load', task: 'ingest.nothing', with: {} },
    { id: 'train', task: 'train.tabular', dependsOn: ['lod'], with: {} },
  ],
};

/** Penguins from one island against the others: the drift step has plenty to report. */
const DRIFT_PLAN = {
  name: 'island-drift',
  steps: [
    { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' } },
    {
      id: 'biscoe',
      task: 'prep.transform',
      dependsOn: ['load'],
      with: {
        dataset: '${{ steps.load.outputs.dataset }}',
        ops: [{ op: 'filter', where: `"Island" = 'Biscoe'` }],
      },
    },
    {
      id: 'others',
      task: 'prep.transform',
      dependsOn: ['load'],
      with: {
        dataset: '${{ steps.load.outputs.dataset }}',
        ops: [{ op: 'filter', where: `"Island" <> 'Biscoe'` }],
      },
    },
    {
      id: 'drift',
      task: 'monitor.drift',
      dependsOn: ['biscoe', 'others'],
      with: {
        reference: '${{ steps.biscoe.outputs.dataset }}',
        current: '${{ steps.others.outputs.dataset }}',
        columns: ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'],
      },
    },
  ],
};

describe('the web chat page in Chromium', () => {
  let server: PipewrightApp;
  let http: ReturnType<typeof serve>;
  let url: string;
  let token: string;
  let context: BrowserContext | undefined;
  let profile: string;
  const problems: string[] = [];

  beforeAll(async () => {
    const workspace = makeWorkspace('pw-web-');
    mkdirSync(path.join(workspace, 'data'), { recursive: true });
    copyFileSync(
      path.join(root, 'node_modules/vega-datasets/data/penguins.json'),
      path.join(workspace, 'data/penguins.json'),
    );
    const config = loadConfig({ workspace, user: 'server' }, {});
    server = createApp({
      config,
      registry: openModelRegistry(config),
      approvalSweepMs: 0,
      sse: { pollMs: 100 },
    });
    token = server.auth.createToken({ name: 'me', role: 'admin', createdBy: 'test' }).token;
    const port = await new Promise<number>((resolve) => {
      http = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve(info.port),
      );
    });
    url = `http://127.0.0.1:${port}/`;
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(path.join(tmpdir(), 'pw-chromium-'));
  });

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((resolve) => http?.close(() => resolve()));
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  it('plans a goal, runs it, takes an approval and shows the metrics', async () => {
    // Missing Chromium is a failure, not a skip: CI installs it (scripts/setup.sh leaves this file out only
    // where it cannot be installed).
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });

    await page.goto(url);
    await expect.poll(() => page.locator('#token-help').isVisible()).toBe(true);
    await page.getByLabel('API token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Save token' }).click();
    await expect.poll(() => page.locator('#token-state').textContent()).toBe('token saved');
    expect(await page.evaluate("localStorage.getItem('pipewright.token')")).toBe(token);

    // Goal → the plan, drawn as a DAG and listed as a table.
    await page.getByLabel('Goal', { exact: true }).fill(GOAL);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#plan-dag svg g.node').first().waitFor({ timeout: 20_000 });
    const nodes = await page.locator('#plan-dag svg g.node').count();
    expect(nodes).toBeGreaterThanOrEqual(5);
    expect(await page.locator('#plan-dag svg path.edge').count()).toBeGreaterThanOrEqual(nodes - 1);
    expect(await page.locator('#plan-table tbody tr').count()).toBe(nodes);
    expect(await page.locator('#plan-dag g.node.kind-approval').count()).toBe(1);
    expect(await page.locator('#plan-table').textContent()).toContain('train.tabular');
    await shot(page, '1-plan');

    // Edit: a broken plan gets every problem listed, each with its path; Cancel keeps the planned one.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    expect(await page.getByLabel('Plan (YAML or JSON)').inputValue()).toContain('"train.tabular"');
    await page.getByLabel('Plan (YAML or JSON)').fill(JSON.stringify(BROKEN_PLAN));
    await page.getByRole('button', { name: 'Validate and use' }).click();
    const problemItems = page.locator('#edit-problems li:not(.summary)');
    await problemItems.first().waitFor();
    expect(await problemItems.count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#edit-problems').textContent()).toMatch(/steps\[1\]\.dependsOn\[0\]/);
    await shot(page, '1b-edit-problems');
    await page.getByRole('button', { name: 'Cancel' }).first().click();

    // Approve the plan: the run starts and stops at its approval step.
    await page.getByRole('button', { name: 'Approve and run' }).click();
    await page.locator('#run-panel[data-status="waiting"]').waitFor({ timeout: 60_000 });
    const pending = page.locator('#approvals li.approval');
    await pending.first().waitFor({ timeout: 10_000 });
    expect(await pending.count()).toBe(1);
    expect(await page.locator('#run-dag g.node.status-waiting').count()).toBe(1);
    expect(await page.locator('#run-dag g.node.status-succeeded').count()).toBeGreaterThanOrEqual(3);
    await shot(page, '2-waiting-for-approval');

    // Approve it in the pending approvals panel (the API's single-use decision path).
    await pending
      .first()
      .getByLabel(/^Comment on/)
      .fill('looks right');
    await pending
      .first()
      .getByRole('button', { name: /^Approve run-/ })
      .click();
    await page.locator('#run-panel[data-status="succeeded"]').waitFor({ timeout: 60_000 });
    const approval = server.store.listApprovals({}).find((a) => a.status !== 'pending');
    expect(approval).toMatchObject({
      status: 'approved',
      decidedBy: 'me',
      via: 'api',
      comment: 'looks right',
    });

    // Results: the metrics chart and the confusion matrix.
    const chart = page.locator('.metrics-chart svg');
    await chart.first().waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('[data-key="metrics:evaluate"] g.bar[data-metric="accuracy"]').count()).toBe(1);
    expect(await page.locator('table.heatmap tbody tr').count()).toBe(3);
    await expect.poll(() => page.locator('#approvals li.empty').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator('#history li').count()).toBe(1);
    await shot(page, '3-run-finished');

    // A drift check started elsewhere (the API), opened from the run history: histograms, reference vs current.
    const started = await fetch(`${url}api/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ plan: DRIFT_PLAN }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    await page.getByRole('button', { name: `Open run ${runId}` }).click({ timeout: 10_000 });
    await page.locator('#run-panel[data-status="succeeded"]').waitFor({ timeout: 30_000 });
    const histograms = page.locator('.drift-set figure.drift');
    await histograms.first().waitFor({ state: 'visible', timeout: 10_000 });
    expect(await histograms.count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.drift-set figure.drift rect.ref').count()).toBeGreaterThan(0);
    expect(await page.locator('.drift-set figure.drift rect.cur').count()).toBeGreaterThan(0);
    expect(await page.locator('.drift-set h3').textContent()).toContain('drift detected');
    await shot(page, '4-drift');

    expect(problems).toEqual([]);
  }, 90_000);
});
