/**
 * The OpenAPI 3.1 document, generated from the route records (route.ts) and their zod schemas
 * (z.toJSONSchema), never written by hand. Every answer is described, errors included: each error status
 * lists the codes the route may answer with (from its access, its validators and its own `errors`), so a
 * live answer can be checked against the document (test/server/contract.int.test.ts does, for every route).
 */
import { z } from 'zod';
import { ROLES } from '../store/index.ts';
import { HTTP_ERRORS, type HttpErrorCode, STATUS_TEXT } from './error-codes.ts';
import { ErrorBody } from './http-errors.ts';
import type { AnyRoute, Reply } from './route.ts';
import { nameOf } from './schema-names.ts';

type Json = Record<string, unknown>;

const COMPONENT = '#/components/schemas/';

/** The error codes a route may answer with: its access, its validators, the body limit and its own. */
export function errorCodesOf(r: AnyRoute): HttpErrorCode[] {
  const codes = new Set<HttpErrorCode>(r.errors);
  if ((ROLES as readonly string[]).includes(r.role)) {
    codes.add('UNAUTHORIZED');
    codes.add('NO_TOKENS');
    // Every token is at least a viewer: only the higher roles can be refused.
    if (r.role !== 'viewer') codes.add('FORBIDDEN');
  }
  if (r.role === 'predict') codes.add('UNAUTHORIZED');
  if (r.role === 'slack') {
    for (const c of ['UNAUTHORIZED', 'SLACK_REPLAY', 'SLACK_NOT_CONFIGURED'] as const) codes.add(c);
  }
  if (r.body || r.query || r.params) codes.add('REQUEST_INVALID');
  if (r.body && (r.bodyType ?? 'json') === 'json') codes.add('BODY_NOT_JSON');
  if (r.method === 'post') codes.add('BODY_TOO_LARGE');
  return [...codes];
}

export const repliesOf = (r: AnyRoute): readonly Reply[] =>
  Array.isArray(r.response) ? r.response : [r.response as Reply];

const openPathOf = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

export const operationIdOf = (r: AnyRoute) =>
  `${r.method}${openPathOf(r.path)
    .replace(/[{}.]/g, '')
    .replace(/[/_-]+(\w)/g, (_, c: string) => c.toUpperCase())}`;

const inline = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

/** Schemas by component name, converted together so that one refers to another by $ref. */
class Components {
  private readonly request = z.registry<{ id: string }>();
  private readonly response = z.registry<{ id: string }>();
  private readonly ids = new Map<z.ZodType, string>();

  /** The $ref of a schema, named by its module or after its route. */
  ref(schema: z.ZodType, io: 'input' | 'output', fallback: string): Json {
    let id = this.ids.get(schema) ?? nameOf(schema);
    if (!id) {
      id = fallback;
      for (let n = 2; [...this.ids.values()].includes(id); n++) id = `${fallback}${n}`;
    }
    const [mine, other] = io === 'input' ? [this.request, this.response] : [this.response, this.request];
    if (other.has(schema)) throw new Error(`schema ${id} is used both as a request and as an answer`);
    if (!mine.has(schema)) mine.add(schema, { id });
    this.ids.set(schema, id);
    return { $ref: `${COMPONENT}${id}` };
  }

  toJson(): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [registry, io] of [
      [this.request, 'input'],
      [this.response, 'output'],
    ] as const) {
      const { schemas } = z.toJSONSchema(registry, {
        io,
        unrepresentable: 'any',
        uri: (id) => `${COMPONENT}${id}`,
      }) as { schemas: Record<string, Json> };
      for (const [id, s] of Object.entries(schemas)) {
        const { $schema: _s, $id: _i, ...rest } = s;
        out[id] = rest;
      }
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
}

const SECURITY: Record<string, Json[]> = {
  open: [],
  predict: [{}, { bearerAuth: [] }, { modelKey: [] }],
  slack: [{ slackSignature: [] }],
};

function errorResponses(r: AnyRoute, components: Components): Json {
  const byStatus = new Map<number, HttpErrorCode[]>();
  for (const code of errorCodesOf(r)) {
    const status = HTTP_ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const errorRef = components.ref(ErrorBody, 'output', 'ErrorBody');
  const out: Json = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}: ${codes.join(', ')}`,
      content: {
        'application/json': {
          schema: {
            allOf: [
              errorRef,
              {
                type: 'object',
                properties: { error: { type: 'object', properties: { code: { enum: codes } } } },
              },
            ],
          },
        },
      },
    };
  }
  // Any route can fail on the server's side; the code is the failure's own.
  out[500] = { description: STATUS_TEXT[500], content: { 'application/json': { schema: errorRef } } };
  return out;
}

function parametersOf(r: AnyRoute): Json[] {
  const out: Json[] = [];
  const params = r.params ? (inline(r.params, 'input') as { properties?: Record<string, Json> }) : undefined;
  for (const m of r.path.matchAll(/:([A-Za-z_]+)/g)) {
    const name = m[1] as string;
    const schema = params?.properties?.[name] ?? { type: 'string' };
    out.push({ name, in: 'path', required: true, schema });
  }
  if (r.query) {
    const q = inline(r.query, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: 'query',
        required: q.required?.includes(name) ?? false,
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  if (r.tokenInQuery && !out.some((p) => p.name === 'access_token' && p.in === 'query')) {
    out.push({
      name: 'access_token',
      in: 'query',
      required: false,
      description: 'The bearer token, for clients that cannot send headers (EventSource)',
      schema: { type: 'string' },
    });
  }
  return out;
}

function operation(r: AnyRoute, components: Components): Json {
  const id = operationIdOf(r);
  const responses: Json = {};
  for (const reply of repliesOf(r)) {
    const status = reply.status ?? 200;
    const type = reply.type ?? (reply.schema ? 'application/json' : undefined);
    responses[status] = {
      description: reply.description,
      ...(reply.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(reply.headers).map(([h, d]) => [
                h,
                { description: d, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(type
        ? {
            content: {
              [type]: {
                schema: reply.schema ? components.ref(reply.schema, 'output', `${id}Reply${status}`) : {},
              },
            },
          }
        : {}),
    };
  }
  Object.assign(responses, errorResponses(r, components));
  const parameters = parametersOf(r);
  const role = r.role;
  return {
    operationId: id,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: [r.tag],
    'x-required-role': role,
    security: SECURITY[role] ?? [{ bearerAuth: [] }],
    ...(parameters.length ? { parameters } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: !r.body.safeParse(undefined).success,
            content: {
              [r.bodyType === 'form' ? 'application/x-www-form-urlencoded' : 'application/json']: {
                schema: components.ref(r.body, 'input', `${id}Body`),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

export function openApiDocument(routes: readonly AnyRoute[], version: string): Json {
  const components = new Components();
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const p = openPathOf(r.path);
    paths[p] ??= {};
    (paths[p] as Json)[r.method] = operation(r, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'pipewright API',
      version,
      description: [
        'Goals → plans → runs with human approvals, model serving, webhooks, Slack and MCP on one port.',
        `Bearer tokens with roles ${ROLES.join(' < ')}; create one with \`pipewright token create --role <role> --name <name>\`.`,
        'Every error is `{error: {code, what, why, fix, problems}}`; each error status lists its codes.',
      ].join(' '),
    },
    servers: [{ url: '/' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (`pipewright token create`)',
        },
        modelKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-model-key',
          description: 'A per-model key, when the serving policy sets one (docs/serving.md)',
        },
        slackSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'x-slack-signature',
          description:
            'Slack’s v0 HMAC-SHA256 of the raw body with the signing secret, with x-slack-request-timestamp (docs/slack.md)',
        },
      },
      schemas: components.toJson(),
    },
  };
}
