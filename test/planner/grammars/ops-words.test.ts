/**
 * Words that never name a model (function words, numbers, durations), role words joined to the model named
 * beside them, windows without "the", limits with the model between measure and comparison. Other words than
 * any eval goal.
 */
import { describe, expect, it } from 'vitest';
import {
  detectOperation,
  parseOutput,
  parseWatchLimits,
  parseWindow,
} from '../../../agents/planner/offline/operations.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';

describe('words that are no model', () => {
  it('drops function words, numbers and durations', () => {
    const a = parseModelReferences(
      'write up something around served numbers of churn-scorer since yesterday',
    );
    expect(a.map((r) => r.words)).toEqual([['churn-scorer']]);
    const b = parseModelReferences('shift 15% of calls for 45 minutes to trip-eta v4');
    expect(b.some((r) => r.words.includes('45'))).toBe(false);
  });
});

describe('role words beside a named model', () => {
  it('joins "the staging build of <name>" and "the staging <name>"', () => {
    const a = parseModelReferences('ship the staging version of fraud-gbm once checked');
    expect(a[0]).toMatchObject({ words: ['fraud-gbm'], alias: 'staging' });
    const b = parseModelReferences('send a slice of calls to the staging fraud-gbm');
    expect(b[0]).toMatchObject({ words: ['fraud-gbm'], alias: 'staging' });
  });
});

describe('windows and limits', () => {
  it('reads a window without "the"', () => {
    expect(parseWindow('summarise requests over past 6 hours')).toBe('6h');
  });
  it('reads an error limit with the model named between', () => {
    expect(parseWatchLimits('undo it when the error rate for fraud-gbm climbs above 4%').maxErrorRate).toBe(
      0.04,
    );
  });
  it('reads "twice" as a latency factor', () => {
    expect(parseWatchLimits('back out if p95 latency becomes twice the baseline').maxP95Factor).toBe(2);
  });
});

describe('a model by the alias it sits at', () => {
  it('reads "the model that is in staging" and "whichever regressor is now in production"', () => {
    expect(parseModelReferences('ramp up the model which is in staging slowly')[0]).toMatchObject({
      words: [],
      alias: 'staging',
    });
    expect(parseModelReferences('score q.csv via whichever regressor is now in production')[0]).toMatchObject(
      { alias: 'production', role: 'scorer' },
    );
  });
});

describe('score outputs and scoring verbs', () => {
  it('reads participle wordings of where scores go', () => {
    expect(parseOutput('score q.csv and have the results saved under exports/')).toBe('exports/');
    expect(parseOutput('keep the predictions in tmp/preds.csv')).toBe('tmp/preds.csv');
  });
  it('reads "compute price estimates" as scoring when a model and a file are named', () => {
    const cues = {
      hasSource: true,
      hasNamedRef: false,
      hasScorerRef: false,
      trafficShare: false,
      trains: true,
      retrains: false,
      hasModelRef: true,
      hasRunRef: false,
      hasScript: false,
      monitor: false,
      rollback: false,
      limits: {},
    };
    expect(
      detectOperation('compute price estimates for rows of q.csv from the model run-x built', cues),
    ).toBe('score');
  });
});
