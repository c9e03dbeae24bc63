/** typos.ts, models.ts, params.ts (names, aliases, hyperparameters), target.ts, features.ts, schedule.ts, resources.ts. */
import { describe, expect, it } from 'vitest';
import { parseTextFeatures } from '../../../agents/planner/offline/features.ts';
import { parseModels } from '../../../agents/planner/offline/models.ts';
import { parseModelName, parseParams, parseRegisterAlias } from '../../../agents/planner/offline/params.ts';
import { parseApprovers } from '../../../agents/planner/offline/resources.ts';
import { parseSchedule, retime } from '../../../agents/planner/offline/schedule.ts';
import { parseScript } from '../../../agents/planner/offline/script.ts';
import { targetPhrases } from '../../../agents/planner/offline/target.ts';
import { mendTypos, mendWord } from '../../../agents/planner/offline/typos.ts';
import { countOf, sameWord, toNumber } from '../../../agents/planner/offline/words.ts';

describe('typos in keywords', () => {
  it.each([
    ['clasify', 'classify'],
    ['forcast', 'forecast'],
    ['regresion', 'regression'],
    ['deplyo', 'deploy'],
    ['trian', 'train'],
    ['stagging', 'staging'],
    // One letter wrong in a six- or seven-letter keyword.
    ['canery', 'canary'],
    ['depkoy', 'deploy'],
    ['monitir', 'monitor'],
    ['predixt', 'predict'],
    ['retrsin', 'retrain'],
  ])('%s → %s', (typo, word) => {
    expect(mendWord(typo)).toBe(word);
  });

  it('leaves real words, other forms, names and paths alone', () => {
    for (const w of [
      'trail',
      'grain',
      'approved',
      'registers',
      'forests',
      'model',
      'modal',
      'motel',
      'staying',
      'ransom',
      'kissing',
      'approver',
    ])
      expect(mendWord(w)).toBeUndefined();
    expect(mendTypos('forcast Sales in data/forcast.csv with the-forcast model')).toBe(
      'forecast Sales in data/forcast.csv with the-forcast model',
    );
  });
});

describe('model families', () => {
  it('plain gradient boosting runs builtin; LightGBM and XGBoost keep their libraries', () => {
    expect(parseModels('boosted regression trees')).toEqual([
      { framework: 'builtin', algorithm: 'gradient_boosting' },
    ]);
    expect(parseModels('lightgbm')[0]?.framework).toBe('sklearn');
    // One family per name: "extreme gradient boosting" is XGBoost, not XGBoost and gradient boosting.
    expect(parseModels('an extreme gradient boosting classifier')).toEqual([
      { framework: 'xgboost', algorithm: 'gradient_boosting' },
    ]);
  });
});

describe('names, aliases and hyperparameters', () => {
  it('the name a model is served under is its registered name; an alias is no name', () => {
    expect(parseModelName('serve it as churn-scorer')).toBe('churn-scorer');
    expect(parseModelName('ship the model as fraud-v2')).toBe('fraud-v2');
    expect(parseModelName('deploy it as a canary')).toBeUndefined();
    expect(parseModelName('register it as staging')).toBeUndefined();
    expect(parseModelName('save it as dataset loans-2')).toBeUndefined();
    expect(parseModelName('and call the model fraud-lite')).toBe('fraud-lite');
  });

  it('reads the alias a new version gets', () => {
    expect(parseRegisterAlias('register it as staging if f1 > 0.7')).toBe('staging');
    expect(parseRegisterAlias('tag the new version as candidate')).toBe('candidate');
    expect(parseRegisterAlias('register the winner under the challenger alias')).toBe('challenger');
    expect(parseRegisterAlias('register it as loans-model')).toBeUndefined();
  });

  it('learning rate and estimator counts; a script flag is not a learning rate', () => {
    expect(parseParams('boosting with shrinkage 0.1 over 500 boosting rounds', [])).toEqual({
      nEstimators: 500,
      learningRate: 0.1,
    });
    expect(parseParams('eta=0.3, 80 estimators', [])).toEqual({ nEstimators: 80, learningRate: 0.3 });
    expect(parseParams('run it with --lr 3e-4', [])).toEqual({});
  });
});

describe('targets', () => {
  it('routing to a column, and a change of target', () => {
    expect(targetPhrases('triage incoming emails to the right department by subject')).toContain(
      'department',
    );
    expect(targetPhrases('dispatch each order to a warehouse')).toContain('warehouse');
    expect(targetPhrases('switch the label over to churned please')).toEqual(['churned']);
    expect(targetPhrases('set the target column to Price')).toContain('Price');
    expect(targetPhrases('retrain weekly for churn, then email me')).toContain('churn');
    expect(targetPhrases('the field to estimate is Rent.')).toContain('Rent');
    expect(targetPhrases('tenure is what we want to predict')).toContain('tenure');
    expect(targetPhrases('what determines rent? fit a regressor for it')).toContain('rent');
    expect(targetPhrases('data/x.csv, y = churned, a forest')).toContain('churned');
  });
});

describe('free-text columns', () => {
  it.each([
    ['classify reviews using the Summary as a text feature', ['Summary']],
    ['predict severity from the free-text notes plus the site', ['notes']],
    ['predict urgency from its unstructured description', ['description']],
    ['guess the topic from what the agent typed into comments', ['comments']],
    ['bag of words over the complaint, then a linear model', ['complaint']],
    ['tf-idf on email subjects', ['email subjects']],
    ['treat headline and lede as free text', ['headline', 'lede']],
    ['predict votes; summary, pros and cons are text', ['summary', 'pros', 'cons']],
    ['predict the team from notes (free text) and region', ['notes']],
  ])('%s → %j', (text, want) => {
    expect(parseTextFeatures(text).explicit.sort()).toEqual(want.sort());
  });

  it('a plural names the singular column', () => {
    expect(sameWord('bodies', 'body')).toBe(true);
    expect(sameWord('categories', 'category')).toBe(true);
  });
});

describe('schedules, approvers and script artifacts', () => {
  it('a plural day name recurs; a new time of day retimes a schedule there is', () => {
    expect(parseSchedule('Thursdays at 7pm')?.cron).toBe('0 19 * * 4');
    expect(retime('0 2 * * *', 'move it to 4:45')).toBe('45 4 * * *');
    expect(retime('30 1 * * 1-5', 'make it 9am instead')).toBe('0 9 * * 1-5');
    expect(retime('*/10 * * * *', 'make it 9am')).toBeUndefined();
    expect(retime('0 2 * * *', 'use 10 folds')).toBeUndefined();
  });

  it('approvers said as the subject of approving', () => {
    expect(parseApprovers('and priya needs to sign off on it')).toEqual(['priya']);
    expect(parseApprovers('only once omar approves')).toEqual(['omar']);
    expect(parseApprovers('with a go-ahead from lena or max')).toEqual(['lena', 'max']);
    expect(parseApprovers("pending kim's sign-off")).toEqual(['kim']);
    expect(parseApprovers('the reviewer should review it')).toEqual([]);
    expect(parseApprovers('i have to approve it')).toEqual([]);
  });

  it('the artifact a script writes, however it is said', () => {
    expect(parseScript('run jobs/pretrain.py; weights land in out/w.safetensors')?.artifact).toBe(
      'out/w.safetensors',
    );
    expect(parseScript('launch jobs/train.sh and add runs/best.onnx to the registry')?.artifact).toBe(
      'runs/best.onnx',
    );
    expect(parseScript('python jobs/fit.py, it dumps its model to out/m.pkl')?.artifact).toBe('out/m.pkl');
  });
});

describe('counts and ordinals (one table for versions and day counts)', () => {
  it.each([
    ['3', 3],
    ['3rd', 3],
    ['three', 3],
    ['Third', 3],
    ['twelfth', 12],
    ['eleven', 11],
  ])('%s → %d', (word, n) => {
    expect(countOf(word)).toBe(n);
  });

  it('is no count for other words, and agrees with toNumber on cardinals', () => {
    expect(countOf('several')).toBeUndefined();
    expect(countOf('dozen')).toBeUndefined();
    for (const w of ['one', 'five', 'nine', 'ten', 'twelve']) expect(countOf(w)).toBe(toNumber(w));
  });
});
