/** `tsx evals/planner/run.ts [--provider offline|openai|ollama|llamacpp] [--model M] [--base-url U] [--set goals|heldout|all]` */
import { parseArgs } from 'node:util';
import { LlmProvider } from '../../src/llm/index.ts';
import { formatEval, runPlannerEval } from './harness.ts';

const { values } = parseArgs({
  options: {
    provider: { type: 'string', default: 'offline' },
    model: { type: 'string' },
    'base-url': { type: 'string' },
    set: { type: 'string', default: 'all' },
  },
});
const provider = LlmProvider.parse(values.provider);
const sets = values.set === 'all' ? ['goals', 'heldout'] : [values.set ?? 'goals'];
for (const set of sets) {
  const { rows, summary } = await runPlannerEval({
    provider,
    file: set,
    llm: {
      ...(values.model ? { model: values.model } : {}),
      ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
    },
  });
  process.stdout.write(`${formatEval(`${set} (${provider})`, rows, summary)}\n\n`);
}
