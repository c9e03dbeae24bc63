/**
 * The web console, as route records: GET / serves the page, GET /static/<file> its ES modules and CSS (plain
 * files, no build step) and the two libraries it uses, served from node_modules as they are (elkjs for graph
 * layout, uPlot for charts), all under a strict Content-Security-Policy (no inline script or style) and with
 * an ETag. The page talks to the REST API (and the console's read routes, ../console-api.ts) with the token
 * the person pastes. Two extra routes: GET /web/drift/:run/:step hands it the plotted histograms of a drift
 * step's JSON report, and GET /web/drift/:run/:step/report.html opens the step's HTML report as a page.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../errors.ts';
import type { RunStore } from '../../store/index.ts';
import { isWithin, realPathOf } from '../../tasks/index.ts';
import { type AnyRoute, defineRoute } from '../route.ts';
import { named } from '../schema-names.ts';

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

/** A page file's answers: the file, or 304 when the caller's copy (If-None-Match) is current. */
const assetReplies = (description: string, type: string) =>
  [
    { description, type, headers: { etag: "The file's version; send it back as If-None-Match" } },
    { status: 304, description: 'Not modified: the copy the caller has (If-None-Match) is current' },
  ] as const;

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
  const noAsset = (file: string) =>
    userError(
      'NOT_FOUND',
      `No page asset "${file}"`,
      'the page has no such file',
      'Open / for the web console.',
    );

  return [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'The web console',
      tag: 'web',
      role: 'open',
      response: assetReplies('The page (strict Content-Security-Policy)', 'text/html'),
      errors: [],
      handler: (c) => {
        const page = serve('index.html', c.req.header('if-none-match'));
        if (!page) throw new Error(`the page is missing from ${opts.staticDir ?? STATIC_DIR}`);
        return page;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/static/:file',
      summary: "The page's ES modules, styles and images, and the libraries it uses (elkjs, uPlot)",
      tag: 'web',
      role: 'open',
      response: assetReplies('The file, with its content type', '*/*'),
      errors: ['NOT_FOUND'],
      handler: (c, { params }) => {
        const file = serve(params.file, c.req.header('if-none-match'));
        if (!file) throw noAsset(params.file);
        return file;
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
    // The step's HTML report, as a page (its artifact file has no extension, so it is served, not linked).
    // A link cannot send headers: it also takes ?access_token=, as the event streams do.
    defineRoute({
      method: 'get',
      path: '/web/drift/:run/:step/report.html',
      summary: "A drift step's HTML report, as a page (sandboxed, its own inline styles only)",
      tag: 'web',
      role: 'viewer',
      tokenInQuery: true,
      response: { description: 'The report', type: 'text/html' },
      errors: ['RUN_NOT_FOUND', 'STEP_NOT_FOUND'],
      handler: async (_c, { params }) => {
        const run = opts.store.requireRun(params.run);
        const stepId = params.step;
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
      },
    }),
  ];
}
