/**
 * `pipewright mcp`: pipewright as a Model Context Protocol server (official @modelcontextprotocol/sdk), so
 * other agents (an IDE assistant, a chat assistant) can plan, run, approve and ask through a standard
 * protocol. Two transports:
 *
 * - stdio: one client per process, acting as the token given with --token or PIPEWRIGHT_MCP_TOKEN;
 * - streamable HTTP (stateless, JSON responses) at POST /mcp (http.ts): every request carries
 *   `Authorization: Bearer <token>` and acts as that token.
 *
 * Each connection or request gets its own McpServer bound to its caller's identity: tools and resources
 * check the caller's role, and state changes go through act() (gate.ts).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
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
