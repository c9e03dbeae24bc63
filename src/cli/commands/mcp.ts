/**
 * `pipewright mcp`: serve pipewright to MCP clients (IDE and chat assistants) over stdio (default) or
 * streamable HTTP (--http). Every client acts as an API token and gets that token's role (docs/mcp.md).
 */
import type { Command } from 'commander';
import { userError } from '../../errors.ts';
import { type GlobalOptions, openContext } from '../context.ts';

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve tools and resources to MCP clients over stdio, or streamable HTTP with --http')
    .option('--token <token>', 'stdio: the API token the client acts as (default: PIPEWRIGHT_MCP_TOKEN)')
    .option('--http', 'serve streamable HTTP at /mcp (bearer tokens) instead of stdio')
    .option('-p, --port <port>', 'HTTP port', '8765')
    .option('--host <host>', 'HTTP address to listen on', '127.0.0.1')
    .action(async (opts: { token?: string; http?: boolean; port: string; host: string }) => {
      const g = program.opts() as GlobalOptions;
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw userError(
          'USAGE',
          `--port must be a port number, not "${opts.port}"`,
          undefined,
          'Example: --port 8765',
        );
      }
      const ctx = await openContext(g);
      const { assembleMcpDeps, serveStdio, mcpHttpApp } = await import('../../mcp/index.ts');
      const log = (line: string) => void process.stderr.write(`${line}\n`);
      const mcp = assembleMcpDeps(ctx.engine, { log });
      try {
        if (!opts.http) {
          // stdout carries the protocol: everything else goes to stderr.
          const { identity, closed } = await serveStdio(mcp.deps, opts.token ?? ctx.config.mcpToken);
          log(`pipewright mcp: serving over stdio as ${identity.name} (${identity.role})`);
          await closed;
          return;
        }
        const { serve } = await import('@hono/node-server');
        const app = mcpHttpApp(mcp.deps);
        const server = serve({ fetch: app.fetch, port, hostname: opts.host }, (info) => {
          const url = `http://${opts.host}:${info.port}/mcp`;
          if (g.json) process.stdout.write(`${JSON.stringify({ url, port: info.port })}\n`);
          else log(`pipewright mcp: streamable HTTP on ${url} (Authorization: Bearer <token>)`);
        });
        await new Promise<void>((resolve, reject) => {
          server.once('error', (e: NodeJS.ErrnoException) =>
            reject(
              userError(
                'SERVE_LISTEN',
                `Cannot listen on ${opts.host}:${port}`,
                e.code === 'EADDRINUSE' ? 'the port is in use' : e.message,
                'Pick another --port.',
              ),
            ),
          );
          const stop = () => {
            server.close();
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      } finally {
        await mcp.close();
        await ctx.close();
      }
    });
}
