/**
 * Round-4 operational word classes: a time of day is no model, city time zones, where scores go ("-> path",
 * "write a csv to p"), error-rate limits said with a bare verb or "below", "how many requests" as a serving
 * report, a casual champion gate ("if it's better"). Other words than any eval goal.
 */
import { describe, expect, it } from 'vitest';
import { metricMentions, parseGate } from '../../../agents/planner/offline/gate.ts';
import { maskModels } from '../../../agents/planner/offline/models.ts';
import { parseOutput, parseWatchLimits } from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseModelReferences } from '../../../agents/planner/offline/references.ts';
import { parseSchedule } from '../../../agents/planner/offline/schedule.ts';
import { parseSources } from '../../../agents/planner/offline/sources.ts';

const refWords = (text: string) => parseModelReferences(maskModels(text, 'modelfamily')).map((r) => r.words);

describe('a time of day is never a model', () => {
  it.each([
    ['every friday at 7:45 score q.csv with the staging churn model', [['churn']]],
    ['at 18:00 sharp, run batch scoring of q.csv using fraud-gbm@production', [['fraud-gbm']]],
    ['mondays 05:15 (utc) score q.csv via churn-risk', [['churn-risk']]],
  ])('%s', (text, want) => {
    expect(refWords(text)).toEqual(want);
  });
  it('still reads a version after a colon', () => {
    expect(parseModelReferences('score q.csv with churn-risk:2')[0]).toMatchObject({ version: 2 });
  });
});

describe('city time zones', () => {
  it.each([
    ['every monday at 9am London time', 'Europe/London'],
    ['daily at 8 (Paris time) retrain churn', 'Europe/Paris'],
    ['weekdays at 5pm New York time', 'America/New_York'],
    ['every night at 1am Tokyo', 'Asia/Tokyo'],
  ])('%s', (text, tz) => {
    expect(parseSchedule(text)?.timezone).toBe(tz);
  });
  it.each([
    ['weekdays at 8am Pacific time', 'America/Los_Angeles'],
    ['every day at 9:00 (US Eastern time)', 'America/New_York'],
    ['mondays 7am PST', 'America/Los_Angeles'],
    ['daily at 18:00 CET', 'Europe/Berlin'],
  ])('a region or zone abbreviation: %s', (text, tz) => {
    expect(parseSchedule(text)?.timezone).toBe(tz);
  });
  it('"on the half hour" is minute 30 of every hour', () => {
    expect(parseSchedule('every hour on the half hour score q.csv')?.cron).toBe('30 * * * *');
  });
  it('leaves a file named after a city alone', () => {
    expect(parseSchedule('every day at 6 score data/berlin.csv')?.timezone).toBeUndefined();
  });
});

describe('where scores go', () => {
  it.each([
    ['score q.csv with churn-risk -> out/q-scored.csv', 'out/q-scored.csv'],
    ['score q.csv with churn-risk → exports/', 'exports/'],
    ['run churn-risk over q.csv, save a parquet to out/s.parquet', 'out/s.parquet'],
    ['score q.csv and write out a csv file into tmp/r.csv', 'tmp/r.csv'],
    ['score q.csv with churn-risk and dump everything into tmp/all.csv', 'tmp/all.csv'],
  ])('%s', (text, out) => {
    expect(parseOutput(text)).toBe(out);
  });
  it('an arrow target is no source', () => {
    expect(
      parseSources('score data/q.csv with churn-risk -> out/q.parquet').map(
        (s) => s.kind === 'file' && s.path,
      ),
    ).toEqual(['data/q.csv']);
  });
  it('"into <path>" after scoring is the output, not a source', () => {
    const t = 'score data/q.csv with churn-risk into out/q-scored.csv';
    expect(parseOutput(t)).toBe('out/q-scored.csv');
    expect(parseSources(t).map((s) => s.kind === 'file' && s.path)).toEqual(['data/q.csv']);
    expect(parseOutput('with the fraud one, predict on data/f.json into preds/')).toBe('preds/');
  });
  it.each([
    ['run churn-risk over data/q.csv, csv out to preds/q.csv', 'preds/q.csv'],
    ['score data/q.csv with churn-risk, parquet out to preds/q.parquet', 'preds/q.parquet'],
  ])('a terse "<format> out to <path>": %s', (text, out) => {
    expect(parseOutput(text)).toBe(out);
  });
  it.each([
    'predict data/q.csv using churn-risk and put the results in out/q.parquet',
    'score data/q.csv with churn-risk and have the scores placed in out/q.parquet',
  ])('the output file is no source: %s', (text) => {
    expect(parseSources(text).map((s) => s.kind === 'file' && s.path)).toEqual(['data/q.csv']);
  });
  it('"into <path>" without scoring is no output', () => {
    expect(parseOutput('load data/q.csv into tables/q.parquet and version it')).toBeUndefined();
  });
  it('a path after "from" is not an output', () => {
    expect(parseOutput('score the rows from data/q.csv with churn-risk')).toBeUndefined();
  });
});

describe('error-rate limits', () => {
  it.each([
    ['abort if the error rate passes 3 percent', 0.03],
    ['keep it only while the failure rate stays below 0.5%', 0.005],
    ['if latency holds under 200 ms and the error rate below 2%, ship it', 0.02],
    ['pull it when the 5xx rate goes over 4%', 0.04],
    ['stop the canary if error rate tops 1.5%', 0.015],
  ])('%s', (text, rate) => {
    expect(parseWatchLimits(text).maxErrorRate).toBe(rate);
  });
  it('does not read a percent of traffic as an error limit', () => {
    expect(parseWatchLimits('canary churn-risk at 5% for an hour').maxErrorRate).toBeUndefined();
  });
});

describe('"how many requests" is a serving report', () => {
  it.each([
    'how many scoring calls did churn-risk get over the past 3 hours',
    'how many prediction requests has churn-risk answered in the last day, and how many errored',
  ])('%s', (text) => {
    expect(parseGoal(text).operation).toBe('serving-metrics');
  });
});

describe('a casual champion gate', () => {
  it.each([
    'retrain churn-risk weekly, check it against prod on recall, and if its better stage it',
    "train a new churn model on data/c.csv and register it only if it's better than what's live",
    'fit a fraud model on data/f.csv; ship it only if it beats whatever is serving now',
  ])('%s', (text) => {
    expect(parseGate(text, metricMentions(text))?.kind).toBe('improve');
  });
  it.each([
    'retrain churn and ship it if the new one wins against production',
    'fit a fraud model on data/f.csv and promote it only if it wins',
  ])('a win is a champion gate: %s', (text) => {
    expect(parseGate(text, metricMentions(text))?.kind).toBe('improve');
  });
  it('a plain threshold stays a threshold', () => {
    const t = 'train on data/c.csv and deploy if recall is better than 0.8';
    expect(parseGate(t, metricMentions(t))).toMatchObject({ kind: 'threshold', value: 0.8 });
  });
});

describe('a number beside a casual champion gate', () => {
  it('keeps the threshold when both are said', () => {
    const t = "refit churn-risk on data/c.csv and ship it if MAE is under 3 and it's better than what's live";
    expect(parseGate(t, metricMentions(t))).toMatchObject({ kind: 'threshold', metric: 'mae', value: 3 });
  });
});
