/** Round 6 references, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';

const refs = (text: string) => parseModelReferences(maskModels(text, 'modelfamily'));

describe('a possessive starts a model phrase: the words before it are something else', () => {
  it.each([
    ['compare the inputs of churn-risk with the rows its staging version learned from', 'staging'],
    ['check drift of fraud-detector traffic versus the rows their production model was fit on', 'production'],
    ['measure churn-risk requests against the set its production version was trained with', 'production'],
  ])('%s', (text, alias) => {
    const r = refs(text).find((x) => x.alias === alias);
    expect(r).toBeDefined();
    expect(r?.words).toEqual([]);
  });
  it('a model phrase without a possessive keeps its words', () => {
    expect(
      refs('compare with the data the staging churn model was trained on').find((x) => x.alias),
    ).toMatchObject({
      alias: 'staging',
      words: ['churn'],
    });
  });
});

describe('a model named bare, then the alias it sits at', () => {
  it.each([
    ['score q.csv with whatever churn-risk is on staging at the moment', 'staging'],
    ['batch-predict tx.json using whichever fraud-detector is currently in prod', 'production'],
    ["use the churn-risk that's in staging to score q.csv", 'staging'],
  ])('%s', (text, alias) => {
    const r = refs(text).find((x) => x.alias === alias);
    expect(r?.words).toEqual([text.includes('churn') ? 'churn-risk' : 'fraud-detector']);
  });
  it('putting a model somewhere is no reference to what is there', () => {
    expect(refs('deploy churn-risk to staging').some((x) => x.alias === 'staging')).toBe(false);
  });
});
