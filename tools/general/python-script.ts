import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { defineTask, resolveInWorkspace } from '../../src/tasks/index.ts';
import { CommandOutput, commandOutput, runProcess } from '../lib/process.ts';

export const pythonScript = defineTask({
  id: 'python.script',
  description:
    'Runs a Python script from the workspace with the configured interpreter (PIPEWRIGHT_PYTHON). Same line ' +
    'protocol as shell.exec for progress, metrics and outputs. Needs an approval step upstream unless allowed.',
  input: z.object({
    script: z.string().describe('Path of the .py file, relative to the workspace'),
    args: z.array(z.string()).default([]).describe('Arguments passed to the script'),
    env: z.record(z.string(), z.string()).default({}).describe('Extra environment variables'),
    cwd: z.string().default('.').describe('Working directory, relative to the workspace'),
  }),
  output: CommandOutput,
  needsApproval: true,
  cacheable: false,
  run: async (input, ctx) => {
    const script = resolveInWorkspace(ctx.workspace, input.script, 'script');
    if (!existsSync(script)) {
      throw userError(
        'SCRIPT_NOT_FOUND',
        `Python script ${input.script} does not exist`,
        `looked at ${script}`,
        'Check the path; it is relative to the workspace.',
      );
    }
    const cwd = resolveInWorkspace(ctx.workspace, input.cwd, 'working directory');
    const r = await runProcess(ctx, [ctx.config.python, '-u', script, ...input.args], {
      cwd,
      env: { ...input.env, PYTHONDONTWRITEBYTECODE: '1' },
      what: `python ${path.basename(script)}`,
    });
    return commandOutput(r);
  },
});
