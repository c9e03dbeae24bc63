/**
 * Prometheus metrics (prom-client, one registry per app). This process's own traffic (HTTP requests by
 * route and status, prediction requests) is counted as it happens; runs, steps, approvals, drift and the
 * queues are read from the shared store and Redis when /metrics is scraped (store-metrics.ts,
 * queue-metrics.ts), so runs started from the CLI or another server are counted too.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Histogram, Registry } from 'prom-client';
import type { RunStore } from '../store/index.ts';
import { QueueMetrics, type QueueMetricsOptions } from './queue-metrics.ts';
import { StoreMetrics } from './store-metrics.ts';

export interface MetricsOptions {
  /** The shared store to read runs, steps, approvals and drift from at scrape time. */
  store?: RunStore;
  /** The BullMQ queue to read lane depths from (when Redis is configured). */
  queue?: QueueMetricsOptions;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'pipewright_http_requests_total',
    help: 'HTTP requests this process answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'pipewright_http_request_duration_seconds',
    help: 'Time to answer HTTP requests (to the first byte for streams), by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly predictionRequests = new Counter({
    name: 'pipewright_prediction_requests_total',
    help: 'Prediction requests this process answered, by model and status',
    labelNames: ['model', 'status'] as const,
    registers: [this.registry],
  });
  private readonly store: StoreMetrics | undefined;
  private readonly queue: QueueMetrics | undefined;

  constructor(opts: MetricsOptions = {}) {
    this.store = opts.store ? new StoreMetrics(opts.store, this.registry) : undefined;
    this.queue = opts.queue ? new QueueMetrics(opts.queue, this.registry) : undefined;
  }

  /** Counts requests; run it first so it sees every answer, errors included. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const start = performance.now();
      await next();
      const route = routePath(c, -1) || 'unknown';
      const labels = {
        method: c.req.method,
        route: c.res.status === 404 && route.endsWith('*') ? 'unmatched' : route,
        status: String(c.res.status),
      };
      this.httpRequests.inc(labels);
      this.httpDuration.observe(labels, (performance.now() - start) / 1000);
      const predict = /^\/(?:api\/)?models\/([^/]+)\/predict$/.exec(c.req.path);
      if (predict && c.req.method === 'POST') {
        this.predictionRequests.inc({
          model: decodeURIComponent(predict[1] as string),
          status: labels.status,
        });
      }
    };
  }

  /** The exposition text: the store and the queues are read now. */
  async text(): Promise<string> {
    this.store?.refresh();
    await this.queue?.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async close(): Promise<void> {
    await this.queue?.close();
  }
}
