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

describe('a version named by how many days ago it was registered', () => {
  it.each([
    ['score q.csv with the churn-risk model registered 4 days ago', 4],
    ['use the fraud-detector version which was registered two days ago on tx.json', 2],
    ['promote the churn-risk version that got registered ten days ago', 10],
  ])('%s', (text, days) => {
    expect(refs(text)[0]?.registeredDaysAgo).toBe(days);
  });
  it('a day count about something else names no version', () => {
    expect(refs('score the file from 3 days ago with churn-risk')[0]?.registeredDaysAgo).toBeUndefined();
    expect(refs('score q.csv with churn-risk v2, registered 3 days ago')[0]?.version).toBe(2);
  });
});
