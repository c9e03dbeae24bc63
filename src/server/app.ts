/**
 * The pipewright HTTP server (hono): health and model serving for now; the API, chat page and Slack
 * endpoints join it on the same port.
 */
import { Hono } from 'hono';
import type { Config } from '../config.ts';
import { formatError, isPipewrightError, serializeError } from '../errors.ts';
import type { ModelRegistry } from '../store/index.ts';
import { defaultPredictionLog, type ModelRoutesApp, modelRoutes, type Predictor } from './models.ts';

export interface AppOptions {
  config: Config;
  registry: ModelRegistry;
  loadModel?: (dir: string) => Promise<Predictor>;
  /** Share of prediction requests logged for drift checks (default 1). */
  predictionSampleRate?: number;
}

export interface PipewrightApp {
  app: Hono;
  close(): Promise<void>;
}

export function createApp(opts: AppOptions): PipewrightApp {
  const app = new Hono();
  const started = Date.now();
  const predictionLog = defaultPredictionLog(opts.config.stateDir, opts.predictionSampleRate ?? 1);
  const models: ModelRoutesApp = modelRoutes({
    registry: opts.registry,
    predictionLog,
    user: opts.config.user,
    ...(opts.loadModel ? { loadModel: opts.loadModel } : {}),
  });
  app.get('/health', (c) =>
    c.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) }),
  );
  app.route('/', models);
  app.notFound((c) =>
    c.json(
      {
        error: {
          code: 'NOT_FOUND',
          what: `No route ${c.req.method} ${c.req.path}`,
          fix: 'See docs/serving.md for the API.',
        },
      },
      404,
    ),
  );
  app.onError((e, c) => {
    if (isPipewrightError(e) && e.category === 'user') return c.json({ error: serializeError(e) }, 400);
    process.stderr.write(`${formatError(e, { stack: true })}\n`);
    return c.json(
      { error: { code: 'INTERNAL', what: 'The server failed to answer', fix: 'See the server log.' } },
      500,
    );
  });
  return {
    app,
    close: async () => {
      await models.closeModels();
      await predictionLog.close();
    },
  };
}
