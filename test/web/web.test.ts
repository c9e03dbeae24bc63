import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STATIC_DIR } from '../../src/server/web/index.ts';
import { gatedPlan, testServer, until } from '../server/helpers.ts';

describe('the web console page', () => {
  const server = testServer();
  afterAll(() => server.close());

  it('serves the page at / under a CSP that allows only its own scripts and styles', async () => {
    const res = await server.app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/static/app.js"></script>');
    // One layout: a skip link, the navigation (every view has a URL), the view.
    expect(html).toContain('<a class="skip" href="#view">Skip to content</a>');
    for (const view of [
      '#/runs',
      '#/plans',
      '#/approvals',
      '#/models',
      '#/lineage',
      '#/schedules',
      '#/drift',
      '#/ask',
      '#/new',
    ])
      expect(html, view).toContain(`href="${view}"`);
    // No inline script, no inline handler, no style attribute: the CSP would block them.
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => tag.includes(' src='))).toBe(true);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
  });

  it('serves every static asset with its content type, and 404 for unknown ones', async () => {
    const types: Record<string, string> = {
      'app.js': 'text/javascript; charset=utf-8',
      'graph.js': 'text/javascript; charset=utf-8',
      'style.css': 'text/css; charset=utf-8',
    };
    for (const [file, type] of Object.entries(types)) {
      const res = await server.app.request(`/static/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    for (const bad of ['/static/nope.js', '/static/..%2Fapp.ts', '/static/index.ts']) {
      const res = await server.app.request(bad);
      expect(res.status, bad).toBe(404);
    }
  });

  it('builds the DOM without innerHTML and imports only its own modules', () => {
    const files = readdirSync(STATIC_DIR).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const src = readFileSync(path.join(STATIC_DIR, f), 'utf8');
      expect(src, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
      for (const m of src.matchAll(/from '([^']+)'/g)) expect(m[1], f).toMatch(/^\.\/[a-z-]+\.js$/);
    }
  });

  it('streams the planner reply: the chat posts to /api/plans/stream and reads the body as SSE', () => {
    const app = readFileSync(path.join(STATIC_DIR, 'view-chat.js'), 'utf8');
    const apiJs = readFileSync(path.join(STATIC_DIR, 'api.js'), 'utf8');
    expect(app).toContain("apiStream('/api/plans/stream'");
    expect(app).toMatch(/type === 'progress'/);
    expect(apiJs).toMatch(/export async function apiStream/);
    expect(apiJs).toContain('getReader()');
  });

  it('gives a drift step’s histograms to viewers only, and 404 for a step without a report', async () => {
    const unauth = await server.app.request('/web/drift/x/y');
    expect(unauth.status).toBe(401);
    const started = await server.call('POST', '/api/runs', {
      token: server.tokens.operator,
      body: { plan: gatedPlan },
    });
    const { runId } = (await started.json()) as { runId: string };
    await until(() => server.store.getRun(runId)?.status === 'waiting');
    const res = await server.call('GET', `/web/drift/${runId}/train`, { token: server.tokens.viewer });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'STEP_NOT_FOUND' } });
  });
});

describe('what the page computes (its modules, imported as they are)', async () => {
  const charts = (await import(pathToFileURL(path.join(STATIC_DIR, 'charts.js')).href)) as {
    metricFamilies: (
      names: string[],
      values: (n: string) => unknown[],
    ) => { scores: string[]; others: string[] };
    binLabels: (d: { edges?: number[]; categories?: string[] }) => string[];
    niceMax: (x: number) => number;
    higherIsBetter: (name: string, directions?: Record<string, boolean>) => boolean;
  };
  const dom = (await import(pathToFileURL(path.join(STATIC_DIR, 'dom.js')).href)) as {
    fmt: (x: number) => string;
  };

  it('writes numbers plainly, never in scientific notation', () => {
    expect(dom.fmt(4250)).toBe('4,250');
    expect(dom.fmt(0.0814770792564618)).toBe('0.08148');
    expect(dom.fmt(1)).toBe('1');
    expect(dom.fmt(123456.789)).toBe('123,500');
    expect(dom.fmt(0.00001234)).not.toMatch(/e/);
    expect(dom.fmt(-0.5)).toBe('-0.5');
  });

  it('never puts a score and an unbounded metric on one axis', () => {
    const values: Record<string, number> = {
      accuracy: 0.97,
      f1_macro: 0.95,
      log_loss: 0.08,
      rmse: 3.2,
      cv_folds: 3,
      r2: -0.4,
    };
    const f = charts.metricFamilies(Object.keys(values), (n) => [values[n]]);
    expect(f.scores).toEqual(['accuracy', 'f1_macro']);
    // r2 below zero leaves the 0–1 family; folds are a setting, not a metric.
    expect(f.others).toEqual(['log_loss', 'rmse', 'r2']);
    expect(charts.higherIsBetter('log_loss')).toBe(false);
    expect(charts.higherIsBetter('accuracy')).toBe(true);
    expect(charts.higherIsBetter('custom', { custom: false })).toBe(false);
    expect(charts.niceMax(0.083)).toBe(0.1);
    expect(charts.niceMax(3.2)).toBe(5);
  });

  it('labels whole-number bins with their numbers and other bins with plain ranges', () => {
    expect(charts.binLabels({ edges: [0.5, 1.5, 2.5, 3.5] })).toEqual(['1', '2', '3']);
    expect(charts.binLabels({ edges: [2899.5, 3001.5, 3103.5] })).toEqual(['2,900–3,001', '3,002–3,103']);
    expect(charts.binLabels({ edges: [0, 0.25, 0.5] })).toEqual(['0–0.25', '0.25–0.5']);
    expect(charts.binLabels({ categories: ['FEMALE', 'MALE'] })).toEqual(['FEMALE', 'MALE']);
  });
});

describe('the libraries the page loads', () => {
  const server = testServer();
  afterAll(() => server.close());

  it('serves elkjs and uPlot from node_modules, with ETags that answer 304 when nothing changed', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    for (const [file, from, type] of [
      ['elk.js', 'node_modules/elkjs/lib/elk.bundled.js', 'text/javascript; charset=utf-8'],
      ['uplot.js', 'node_modules/uplot/dist/uPlot.esm.js', 'text/javascript; charset=utf-8'],
      ['uplot.css', 'node_modules/uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
    ] as const) {
      const res = await server.app.request(`/static/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(await res.text()).toBe(readFileSync(path.join(root, from), 'utf8'));
      const etag = res.headers.get('etag') as string;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await server.app.request(`/static/${file}`, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
    }
    const page = await (await server.app.request('/')).text();
    expect(page).toContain('<link rel="stylesheet" href="/static/uplot.css" />');
  });
});
