/**
 * Webhook triggers: `POST /hooks/:name` fires the trigger's plan. The body is optional JSON
 * `{ "inputs": { ... }, "id": "..." }`; the `idempotency-key` header (or `id`) makes a retried call fire
 * once. Open at the HTTP level: a trigger registered with a secret checks x-pipewright-hook-secret itself
 * (403 HOOK_FORBIDDEN). A route record (src/server/route.ts); the server registers it with the others.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AuthEnv } from '../server/auth.ts';
import { errorResponse } from '../server/http-errors.ts';
import { type AnyRoute, defineRoute, mountRoutes, UNGUARDED } from '../server/route.ts';
import { named } from '../server/schema-names.ts';
import type { Scheduler } from './scheduler.ts';

export const HookBody = named(
  'HookBody',
  z
    .object({
      inputs: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .default({})
        .describe('Plan inputs for the run'),
      id: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe('Idempotency key (or send the idempotency-key header)'),
    })
    .describe('A webhook call')
    .prefault({}),
);

export const HookResult = named(
  'HookResult',
  z.object({
    trigger: z.string(),
    tick: z.string().describe('hook:<idempotency key>'),
    status: z
      .enum(['fired', 'skipped', 'queued', 'failed', 'duplicate'])
      .describe(
        'fired: a run started; duplicate: this key fired before; skipped/queued: at the concurrency limit',
      ),
    runId: z.string().optional(),
    reason: z.string().optional(),
  }),
);

export function hookRecords(scheduler: Scheduler): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/hooks/:name',
      summary: 'Fire a webhook trigger (once per idempotency key)',
      description:
        'Send the trigger’s secret (if it has one) as x-pipewright-hook-secret, and an idempotency-key header or body id so that a retried call fires once.',
      tag: 'triggers',
      role: 'open',
      body: HookBody,
      response: [
        {
          status: 202,
          description: 'Fired (or skipped, queued, failed to start: see status)',
          schema: HookResult,
        },
        { status: 200, description: 'This idempotency key fired already: nothing new', schema: HookResult },
      ],
      errors: ['HOOK_NOT_FOUND', 'HOOK_FORBIDDEN'],
      handler: (c, { params, body }) => {
        const key = c.req.header('idempotency-key') ?? body.id ?? randomUUID();
        const secret = c.req.header('x-pipewright-hook-secret');
        const r = scheduler.fireWebhook(params.name, {
          key,
          inputs: body.inputs,
          ...(secret ? { secret } : {}),
        });
        return c.json(r, r.status === 'duplicate' ? 200 : 202);
      },
    }),
  ];
}

/** The hook route as its own sub-app (tests; the server registers hookRecords with its other routes). */
export function triggerRoutes(scheduler: Scheduler): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.onError((e, c) => errorResponse(c, e));
  mountRoutes(app, hookRecords(scheduler), UNGUARDED);
  return app;
}
