/** Round 6 operations, in other words than any eval goal: approvers said after "once", a path closing a sentence. */
import { describe, expect, it } from 'vitest';
import { parseNotify } from '../../../agents/planner/offline/monitoring.ts';
import { parseOutput } from '../../../agents/planner/offline/operations.ts';
import { parseGoal } from '../../../agents/planner/offline/parse.ts';
import { parseApprovers } from '../../../agents/planner/offline/resources.ts';

describe('an approver named in a clause of waiting', () => {
  it.each([
    ['ship churn-risk to prod after bob has signed off', ['bob']],
    ['register it and deploy it when carol approves', ['carol']],
    ['release the model once dave and erin have okayed it', ['dave', 'erin']],
    ['promote it, but only after frank has reviewed it', ['frank']],
  ])('%s', (text, names) => {
    expect(parseApprovers(text)).toEqual(names);
  });
  it('a pronoun or a model is no approver', () => {
    expect(parseApprovers('deploy it once I have approved')).toEqual([]);
    expect(parseApprovers('deploy it once the model has been approved')).toEqual([]);
    expect(parseApprovers('deploy it once it is approved')).toEqual([]);
  });
});

describe('a path that ends a sentence keeps no full stop', () => {
  it.each([
    ['Score q.csv with churn-risk and save the results to out/q.csv.', 'out/q.csv'],
    ['Use fraud-detector on tx.json, writing predictions into preds/tx.jsonl. Thanks', 'preds/tx.jsonl'],
    ['Put the scores in out/run1.parquet.', 'out/run1.parquet'],
  ])('%s', (text, path) => {
    expect(parseOutput(text)).toBe(path);
  });
  it('a folder and a path mid-sentence are unchanged', () => {
    expect(parseOutput('save the results to scores/ please')).toBe('scores/');
    expect(parseOutput('write the predictions to out/x.v2.csv now')).toBe('out/x.v2.csv');
  });
});

describe('a webhook said as a call to a URL', () => {
  it.each([
    ['check drift daily and post the result to https://alerts.acme.io/hook if it moved'],
    ['when the error rate is high, call https://ops.acme.io/page'],
    ['send an alert to https://hooks.acme.dev/ml when anything drifts'],
  ])('%s', (text) => {
    expect(parseNotify(text)?.channel).toBe('webhook');
  });
  it('a URL read as data is no notification', () => {
    expect(parseNotify('train a model on https://data.acme.io/rows.csv')).toBeUndefined();
    expect(parseNotify('score the file at https://x.io/a.csv with churn-risk')).toBeUndefined();
  });
});

describe('a rollback to the version an alias names', () => {
  it.each([
    ['move churn-risk back to whatever the blue-green alias points to', 'blue-green'],
    ['revert fraud-detector to the version the last-good tag is on', 'last-good'],
    ['roll churn-risk back to the stable alias', 'stable'],
  ])('%s', (text, alias) => {
    const g = parseGoal(text);
    expect(g.operation).toBe('rollback');
    expect(g.rollback?.toAlias).toBe(alias);
  });
  it('a rollback to a number or to the previous version names no alias', () => {
    expect(parseGoal('roll churn-risk back to version 2').rollback?.toAlias).toBeUndefined();
    expect(parseGoal('roll churn-risk back to the previous one').rollback?.toAlias).toBeUndefined();
    expect(parseGoal('canary churn-risk v3 at 10% for an hour').operation).toBe('canary');
  });
});
