/**
 * Grounded operations by word class: synonyms of production (incumbent, champion), versions by number, word or
 * ordinal, models named by the run that made them, reruns by model, trigger or "whatever ran last", score
 * outputs, conditional rollbacks, serving reports and opt-outs of champion/challenger. Written in other words
 * than any eval goal.
 */
import { describe, expect, it } from 'vitest';
import { CHAMPION_OPT_OUT } from '../../../agents/planner/offline/gate.ts';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseDrift, parseNotify } from '../../../agents/planner/offline/monitoring.ts';
import {
  parseCanaryShare,
  parseOutput,
  parseRollback,
  parseWatchLimits,
  parseWindow,
} from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';
import {
  NEWEST_DATA,
  newestDataName,
  parseRerunReference,
} from '../../../agents/planner/offline/run-references.ts';

const refs = (text: string) =>
  parseModelReferences(maskModels(text, 'modelfamily')).map(({ words, alias, version, run, role }) => ({
    words,
    ...(alias ? { alias } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(run ? { run } : {}),
    role,
  }));

describe('model phrases by word class', () => {
  it.each([
    ['score x.csv with the incumbent fraud model', { words: ['fraud'], alias: 'production', role: 'scorer' }],
    [
      'use the champion churn-risk model on x.csv',
      { words: ['churn-risk'], alias: 'production', role: 'scorer' },
    ],
    [
      'with the churn-risk staging candidate, score x.csv',
      { words: ['churn-risk'], alias: 'staging', role: 'scorer' },
    ],
    [
      'score x.csv using version 2 of the fraud detector model',
      { words: ['fraud', 'detector'], version: 2, role: 'scorer' },
    ],
    ['roll out v4 of churn-risk', { words: ['churn-risk'], version: 4, role: 'subject' }],
    [
      'score x.csv with the third version of churn-risk',
      { words: ['churn-risk'], version: 3, role: 'scorer' },
    ],
    ['score x.csv with version two of the fraud model', { words: ['fraud'], version: 2, role: 'scorer' }],
    ['label x.csv using churn-risk version four', { words: ['churn-risk'], version: 4, role: 'scorer' }],
  ])('%s', (text, want) => {
    expect(refs(text)[0]).toEqual(want);
  });

  it('a model named by the run that made it, in several wordings', () => {
    const id = 'run-20261010-080000-abcdef';
    for (const text of [
      `label x.csv with whatever model ${id} produced`,
      `label x.csv with the model built in ${id}`,
      `revert to the fraud model that ${id} trained`,
      `label x.csv with the model that came out of ${id}`,
      `roll churn-risk back to the version ${id} registered`,
    ])
      expect(refs(text).find((r) => r.run)).toMatchObject({ words: [], run: id });
    // The id names the model, not a run to redo.
    expect(parseGoal(`label data/x.csv with whatever model ${id} produced`).refs.run).toBeUndefined();
  });

  it('a version right after "<name>:" belongs to that name', () => {
    expect(refs('churn-risk: take prod back to version 9')[0]).toMatchObject({
      words: ['churn-risk'],
      version: 9,
    });
  });

  it('serving words name the model beside them', () => {
    expect(refs('fraud serving health over the past 15 minutes')[0]).toMatchObject({ words: ['fraud'] });
    expect(refs('look at the served churn requests of this week')[0]).toMatchObject({ words: ['churn'] });
  });
});

describe('reruns', () => {
  const run = (text: string) =>
    parseRerunReference(text, parseModelReferences(maskModels(text, 'modelfamily')));
  it.each([
    ['do whatever ran last once more, please', { latest: true, words: [] }],
    ["last Friday's failed job: have it another try", { day: 'friday', status: 'failed' }],
    ['take churn-risk v4 and fit it again', { ofModel: true }],
    ['launch the pipeline that trained the staging fraud model once more', { ofModel: true }],
    [
      "Wednesday's demand forecaster: build it again with the same settings",
      { day: 'wednesday', training: true },
    ],
    ['please fire the fraud-weekly trigger straight away', { trigger: 'fraud-weekly' }],
  ])('%s', (text, want) => {
    expect(run(text)).toMatchObject(want);
  });

  it('retraining a named model on the newest data reruns its training; the dataset named is kept', () => {
    expect(run('retrain churn-risk on the latest version of the invoices dataset')).toMatchObject({
      ofModel: true,
      dataset: 'invoices',
    });
    expect(newestDataName('on the freshest orders data')).toBe('orders');
    expect(NEWEST_DATA.test('on the newest invoices-2026 data')).toBe(true);
    // A file to train on makes it a pipeline, not a rerun.
    expect(parseGoal('retrain churn-risk on data/new.csv, the newest data').operation).toBe('pipeline');
  });
});

describe('operations by word class', () => {
  it('score outputs: verb + object + preposition + path', () => {
    expect(parseOutput('store them in exports/scored.parquet')).toBe('exports/scored.parquet');
    expect(parseOutput('dump the output into results/')).toBe('results/');
    expect(parseOutput('predictions should go to out/today/')).toBe('out/today/');
    expect(parseOutput('save it somewhere safe')).toBeUndefined();
  });

  it('conditional rollbacks: restore / go back, error shares are limits not canary shares', () => {
    const text = 'should more than 3% of the churn-risk calls fail, put it back to v2';
    expect(parseWatchLimits(text).maxErrorRate).toBe(0.03);
    expect(parseCanaryShare(text)).toBeUndefined();
    const limits = parseWatchLimits('restore the prior fraud version if p95 latency triples');
    expect(limits.maxP95Factor).toBe(3);
    expect(parseRollback('restore the prior fraud version if p95 latency triples', limits)).toEqual({
      onBreach: true,
    });
    expect(parseRollback('go back to version 4 of churn-risk', {})).toEqual({
      toVersion: 4,
      onBreach: false,
    });
    expect(parseGoal('should more than 3% of churn-risk calls fail, put it back to v2').operation).toBe(
      'rollback',
    );
  });

  it('more verbs of the same classes: downgrade, graduate, gradual rollout, output, data hitting a model', () => {
    expect(parseGoal('downgrade churn-risk to version 2').operation).toBe('rollback');
    expect(parseGoal('graduate the staging fraud model to production').operation).toBe('promote');
    expect(parseGoal('gradual rollout of the new fraud model to 5% of users').operation).toBe('canary');
    expect(parseOutput('score it and output to exports/today.csv')).toBe('exports/today.csv');
    expect(parseGoal('is the data hitting churn-risk still like its training data?').operation).toBe(
      'monitor-traffic',
    );
    expect(CHAMPION_OPT_OUT.test('ship it, a comparison is not needed')).toBe(true);
    expect(refs('score x.csv with the 2nd version of churn-risk')[0]).toMatchObject({ version: 2 });
  });

  it('a canary share after a colon', () => {
    expect(parseCanaryShare('canary churn-risk v5: 15% for 40 minutes')).toBe(0.15);
  });

  it('serving reports, windows and drift checks without the word drift', () => {
    expect(parseGoal('endpoint health of churn-risk across the past 6 hours').operation).toBe(
      'serving-metrics',
    );
    expect(parseWindow('a report covering the past 3 days')).toBe('3d');
    expect(parseGoal('compare the logged requests of churn-risk against its training data').operation).toBe(
      'monitor-traffic',
    );
    expect(parseDrift('jensen-shannon limit 0.3').jensenShannon).toBe(0.3);
    expect(parseDrift('ring the bell when a third or more of the columns shift').datasetShare).toBeCloseTo(
      1 / 3,
    );
    expect(parseNotify('warn when it happens')?.channel).toBe('console');
  });

  it('promotion verbs and the opt-outs of champion/challenger', () => {
    expect(parseGoal('move the fraud staging version to prod').operation).toBe('promote');
    expect(parseGoal('make the staging version the live one').operation).toBe('promote');
    for (const t of [
      'ship it, skip the bake-off',
      'release churn-risk v5 without benchmarking it',
      "don't run a head-to-head against the live model",
      'no need for a side-by-side with production',
    ])
      expect(CHAMPION_OPT_OUT.test(t)).toBe(true);
    expect(CHAMPION_OPT_OUT.test('benchmark it against production before shipping')).toBe(false);
    expect(
      parseGoal('fit a new fraud candidate on data/f.csv; unseat the champion only if recall improves').wants
        .deploy,
    ).toBe(true);
  });
});
