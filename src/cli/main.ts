/** The `pipewright` command. User mistakes print what/why/fix and exit 2; never a stack trace. */
import { Command, CommanderError } from 'commander';
import { formatError, isPipewrightError, serializeError } from '../errors.ts';
import { registerChatCommand } from './commands/chat-command.ts';
import { registerDriftCommand } from './commands/drift.ts';
import { registerExecuteCommands } from './commands/execute.ts';
import { registerInspectCommands } from './commands/inspect.ts';
import { registerLineageCommands } from './commands/lineage.ts';
import { registerMcpCommand } from './commands/mcp.ts';
import { registerModelCommands } from './commands/models.ts';
import { registerPlanCommand } from './commands/plan.ts';
import { registerPlanFileCommands } from './commands/plan-files.ts';
import { registerPolicyCommand } from './commands/policy.ts';
import { registerSchedulerCommand } from './commands/scheduler.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerTokenCommands } from './commands/tokens.ts';
import { registerTriageCommands } from './commands/triage.ts';
import { registerWorkerCommands } from './commands/worker.ts';
import { EXIT } from './exit-codes.ts';
import { stopQuietlyOnClosedPipe } from './pipes.ts';

export function buildProgram(): Command {
  const program = new Command('pipewright')
    .description('Typed ML pipelines from goals and plans, run durably with human approvals.')
    .version('0.1.0')
    .option('--json', 'machine-readable output on stdout')
    .option('-w, --workspace <dir>', 'workspace folder (default: current directory, or PIPEWRIGHT_WORKSPACE)')
    .option('--state-dir <dir>', 'state folder (default: <workspace>/.pipewright, or PIPEWRIGHT_HOME)')
    .option('--as <user>', 'identity recorded on runs and decisions (default: PIPEWRIGHT_USER or $USER)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerPlanCommand(program);
  registerChatCommand(program);
  registerPlanFileCommands(program);
  registerExecuteCommands(program);
  registerInspectCommands(program);
  registerLineageCommands(program);
  registerModelCommands(program);
  registerServeCommand(program);
  registerSchedulerCommand(program);
  registerTriageCommands(program);
  registerDriftCommand(program);
  registerTokenCommands(program);
  registerWorkerCommands(program);
  registerMcpCommand(program);
  registerPolicyCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  stopQuietlyOnClosedPipe(process.stdout);
  stopQuietlyOnClosedPipe(process.stderr);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version requests end here too, with code 0.
      return e.exitCode === 0 ? EXIT.ok : EXIT.user;
    }
    const json = argv.includes('--json');
    if (json) process.stdout.write(`${JSON.stringify({ error: serializeError(e) }, null, 2)}\n`);
    else process.stderr.write(`${formatError(e, { stack: !isPipewrightError(e) })}\n`);
    return isPipewrightError(e) && e.category === 'user' ? EXIT.user : EXIT.internal;
  }
}

const code = await main(process.argv);
process.exitCode = code;
