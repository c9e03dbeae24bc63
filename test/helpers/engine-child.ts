/**
 * A process that runs or resumes one run with the real engine and the test task catalog, for tests that
 * kill processes (fault injection, leases, many processes in one workspace). Configured by the environment
 * like the CLI (PIPEWRIGHT_WORKSPACE, PIPEWRIGHT_FAULTS, PIPEWRIGHT_LEASE_MS, PIPEWRIGHT_DATABASE_URL), but
 * without the CLI's start-up cost.
 *
 *   node --import tsx test/helpers/engine-child.ts run <plan.json> [createdBy]
 *   node --import tsx test/helpers/engine-child.ts resume <run-id>
 *
 * Prints `RUN <id>` on stderr as soon as the run exists, and the outcome as one JSON line on stdout.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { formatError, isPipewrightError } from '../../src/errors.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { testRegistry } from './tasks.ts';

const [cmd, arg, createdBy] = process.argv.slice(2);
const config = loadConfig();
const store = new RunStore(stateTarget(config));
// With PIPEWRIGHT_REDIS_URL, steps go to `pipewright worker` processes, as the CLI sends them.
const executor = config.redisUrl
  ? new (await import('../../src/workers/dispatcher.ts')).BullmqDispatcher({
      redisUrl: config.redisUrl,
      queue: config.queue,
    })
  : undefined;
const engine = new Engine({
  store,
  registry: testRegistry(),
  config,
  pollMs: 50,
  ...(executor ? { executor } : {}),
});
try {
  let runId = arg as string;
  if (cmd === 'run') {
    const run = engine.createRun(JSON.parse(readFileSync(arg as string, 'utf8')), {
      createdBy: createdBy ?? 'tester',
    });
    runId = run.id;
  }
  process.stderr.write(`RUN ${runId}\n`);
  const out = await engine.execute(runId);
  process.stdout.write(`${JSON.stringify({ runId: out.runId, status: out.status })}\n`);
} catch (e) {
  process.stdout.write(
    `${JSON.stringify({ error: isPipewrightError(e) ? e.code : 'INTERNAL', message: formatError(e) })}\n`,
  );
  process.exitCode = isPipewrightError(e) && e.category === 'user' ? 2 : 1;
} finally {
  await engine.close();
  store.close();
}
