/** `pipewright plan "<goal>"`: a goal → a validated plan (table + DAG, YAML with --out, JSON with --json). */
import type { Command } from 'commander';
import { userError } from '../../errors.ts';
import type { LlmOverrides } from '../../llm/index.ts';
import { configFrom, type GlobalOptions } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOutputFile } from '../files.ts';
import { printJson } from '../output.ts';

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('turn a goal in plain words into a validated pipeline plan')
    .argument(
      '<goal...>',
      'the goal, e.g. "predict species from data/penguins.json, deploy if accuracy >= 0.9"',
    )
    .option('-o, --out <file>', 'also write the plan as YAML to this file')
    .option(
      '-y, --yes',
      'accept the plan without review (review in the terminal comes with `pipewright chat`)',
    )
    .option(
      '--provider <provider>',
      'who drafts the plan: offline | openai | ollama | llamacpp (default: PIPEWRIGHT_LLM_PROVIDER or offline)',
    )
    .option('--model <name>', 'model name (openai, ollama) or GGUF path (llamacpp)')
    .option('--base-url <url>', 'OpenAI-compatible or Ollama server URL')
    .action(async (words: string[], opts: { out?: string; yes?: boolean } & LlmOverrides) => {
      const globals = program.opts() as GlobalOptions;
      const json = globals.json === true;
      const goal = words.join(' ');
      if (!goal.trim()) {
        throw userError(
          'GOAL_EMPTY',
          'The goal is empty',
          undefined,
          'Describe the pipeline, e.g. `pipewright plan "predict species from data/penguins.json"`.',
        );
      }
      // The planner, the catalog and the model provider load only when this command runs.
      const [
        { planGoal, plannerModelDeps, workspaceDeps },
        { builtinRegistry },
        { llmSettingsFrom },
        { planToYaml, renderPlanDag, renderPlanTable },
      ] = await Promise.all([
        import('../../../agents/planner/index.ts'),
        import('../../../tools/index.ts'),
        import('../../llm/index.ts'),
        import('../../plan/index.ts'),
      ]);
      const config = await configFrom(globals);
      const settings = llmSettingsFrom(config, opts);
      const result = await planGoal(goal, {
        registry: builtinRegistry(),
        ...workspaceDeps(config.workspace, config),
        ...(await plannerModelDeps(settings)),
      });
      if (result.kind !== 'plan') {
        const message = result.kind === 'clarify' ? result.question : result.reason;
        if (json) printJson(result.kind === 'clarify' ? { clarify: message } : { refused: message });
        else process.stderr.write(`${result.kind === 'clarify' ? '? ' : '✗ refused: '}${message}\n`);
        process.exitCode = EXIT.user;
        return;
      }
      if (opts.out) await writeOutputFile(opts.out, planToYaml(result.plan), 'the plan');
      if (json) return printJson(result.plan);
      process.stdout.write(`plan "${result.plan.name}" (${result.plan.steps.length} steps)\n\n`);
      process.stdout.write(`${renderPlanTable(result.plan)}\n\n${renderPlanDag(result.plan)}\n`);
      for (const n of result.notes) process.stdout.write(`  note: ${n}\n`);
      if (opts.out) process.stdout.write(`\nwrote ${opts.out}; run it with \`pipewright run ${opts.out}\`\n`);
    });
}
