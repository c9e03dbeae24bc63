/**
 * `npm run eval -- [--provider offline|openai|ollama|llamacpp] [--model M] [--base-url U]
 *                  [--set main|heldout|…|heldout5|grounded|…|grounded-dev|grounded-holdout|grounded-holdout2|all] [--file cases.jsonl]
 *                  [--perturb lower,polite,please,bare,british,contract,spacing]`
 *
 * Prints a table per case and a summary per set. For openai / ollama the planner talks to the server the
 * configuration names (PIPEWRIGHT_LLM_BASE_URL, PIPEWRIGHT_LLM_MODEL, PIPEWRIGHT_LLM_API_KEY), with --model and
 * --base-url on top: figures for real models need a reachable model server.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { formatError } from '../../src/errors.ts';
import { llmSettingsFrom } from '../../src/llm/index.ts';
import { EVAL_SETS, formatEval, RUN_ONCE_SETS, runPlannerEval } from './harness.ts';

const { values } = parseArgs({
  options: {
    provider: { type: 'string' },
    model: { type: 'string' },
    'base-url': { type: 'string' },
    set: { type: 'string', default: 'all' },
    file: { type: 'string' },
    perturb: { type: 'string' },
  },
});

try {
  const settings = llmSettingsFrom(loadConfig(), {
    provider: values.provider ?? 'offline',
    ...(values.model ? { model: values.model } : {}),
    ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
  });
  const names = Object.keys(EVAL_SETS);
  const sets = values.file
    ? [values.file]
    : values.set === 'all'
      ? names.filter((n) => !RUN_ONCE_SETS.has(n))
      : [values.set ?? 'main'];
  for (const set of sets) {
    if (!values.file && !names.includes(set))
      throw new Error(`unknown set "${set}"; sets: ${names.join(', ')}, all`);
    const { provider, ...llm } = settings;
    const perturb = values.perturb;
    const { rows, summary } = await runPlannerEval({
      provider,
      llm,
      file: set,
      ...(perturb ? { perturb } : {}),
    });
    const label = `${set} (${provider}${settings.model ? ` ${settings.model}` : ''}${perturb ? `, goals rewritten: ${perturb}` : ''})`;
    process.stdout.write(`${formatEval(label, rows, summary)}\n\n`);
  }
} catch (e) {
  process.stderr.write(`${formatError(e)}\n`);
  process.exitCode = 1;
}
