/**
 * The web chat page: GET / serves the page, GET /static/<file> its ES modules and CSS (plain files, no build
 * step), both under a strict Content-Security-Policy (no inline script or style). The page talks to the
 * REST API with the token the person pastes; the one extra route here, GET /web/drift/:run/:step, hands it
 * the plotted histograms of a drift step's JSON report (an artifact the API does not serve).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import { userError } from '../../errors.ts';
import type { AuthStore, RunStore } from '../../store/index.ts';
import { isWithin, realPathOf } from '../../tasks/index.ts';
import { type AuthEnv, authenticate, requireRole } from '../auth.ts';
import { errorResponse } from '../http-errors.ts';

export const STATIC_DIR = path.join(import.meta.dirname, 'static');

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
}

/** Every file of the static folder, read once: the set of servable names is fixed at start-up. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[path.extname(name)];
    if (type) assets.set(name, { body: readFileSync(path.join(dir, name)), type });
  }
  return assets;
}

export function webRoutes(opts: WebOptions): Hono<AuthEnv> {
  const assets = loadAssets(opts.staticDir ?? STATIC_DIR);
  const artifactsDir = path.resolve(opts.artifactsDir);
  const web = new Hono<AuthEnv>();
  web.onError((e, c) => errorResponse(c, e));

  const serve = (name: string) => {
    const asset = assets.get(name);
    if (!asset) return undefined;
    return new Response(asset.body, {
      headers: { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS },
    });
  };

  web.get('/', () => serve('index.html') ?? new Response('page missing', { status: 500 }));
  web.get('/static/:file', (c) => {
    const file = c.req.param('file');
    return (
      serve(file) ??
      c.json(
        { error: { code: 'NOT_FOUND', what: `No page asset "${file}"`, fix: 'Open / for the chat page.' } },
        404,
      )
    );
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
  return web;
}
