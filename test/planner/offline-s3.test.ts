import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceDeps } from '../../agents/planner/index.ts';
import { planOffline } from '../../agents/planner/offline/index.ts';
import { parseGoal } from '../../agents/planner/offline/parse.ts';
import { findS3, s3SourceName } from '../../agents/planner/offline/s3.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';
import { validatePlan } from '../../src/plan/index.ts';
import { parseTriggerDef, triggerFromPlan } from '../../src/triggers/index.ts';

describe('s3:// in goals', () => {
  it.each([
    ['when a new file lands in s3://acme/incoming/, predict churn', 's3://acme/incoming/', true],
    ['whenever new objects are uploaded to s3://acme/drop/ retrain', 's3://acme/drop/', true],
    [
      'each time a CSV arrives in the bucket s3://acme-data/in/*.csv, score it',
      's3://acme-data/in/*.csv',
      true,
    ],
    ['for every new export in s3a://acme/exports/ version it', 's3://acme/exports/', true],
    ['predict revenue from s3://bucket/sales.parquet.', 's3://bucket/sales.parquet', false],
    ['train on s3://acme/events/2026/*.parquet every night at 2am', 's3://acme/events/2026/*.parquet', false],
  ])('%s', (goal, url, arrival) => {
    expect(findS3(goal)).toEqual([expect.objectContaining({ url, arrival })]);
  });

  it('names datasets after the file or folder, never a glob', () => {
    expect(s3SourceName('s3://acme/events/2026/*.parquet')).toBe('2026');
    expect(s3SourceName('s3://acme/sales.parquet')).toBe('sales');
    expect(s3SourceName('s3://acme/')).toBe('acme');
  });

  it('keeps other stores unsupported, with a question', () => {
    expect(parseGoal('predict x from gs://bucket/a.csv').sources).toEqual([
      expect.objectContaining({ kind: 'unsupported', why: 'reading from gs:// is not supported yet' }),
    ]);
  });
});

describe('offline plans from s3:// goals', () => {
  let ws: { dir: string; cleanup(): void };
  beforeAll(() => {
    ws = makeWorkspace();
  });
  afterAll(() => ws.cleanup());

  it('reads an s3 glob with ingest.s3 into a valid plan', async () => {
    const out = await planOffline(
      'predict species from s3://acme-data/events/2026/*.parquet',
      workspaceDeps(ws.dir),
    );
    if (out.kind !== 'plan') throw new Error(`expected a plan, got ${JSON.stringify(out)}`);
    expect(out.plan.steps[0]).toMatchObject({
      task: 'ingest.s3',
      with: { url: 's3://acme-data/events/2026/*.parquet' },
    });
    expect(validatePlan(out.plan, await fullRegistry()).ok).toBe(true);
  });

  it('turns "when a new file lands in s3://…" into a bucket trigger whose runs read the new object', async () => {
    const out = await planOffline(
      'when a new file lands in s3://acme-data/incoming/, predict churn and deploy if auc >= 0.8',
      workspaceDeps(ws.dir),
    );
    if (out.kind !== 'plan') throw new Error(`expected a plan, got ${JSON.stringify(out)}`);
    const r = validatePlan(out.plan, await fullRegistry());
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.plan.trigger?.bucket).toBe('s3://acme-data/incoming/');
    expect(r.plan.inputs).toHaveProperty('url');
    expect(r.plan.steps[0]).toMatchObject({ task: 'ingest.s3', with: { url: '${{ inputs.url }}' } });
    const trigger = triggerFromPlan(r.plan);
    expect(trigger).toEqual({ kind: 'bucket', spec: { url: 's3://acme-data/incoming/' } });
    expect(parseTriggerDef({ name: 'churn-arrivals', ...trigger }).kind).toBe('bucket');
  });
});
