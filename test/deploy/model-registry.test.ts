import { describe, expect, it } from 'vitest';
import { isPipewrightError } from '../../src/errors.ts';
import { ModelRegistry, openModelRegistry, RunStore } from '../../src/store/index.ts';
import { testConfig, testStateTarget } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const ref = (hash: string, accuracy = 0.9) => ({
  dir: `/models/${hash}`,
  hash,
  framework: 'builtin',
  algorithm: 'decision_tree',
  taskType: 'classification',
  target: 'label',
  features: [{ name: 'x', type: 'DOUBLE' }],
  params: { maxDepth: 3 },
  metrics: { accuracy },
});

function open() {
  const store = new RunStore(testStateTarget(makeWorkspace()));
  const registry = new ModelRegistry(store.db);
  const register = (name: string, hash: string, extra: { runId?: string } = {}) =>
    registry.registerVersion({ name, ref: ref(hash), createdBy: 'alice', ...extra });
  return { store, registry, register };
}

/** Runs fn and returns the PipewrightError it throws. */
function caught(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (isPipewrightError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('ModelRegistry', () => {
  it('numbers versions per model name and keeps their lineage', () => {
    const { registry, register } = open();
    expect(register('churn', 'a').version).toBe(1);
    expect(register('churn', 'b').version).toBe(2);
    expect(register('fraud', 'c').version).toBe(1);
    const v = registry.registerVersion({
      name: 'churn',
      ref: ref('d', 0.95),
      dataset: { hash: 'ds1', version: 'v-ds1', name: 'customers', path: '/d.parquet' },
      runId: 'run-1',
      stepId: 'train',
      planName: 'nightly',
      createdBy: 'bob',
    });
    expect(v).toMatchObject({
      version: 3,
      metrics: { accuracy: 0.95 },
      params: { maxDepth: 3 },
      datasetVersion: 'v-ds1',
      datasetHash: 'ds1',
      runId: 'run-1',
      stepId: 'train',
      planName: 'nightly',
      createdBy: 'bob',
    });
    expect(registry.listVersions('churn').map((x) => [x.version, x.ref.hash])).toEqual([
      [3, 'd'],
      [2, 'b'],
      [1, 'a'],
    ]);
    expect(registry.getVersion('churn', '2').ref.hash).toBe('b');
    expect(registry.listModels().map((m) => [m.name, m.latestVersion])).toEqual([
      ['churn', 3],
      ['fraud', 1],
    ]);
  });

  it('moves aliases, records who, when, why, from and to, and resolves versions by alias', () => {
    const { registry, register } = open();
    register('churn', 'a');
    register('churn', 'b');
    registry.setAlias('churn', 'production', 1, 'alice', 'first release');
    registry.setAlias('churn', 'staging', 2, 'bob');
    registry.setAlias('churn', 'production', 'staging', 'carol', 'promote');
    expect(registry.getAliases('churn')).toEqual({ production: 2, staging: 2 });
    expect(registry.getVersion('churn', 'production')).toMatchObject({
      version: 2,
      aliases: ['production', 'staging'],
    });
    expect(registry.getVersion('churn', 1).aliases).toEqual([]);
    const history = registry.aliasHistory('churn', 'production');
    expect(history.map((m) => [m.action, m.fromVersion, m.toVersion, m.by, m.reason])).toEqual([
      ['set', undefined, 1, 'alice', 'first release'],
      ['set', 1, 2, 'carol', 'promote'],
    ]);
    expect(history.every((m) => !Number.isNaN(Date.parse(m.at)))).toBe(true);
    expect(registry.aliasHistory('churn')).toHaveLength(3);
  });

  it('rolls an alias back to where it was, and again to where it was before that', () => {
    const { registry, register } = open();
    for (const h of ['a', 'b', 'c']) register('churn', h);
    registry.setAlias('churn', 'production', 1, 'alice');
    registry.setAlias('churn', 'production', 2, 'alice');
    registry.setAlias('churn', 'production', 3, 'alice');
    const first = registry.rollback('churn', 'production', 'bob', 'p99 regression');
    expect(first).toMatchObject({
      action: 'rollback',
      fromVersion: 3,
      toVersion: 2,
      by: 'bob',
      reason: 'p99 regression',
    });
    expect(registry.rollback('churn', 'production', 'bob').toVersion).toBe(1);
    expect(registry.getAliases('churn').production).toBe(1);
    expect(caught(() => registry.rollback('churn', 'production', 'bob')).code).toBe('MODEL_ROLLBACK_NOTHING');
    expect(registry.getAliases('churn').production).toBe(1);
  });

  it('names the known models, versions and aliases when asked for unknown ones', () => {
    const { registry, register } = open();
    register('churn', 'a');
    register('churn', 'b');
    register('fraud', 'c');
    registry.setAlias('churn', 'staging', 2, 'alice');

    const model = caught(() => registry.getVersion('chrun', 1));
    expect(model.code).toBe('MODEL_NOT_REGISTERED');
    expect(model.why).toBe('registered models: churn, fraud');
    expect(model.category).toBe('user');

    const version = caught(() => registry.getVersion('churn', 7));
    expect(version.code).toBe('MODEL_VERSION_NOT_FOUND');
    expect(version.why).toBe('its versions are: 1, 2');

    const alias = caught(() => registry.setAlias('churn', 'production', 'prod', 'alice'));
    expect(alias.code).toBe('MODEL_ALIAS_NOT_FOUND');
    expect(alias.why).toBe('its aliases are: staging');
    expect(caught(() => registry.rollback('churn', 'production', 'alice')).code).toBe(
      'MODEL_ALIAS_NOT_FOUND',
    );
    expect(caught(() => registry.setAlias('churn', '12', 1, 'alice')).code).toBe('MODEL_ALIAS_INVALID');
    expect(caught(() => register('no/slash', 'x')).code).toBe('MODEL_NAME_INVALID');
  });

  it('writes an append-only audit entry for every registration, alias move and deployment', () => {
    const { store, registry, register } = open();
    register('churn', 'a');
    register('churn', 'b');
    registry.setAlias('churn', 'production', 1, 'alice', 'go');
    const d = registry.deploy({ name: 'churn', version: 2, by: 'bob', reason: 'better auc' });
    registry.rollbackDeployment('churn', 'carol', 'errors');
    const audit = store.db
      .prepare('SELECT actor, action, target, details_json FROM audit ORDER BY seq')
      .all() as { actor: string; action: string; target: string; details_json: string }[];
    expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
      ['alice', 'model.register', 'churn@1'],
      ['alice', 'model.register', 'churn@2'],
      ['alice', 'model.alias.set', 'churn:production'],
      ['bob', 'model.alias.set', 'churn:production'],
      ['bob', 'model.deploy', 'churn'],
      ['carol', 'model.alias.rollback', 'churn:production'],
      ['carol', 'model.deploy.rollback', 'churn'],
    ]);
    expect(JSON.parse(audit[3]?.details_json ?? '{}')).toEqual({ from: 1, to: 2, reason: 'better auc' });
    expect(JSON.parse(audit[4]?.details_json ?? '{}')).toMatchObject({ deploymentId: d.id, version: 2 });
    expect(() => store.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM model_alias_history').run()).toThrow(/append-only/);
  });

  it('records deployments with canaries and serves the rolled-back version after a rollback', () => {
    const { registry, register } = open();
    for (const h of ['a', 'b', 'c']) register('churn', h);
    const first = registry.deploy({ name: 'churn', version: 1, by: 'alice' });
    const epoch = registry.epoch('churn');
    const second = registry.deploy({
      name: 'churn',
      version: 2,
      canary: { version: 3, share: 0.1 },
      by: 'alice',
    });
    expect(registry.epoch('churn')).toBeGreaterThan(epoch ?? 0);
    expect(registry.getDeployment(first.id)?.status).toBe('superseded');
    expect(registry.servingState('churn')).toMatchObject({
      alias: 'production',
      version: 2,
      canary: { version: 3, share: 0.1 },
      deployment: { id: second.id, status: 'active' },
    });
    const back = registry.rollbackDeployment('churn', 'bob', 'canary errors');
    expect(back).toMatchObject({ kind: 'rollback', version: 1, status: 'active' });
    expect(registry.getDeployment(second.id)?.status).toBe('rolled_back');
    const state = registry.servingState('churn');
    expect(state.version).toBe(1);
    expect(state.canary).toBeUndefined();
    expect(
      caught(() =>
        registry.deploy({ name: 'churn', version: 2, canary: { version: 2, share: 0.5 }, by: 'a' }),
      ).code,
    ).toBe('DEPLOY_CANARY_SAME_VERSION');
    expect(
      caught(() => registry.deploy({ name: 'churn', version: 2, canary: { version: 3, share: 1 }, by: 'a' }))
        .code,
    ).toBe('DEPLOY_CANARY_SHARE_INVALID');
  });

  it('fills the plan name from the run record and shares the database with a second connection', () => {
    const dir = makeWorkspace();
    const store = new RunStore(testStateTarget(dir));
    store.db
      .prepare(
        "INSERT INTO runs (id, plan_name, plan_json, plan_hash, status, created_at, created_by) VALUES ('run-x', 'nightly', '{}', 'h', 'running', 'now', 'alice')",
      )
      .run();
    const registry = openModelRegistry(testConfig({ workspace: dir, stateDir: dir }));
    try {
      const v = registry.registerVersion({
        name: 'churn',
        ref: ref('a'),
        runId: 'run-x',
        createdBy: 'alice',
      });
      expect(v.planName).toBe('nightly');
      expect(new ModelRegistry(store.db).getVersion('churn', 1).planName).toBe('nightly');
    } finally {
      registry.close();
      store.close();
    }
  });
});
