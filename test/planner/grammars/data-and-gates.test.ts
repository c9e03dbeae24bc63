/** The grammars split out of parse.ts, each called directly: sources, models, gate, prep, monitoring. */
import { describe, expect, it } from 'vitest';
import { metricMentions, parseGate } from '../../../agents/planner/offline/gate.ts';
import { maskModels, parseModels } from '../../../agents/planner/offline/models.ts';
import { parseDrift, parseNotify } from '../../../agents/planner/offline/monitoring.ts';
import { parsePrep } from '../../../agents/planner/offline/prep.ts';
import { parseSources, sqlQuery, withoutSources } from '../../../agents/planner/offline/sources.ts';

describe('sources.ts', () => {
  it('finds files, URLs and postgres tables, training data first', () => {
    expect(parseSources('score data/new.csv with a model trained on data/old.parquet')).toEqual([
      { kind: 'file', path: 'data/old.parquet' },
      { kind: 'file', path: 'data/new.csv' },
    ]);
    expect(parseSources('read s3://bucket/x.csv')[0]).toMatchObject({ kind: 's3', url: 's3://bucket/x.csv' });
    expect(parseSources('read gs://bucket/x.csv')[0]).toMatchObject({ kind: 'unsupported' });
    expect(parseSources('postgres://db/shop table orders')).toEqual([
      { kind: 'postgres', connection: 'postgres://db/shop', table: 'orders' },
    ]);
    expect(sqlQuery('run "select * from loans where x > 1" against postgres://db')).toBe(
      'select * from loans where x > 1',
    );
    expect(withoutSources('a regressor on data/x.json for fertility')).toBe('a regressor for fertility');
    // Where results go is not a source.
    expect(parseSources('score data/new.csv and save the scores as out/scored.csv')).toEqual([
      { kind: 'file', path: 'data/new.csv' },
    ]);
  });
});

describe('models.ts', () => {
  it('reads families and masks them', () => {
    expect(parseModels('compare a random forest and xgboost').map((m) => m.algorithm)).toEqual([
      'random_forest',
      'gradient_boosting',
    ]);
    expect(maskModels('a lasso for net generation')).toBe('a  model  for net generation');
    expect(maskModels('register it as penguins-rf')).toBe('register it as penguins-rf');
  });
});

describe('gate.ts', () => {
  it('thresholds and improvements', () => {
    const g = (t: string) => parseGate(t, metricMentions(t));
    expect(g('deploy unless RMSE exceeds 9')).toEqual({
      kind: 'threshold',
      metric: 'rmse',
      op: '<=',
      value: 9,
    });
    expect(g('promote it if it beats production')).toEqual({ kind: 'improve' });
  });
});

describe('prep.ts and monitoring.ts', () => {
  it('prep ops in goal order', () => {
    expect(parsePrep('drop duplicates, impute with the median, then standardize').map((p) => p.op)).toEqual([
      'dedupe',
      'impute',
      'scale',
    ]);
  });

  it('drift thresholds and notification channels', () => {
    expect(parseDrift('alert when PSI goes over 0.25')).toEqual({ psi: 0.25 });
    expect(parseNotify('tell me on Slack')).toEqual({ channel: 'slack', asked: 'slack' });
    expect(parseNotify('email me')).toEqual({ channel: 'email', asked: 'email' });
  });
});
