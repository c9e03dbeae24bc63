/** Fixtures shared by the scripted-model planner tests. */
import type { FakeListChatModel } from '@langchain/core/utils/testing';
import { loadDraftPrompt } from '../../agents/planner/index.ts';

/** load → version of data/penguins.json: the plan most scripted models answer with. */
export const PENGUINS_VERSION_PLAN = {
  name: 'penguins-data',
  steps: [
    { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' } },
    {
      id: 'version',
      task: 'dataset.version',
      dependsOn: ['load'],
      with: { dataset: '${{ steps.load.outputs.dataset }}', name: 'penguins' },
    },
  ],
};

/** The same with a stratified split by species. */
export const PENGUINS_SPLIT_PLAN = {
  ...PENGUINS_VERSION_PLAN,
  steps: [
    ...PENGUINS_VERSION_PLAN.steps,
    {
      id: 'split',
      task: 'dataset.split',
      dependsOn: ['version'],
      with: {
        dataset: '${{ steps.version.outputs.dataset }}',
        by: { method: 'stratified', column: 'Species' },
      },
    },
  ],
};

/** A scripted chat model as the planner's LLM, recorded on plans as openai/scripted. */
export const scriptedLlm = (model: FakeListChatModel) => ({
  model,
  prompt: loadDraftPrompt(),
  modelInfo: { provider: 'openai', model: 'scripted' },
});
