/**
 * The MCP streamable HTTP endpoint (POST /mcp), stateless: a fresh McpServer per request, bound to the
 * caller's bearer token (any role; each tool checks its own). Declared as route records (src/server/
 * route.ts), so `pipewright serve` registers it with its other routes (same token check, body limit,
 * request id and error model) and `pipewright mcp --http` serves it alone with the same basics.
 * Requests the SDK's transport would refuse (Accept, Content-Type, protocol version, malformed JSON-RPC)
 * are refused here first, in the server's error model.
 */
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  JSONRPCMessageSchema,
  JSONRPCResponseSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { z } from 'zod';
import { userError } from '../errors.ts';
import type { AuthEnv } from '../server/auth.ts';
import { applyBasics } from '../server/http-basics.ts';
import { type AnyRoute, defineRoute, mountRoutes, tokenGuards } from '../server/route.ts';
import { named } from '../server/schema-names.ts';
import type { McpDeps, McpIdentity } from './deps.ts';
import { createMcpServer } from './server.ts';

export interface McpHttpOptions {
  /** Largest request body (default 1 MiB); larger ones get 413. Applies to `mcpHttpApp` alone. */
  maxBodyBytes?: number;
}

const MAX_BATCH = 100;

const JsonRpcBody = named(
  'JsonRpcBody',
  z
    .union([JSONRPCMessageSchema, z.array(JSONRPCMessageSchema).min(1).max(MAX_BATCH)])
    .describe('A JSON-RPC 2.0 message or batch (MCP streamable HTTP)'),
);

const JsonRpcReply = named(
  'JsonRpcReply',
  z
    .union([JSONRPCResponseSchema, z.array(JSONRPCResponseSchema)])
    .describe('The JSON-RPC response(s) to the request(s)'),
);

const notAllowed = () =>
  userError(
    'METHOD_NOT_ALLOWED',
    'This MCP endpoint takes POST only',
    'it is stateless: no server-sent event stream (GET) and no session to end (DELETE)',
    'Send JSON-RPC requests with POST /mcp.',
  );

/** Refuses what the SDK's transport would refuse, in the server's error model. */
function checkHeaders(accept: string, contentType: string, version: string | undefined): void {
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    throw userError(
      'MCP_NOT_ACCEPTABLE',
      'The MCP client must accept both application/json and text/event-stream',
      `the Accept header is "${accept}"`,
      'Send Accept: application/json, text/event-stream (the MCP SDK clients do).',
    );
  }
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw userError(
      'MCP_UNSUPPORTED_MEDIA_TYPE',
      'An MCP request must be JSON',
      `the Content-Type header is "${contentType}"`,
      'Send Content-Type: application/json.',
    );
  }
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    throw userError(
      'MCP_PROTOCOL_VERSION',
      `MCP protocol version ${version} is not supported`,
      `this server speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
      'Use an MCP SDK that speaks one of these versions.',
    );
  }
}

export function mcpRecords(deps: McpDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/mcp',
      summary: 'MCP streamable HTTP (stateless, JSON answers): tools and resources for other agents',
      description:
        'Every request carries a bearer token and acts as it; each tool checks its own role (docs/mcp.md).',
      tag: 'mcp',
      role: 'viewer',
      body: JsonRpcBody,
      response: [
        { status: 200, description: 'The JSON-RPC response(s)', schema: JsonRpcReply },
        { status: 202, description: 'Accepted: the body held only notifications or responses' },
      ],
      errors: ['MCP_NOT_ACCEPTABLE', 'MCP_UNSUPPORTED_MEDIA_TYPE', 'MCP_PROTOCOL_VERSION'],
      handler: async (c, { body }) => {
        checkHeaders(
          c.req.header('accept') ?? '',
          c.req.header('content-type') ?? '',
          c.req.header('mcp-protocol-version'),
        );
        const who: McpIdentity = { ...c.get('identity'), via: 'mcp' };
        const server = createMcpServer(deps, () => who);
        const transport = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        try {
          await server.connect(transport);
          return await transport.handleRequest(c.req.raw, {
            parsedBody: body,
            authInfo: { token: '[redacted]', clientId: who.name, scopes: [who.role] },
          });
        } finally {
          await server.close();
        }
      },
    }),
    ...(['get', 'delete'] as const).map((method) =>
      defineRoute({
        method,
        path: '/mcp',
        summary: 'Not offered: the endpoint is stateless (405, allow: POST)',
        tag: 'mcp',
        role: 'open',
        response: [],
        errors: ['METHOD_NOT_ALLOWED'],
        handler: (c) => {
          c.header('allow', 'POST');
          throw notAllowed();
        },
      }),
    ),
  ];
}

/** The endpoint alone (`pipewright mcp --http`), with the server's request ids, body limit and errors. */
export function mcpHttpApp(deps: McpDeps, opts: McpHttpOptions = {}): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  applyBasics(app, { ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}) });
  mountRoutes(app, mcpRecords(deps), tokenGuards(deps.auth));
  return app;
}
