/**
 * The OpenAPI 3.1 document, generated from the route table and the zod schemas the handlers parse with
 * (z.toJSONSchema), never written by hand.
 */
import { z } from 'zod';
import type { Role } from '../store/index.ts';
import { SCHEMAS, type SchemaName } from './schemas.ts';

export interface RouteSpec {
  method: 'get' | 'post';
  /** Hono-style path, e.g. /api/runs/:id */
  path: string;
  summary: string;
  /** The least role that may call it. */
  role: Role;
  tag: string;
  body?: SchemaName;
  query?: SchemaName;
  /** Schema of the 2xx answer; omitted for streams and free-form answers. */
  response?: SchemaName;
  /** Content type of the 2xx answer (default application/json). */
  produces?: string;
  status?: number;
  /** Extra error statuses the route answers with. */
  errors?: number[];
}

const toJson = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

const ERROR_TEXT: Record<number, string> = {
  400: 'The request is malformed or does not fit its schema (every problem listed)',
  401: 'No token, an unknown or revoked token, or no token exists yet',
  403: 'The token’s role may not do this',
  404: 'No such run, step or approval',
  409: 'Conflicts with what already happened (e.g. the approval was already decided)',
  413: 'The body is too large',
};

export function openApiDocument(routes: RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
  for (const r of routes) {
    const openPath = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: Record<string, unknown>[] = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (r.query) {
      const q = toJson(SCHEMAS[r.query]) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
      }
    }
    const ok = String(r.status ?? 200);
    const responses: Record<string, unknown> = {
      [ok]: {
        description: r.summary,
        content: {
          [r.produces ?? 'application/json']: { schema: r.response ? ref(r.response) : {} },
        },
      },
      401: { description: ERROR_TEXT[401], content: { 'application/json': { schema: ref('ErrorBody') } } },
      403: { description: ERROR_TEXT[403], content: { 'application/json': { schema: ref('ErrorBody') } } },
    };
    for (const s of [...(r.body || r.query ? [400] : []), ...(r.errors ?? [])]) {
      responses[s] = {
        description: ERROR_TEXT[s] ?? 'Error',
        content: { 'application/json': { schema: ref('ErrorBody') } },
      };
    }
    paths[openPath] ??= {};
    (paths[openPath] as Record<string, unknown>)[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${openPath.replace(/[{}]/g, '').replace(/[/_-]+(\w)/g, (_, c: string) => c.toUpperCase())}`,
      'x-required-role': r.role,
      security: [{ bearerAuth: [] }],
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: ref(r.body) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'pipewright API',
      version,
      description:
        'Goals → plans → runs with human approvals. Bearer tokens with roles viewer < operator < approver < admin; create one with `pipewright token create --role <role> --name <name>`.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: Object.fromEntries(Object.entries(SCHEMAS).map(([name, s]) => [name, toJson(s)])),
    },
  };
}
