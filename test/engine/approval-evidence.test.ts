/**
 * Approval evidence and gate reasons on real runs: penguins models trained, evaluated against what
 * production serves in the same run, approved, registered and deployed by the builtin tasks.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalEvidenceText, gateNotesText } from '../../src/cli/approval-text.ts';
import { ApprovalEvidence, Engine, explainFalse } from '../../src/engine/index.ts';
import { parseExpression } from '../../src/plan/index.ts';
import { approvalRequest } from '../../src/server/slack/blocks.ts';
import { ModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { trainTabular } from '../../tools/train/tabular.ts';
import { testConfig } from '../helpers/state.ts';
import { makeTaskContext, makeWorkspace } from '../helpers/task-context.ts';
import { datasetFrom, vegaFile } from '../training/helpers.ts';

/** The plan under test: retrain, compare with production on the same test rows, gate, approve, ship. */
function plan(gate: string) {
  return {
    name: 'penguins-retrain',
    steps: [
      { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' } },
      {
        id: 'version',
        task: 'dataset.version',
        dependsOn: ['load'],
        with: { dataset: '${{ steps.load.outputs.dataset }}', name: 'penguins' },
      },
      {
        id: 'split',
        task: 'dataset.split',
        dependsOn: ['version'],
        with: {
          dataset: '${{ steps.version.outputs.dataset }}',
          by: { method: 'stratified', column: 'Species' },
          testShare: 0.25,
          seed: 7,
        },
      },
      {
        id: 'train',
        task: 'train.tabular',
        dependsOn: ['split'],
        with: {
          dataset: '${{ steps.split.outputs.train }}',
          target: 'Species',
          algorithm: 'random_forest',
          params: { nEstimators: 15 },
          folds: 0,
        },
      },
      {
        id: 'compare',
        task: 'evaluate.model',
        dependsOn: ['train'],
        with: {
          model: '${{ steps.train.outputs.model }}',
          dataset: '${{ steps.split.outputs.test }}',
          baseline: 'penguins-species',
        },
      },
      {
        id: 'approve',
        kind: 'approval',
        dependsOn: ['compare'],
        when: gate,
        message: 'Ship the new penguins model?',
        timeout: '1h',
      },
      {
        id: 'register',
        task: 'model.register',
        dependsOn: ['approve'],
        with: {
          name: 'penguins-species',
          model: '${{ steps.train.outputs.model }}',
          dataset: '${{ steps.version.outputs.dataset }}',
        },
      },
      {
        id: 'deploy',
        task: 'deploy.http',
        dependsOn: ['register'],
        with: { model: 'penguins-species', version: '${{ steps.register.outputs.version }}' },
      },
    ],
  };
}

let workspace: string;
let store: RunStore;
let engine: Engine;

beforeAll(async () => {
  workspace = makeWorkspace();
  mkdirSync(path.join(workspace, 'data'));
  copyFileSync(vegaFile('penguins.json'), path.join(workspace, 'data', 'penguins.json'));
  const config = testConfig({ workspace, user: 'alice' });
  store = new RunStore(stateTarget(config));
  engine = new Engine({ store, registry: builtinRegistry(), config, pollMs: 20 });
  // Production today: a one-feature stump (version 1), trained and deployed outside the run.
  const ctx = makeTaskContext({ workspace, config });
  const data = await datasetFrom(vegaFile('penguins.json'), workspace, 'old', 'SELECT * FROM src');
  const stump = await trainTabular.run(
    trainTabular.input.parse({
      dataset: data,
      target: 'Species',
      algorithm: 'decision_tree',
      features: ['Island'],
      params: { maxDepth: 1 },
      folds: 0,
    }),
    ctx,
  );
  const registry = new ModelRegistry(store.db);
  registry.registerVersion({ name: 'penguins-species', ref: stump.model, createdBy: 'alice' });
  registry.deploy({ name: 'penguins-species', version: 1, by: 'alice' });
}, 120_000);

afterAll(() => {
  store.close();
  rmSync(workspace, { recursive: true, force: true });
});

describe('approval evidence', () => {
  it('shows the challenger next to production on the same rows, what will change, data and who asked', async () => {
    const out = await engine.run(plan('steps.compare.outputs.better == true'), { createdBy: 'alice' });
    expect(out.status).toBe('waiting');
    const approval = store.getApproval(out.runId, 'approve');
    const evidence = ApprovalEvidence.parse(approval?.evidence);
    expect(evidence.changes).toEqual([
      {
        kind: 'register',
        step: 'register',
        model: 'penguins-species',
        alias: null,
        fromVersion: null,
        toVersion: 2,
        newVersion: true,
      },
      {
        kind: 'deploy',
        step: 'deploy',
        model: 'penguins-species',
        alias: 'production',
        fromVersion: 1,
        toVersion: 2,
        newVersion: true,
      },
    ]);
    expect(evidence).toMatchObject({
      comparedOn: 'same-data',
      primaryMetric: 'accuracy',
      better: true,
      evaluatedIn: 'compare',
      requestedBy: 'alice',
      expiresAt: approval?.expiresAt,
    });
    const compare = out.results.compare?.output as {
      metrics: Record<string, number>;
      baselineMetrics: Record<string, number>;
    };
    const acc = evidence.metrics[0];
    expect(acc).toMatchObject({
      name: 'accuracy',
      challenger: compare.metrics.accuracy,
      production: compare.baselineMetrics.accuracy,
      higherIsBetter: true,
      better: true,
    });
    expect(acc?.delta).toBeCloseTo((acc?.challenger ?? 0) - (acc?.production ?? 0));
    expect(evidence.metrics.find((m) => m.name === 'log_loss')?.higherIsBetter).toBe(false);
    const version = (out.results.version?.output as { version?: string } | undefined)?.version;
    expect(evidence.dataVersion).toBe(`penguins@${version}`);
    expect(evidence.summary).toMatch(
      /^deploy penguins-species v2 \(new\) as production \(now v1\) · accuracy [\d.]+ vs production [\d.]+ \(\+[\d.]+, better than production on the same test rows\) · data penguins@/,
    );

    // Where people see it: the CLI prompt / `show`, the Slack message, the API (the record itself).
    const text = approvalEvidenceText(approval ?? {});
    expect(text).toContain('change   deploy penguins-species v2 (new) as production (now v1)');
    expect(text).toMatch(/ {2}accuracy ↑ +[\d.]+ vs [\d.]+ {2}\+[\d.]+ {2}better/);
    expect(text).toContain(`data     penguins@${version}`);
    const slack = approvalRequest(approval as NonNullable<typeof approval>, {
      id: out.runId,
      planName: 'penguins-retrain',
    });
    expect(slack.text).toContain(evidence.summary);
    expect(JSON.stringify(slack.blocks)).toContain('accuracy');

    // Approving ships exactly what the evidence said.
    engine.decide({ runId: out.runId, stepId: 'approve', approved: true, by: 'bob', via: 'cli' });
    const done = await engine.execute(out.runId);
    expect(done.status).toBe('succeeded');
    expect(new ModelRegistry(store.db).getAliases('penguins-species').production).toBe(2);
  }, 120_000);

  it('a gate that stops a deploy says why, with the values, in the run summary', async () => {
    const out = await engine.run(plan('steps.compare.outputs.metrics.accuracy >= 0.9999'), {
      createdBy: 'alice',
    });
    expect(out.status).toBe('succeeded');
    const accuracy =
      (out.results.compare?.output as { metrics: { accuracy: number } } | undefined)?.metrics.accuracy ??
      Number.NaN;
    const shown = String(Number(accuracy.toFixed(4)));
    expect(out.results.approve).toMatchObject({
      status: 'skipped',
      reason: `condition is false: accuracy ${shown} < 0.9999 (when: steps.compare.outputs.metrics.accuracy >= 0.9999)`,
    });
    const run = store.requireRun(out.runId);
    expect(gateNotesText(run, store.getSteps(out.runId)).split('\n')).toEqual([
      `  skipped approve: accuracy ${shown} < 0.9999`,
      `  not registered (register): accuracy ${shown} < 0.9999 — condition of step approve`,
      `  not deployed (deploy): accuracy ${shown} < 0.9999 — condition of step approve`,
      '',
    ]);
    expect(store.getApproval(out.runId, 'approve')).toBeUndefined();
  }, 120_000);
});

describe('explainFalse', () => {
  const scope = {
    steps: {
      evaluate: { outputs: { metrics: { f1_macro: 0.5912, rmse: 3.2 }, better: false, production: null } },
      watch: { outputs: { latencyMs: { p95: 80 }, healthy: true } },
    },
    inputs: { threshold: 0.8 },
  };
  const why = (src: string) => explainFalse(parseExpression(src), scope);
  it('puts the values that made a condition false next to the negated comparison', () => {
    expect(why('steps.evaluate.outputs.metrics.f1_macro >= 0.8')).toBe('f1_macro 0.5912 < 0.8');
    expect(why('steps.evaluate.outputs.metrics.f1_macro >= inputs.threshold')).toBe(
      'f1_macro 0.5912 < threshold 0.8',
    );
    expect(why('steps.evaluate.outputs.better == true')).toBe('better is false');
    expect(why('steps.evaluate.outputs.better')).toBe('better is false');
    expect(why('steps.watch.outputs.healthy && steps.evaluate.outputs.metrics.rmse < 3')).toBe(
      'rmse 3.2 >= 3',
    );
    expect(why('steps.watch.outputs.latencyMs.p95 > 100 || steps.evaluate.outputs.better')).toBe(
      'latencyMs.p95 80 <= 100 and better is false',
    );
    expect(why('!steps.watch.outputs.healthy')).toBe('healthy is true');
    expect(why('steps.evaluate.outputs.metrics.accuracy >= 0.9')).toBe('accuracy is missing');
  });
});
