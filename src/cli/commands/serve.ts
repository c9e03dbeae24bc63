/** `pipewright serve`: the HTTP server on one port: the API, model serving, Slack endpoints, metrics. */
import type { Command } from 'commander';
import { userError } from '../../errors.ts';
import { configFrom, type GlobalOptions } from '../context.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'start the HTTP server: API at /api, models at /models/<name>/predict, Slack at /slack, /metrics',
    )
    .option('-p, --port <port>', 'port to listen on', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--sample-rate <share>', 'share of prediction requests logged for drift checks', '1')
    .action(async (opts: { port: string; host: string; sampleRate: string }) => {
      const g = program.opts() as GlobalOptions;
      const port = Number(opts.port);
      const sampleRate = Number(opts.sampleRate);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw userError(
          'USAGE',
          `--port must be a port number, not "${opts.port}"`,
          undefined,
          'Example: --port 8080',
        );
      }
      if (!(sampleRate >= 0 && sampleRate <= 1)) {
        throw userError(
          'USAGE',
          `--sample-rate must be between 0 and 1, not "${opts.sampleRate}"`,
          undefined,
          'Example: --sample-rate 0.1',
        );
      }
      // The server's modules load only for this command, keeping other commands quick to start.
      const [{ serve }, { createApp }, { openModelRegistry }] = await Promise.all([
        import('@hono/node-server'),
        import('../../server/app.ts'),
        import('../../store/index.ts'),
      ]);
      const config = await configFrom(g);
      const registry = openModelRegistry(config);
      const { app, close } = createApp({
        config,
        registry,
        predictionSampleRate: sampleRate,
        ...(config.slackChannel ? { slackChannel: config.slackChannel } : {}),
      });
      const server = serve({ fetch: app.fetch, port, hostname: opts.host }, (info) => {
        const url = `http://${opts.host}:${info.port}`;
        if (g.json) process.stdout.write(`${JSON.stringify({ url, port: info.port })}\n`);
        else process.stderr.write(`pipewright serving on ${url} (state: ${config.stateDir})\n`);
      });
      server.on('error', (e: NodeJS.ErrnoException) => {
        process.stderr.write(
          `error[SERVE_LISTEN]: cannot listen on ${opts.host}:${port}\n  why: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}\n  fix: pick another --port\n`,
        );
        process.exit(2);
      });
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.close();
          void close().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
