/** Round 9 operations, in other words than any eval goal. */
import { describe, expect, it } from 'vitest';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { newestDataName, parseRunReference } from '../../../agents/planner/offline/run-references.ts';

describe('a run said by what someone trained and when', () => {
  it.each([
    [
      'a colleague trained the cars model roughly 3 days ago; could you redo that exact training?',
      3,
      ['cars'],
    ],
    [
      'we fitted the weather classifier about two days back, please repeat that very same run',
      2,
      ['weather'],
    ],
    ['someone trained the flights model 4 days ago. run that identical training again', 4, ['flights']],
  ])('%s', (goal, daysAgo, words) => {
    const ref = parseRunReference(goal);
    expect(ref).toMatchObject({ daysAgo, training: true });
    expect(ref?.words).toEqual(words);
  });
  it('without a day it is no such run', () => {
    expect(parseRunReference('we trained the cars model, please rerun the nightly')?.daysAgo).toBeUndefined();
  });
});

describe('"the newest <dataset> version" names the dataset', () => {
  it.each([
    ["redo yesterday's delay training, this time on the latest flights-delay version", 'flights-delay'],
    ['repeat the last trucks run but feed it the most recent trucks version please', 'trucks'],
    ['do it again with the newest penguins-clean version', 'penguins-clean'],
  ])('%s', (goal, name) => {
    expect(parseGoal(goal).refs.newestData).toBe(true);
    expect(newestDataName(goal)).toBe(name);
  });
  it('"the newest model version" is no dataset, nor a version to deploy', () => {
    expect(newestDataName('deploy the newest model version')).toBeUndefined();
    expect(parseGoal('deploy the newest penguins-species version').refs.newestData).toBe(false);
  });
});
