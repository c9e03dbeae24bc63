/**
 * Webhook triggers: `POST /hooks/:name` fires the trigger's plan. The body is optional JSON
 * `{ "inputs": { ... }, "id": "..." }`; the `idempotency-key` header (or `id`) makes a retried call fire
 * once. The lead mounts this sub-app on the server (`app.route('/', triggerRoutes(scheduler))`).
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { userError } from '../errors.ts';
import { errorResponse } from '../server/http-errors.ts';
import type { Scheduler } from './scheduler.ts';

export const HookBody = z
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
  .describe('A webhook call');

export function triggerRoutes(scheduler: Scheduler): Hono {
  const app = new Hono();
  app.post('/hooks/:name', async (c) => {
    try {
      const text = await c.req.text();
      let raw: unknown = {};
      if (text.trim()) {
        try {
          raw = JSON.parse(text);
        } catch {
          throw userError(
            'HOOK_BODY',
            'The webhook body is not JSON',
            undefined,
            'Send {"inputs": {...}} or nothing.',
          );
        }
      }
      const body = HookBody.safeParse(raw);
      if (!body.success) {
        throw userError(
          'HOOK_BODY',
          'The webhook body does not fit',
          body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          'Send {"inputs": {"name": "value"}, "id": "<idempotency key>"}.',
        );
      }
      const key = c.req.header('idempotency-key') ?? body.data.id ?? randomUUID();
      const secret = c.req.header('x-pipewright-hook-secret');
      const r = scheduler.fireWebhook(c.req.param('name'), {
        key,
        inputs: body.data.inputs,
        ...(secret ? { secret } : {}),
      });
      return c.json(r, r.status === 'duplicate' ? 200 : 202);
    } catch (e) {
      // One error mapping for the server (HOOK_NOT_FOUND 404, HOOK_FORBIDDEN 403); a 500 is logged.
      return errorResponse(c, e);
    }
  });
  return app;
}
