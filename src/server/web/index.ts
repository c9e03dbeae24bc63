/**
 * The web chat page: GET / serves the page, GET /static/<file> its ES modules and CSS (plain files, no build
 * step), both under a strict Content-Security-Policy (no inline script or style). The page talks to the
 * REST API with the token the person pastes; the one extra route here, GET /web/drift/:run/:step, hands it
 * the plotted histograms of a drift step's JSON report (an artifact the API does not serve).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../errors.ts';
import type { RunStore } from '../../store/index.ts';
import { isWithin, realPathOf } from '../../tasks/index.ts';
import { type AnyRoute, defineRoute } from '../route.ts';
import { named } from '../schema-names.ts';

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

const DriftView = named(
  'DriftPlotView',
  z.object({
    runId: z.string(),
    stepId: z.string(),
    features: z.array(
      z.object({
        name: z.string(),
        type: z.string().optional(),
        method: z.string().optional(),
        drifted: z.boolean(),
        display: z.unknown().describe('What the page plots (histograms or bars), null when none'),
      }),
    ),
  }),
);

export function webRecords(opts: WebOptions): AnyRoute[] {
  const assets = loadAssets(opts.staticDir ?? STATIC_DIR);
  const artifactsDir = path.resolve(opts.artifactsDir);

  const serve = (name: string) => {
    const asset = assets.get(name);
    if (!asset) return undefined;
    return new Response(asset.body, {
      headers: { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS },
    });
  };
  const noAsset = (file: string) =>
    userError(
      'NOT_FOUND',
      `No page asset "${file}"`,
      'the page has no such file',
      'Open / for the chat page.',
    );

  return [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'The web chat page',
      tag: 'web',
      role: 'open',
      response: { description: 'The page (strict Content-Security-Policy)', type: 'text/html' },
      errors: [],
      handler: () => {
        const page = serve('index.html');
        if (!page) throw new Error(`the page is missing from ${opts.staticDir ?? STATIC_DIR}`);
        return page;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/static/:file',
      summary: "The page's ES modules, styles and images",
      tag: 'web',
      role: 'open',
      response: { description: 'The file, with its content type', type: '*/*' },
      errors: ['NOT_FOUND'],
      handler: (_c, { params }) => {
        const asset = serve(params.file);
        if (!asset) throw noAsset(params.file);
        return asset;
      },
    }),
    // The histograms a drift step plotted, from its JSON report (viewer role, like the run itself).
    defineRoute({
      method: 'get',
      path: '/web/drift/:run/:step',
      summary: 'What a drift step plotted, from its JSON report (for the page)',
      tag: 'web',
      role: 'viewer',
      response: { description: 'Per-feature plots', schema: DriftView },
      errors: ['RUN_NOT_FOUND', 'STEP_NOT_FOUND'],
      handler: async (_c, { params }) => {
        const run = opts.store.requireRun(params.run);
        const stepId = params.step;
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
        return {
          runId: run.id,
          stepId,
          features: (view.features ?? []).map((f) => ({
            name: f.name,
            ...(f.type ? { type: f.type } : {}),
            ...(f.method ? { method: f.method } : {}),
            drifted: f.drifted === true,
            display: f.display ?? null,
          })),
        };
      },
    }),
  ];
}
