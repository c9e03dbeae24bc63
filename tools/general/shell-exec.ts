import { z } from 'zod';
import { defineTask, resolveInWorkspace } from '../../src/tasks/index.ts';
import { CommandOutput, commandOutput, runProcess } from '../lib/process.ts';

export const shellExec = defineTask({
  id: 'shell.exec',
  description:
    'Runs a program with arguments (an argv list, never a shell string) in the workspace. Output lines are ' +
    'logged; lines "::progress <0..1> [msg]", "::metric <name> <value>" and "::output <json>" report progress, ' +
    'metrics and outputs. Needs an approval step upstream unless the plan allows it.',
  input: z.object({
    command: z
      .array(z.string())
      .min(1)
      .describe('Program and arguments, e.g. ["python3", "prep.py", "--fast"]'),
    cwd: z.string().default('.').describe('Working directory, relative to the workspace'),
    env: z.record(z.string(), z.string()).default({}).describe('Extra environment variables for the program'),
    allowFailure: z.boolean().default(false).describe('Succeed even when the program exits non-zero'),
  }),
  output: CommandOutput,
  needsApproval: true,
  cacheable: false,
  run: async (input, ctx) => {
    const cwd = resolveInWorkspace(ctx.workspace, input.cwd, 'working directory');
    const r = await runProcess(ctx, input.command, { cwd, env: input.env, failOnExit: !input.allowFailure });
    return commandOutput(r);
  },
});
