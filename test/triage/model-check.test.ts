/**
 * tools/triage/model-check.ts with a real model (train.tabular's builtin random forest on the penguins) and
 * real Parquet windows: permutation importance, label shift, and quality on labelled rows that holds on clean
 * data and drops when the labels no longer follow the inputs. Then the rules that follow from it.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, type Evidence, type ModelCheck, propose } from '../../agents/triage/index.ts';
import { writeDataset } from '../../evals/triage/harness.ts';
import { P_ALL, P_FEATURES } from '../../evals/triage/scenarios.ts';
import { type LoadedModel, loadModel } from '../../tools/lib/model.ts';
import { trainTabular } from '../../tools/train/tabular.ts';
import { checkModel } from '../../tools/triage/model-check.ts';
import { makeTaskContext, makeWorkspace } from '../helpers/task-context.ts';

let workspace: string;
let model: LoadedModel;
let reference: string;

beforeAll(async () => {
  workspace = makeWorkspace('pw-model-check-');
  const ref = await writeDataset(workspace, 'reference', P_ALL);
  reference = ref.path;
  const ctx = makeTaskContext({ workspace });
  const out = await trainTabular.run(
    trainTabular.input.parse({
      dataset: ref,
      target: 'Species',
      features: P_FEATURES,
      algorithm: 'random_forest',
      params: { nEstimators: 15, maxDepth: 6 },
      folds: 0,
    }),
    ctx,
  );
  model = await loadModel(out.model.dir);
});

afterAll(async () => {
  await model?.close();
  rmSync(workspace, { recursive: true, force: true });
});

describe('checkModel', () => {
  it('ranks the inputs the species model relies on above those it does not', async () => {
    const current = await writeDataset(
      workspace,
      'unlabelled',
      `SELECT * EXCLUDE ("Species") FROM (${P_ALL})`,
    );
    const r = await checkModel(model, { reference, current: current.path });
    expect(Object.values(r.importance).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    const morphology =
      (r.importance['Beak Length (mm)'] ?? 0) +
      (r.importance['Flipper Length (mm)'] ?? 0) +
      (r.importance['Beak Depth (mm)'] ?? 0);
    expect(morphology).toBeGreaterThan(r.importance.Sex ?? 1);
    expect(r.labelled).toBe(false);
    expect(r.quality).toBeUndefined();
  });

  it('with labels: quality holds on clean rows and drops when the labels stop following the inputs', async () => {
    const clean = await writeDataset(
      workspace,
      'clean',
      `SELECT * FROM (${P_ALL}) WHERE "Island" = 'Biscoe'`,
    );
    const held = await checkModel(model, { reference, current: clean.path });
    expect(held.labelled).toBe(true);
    expect(held.quality).toMatchObject({ metric: 'accuracy', dropped: false });
    expect(held.labelShift?.drifted).toBe(true);
    // A labelling change: Adelie and Gentoo swapped in the labelled batch.
    const swapped = await writeDataset(
      workspace,
      'swapped',
      `SELECT * REPLACE (CASE "Species" WHEN 'Adelie' THEN 'Gentoo' WHEN 'Gentoo' THEN 'Adelie' ELSE "Species" END AS "Species") FROM (${P_ALL})`,
    );
    const dropped = await checkModel(model, { reference, current: swapped.path });
    expect(dropped.quality?.dropped).toBe(true);
    expect(dropped.quality?.current).toBeLessThan(0.5);
    expect(dropped.quality?.pValue).toBeLessThan(0.01);
  });
});

describe('rules that follow the model', () => {
  const base = (check: ModelCheck, drifted: string[]): Evidence => ({
    alert: {
      ref: 't',
      key: 'k',
      summary: 's',
      severity: 'warning',
      drifted: true,
      share: 0.5,
      at: '2026-11-01T00:00:00Z',
    },
    reference: { rows: 300, hash: 'r'.repeat(64) },
    current: { rows: 200, hash: 'c'.repeat(64) },
    features: ['a', 'b', 'c'].map((name) => ({
      name,
      type: 'numeric' as const,
      drifted: drifted.includes(name),
      method: 'ks',
      statistic: 0.3,
      threshold: 0.05,
      nulls: { reference: 0, current: 0 },
      change: '',
      movement: drifted.includes(name) ? 0.3 : 0.02,
    })),
    findings: [],
    modelCheck: check,
    window: { rows: 200, nullRates: {} },
    upstream: [],
    similar: [],
  });
  const check = (o: Partial<ModelCheck>): ModelCheck => ({
    target: 'y',
    task: 'classification',
    importance: { a: 0.9, b: 0.05, c: 0.05 },
    labelled: false,
    notes: [],
    ...o,
  });

  it('a shift on inputs the model barely uses is muted with an expiry; on important ones, retrained', () => {
    const low = base(check({}), ['b', 'c']);
    expect(classify(low)).toMatchObject({ classification: 'real_shift', cause: 'covariate_shift' });
    expect(propose(low, classify(low))).toMatchObject({ action: 'mute', expiresAt: '2026-11-15' });
    const high = base(check({}), ['a']);
    expect(propose(high, classify(high))).toMatchObject({ action: 'retrain' });
  });

  it('a numeric code taken over by one value is a sub-population when other features moved, a fault when alone', () => {
    const stuck = {
      kind: 'stuck_values',
      column: 'a',
      severity: 'warning',
      message: 'a is 3 in 100% of the rows',
      evidence: { statistic: 's', value: 0, threshold: 0.1, test: 't', detail: { code: true }, examples: [] },
    };
    const withOthers = { ...base(check({}), ['a', 'b']), findings: [stuck] };
    expect(classify(withOthers)).toMatchObject({ classification: 'real_shift', cause: 'covariate_shift' });
    const alone = { ...base(check({}), ['a']), findings: [stuck] };
    expect(classify(alone)).toMatchObject({
      classification: 'data_quality',
      cause: 'stuck_values',
      columns: ['a'],
    });
    const sensor = {
      ...base(check({}), ['a', 'b']),
      findings: [{ ...stuck, evidence: { ...stuck.evidence, detail: {} } }],
    };
    expect(classify(sensor).cause).toBe('stuck_values');
  });

  it('labels decide: a quality drop is retrained, held quality is muted', () => {
    const quality = (dropped: boolean) => ({
      metric: 'accuracy',
      higherIsBetter: true,
      baseline: 0.9,
      current: dropped ? 0.6 : 0.89,
      rows: 200,
      dropped,
      pValue: dropped ? 1e-9 : 0.4,
      test: 't',
    });
    const drop = base(check({ labelled: true, quality: quality(true) }), ['a']);
    expect(classify(drop).cause).toBe('quality_drop');
    expect(propose(drop, classify(drop)).action).toBe('retrain');
    const held = base(check({ labelled: true, quality: quality(false) }), ['a']);
    expect(propose(held, classify(held)).action).toBe('mute');
    // Labels that show the model got worse with nothing drifting are still a real shift (concept drift).
    const concept = base(check({ labelled: true, quality: quality(true) }), []);
    expect(classify(concept)).toMatchObject({ classification: 'real_shift', cause: 'quality_drop' });
  });
});
