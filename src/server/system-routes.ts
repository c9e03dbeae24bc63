/**
 * The server's routes about itself: /health, /metrics (Prometheus; open unless `metricsAccess: token` asks for
 * a viewer token, since it names models) and the OpenAPI document.
 */
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Metrics } from './metrics.ts';
import { type AnyRoute, defineRoute } from './route.ts';
import { named } from './schema-names.ts';

const Health = named(
  'Health',
  z.object({
    status: z.literal('ok'),
    version: z.string().describe('The pipewright version serving'),
    uptimeSeconds: z.number().int().describe('Seconds since the server started'),
  }),
);

const OpenApiDocument = named(
  'OpenApiDocument',
  z
    .looseObject({
      openapi: z.literal('3.1.0'),
      info: z.looseObject({ title: z.string(), version: z.string() }),
      paths: z.record(z.string(), z.unknown()),
      components: z.record(z.string(), z.unknown()),
    })
    .describe('This document'),
);

export function systemRecords(opts: {
  metrics: Metrics;
  /** Who may read /metrics (Config.metricsAccess); default open. */
  metricsAccess?: Config['metricsAccess'];
  version: string;
  /** The document, generated once every record is known. */
  document: () => Record<string, unknown>;
}): AnyRoute[] {
  const started = Date.now();
  return [
    defineRoute({
      method: 'get',
      path: '/health',
      summary: 'Liveness: the server answers',
      tag: 'system',
      role: 'open',
      response: { description: 'Up', schema: Health },
      errors: [],
      handler: () => ({
        status: 'ok' as const,
        version: opts.version,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary:
        'Prometheus metrics: runs, steps, approvals, drift and queues from the shared store; HTTP traffic',
      description:
        'Open by default (Prometheus scrapes without credentials); PIPEWRIGHT_METRICS_ACCESS=token requires a viewer token.',
      tag: 'system',
      role: opts.metricsAccess === 'token' ? 'viewer' : 'open',
      response: { description: 'Prometheus text exposition format 0.0.4', type: 'text/plain' },
      errors: [],
      handler: async (c) =>
        c.body(await opts.metrics.text(), 200, { 'content-type': opts.metrics.contentType }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This API’s OpenAPI 3.1 document, generated from the route records',
      tag: 'system',
      role: 'open',
      response: { description: 'The document', schema: OpenApiDocument },
      errors: [],
      handler: (c) => c.json(opts.document()),
    }),
  ];
}
