/** Round 5 references, in other words than any eval goal: an unknown word before a bare model name. */
import { describe, expect, it } from 'vitest';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';

const refs = (text: string) => parseModelReferences(maskModels(text, 'modelfamily'));

describe('an unknown word before a bare model name says which version', () => {
  it.each([
    ['promote the shiny churn-risk', 'shiny'],
    ['ship our tuned fraud-detector to prod', 'tuned'],
    ['roll out the beta churn-risk', 'beta'],
  ])('%s', (text, alias) => {
    expect(refs(text)[0]).toMatchObject({ alias, exactOnly: true });
  });
  it('a word that is no version word changes nothing', () => {
    expect(refs('promote the churn-risk')[0]?.alias).toBeUndefined();
    expect(refs('deploy the staging churn-risk')[0]?.alias).toBe('staging');
    expect(refs('score q.csv with the registered churn-risk')[0]?.alias).toBeUndefined();
    expect(refs('retrain and deploy the new churn-risk')[0]?.alias).toBeUndefined();
  });
});
