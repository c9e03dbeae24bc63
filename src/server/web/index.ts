/**
 * The web console: GET / serves the page, GET /static/<file> its ES modules and CSS (plain files, no build
 * step) and the two libraries it uses, served from node_modules as they are (elkjs for graph layout, uPlot
 * for charts), all under a strict Content-Security-Policy (no inline script or style) and with an ETag. The
 * page talks to the REST API (and the console's read routes, ../console-api.ts) with the token the person
 * pastes. Two extra routes: GET /web/drift/:run/:step hands it the plotted histograms of a drift step's JSON
 * report, and GET /web/drift/:run/:step/report.html opens the step's HTML report as a page.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';
import { userError } from '../../errors.ts';
import type { AuthStore, RunStore } from '../../store/index.ts';
import { isWithin, realPathOf } from '../../tasks/index.ts';
import { type AuthEnv, authenticate, requireRole } from '../auth.ts';
import { errorResponse } from '../http-errors.ts';

export const STATIC_DIR = path.join(import.meta.dirname, 'static');

/** Library files served beside the page's own, by the name the page loads them under. */
export const VENDOR_FILES: Record<string, string> = {
  'elk.js': 'elkjs/lib/elk.bundled.js',
  'uplot.js': 'uplot/dist/uPlot.esm.js',
  'uplot.css': 'uplot/dist/uPlot.min.css',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** No inline scripts or styles, nothing from other origins; data only over the same-origin API. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface WebOptions {
  store: RunStore;
  auth: AuthStore;
  /** Where the engine keeps artifacts: drift reports are read from inside this folder only. */
  artifactsDir: string;
  /** Folder of the page's files (default: ./static beside this module). */
  staticDir?: string;
}

interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

const asset = (body: Uint8Array, type: string): Asset => ({
  body,
  type,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/** Every file of the static folder and the vendored libraries, read once: the servable names are fixed. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[path.extname(name)];
    if (type) assets.set(name, asset(readFileSync(path.join(dir, name)), type));
  }
  const require = createRequire(import.meta.url);
  for (const [name, spec] of Object.entries(VENDOR_FILES)) {
    const type = CONTENT_TYPES[path.extname(name)] as string;
    assets.set(name, asset(readFileSync(require.resolve(spec)), type));
  }
  return assets;
}

/** The security headers of the HTML report: its own inline styles, nothing else, sandboxed. */
const REPORT_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'private, no-store',
};

export function webRoutes(opts: WebOptions): Hono<AuthEnv> {
  const assets = loadAssets(opts.staticDir ?? STATIC_DIR);
  const artifactsDir = path.resolve(opts.artifactsDir);
  const web = new Hono<AuthEnv>();
  web.onError((e, c) => errorResponse(c, e));

  const serve = (name: string, ifNoneMatch?: string) => {
    const a = assets.get(name);
    if (!a) return undefined;
    const headers = {
      'content-type': a.type,
      'cache-control': 'no-cache',
      etag: a.etag,
      ...SECURITY_HEADERS,
    };
    if (ifNoneMatch === a.etag) return new Response(null, { status: 304, headers });
    return new Response(a.body, { headers });
  };

  web.get(
    '/',
    (c) =>
      serve('index.html', c.req.header('if-none-match')) ?? new Response('page missing', { status: 500 }),
  );
  web.get('/static/:file', (c) => {
    const file = c.req.param('file');
    return (
      serve(file, c.req.header('if-none-match')) ??
      c.json(
        { error: { code: 'NOT_FOUND', what: `No page asset "${file}"`, fix: 'Open / for the web console.' } },
        404,
      )
    );
  });

  // A link cannot send headers: the HTML report also takes ?access_token= (as the event streams do).
  web.use('/web/drift/:run/:step/report.html', async (c, next) => {
    const q = c.req.query('access_token');
    if (q && !c.req.header('authorization')) c.req.raw.headers.set('authorization', `Bearer ${q}`);
    await next();
  });
  // The histograms a drift step plotted, from its JSON report (viewer role, like the run itself).
  web.use('/web/*', authenticate(opts.auth), requireRole('viewer'));
  web.get('/web/drift/:run/:step', async (c) => {
    const run = opts.store.requireRun(c.req.param('run'));
    const stepId = c.req.param('step');
    const step = opts.store.getSteps(run.id).find((s) => s.stepId === stepId);
    const report = (step?.output as { reportJson?: unknown } | undefined)?.reportJson;
    // Realpath before the check: a report path that is (or passes through) a symlink out is refused.
    const inside =
      typeof report === 'string' && isWithin(realPathOf('/', artifactsDir), realPathOf('/', report));
    if (typeof report !== 'string' || !inside) {
      throw userError(
        'STEP_NOT_FOUND',
        `Step "${stepId}" of ${run.id} has no drift report`,
        'only a finished monitor.drift step has one',
        'Pick a drift step that succeeded (see GET /api/runs/:id).',
      );
    }
    const view = JSON.parse(await readFile(report, 'utf8')) as {
      features?: { name: string; type?: string; drifted?: boolean; method?: string; display?: unknown }[];
    };
    return c.json({
      runId: run.id,
      stepId,
      features: (view.features ?? []).map((f) => ({
        name: f.name,
        type: f.type,
        method: f.method,
        drifted: f.drifted === true,
        display: f.display ?? null,
      })),
    });
  });
  // The step's HTML report, as a page (its artifact file has no extension, so it is served, not linked).
  web.get('/web/drift/:run/:step/report.html', async (c) => {
    const run = opts.store.requireRun(c.req.param('run'));
    const stepId = c.req.param('step');
    const step = opts.store.getSteps(run.id).find((s) => s.stepId === stepId);
    const report = (step?.output as { reportHtml?: unknown } | undefined)?.reportHtml;
    // Realpath before the check, as for the JSON report: a path through a symlink out is refused.
    const real = typeof report === 'string' && existsSync(report) ? realPathOf('/', report) : undefined;
    if (!real || !isWithin(realPathOf('/', artifactsDir), real)) {
      throw userError(
        'STEP_NOT_FOUND',
        `Step "${stepId}" of ${run.id} has no HTML drift report`,
        'only a finished monitor.drift step has one, and it must still be in the artifact store',
        'Pick a drift step that succeeded (see GET /api/runs/:id).',
      );
    }
    return new Response(await readFile(real), { headers: REPORT_HEADERS });
  });
  return web;
}
