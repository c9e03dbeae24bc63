import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STATIC_DIR } from '../../src/server/web/index.ts';
import { gatedPlan, testServer, until } from '../server/helpers.ts';

describe('the web chat page', () => {
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
    expect(html).toContain('pipewright token create --role approver --name me');
    // No inline script, no inline handler, no style attribute: the CSP would block them.
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => tag.includes(' src='))).toBe(true);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
  });

  it('serves every static asset with its content type, and 404 for unknown ones', async () => {
    const types: Record<string, string> = {
      'app.js': 'text/javascript; charset=utf-8',
      'dag.js': 'text/javascript; charset=utf-8',
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
    const app = readFileSync(path.join(STATIC_DIR, 'app.js'), 'utf8');
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

describe('the DAG layout the page draws', async () => {
  type Layout = {
    layers: string[][];
    pos: Map<string, { x: number; y: number }>;
    width: number;
    height: number;
  };
  const { layoutDag } = (await import(pathToFileURL(path.join(STATIC_DIR, 'dag.js')).href)) as {
    layoutDag: (steps: { id: string; dependsOn?: string[] }[]) => Layout;
  };

  it('puts every step below its dependencies and parallel steps side by side', () => {
    const l = layoutDag([
      { id: 'load' },
      { id: 'a', dependsOn: ['load'] },
      { id: 'b', dependsOn: ['load'] },
      { id: 'drift', dependsOn: ['a', 'b'] },
      { id: 'late', dependsOn: ['load', 'drift'] },
    ]);
    expect(l.layers).toEqual([['load'], ['a', 'b'], ['drift'], ['late']]);
    const y = (id: string) => l.pos.get(id)?.y ?? Number.NaN;
    expect(y('load')).toBeLessThan(y('a'));
    expect(y('a')).toBe(y('b'));
    expect(l.pos.get('a')?.x).toBeLessThan(l.pos.get('b')?.x ?? 0);
    expect(y('drift')).toBeLessThan(y('late'));
    expect(l.width).toBeGreaterThan(2 * 150);
  });

  it('draws a broken edit (a cycle, an unknown dependency) instead of hanging', () => {
    const l = layoutDag([
      { id: 'x', dependsOn: ['y'] },
      { id: 'y', dependsOn: ['x', 'ghost'] },
    ]);
    expect([...l.pos.keys()].sort()).toEqual(['x', 'y']);
    expect(Number.isFinite(l.height)).toBe(true);
  });
});
