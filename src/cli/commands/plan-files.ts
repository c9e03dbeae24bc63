/** `validate` and `tasks`: plan files and the catalog, nothing executed. */
import type { Command } from 'commander';
import { userError } from '../../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { printJson, table } from '../output.ts';

export async function readPlanArg(arg: string): Promise<unknown> {
  const { parsePlanText, readPlanFile } = await import('../../plan/index.ts');
  if (arg !== '-') return readPlanFile(arg);
  if (process.stdin.isTTY) {
    throw userError(
      'PLAN_STDIN_EMPTY',
      'No plan on standard input',
      '"-" reads the plan from stdin, but stdin is a terminal',
      'Pipe a plan in: `cat plan.yaml | pipewright run -`.',
    );
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return parsePlanText(Buffer.concat(chunks).toString('utf8'), 'standard input');
}

export function registerPlanFileCommands(program: Command): void {
  program
    .command('validate')
    .description('check a plan file and print every problem with its path')
    .argument('<plan>', 'plan file (YAML or JSON), or - for stdin')
    .action(async (file: string) => {
      const json = program.opts().json === true;
      const [{ builtinRegistry }, { renderPlanDag, renderPlanTable, validatePlan }] = await Promise.all([
        import('../../../tools/index.ts'),
        import('../../plan/index.ts'),
      ]);
      const raw = await readPlanArg(file);
      const result = validatePlan(raw, builtinRegistry());
      if (json)
        printJson(result.ok ? { ok: true, plan: result.plan } : { ok: false, problems: result.problems });
      if (!result.ok) {
        if (!json) {
          process.stderr.write(
            `✗ ${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n`,
          );
          for (const p of result.problems)
            process.stderr.write(`  - ${p.path ? `${p.path}: ` : ''}${p.message}\n`);
        }
        process.exitCode = EXIT.user;
        return;
      }
      if (!json) {
        process.stdout.write(
          `✓ ${file}: plan "${result.plan.name}" is valid (${result.plan.steps.length} steps)\n\n`,
        );
        process.stdout.write(`${renderPlanTable(result.plan)}\n\n${renderPlanDag(result.plan)}\n`);
      }
    });

  program
    .command('tasks')
    .description('list the task catalog (with --json: JSON Schema of every input and output)')
    .action(async () => {
      const { builtinRegistry } = await import('../../../tools/index.ts');
      const registry = builtinRegistry();
      if (program.opts().json) return printJson(registry.catalog());
      const rows = registry
        .all()
        .map((t) => [t.id, t.needsApproval ? 'yes' : '', (t.description.split('. ')[0] ?? '').slice(0, 90)]);
      process.stdout.write(`${table(['task', 'approval', 'description'], rows)}\n`);
    });
}
