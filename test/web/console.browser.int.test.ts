/**
 * The web console end to end in headless Debian Chromium (playwright-core), on a server with a real history
 * (./console-fixture.ts): every view at desktop width and at 375 px, with screenshots in
 * test/artifacts/web/; a page error, a console error or a failed request fails the test. Then what people do
 * there: filter runs (URL, reload, back button), open a step's logs and artifacts, decide an approval in
 * place from its evidence, roll a model back, walk the lineage graph by clicking, ask the history, and plan
 * → edit (YAML) → run a new pipeline.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/server/app.ts';
import { openModelRegistry } from '../../src/store/index.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { type ConsoleFixture, consoleFixture } from './console-fixture.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(root, 'test/artifacts/web');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 375, height: 812 },
] as const;

let fx: ConsoleFixture;
let browser: Browser;
let profile: string;

beforeAll(async () => {
  // Missing Chromium is a failure, not a skip: CI installs it (scripts/setup.sh leaves this file out only
  // where it cannot be installed).
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
  mkdirSync(path.join(SHOTS, 'docs'), { recursive: true });
  profile = mkdtempSync(path.join(tmpdir(), 'pw-chromium-'));
  [fx, browser] = await Promise.all([
    consoleFixture(),
    chromium.launch({ executablePath: CHROMIUM, args: ARGS }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fx?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** A page that records every page error, console error and failed request as a problem. */
async function open(width: number, height: number, token = fx.token) {
  const context: BrowserContext = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  // The first visit asks for a token; it is saved through the form, as a person does.
  await page.goto(fx.url);
  await page.getByLabel('API token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Save token' }).click();
  // The header names whose token it is; the page that asked for it is drawn.
  await expect.poll(() => page.locator('#who').textContent()).toMatch(/^\w+ · \w+$/);
  await page.locator('main h1').first().waitFor();
  expect(await page.locator('main h1').first().textContent()).toBe('Overview');
  return { page, problems, close: () => context.close() };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Views also shot as they first appear (the window, not the whole page) for docs/images and the README. */
const DOC_SHOTS = new Set([
  'desktop-overview',
  'desktop-run',
  'desktop-model',
  'desktop-lineage-graph',
  'phone-runs',
  'phone-run-waiting',
]);
const docShot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SHOTS, 'docs', `${name}.png`), fullPage: false });

/** The page never scrolls sideways: wide tables and graphs scroll inside their own boxes. */
const overflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

/** Every form control and button has a name a screen reader can read (run in the page). */
const UNNAMED = `[...document.querySelectorAll('main input, main select, main textarea, main button, header button')]
  .filter((e) => e.type !== 'hidden' && !e.closest('[hidden]'))
  .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.textContent.trim() || e.getAttribute('title')))
  .map((e) => e.outerHTML.slice(0, 80))`;
const unnamed = (page: Page) => page.evaluate<string[]>(UNNAMED);

describe('the console in Chromium', () => {
  it('shows every view at desktop width and at 375 px without errors, sideways scrolling or unnamed controls', async () => {
    const views: { name: string; hash: string; ready: string; expect?: (page: Page) => Promise<void> }[] = [
      {
        name: 'overview',
        hash: '#/',
        ready: '#card-recent li',
        expect: async (page) => {
          expect(await page.locator('#card-approvals').textContent()).toContain('Waiting for a decision (1)');
          expect(await page.locator('#card-attention').textContent()).toContain('interrupted');
          expect(await page.locator('#card-production').textContent()).toContain('penguins-species v1');
          expect(await page.locator('#card-next').textContent()).toContain('Europe/Oslo');
        },
      },
      {
        name: 'runs',
        hash: '#/runs',
        ready: '.runs-table tbody tr',
        expect: async (page) => {
          expect(await page.locator('.runs-table tbody tr').count()).toBe(7);
          expect(await page.locator(`tr[data-key="${fx.ids.interrupted}"] .badge`).textContent()).toBe(
            'interrupted',
          );
          expect(await page.locator('.pager [role=status]').textContent()).toBe('1–7 of 7');
        },
      },
      {
        name: 'run',
        hash: `#/runs/${fx.ids.trained}?step=evaluate`,
        ready: '#run-dag svg .node',
        expect: async (page) => {
          expect(await page.locator('#run-dag .node').count()).toBe(10);
          expect(await page.locator('#run-dag .node.status-succeeded').count()).toBe(10);
          await page.locator('#run-timeline .seg').first().waitFor();
          expect(await page.locator('#run-timeline .row').count()).toBe(10);
          // Metric families never share an axis: scores on 0–1, log loss on its own.
          const evalResult = page.locator('[data-key="metrics:evaluate"]');
          await evalResult.locator('.metric-family-scores g.bar[data-metric="accuracy"]').waitFor();
          expect(
            await evalResult.locator('.metric-family-scores g.bar[data-metric="log_loss"]').count(),
          ).toBe(0);
          expect(await evalResult.locator('.metric-family-own g.bar[data-metric="log_loss"]').count()).toBe(
            1,
          );
          expect(await page.locator('table.heatmap tbody tr').count()).toBe(3);
          expect(await page.locator('#step-title').textContent()).toBe('Step evaluate');
        },
      },
      {
        name: 'run-waiting',
        hash: `#/runs/${fx.ids.waiting}`,
        ready: '.approval-card',
        expect: async (page) => {
          const card = page.locator('#run-approvals .approval-card');
          expect(await card.count()).toBe(1);
          expect(await card.locator('tr[data-metric="accuracy"] td').first().textContent()).toMatch(
            /^0\.\d+|^1$/,
          );
          expect(await card.textContent()).toContain('Expires');
          // The evidence the engine recorded: what changes, and the challenger beside production with deltas.
          const text = await card.textContent();
          expect(text).toContain('What approving changes');
          expect(text).toMatch(/Deploy penguins-species production: v1 → v\d+/);
          expect(await card.locator('tr[data-metric="accuracy"] td').nth(1).textContent()).toMatch(
            /^0\.\d+|^1$/,
          );
          expect(await page.locator('#run-dag .node.status-waiting').count()).toBe(1);
        },
      },
      {
        name: 'run-retried',
        hash: `#/runs/${fx.ids.flaky}?step=export&tab=logs`,
        ready: 'ol.logs li.log',
        expect: async (page) => {
          expect(await page.locator('ol.logs').textContent()).toContain(
            'attempt 1 failed: failure 1; retrying',
          );
          await page.locator('#run-timeline .seg-backoff').waitFor();
          expect(await page.locator('#run-timeline .seg-attempt').count()).toBe(2);
        },
      },
      {
        name: 'run-interrupted',
        hash: `#/runs/${fx.ids.interrupted}`,
        ready: '#run-status',
        expect: async (page) => {
          expect(await page.locator('#run-status .badge').textContent()).toBe('interrupted');
          expect(await page.locator('.run-head').textContent()).toContain(
            `pipewright resume ${fx.ids.interrupted}`,
          );
        },
      },
      {
        name: 'run-drift',
        hash: `#/runs/${fx.ids.drift}?step=drift&tab=artifacts`,
        ready: '.drift-set figure.drift',
        expect: async (page) => {
          expect(await page.locator('.drift-set figure.drift').count()).toBe(6);
          // Plain numbers on the axes: never 4.25e+3.
          const ticks = await page.locator('.drift-set .tick').allTextContents();
          expect(ticks.join(' ')).not.toMatch(/e[+-]\d/);
          expect(ticks).toContain('2,900');
          expect(await page.locator('table.artifacts tbody tr').count()).toBe(4);
        },
      },
      {
        name: 'plans',
        hash: '#/plans',
        ready: 'table.plans tbody tr',
        expect: async (page) => {
          const row = page.locator('tr[data-key="penguins-retrain"]');
          expect(await row.textContent()).toContain('cron 0 2 * * * (Europe/Oslo)');
          const exports = await page.locator('tr[data-key="nightly-export"]').textContent();
          expect(exports).toContain('1 interrupted');
          expect(exports).toContain('1 failed');
          expect(exports).toContain('1 succeeded');
          expect(exports).toContain('webhook POST /hooks/export-hook');
        },
      },
      {
        name: 'plan',
        hash: '#/plans/penguins-species',
        ready: '#plan-graph svg .node',
        expect: async (page) => {
          expect(await page.locator('#plan-yaml').textContent()).toMatch(
            /^apiVersion: pipewright\/v1\nname: penguins-species$/m,
          );
        },
      },
      {
        name: 'approvals',
        hash: '#/approvals',
        ready: '#approvals .approval-card',
        expect: async (page) => {
          expect(await page.locator('#approvals .approval-card').count()).toBe(1);
        },
      },
      {
        name: 'models',
        hash: '#/models',
        ready: 'tr[data-key="penguins-species"]',
        expect: async (page) => {
          expect(await page.locator('tr[data-key="penguins-species"]').textContent()).toContain(
            'production → v1',
          );
        },
      },
      {
        name: 'model',
        hash: '#/models/penguins-species',
        ready: 'table.versions tbody tr',
        expect: async (page) => {
          expect(await page.locator('table.versions tbody tr').count()).toBe(2);
          expect(await page.locator('tr[data-key="v1"]').getAttribute('class')).toContain('serving');
          expect(await page.locator('table.alias-history tbody tr').count()).toBe(3);
          expect(await page.locator('table.alias-history').textContent()).toContain(
            'the tree misclassifies Chinstraps',
          );
          await page.locator('.line-chart canvas').first().waitFor();
          expect(await page.locator('#rollback-form button').textContent()).toBe('Roll back');
          expect(await page.locator('.triage').textContent()).toContain('a new colony');
        },
      },
      {
        name: 'lineage',
        hash: '#/lineage?kind=model',
        ready: 'table.entities tbody tr',
      },
      {
        name: 'lineage-graph',
        hash: '#/lineage/model:penguins-species@1',
        ready: '#lineage-graph svg .node',
        expect: async (page) => {
          expect(await page.locator('#lineage-graph .node.kind-dataset').count()).toBeGreaterThanOrEqual(2);
          expect(await page.locator('#lineage-graph .node.root').count()).toBe(1);
          expect(await page.locator('#lineage-graph .node.kind-approval').count()).toBe(1);
        },
      },
      {
        name: 'schedules',
        hash: '#/schedules',
        ready: 'table.triggers tbody tr',
        expect: async (page) => {
          const cron = page.locator('tr[data-key="penguins-nightly"]');
          expect(await cron.locator('.next-fires li').count()).toBe(3);
          expect(await cron.locator('.next-fires li').first().textContent()).toMatch(
            /02:00 (CET|CEST|GMT\+\d)/,
          );
          expect(await page.locator('table.triggers').textContent()).not.toContain('a-long-shared-secret');
        },
      },
      {
        name: 'drift',
        hash: '#/drift',
        ready: 'table.drift-checks tbody tr',
        expect: async (page) => {
          expect(await page.locator('main h2').first().textContent()).toBe('Model penguins-species');
          expect(await page.locator('.triage').textContent()).toContain('retrain');
        },
      },
      {
        name: 'ask',
        hash: '#/ask?q=what%20is%20in%20production%3F',
        ready: '#ask-answer .answer',
        expect: async (page) => {
          expect(await page.locator('#ask-answer .answer').textContent()).toContain('penguins-species');
          expect(await page.locator('#ask-answer .answer a').count()).toBeGreaterThan(0);
        },
      },
      { name: 'new', hash: '#/new', ready: '#goal-input' },
    ];
    for (const size of WIDTHS) {
      const { page, problems, close } = await open(size.width, size.height);
      try {
        for (const v of views) {
          await page.goto(`${fx.url}${v.hash}`);
          await page.locator(v.ready).first().waitFor({ timeout: 15_000 });
          await v.expect?.(page);
          await page.waitForTimeout(150);
          expect(await overflow(page), `${v.name} at ${size.width}px scrolls sideways`).toBeLessThanOrEqual(
            0,
          );
          expect(await unnamed(page), `${v.name}: controls without a name`).toEqual([]);
          await shot(page, `${size.name}-${v.name}`);
          if (DOC_SHOTS.has(`${size.name}-${v.name}`)) await docShot(page, `${size.name}-${v.name}`);
        }
        if (size.width < 500) {
          // The navigation folds into a menu button on a phone.
          expect(await page.locator('#nav').isVisible()).toBe(false);
          await page.getByRole('button', { name: 'Menu' }).click();
          expect(await page.locator('#nav').isVisible()).toBe(true);
          await page.getByRole('link', { name: 'Models' }).click();
          await page.locator('tr[data-key="penguins-species"]').waitFor();
          expect(await page.locator('#nav').isVisible()).toBe(false);
        }
        expect(problems).toEqual([]);
      } finally {
        await close();
      }
    }
  }, 240_000);

  it('keeps filters in the URL: shareable, reloadable, and undone by the back button', async () => {
    const { page, problems, close } = await open(1280, 900);
    try {
      await page.goto(`${fx.url}#/runs`);
      await page.locator('.runs-table tbody tr').first().waitFor();
      await page.getByLabel('Status').selectOption('failed');
      await expect.poll(() => page.locator('.runs-table tbody tr').count()).toBe(1);
      expect(page.url()).toContain('#/runs?status=failed');
      await page.reload();
      await page.locator('.runs-table tbody tr').first().waitFor();
      expect(await page.locator('.runs-table tbody tr').count()).toBe(1);
      expect(await page.getByLabel('Status').inputValue()).toBe('failed');
      await page.getByRole('searchbox', { name: 'Search' }).fill('penguins');
      await expect.poll(() => page.locator('.empty').count()).toBe(1);
      expect(await page.locator('.empty').textContent()).toContain('No run matches these filters');
      await page.goBack();
      await expect.poll(() => page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe('');
      await expect.poll(() => page.locator('.runs-table tbody tr').count()).toBe(1);
      // A run opened from the list, then back to the same filtered list.
      await page.getByRole('link', { name: fx.ids.failed }).click();
      await page.locator('#run-dag svg .node').first().waitFor();
      expect(await page.locator('#run-status .badge').textContent()).toBe('failed');
      expect(await page.locator('.run-head .error').textContent()).toContain('failed');
      await page.goBack();
      await page.locator('.runs-table tbody tr').first().waitFor();
      expect(page.url()).toContain('status=failed');
      // Keyboard from the top of a freshly loaded page: the skip link, the brand, then the navigation.
      await page.reload();
      await page.locator('.runs-table tbody tr').first().waitFor();
      const focused = () => page.evaluate<string | undefined>('document.activeElement?.textContent?.trim()');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Skip to content');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('pipewright');
      await page.keyboard.press('Tab');
      expect(await focused()).toBe('Overview');
      await page.keyboard.press('Enter');
      await page.locator('#card-recent li').first().waitFor();
      expect(page.url()).toMatch(/#\/$/);
      expect(await page.evaluate<string>('document.activeElement?.tagName')).toBe('H1');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('opens a step from the graph, switches to its logs and previews its artifacts', async () => {
    const { page, problems, close } = await open(1280, 900);
    try {
      await page.goto(`${fx.url}#/runs/${fx.ids.trained}`);
      await page.locator('#run-dag svg a.node').first().waitFor();
      await page.locator('#run-dag a.node[data-id="split"]').click();
      await expect.poll(() => page.locator('#step-title').textContent()).toBe('Step split');
      expect(page.url()).toContain('step=split');
      await page.getByRole('tab', { name: 'Logs' }).click();
      await page.locator('ol.logs li.log').first().waitFor();
      expect(page.url()).toContain('tab=logs');
      await page.getByRole('tab', { name: 'Logs' }).press('ArrowRight');
      await expect.poll(() => page.locator('#tab-output').getAttribute('aria-selected')).toBe('true');
      await page.locator('pre.json').first().waitFor();
      expect(await page.locator('pre.json').first().textContent()).toContain('<state>/artifacts/sha256/');
      await page.getByRole('tab', { name: 'Artifacts' }).click();
      await page.locator('table.artifacts tbody tr').first().waitFor();
      await page.getByRole('button', { name: 'Preview train.path' }).click();
      await page.locator('.preview table.rows tbody tr').first().waitFor();
      expect(await page.locator('.preview').textContent()).toMatch(/First 50 of \d+ rows/);
      expect(await page.locator('.preview thead').textContent()).toContain('Species');
      const dl = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Download train.path' }).click();
      expect((await dl).suggestedFilename()).toMatch(/\.parquet$/);
      // The drift report opens as a page.
      await page.goto(`${fx.url}#/runs/${fx.ids.drift}`);
      const link = page.locator('#report-drift');
      await link.waitFor();
      const report = await page.request.get(
        new URL((await link.getAttribute('href')) as string, fx.url).toString(),
      );
      expect(report.headers()['content-type']).toBe('text/html; charset=utf-8');
      expect(await report.text()).toMatch(/<html/i);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('shows an approval with its evidence next to the run, decides it in place, and rolls the model back', async () => {
    const { page, problems, close } = await open(1280, 900);
    try {
      // Evidence with every part filled (a better challenger, drift upstream), in the shape the engine records
      // (the run's own evidence is checked in the view test above): rendered as given.
      await page.route(`**/api/runs/${fx.ids.waiting}`, async (route) => {
        const res = await route.fetch();
        const body = (await res.json()) as { approvals: Record<string, unknown>[] };
        for (const a of body.approvals)
          a.evidence = {
            summary:
              'Deploy penguins-species: production v1 → the version this run registers; accuracy 0.97 vs 0.96',
            changes: [
              {
                kind: 'deploy',
                step: 'deploy',
                model: 'penguins-species',
                alias: 'production',
                fromVersion: 1,
                toVersion: null,
                newVersion: true,
              },
            ],
            metrics: [
              {
                name: 'accuracy',
                challenger: 0.971,
                production: 0.962,
                delta: 0.009,
                higherIsBetter: true,
                better: true,
              },
              {
                name: 'log_loss',
                challenger: 1.01,
                production: 0.08,
                delta: 0.93,
                higherIsBetter: false,
                better: false,
              },
            ],
            comparedOn: 'same-data',
            primaryMetric: 'accuracy',
            better: true,
            evaluatedIn: 'evaluate',
            dataVersion: 'penguins-clean@e21c4a231b7b',
            drift: { drifted: true, share: 0.33, features: ['Body Mass (g)'], step: 'drift' },
            requestedBy: 'otto',
            expiresAt: a.expiresAt,
          };
        await route.fulfill({ response: res, json: body });
      });
      await page.goto(`${fx.url}#/runs/${fx.ids.waiting}`);
      const card = page.locator('#run-approvals .approval-card');
      await card.waitFor();
      expect(await card.locator('.changes li').textContent()).toMatch(
        /Deploy penguins-species production: v1 → the version this run registers \(new, from this run\)/,
      );
      expect(await card.locator('tr[data-metric="accuracy"]').textContent()).toMatch(
        /0\.971\s*0\.962\s*\+0\.009 ▲ better/,
      );
      expect(await card.locator('tr[data-metric="log_loss"] .delta').textContent()).toContain('▼ worse');
      expect(await card.textContent()).toContain('drifted (33% of features: Body Mass (g))');
      expect(await card.textContent()).toContain('penguins-clean@e21c4a231b7b');
      await card.scrollIntoViewIfNeeded();
      await shot(page, 'desktop-approval-evidence');
      await docShot(page, 'desktop-approval-evidence');
      await page.unroute(`**/api/runs/${fx.ids.waiting}`);

      await card.getByLabel(/^Comment on/).fill('better on the same rows');
      await card.getByRole('button', { name: /^Approve run-/ }).click();
      await page.locator('#run-panel[data-status="succeeded"]').waitFor({ timeout: 60_000 });
      const decided = fx.server.store.listApprovals({ runId: fx.ids.waiting })[0];
      expect(decided).toMatchObject({
        status: 'approved',
        decidedBy: 'alice',
        via: 'api',
        comment: 'better on the same rows',
      });
      expect(await page.locator('#run-decisions .approval-card.status-approved').count()).toBe(1);

      // Production moved to v3; roll it back from the registry page.
      await page.goto(`${fx.url}#/models/penguins-species`);
      await page.locator('tr[data-key="v3"].serving').waitFor();
      page.once('dialog', (d) => void d.accept());
      await page.getByLabel('Roll production back to its previous version').fill('wait for more traffic');
      await page.getByRole('button', { name: 'Roll back' }).click();
      await expect.poll(() => page.locator('#serving').textContent()).toMatch(/^Serving v1 as production/);
      expect(await page.locator('table.alias-history tbody tr').first().textContent()).toContain(
        'wait for more traffic',
      );
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);

  it('walks the lineage graph by clicking and answers a question with links', async () => {
    const { page, problems, close } = await open(1280, 900);
    try {
      await page.goto(`${fx.url}#/lineage/model:penguins-species@1`);
      const dataset = page.locator('#lineage-graph a.node.kind-dataset').first();
      await dataset.waitFor();
      const id = (await dataset.getAttribute('data-id')) as string;
      await dataset.click();
      await expect.poll(() => decodeURIComponent(page.url())).toContain(`#/lineage/${id}`);
      await page.locator(`#lineage-graph .node.root[data-id="${id}"]`).waitFor();
      await page.goBack();
      await page.locator('#lineage-graph .node.root[data-id^="model:"]').waitFor();

      await page.goto(`${fx.url}#/ask`);
      await page
        .getByLabel('Question')
        .fill('which data trained the model in production and who approved it?');
      await page.getByRole('button', { name: 'Ask', exact: true }).click();
      await page.locator('#ask-answer .answer a').first().waitFor();
      expect(page.url()).toContain('#/ask?q=which');
      expect(await page.locator('#ask-answer').textContent()).toContain('alice');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('plans a goal, shows the plan as YAML to edit, lists every problem, runs it, and says why it was not deployed', async () => {
    const { page, problems, close } = await open(1280, 900);
    try {
      await page.goto(`${fx.url}#/new`);
      await page
        .getByLabel('Goal', { exact: true })
        .fill(
          'predict species from data/penguins.json with a decision tree, deploy if accuracy >= 0.8, ask me first',
        );
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.locator('#plan-dag svg .node').first().waitFor({ timeout: 20_000 });
      const nodes = await page.locator('#plan-dag svg .node').count();
      expect(nodes).toBeGreaterThanOrEqual(5);
      expect(await page.locator('#plan-table tbody tr').count()).toBe(nodes);
      await page.getByRole('button', { name: 'Edit', exact: true }).click();
      const editor = page.getByLabel(/^Plan \(YAML/);
      await expect.poll(() => editor.inputValue()).toMatch(/^apiVersion: pipewright\/v1\nname: /);
      expect(await editor.inputValue()).toContain('task: train.tabular');
      await editor.fill(
        'name: broken\nsteps:\n  - id: load\n    task: ingest.nothing\n  - id: train\n    task: train.tabular\n    dependsOn: [lod]\n',
      );
      await page.getByRole('button', { name: 'Validate and use' }).click();
      await page.locator('#edit-problems li:not(.summary)').first().waitFor();
      expect(await page.locator('#edit-problems li:not(.summary)').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('#edit-problems').textContent()).toMatch(/steps\[1\]\.dependsOn\[0\]/);
      await shot(page, 'desktop-new-edit-problems');
      await page.getByRole('button', { name: 'Cancel' }).first().click();
      await page.getByRole('button', { name: 'Approve and run' }).click();
      await page.waitForURL(/#\/runs\/run-/);
      // penguins-species already serves a perfect v1: the new tree is compared with it on the same rows, is
      // not better, and the run says why nothing was deployed (no approval asked for).
      await page.locator('#run-panel[data-status="succeeded"]').waitFor({ timeout: 60_000 });
      expect(await page.locator('#not-deployed').textContent()).toMatch(/better is false/);
      expect(await page.locator('#run-approvals .approval-card').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);

  it('changes the plan under review when the next message says what to change, keeping the rest', async () => {
    const { page, problems, close } = await open(1280, 900);
    try {
      await page.goto(`${fx.url}#/new`);
      const goal = page.getByLabel('Goal', { exact: true });
      await goal.fill(
        'predict species from data/penguins.json with a decision tree, ask me before deploying',
      );
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.locator('#plan-dag svg .node').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('#plan-table').textContent()).toContain('decision_tree');
      const steps = await page.locator('#plan-table tbody tr').count();
      // A follow-up is an edit of this plan, not a new goal: the model changes, the steps stay.
      await goal.fill('use gradient boosting instead');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect
        .poll(() => page.locator('#plan-table').textContent(), { timeout: 20_000 })
        .toContain('gradient_boosting');
      expect(await page.locator('#plan-table').textContent()).not.toContain('decision_tree');
      expect(await page.locator('#plan-table tbody tr').count()).toBe(steps);
      expect(await page.locator('#plan-table').textContent()).toContain('data/penguins.json');
      // "New goal" leaves the conversation: the next message plans from scratch.
      await page.getByRole('button', { name: 'New goal' }).click();
      expect(await page.locator('#plan-panel').isHidden()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);

  it('updates the runs list live when a run starts elsewhere', async () => {
    const { page, problems, close } = await open(1280, 900);
    try {
      await page.goto(`${fx.url}#/runs`);
      await page.locator('.runs-table tbody tr').first().waitFor();
      const before = await page.locator('.runs-table tbody tr').count();
      const res = await fetch(new URL('/api/runs', fx.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${fx.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          plan: { name: 'live-one', steps: [{ id: 'a', task: 'test.mark', with: { label: 'live' } }] },
        }),
      });
      const { runId } = (await res.json()) as { runId: string };
      await page.locator(`tr[data-key="${runId}"] .badge.status-succeeded`).waitFor({ timeout: 10_000 });
      expect(await page.locator('.runs-table tbody tr').count()).toBe(before + 1);
      expect(await page.locator('#live').textContent()).toBe('live');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 30_000);
});

describe('the console for a viewer, and on an empty workspace', () => {
  it('hides what a viewer may not do and says what to do where nothing exists yet', async () => {
    const viewer = await open(1280, 900, fx.viewer);
    try {
      await viewer.page.goto(`${fx.url}#/approvals`);
      await viewer.page.locator('.approval-card, .empty').first().waitFor();
      expect(await viewer.page.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
      await viewer.page.goto(`${fx.url}#/models/penguins-species`);
      await viewer.page.locator('table.versions').waitFor();
      expect(await viewer.page.getByRole('button', { name: 'Roll back' }).count()).toBe(0);
      expect(await viewer.page.locator('#rollback-form').textContent()).toContain('needs an operator token');
      expect(viewer.problems).toEqual([]);
    } finally {
      await viewer.close();
    }

    const workspace = makeWorkspace('pw-console-empty-');
    const config = loadConfig({ workspace, user: 'server' }, {});
    const empty = createApp({ config, registry: openModelRegistry(config), approvalSweepMs: 0 });
    const token = empty.auth.createToken({ name: 'eve', role: 'viewer', createdBy: 'test' }).token;
    let http: ReturnType<typeof serve> | undefined;
    const port = await new Promise<number>((resolve) => {
      http = serve({ fetch: empty.app.fetch, port: 0, hostname: '127.0.0.1' }, (i: AddressInfo) =>
        resolve(i.port),
      );
    });
    const url = `http://127.0.0.1:${port}/`;
    const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page.getByLabel('API token', { exact: true }).fill(token);
      await page.getByRole('button', { name: 'Save token' }).click();
      for (const [hash, says] of [
        ['#/runs', 'No runs yet'],
        ['#/plans', 'No plans yet'],
        ['#/approvals', 'Nothing waits for a decision'],
        ['#/models', 'No registered models yet'],
        ['#/lineage', 'Nothing recorded yet'],
        ['#/schedules', 'No schedules or triggers yet'],
        ['#/drift', 'No drift checks yet'],
      ] as const) {
        await page.goto(`${url}${hash}`);
        await page.locator('.empty').first().waitFor();
        expect(await page.locator('.empty').first().textContent(), hash).toContain(says);
        expect(
          await page.locator('.empty code, .empty a').count(),
          `${hash} says what to do`,
        ).toBeGreaterThan(0);
      }
      await shot(page, 'phone-empty-runs');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
      await empty.close();
      rmSync(workspace, { recursive: true, force: true });
    }
  }, 60_000);
});
