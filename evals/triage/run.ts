/**
 * `npm run eval -- --suite triage [--set main|unseen|heldout2|all] [--provider offline|openai|ollama] [--model M]
 * [--base-url U]` (or `tsx evals/triage/run.ts …`)
 *
 * Builds every scenario from real data, runs monitor.drift and the triage agent, and prints a table and the
 * accuracy. Offline (the default) the rules classify and propose; with a provider the model writes the
 * explanation and may refine the action (validated).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.ts';
import { formatError, userError } from '../../src/errors.ts';
import { createChatModel, llmSettingsFrom } from '../../src/llm/index.ts';
import { formatTriageEval, runTriageEval } from './harness.ts';
import { HELDOUT2 } from './heldout2.ts';
import { SCENARIOS, UNSEEN } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    provider: { type: 'string' },
    model: { type: 'string' },
    'base-url': { type: 'string' },
    set: { type: 'string', default: 'main' },
  },
});

try {
  const settings = llmSettingsFrom(loadConfig(), {
    provider: values.provider ?? 'offline',
    ...(values.model ? { model: values.model } : {}),
    ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}),
  });
  const model = await createChatModel(settings);
  const who = `${settings.provider}${settings.model ? ` ${settings.model}` : ''}`;
  const sets = (
    [
      ['main', SCENARIOS],
      ['unseen', UNSEEN],
      ['heldout2', HELDOUT2],
    ] as const
  ).filter(([name]) => values.set === 'all' || values.set === name);
  if (sets.length === 0)
    throw userError(
      'USAGE',
      `Unknown triage eval set "${values.set}"`,
      undefined,
      'Use --set main, unseen, heldout2 or all.',
    );
  for (const [set, scenarios] of sets) {
    const { rows, summary } = await runTriageEval({ scenarios, ...(model ? { model } : {}) });
    process.stdout.write(`${formatTriageEval(`triage ${set} (${who})`, rows, summary)}\n\n`);
  }
} catch (e) {
  process.stderr.write(`${formatError(e)}\n`);
  process.exitCode = 1;
}
