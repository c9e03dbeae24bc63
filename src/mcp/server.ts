/**
 * `pipewright mcp`: pipewright as a Model Context Protocol server (official @modelcontextprotocol/sdk), so
 * other agents (an IDE assistant, a chat assistant) can plan, run, approve and ask through a standard
 * protocol. Two transports:
 *
 * - stdio: one client per process, acting as the token given with --token or PIPEWRIGHT_MCP_TOKEN;
 * - streamable HTTP (stateless, JSON responses) at POST /mcp: every request carries
 *   `Authorization: Bearer <token>` and acts as that token.
 *
 * Each connection or request gets its own McpServer bound to its caller's identity: tools and resources
 * check the caller's role, and state changes go through act() (gate.ts).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { isPipewrightError, serializeError } from '../errors.ts';
import { identityFromToken, type McpDeps, type McpIdentity } from './deps.ts';
import { registerResources } from './resources.ts';
import { registerTools } from './tools.ts';

export const MCP_SERVER_VERSION = '0.1.0';

const INSTRUCTIONS = `pipewright turns goals into typed ML pipeline plans and runs them with human approvals.
Typical flow: plan (goal → plan) → validate_plan → run_plan (waitSeconds to wait) → when the run waits,
list_approvals / decide_approval → show_run for outputs and metrics. ask, lineage and search_memory answer
questions about past runs, models and data; list_models and rollback_model manage deployments.`;

/** A server for one caller: `who` is asked on every call (stdio re-checks its token, so revoking it takes effect). */
export function createMcpServer(deps: McpDeps, who: () => McpIdentity): McpServer {
  const server = new McpServer(
    { name: 'pipewright', version: MCP_SERVER_VERSION },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  registerTools(server, deps, who);
  registerResources(server, deps, who);
  return server;
}

/** Serves one client over stdin/stdout as the token's identity; resolves when the client goes away. */
export async function serveStdio(
  deps: McpDeps,
  token: string | undefined,
  io: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {},
): Promise<{ identity: McpIdentity; closed: Promise<void> }> {
  const identity = identityFromToken(deps.auth, token);
  const server = createMcpServer(deps, () => identityFromToken(deps.auth, token));
  const transport = new StdioServerTransport(
    io.stdin as NodeJS.ReadStream | undefined,
    io.stdout as NodeJS.WriteStream | undefined,
  );
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    (io.stdin ?? process.stdin).once('end', () => resolve());
  });
  await server.connect(transport);
  return { identity, closed };
}

export interface McpHttpOptions {
  /** Largest request body (default 1 MiB); larger ones get 413 from the transport. */
  maxBodyBytes?: number;
}

/** The streamable HTTP endpoint (POST /mcp), stateless: a fresh server per request, bound to its bearer token. */
export function mcpHttpApp(deps: McpDeps, opts: McpHttpOptions = {}): Hono {
  const app = new Hono();
  app.post('/mcp', async (c) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    let who: McpIdentity;
    try {
      who = identityFromToken(deps.auth, m?.[1]);
    } catch (e) {
      return c.json(
        {
          jsonrpc: '2.0',
          error: {
            code: -32001,
            message: isPipewrightError(e) ? e.message : 'unauthorized',
            data: serializeError(e),
          },
          id: null,
        },
        401,
        { 'www-authenticate': 'Bearer realm="pipewright"' },
      );
    }
    const server = createMcpServer(deps, () => who);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: opts.maxBodyBytes ?? 1024 * 1024,
    });
    try {
      await server.connect(transport);
      return await transport.handleRequest(c.req.raw, {
        authInfo: { token: '[redacted]', clientId: who.name, scopes: [who.role] },
      });
    } finally {
      await server.close();
    }
  });
  const notAllowed = () =>
    new Response(
      JSON.stringify({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'This server is stateless: send JSON-RPC requests with POST /mcp' },
        id: null,
      }),
      { status: 405, headers: { 'content-type': 'application/json', allow: 'POST' } },
    );
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
  return app;
}
