/**
 * Prometheus metrics (prom-client, one registry per app): HTTP requests by route and status, runs started
 * and finished, approvals decided, prediction requests.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunEvent, RunStore } from '../store/index.ts';

export class Metrics {
  readonly registry = new Registry();
  /** Runs by status now, read from the store at each scrape (interrupted ones marked first). */
  readonly runs: Gauge<'status'> | undefined;

  constructor(store?: RunStore) {
    if (!store) return;
    this.runs = new Gauge({
      name: 'pipewright_runs',
      help: 'Runs by status now (interrupted: nobody executes them; serve resumes them unless auto-resume is off)',
      labelNames: ['status'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [status, n] of Object.entries(store.countRuns())) this.set({ status }, n);
      },
    });
  }

  readonly httpRequests = new Counter({
    name: 'pipewright_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
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
  readonly runsStarted = new Counter({
    name: 'pipewright_runs_started_total',
    help: 'Runs started or resumed by this server',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly runsFinished = new Counter({
    name: 'pipewright_runs_finished_total',
    help: 'Runs that ended (succeeded, failed, cancelled), paused (waiting) or lost their executor (interrupted), by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly approvalsDecided = new Counter({
    name: 'pipewright_approvals_decided_total',
    help: 'Approval decisions, by outcome and where they came from (api, slack, cli, timeout)',
    labelNames: ['decision', 'via'] as const,
    registers: [this.registry],
  });
  readonly predictionRequests = new Counter({
    name: 'pipewright_prediction_requests_total',
    help: 'Prediction requests, by model and status',
    labelNames: ['model', 'status'] as const,
    registers: [this.registry],
  });

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

  /** Feeds run and approval counters from the run store's events. */
  observe(e: RunEvent): void {
    if (e.type === 'run.started' || e.type === 'run.resumed') {
      this.runsStarted.inc({ kind: e.type === 'run.started' ? 'started' : 'resumed' });
    } else if (
      e.type === 'run.succeeded' ||
      e.type === 'run.failed' ||
      e.type === 'run.cancelled' ||
      e.type === 'run.waiting' ||
      e.type === 'run.interrupted'
    ) {
      this.runsFinished.inc({ status: e.type.slice(4) });
    } else if (e.type === 'approval.decided') {
      this.approvalsDecided.inc({
        decision: e.data.approved ? 'approved' : 'rejected',
        via: String(e.data.via ?? 'unknown'),
      });
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
