/**
 * The model registry: named models, numbered versions, aliases (staging, production, any name) with the full
 * history of every move, and HTTP deployments. It lives in the run store's SQLite file; every move is written
 * in one transaction with its history row and its audit entry, and bumps the model's epoch so servers notice.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { userError } from '../errors.ts';
import { type Db, openDb, stateTarget } from './db.ts';
import { migrate } from './migrations.ts';
import { toJson as j, optional as opt, fromJson as parse, type Row } from './rows.ts';

export type RegistryClock = () => Date;

/**
 * What the registry needs from a model reference (tools/lib/refs.ts ModelRef). The whole object is stored;
 * src/store does not depend on tools/, so callers parse it back with the ModelRef schema.
 */
export interface RegisteredModelRef {
  dir: string;
  hash: string;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  [key: string]: unknown;
}

/** The dataset a version was trained on (tools/lib/refs.ts DatasetRef, or just its identity). */
export interface RegisteredDatasetRef {
  hash: string;
  version?: string | undefined;
  name?: string | undefined;
  path?: string | undefined;
  [key: string]: unknown;
}

export interface ModelVersionRecord {
  model: string;
  version: number;
  ref: RegisteredModelRef;
  metrics: Record<string, number>;
  params: Record<string, unknown>;
  dataset?: RegisteredDatasetRef;
  datasetVersion?: string;
  datasetHash?: string;
  runId?: string;
  stepId?: string;
  planName?: string;
  description?: string;
  createdBy: string;
  createdAt: string;
  /** Aliases pointing at this version now. */
  aliases: string[];
  /** The step attempt that registered it (run/step), when a task did. */
  idempotencyKey?: string;
  /** Set when registerVersion found this version already made under the same idempotency key. */
  reused?: boolean;
}

export interface AliasMove {
  seq: number;
  model: string;
  alias: string;
  action: 'set' | 'rollback';
  fromVersion?: number;
  toVersion: number;
  by: string;
  at: string;
  reason?: string;
}

export type DeploymentStatus = 'active' | 'superseded' | 'rolled_back';

export interface DeploymentRecord {
  id: string;
  model: string;
  alias: string;
  /** Version the alias pointed to when this deployment was made. Serving follows the alias itself. */
  version: number;
  canary?: { version: number; share: number };
  status: DeploymentStatus;
  kind: 'deploy' | 'rollback';
  createdBy: string;
  createdAt: string;
  endedAt?: string;
  reason?: string;
  runId?: string;
  stepId?: string;
  /** The step attempt that made it (run/step), when a task did. */
  idempotencyKey?: string;
  /** Set when deploy/rollbackDeployment found this deployment already made under the same key. */
  reused?: boolean;
}

/** What a server needs to route one request, plus the epoch that tells it when to look again. */
export interface ServingState {
  model: string;
  epoch: number;
  deployment?: DeploymentRecord;
  /** Alias served: the active deployment's, or `production` when nothing was deployed. */
  alias: string;
  /** Version the alias points at now; undefined when it points nowhere (not deployed). */
  version?: number;
  canary?: { version: number; share: number };
}

export interface RegisterVersionInput {
  name: string;
  ref: RegisteredModelRef;
  dataset?: RegisteredDatasetRef;
  runId?: string;
  stepId?: string;
  planName?: string;
  description?: string;
  createdBy: string;
  /**
   * The step attempt's idempotency key (TaskContext.idempotencyKey). A second call with the same key
   * returns the version the first one made, alias moves included, instead of making another.
   */
  idempotencyKey?: string;
}

export interface DeployInput {
  name: string;
  /** Version number or alias to deploy. */
  version: number | string;
  /** Alias the deployment moves and serving follows (default production). */
  alias?: string;
  canary?: { version: number | string; share: number };
  by: string;
  reason?: string;
  runId?: string;
  stepId?: string;
  /** As RegisterVersionInput.idempotencyKey: a repeat returns the first deployment. */
  idempotencyKey?: string;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export function newDeploymentId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `dep-${stamp}-${randomBytes(3).toString('hex')}`;
}

const listed = (xs: (string | number)[]) => (xs.length ? xs.join(', ') : 'none');

/** Opens the registry on the state database (<stateDir>/state.db or Postgres) with its own connection, for tasks. */
export function openModelRegistry(
  config: Pick<Config, 'stateDir' | 'databaseUrl'>,
  clock?: RegistryClock,
): ModelRegistry {
  const db = openDb(stateTarget(config));
  migrate(db);
  return new ModelRegistry(db, clock, true);
}

export class ModelRegistry {
  constructor(
    readonly db: Db,
    private readonly clock: RegistryClock = () => new Date(),
    private readonly ownsDb = false,
  ) {
    migrate(db);
  }

  /** Closes the connection when openModelRegistry opened it; a shared RunStore connection stays open. */
  close(): void {
    if (this.ownsDb) this.db.close();
  }

  now(): string {
    return this.clock().toISOString();
  }

  // ---- versions ---------------------------------------------------------------------------------

  /** Adds the next version of `name` (creating the model on first use). Versions count 1, 2, 3 per name. */
  registerVersion(input: RegisterVersionInput): ModelVersionRecord {
    if (!MODEL_NAME.test(input.name)) {
      throw userError(
        'MODEL_NAME_INVALID',
        `"${input.name}" is not a valid model name`,
        'model names appear in URLs (/models/<name>/predict)',
        'Use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 128 characters).',
      );
    }
    return this.db.transaction(() => {
      if (input.idempotencyKey) {
        const made = this.byKey('model_versions', input.idempotencyKey);
        if (made) return { ...this.getVersion(String(made.model), Number(made.version)), reused: true };
      }
      const at = this.now();
      this.db
        .prepare('INSERT OR IGNORE INTO models (name, created_at, created_by) VALUES (?, ?, ?)')
        .run(input.name, at, input.createdBy);
      // Locks the model's row until commit (a no-op on SQLite, whose BEGIN IMMEDIATE already serialises
      // writers): two registrations on Postgres never read the same max(version).
      this.db.prepare('UPDATE models SET epoch = epoch WHERE name = ?').run(input.name);
      const next =
        ((
          this.db
            .prepare('SELECT max(version) AS v FROM model_versions WHERE model = ?')
            .get(input.name) as Row
        ).v as number | null) ?? 0;
      const version = next + 1;
      const planName =
        input.planName ??
        (input.runId
          ? opt<string>(
              (this.db.prepare('SELECT plan_name FROM runs WHERE id = ?').get(input.runId) as Row | undefined)
                ?.plan_name,
            )
          : undefined);
      this.db
        .prepare(
          `INSERT INTO model_versions (model, version, ref_json, model_hash, metrics_json, params_json, dataset_json,
             dataset_version, dataset_hash, run_id, step_id, plan_name, description, created_by, created_at,
             idempotency_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.name,
          version,
          JSON.stringify(input.ref),
          input.ref.hash,
          JSON.stringify(input.ref.metrics ?? {}),
          JSON.stringify(input.ref.params ?? {}),
          j(input.dataset),
          input.dataset?.version ?? null,
          input.dataset?.hash ?? null,
          input.runId ?? null,
          input.stepId ?? null,
          planName ?? null,
          input.description ?? null,
          input.createdBy,
          at,
          input.idempotencyKey ?? null,
        );
      this.insertAudit(input.createdBy, 'model.register', `${input.name}@${version}`, {
        hash: input.ref.hash,
        ...(input.runId ? { runId: input.runId, stepId: input.stepId } : {}),
        ...(input.dataset ? { datasetHash: input.dataset.hash } : {}),
      });
      return this.getVersion(input.name, version);
    })();
  }

  listModels(): { name: string; createdAt: string; createdBy: string; latestVersion: number }[] {
    const rows = this.db
      .prepare(
        `SELECT m.name, m.created_at, m.created_by, (SELECT max(version) FROM model_versions v WHERE v.model = m.name) AS latest
         FROM models m ORDER BY m.name`,
      )
      .all() as Row[];
    return rows.map((r) => ({
      name: String(r.name),
      createdAt: String(r.created_at),
      createdBy: String(r.created_by),
      latestVersion: Number(r.latest ?? 0),
    }));
  }

  hasModel(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM models WHERE name = ?').get(name) !== undefined;
  }

  /** Every version of a model, newest first. */
  listVersions(name: string): ModelVersionRecord[] {
    this.requireModel(name);
    const aliases = this.aliasesByVersion(name);
    const rows = this.db
      .prepare('SELECT * FROM model_versions WHERE model = ? ORDER BY version DESC')
      .all(name) as Row[];
    return rows.map((r) => toVersion(r, aliases.get(Number(r.version)) ?? []));
  }

  /**
   * A version by number ("3", 3) or alias ("production"). Unknown models, versions and aliases get a
   * userError that lists the known ones.
   */
  getVersion(name: string, versionOrAlias: number | string): ModelVersionRecord {
    this.requireModel(name);
    const version = this.resolveVersion(name, versionOrAlias);
    const row = this.db
      .prepare('SELECT * FROM model_versions WHERE model = ? AND version = ?')
      .get(name, version) as Row | undefined;
    if (!row) throw this.unknownVersion(name, version);
    return toVersion(row, this.aliasesByVersion(name).get(version) ?? []);
  }

  /** Turns a version number or alias into a version number that exists. */
  resolveVersion(name: string, versionOrAlias: number | string): number {
    const asNumber =
      typeof versionOrAlias === 'number'
        ? versionOrAlias
        : /^\d+$/.test(versionOrAlias)
          ? Number(versionOrAlias)
          : undefined;
    if (asNumber !== undefined) {
      const exists = this.db
        .prepare('SELECT 1 FROM model_versions WHERE model = ? AND version = ?')
        .get(name, asNumber);
      if (!exists) throw this.unknownVersion(name, asNumber);
      return asNumber;
    }
    const alias = String(versionOrAlias);
    const row = this.db
      .prepare('SELECT version FROM model_aliases WHERE model = ? AND alias = ?')
      .get(name, alias) as Row | undefined;
    if (!row) {
      const known = Object.keys(this.getAliases(name));
      throw userError(
        'MODEL_ALIAS_NOT_FOUND',
        `Model "${name}" has no alias "${alias}"`,
        `its aliases are: ${listed(known)}`,
        `Use a version number, or set the alias first (model.register with alias, or deploy.http).`,
        { model: name, alias, known },
      );
    }
    return Number(row.version);
  }

  // ---- aliases ----------------------------------------------------------------------------------

  /** Current aliases of a model: alias → version. */
  getAliases(name: string): Record<string, number> {
    const rows = this.db
      .prepare('SELECT alias, version FROM model_aliases WHERE model = ? ORDER BY alias')
      .all(name) as Row[];
    return Object.fromEntries(rows.map((r) => [String(r.alias), Number(r.version)]));
  }

  /** Points `alias` at `version` (a number or another alias), with a history row and an audit entry. */
  setAlias(name: string, alias: string, version: number | string, by: string, reason?: string): AliasMove {
    return this.db.transaction(() => {
      this.requireModel(name);
      const to = this.resolveVersion(name, version);
      return this.moveAlias(name, alias, to, 'set', by, reason);
    })();
  }

  /**
   * Moves `alias` back to the version it pointed to before its last move that is not yet undone, so two
   * rollbacks after v1 → v2 → v3 land on v1. Refused when the alias has nothing to go back to.
   */
  rollback(name: string, alias: string, by: string, reason?: string): AliasMove {
    return this.db.transaction(() => {
      this.requireModel(name);
      const target = this.rollbackTarget(name, alias);
      return this.moveAlias(name, alias, target, 'rollback', by, reason);
    })();
  }

  /** Every move of one alias (or of every alias of the model), oldest first. */
  aliasHistory(name: string, alias?: string): AliasMove[] {
    this.requireModel(name);
    const rows = (
      alias
        ? this.db
            .prepare('SELECT * FROM model_alias_history WHERE model = ? AND alias = ? ORDER BY seq')
            .all(name, alias)
        : this.db.prepare('SELECT * FROM model_alias_history WHERE model = ? ORDER BY seq').all(name)
    ) as Row[];
    return rows.map(toMove);
  }

  // ---- deployments ------------------------------------------------------------------------------

  /**
   * Records a deployment: moves the alias (default production) to the version, supersedes the model's
   * previous active deployment and stores the canary, all in one transaction with audit entries.
   */
  deploy(input: DeployInput): DeploymentRecord {
    const alias = input.alias ?? 'production';
    this.checkAlias(alias);
    if (input.canary && !(input.canary.share > 0 && input.canary.share < 1)) {
      throw userError(
        'DEPLOY_CANARY_SHARE_INVALID',
        `Canary share ${input.canary.share} is out of range`,
        'the share is the fraction of requests the canary version serves',
        'Use a number strictly between 0 and 1, e.g. 0.1 for 10% of requests.',
      );
    }
    return this.db.transaction(() => {
      if (input.idempotencyKey) {
        const made = this.byKey('model_deployments', input.idempotencyKey);
        if (made) return { ...this.requireDeployment(String(made.id)), reused: true };
      }
      this.requireModel(input.name);
      const version = this.resolveVersion(input.name, input.version);
      const canary = input.canary
        ? { version: this.resolveVersion(input.name, input.canary.version), share: input.canary.share }
        : undefined;
      if (canary && canary.version === version) {
        throw userError(
          'DEPLOY_CANARY_SAME_VERSION',
          `The canary version ${version} is the version being deployed`,
          'a canary splits traffic between two different versions',
          'Deploy the stable version and name the new one as canary.version, or drop the canary.',
        );
      }
      const at = this.now();
      if (this.getAliases(input.name)[alias] !== version) {
        this.moveAlias(input.name, alias, version, 'set', input.by, input.reason ?? 'deploy');
      }
      const id = this.insertDeployment({
        model: input.name,
        alias,
        version,
        canary,
        kind: 'deploy',
        by: input.by,
        at,
        reason: input.reason,
        runId: input.runId,
        stepId: input.stepId,
        idempotencyKey: input.idempotencyKey,
      });
      return this.requireDeployment(id);
    })();
  }

  /**
   * Rolls the active deployment back: its alias returns to the previous version, the canary is dropped,
   * and a new deployment row records it. Without a deployment, rolls back the `production` alias.
   */
  rollbackDeployment(
    name: string,
    by: string,
    reason?: string,
    alias?: string,
    step?: { runId: string; stepId: string; idempotencyKey: string },
  ): DeploymentRecord {
    return this.db.transaction(() => {
      if (step) {
        const made = this.byKey('model_deployments', step.idempotencyKey);
        if (made) return { ...this.requireDeployment(String(made.id)), reused: true };
      }
      this.requireModel(name);
      const active = this.activeDeployment(name);
      const target = alias ?? active?.alias ?? 'production';
      const move = this.moveAlias(name, target, this.rollbackTarget(name, target), 'rollback', by, reason);
      const id = this.insertDeployment({
        model: name,
        alias: target,
        version: move.toVersion,
        kind: 'rollback',
        by,
        at: move.at,
        reason,
        ...(step ?? {}),
      });
      if (active) {
        this.db.prepare("UPDATE model_deployments SET status = 'rolled_back' WHERE id = ?").run(active.id);
      }
      return this.requireDeployment(id);
    })();
  }

  activeDeployment(name: string): DeploymentRecord | undefined {
    const row = this.db
      .prepare(
        "SELECT * FROM model_deployments WHERE model = ? AND status = 'active' ORDER BY created_at DESC, rowid DESC LIMIT 1",
      )
      .get(name) as Row | undefined;
    return row ? toDeployment(row) : undefined;
  }

  listDeployments(name: string, limit = 50): DeploymentRecord[] {
    this.requireModel(name);
    const rows = this.db
      .prepare('SELECT * FROM model_deployments WHERE model = ? ORDER BY created_at DESC, rowid DESC LIMIT ?')
      .all(name, limit) as Row[];
    return rows.map(toDeployment);
  }

  getDeployment(id: string): DeploymentRecord | undefined {
    const row = this.db.prepare('SELECT * FROM model_deployments WHERE id = ?').get(id) as Row | undefined;
    return row ? toDeployment(row) : undefined;
  }

  /** A counter bumped by every alias move and deployment change: servers re-read state when it moves. */
  epoch(name: string): number | undefined {
    const row = this.db.prepare('SELECT epoch FROM models WHERE name = ?').get(name) as Row | undefined;
    return row ? Number(row.epoch) : undefined;
  }

  /** What to serve for `name` now: the active deployment's alias and canary, or the production alias. */
  servingState(name: string): ServingState {
    return this.db.transaction(() => {
      this.requireModel(name);
      const epoch = this.epoch(name) ?? 0;
      const deployment = this.activeDeployment(name);
      const alias = deployment?.alias ?? 'production';
      const version = this.getAliases(name)[alias];
      const state: ServingState = { model: name, epoch, alias };
      if (deployment) state.deployment = deployment;
      if (version !== undefined) state.version = version;
      if (deployment?.canary) state.canary = deployment.canary;
      return state;
    }, 'read')();
  }

  /** Unknown model names get an error listing the registered ones. */
  requireModel(name: string): void {
    if (this.hasModel(name)) return;
    const known = this.listModels().map((m) => m.name);
    throw userError(
      'MODEL_NOT_REGISTERED',
      `No registered model "${name}"`,
      `registered models: ${listed(known)}`,
      'Register it with the model.register task, or check the spelling.',
      { model: name, known },
    );
  }

  // ---- internals --------------------------------------------------------------------------------

  private byKey(table: 'model_versions' | 'model_deployments', key: string): Row | undefined {
    const cols = table === 'model_versions' ? 'model, version' : 'id';
    return this.db.prepare(`SELECT ${cols} FROM ${table} WHERE idempotency_key = ?`).get(key) as
      | Row
      | undefined;
  }

  private checkAlias(alias: string): void {
    if (!ALIAS_NAME.test(alias) || /^\d+$/.test(alias)) {
      throw userError(
        'MODEL_ALIAS_INVALID',
        `"${alias}" is not a valid alias`,
        'aliases must not look like version numbers',
        'Use a name that starts with a letter, e.g. production, staging, champion.',
      );
    }
  }

  private rollbackTarget(name: string, alias: string): number {
    const history = this.aliasHistory(name, alias);
    if (history.length === 0) {
      const known = Object.keys(this.getAliases(name));
      throw userError(
        'MODEL_ALIAS_NOT_FOUND',
        `Model "${name}" has no alias "${alias}" to roll back`,
        `its aliases are: ${listed(known)}`,
        'Name an alias that has been set, e.g. production.',
        { model: name, alias, known },
      );
    }
    // Replay: each set remembers where the alias was; each rollback undoes the latest remembered set.
    const stack: (number | undefined)[] = [];
    for (const m of history) {
      if (m.action === 'set') stack.push(m.fromVersion);
      else stack.pop();
    }
    const target = stack.at(-1);
    if (target === undefined) {
      throw userError(
        'MODEL_ROLLBACK_NOTHING',
        `Alias "${alias}" of model "${name}" has no earlier version to go back to`,
        `it was first set to version ${history[0]?.toVersion} and every later move has been rolled back`,
        `Point it at a version explicitly (deploy.http with a version), or inspect \`aliasHistory\`.`,
      );
    }
    return target;
  }

  private moveAlias(
    name: string,
    alias: string,
    to: number,
    action: 'set' | 'rollback',
    by: string,
    reason: string | undefined,
  ): AliasMove {
    this.checkAlias(alias);
    const at = this.now();
    const from = this.getAliases(name)[alias];
    this.db
      .prepare(
        `INSERT INTO model_aliases (model, alias, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at,
           updated_by = excluded.updated_by`,
      )
      .run(name, alias, to, at, by);
    const seq = this.db
      .prepare(
        `INSERT INTO model_alias_history (model, alias, action, from_version, to_version, by, at, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(name, alias, action, from ?? null, to, by, at, reason ?? null).lastInsertRowid;
    this.bumpEpoch(name);
    this.insertAudit(by, action === 'set' ? 'model.alias.set' : 'model.alias.rollback', `${name}:${alias}`, {
      from: from ?? null,
      to,
      ...(reason ? { reason } : {}),
    });
    const move: AliasMove = { seq: Number(seq), model: name, alias, action, toVersion: to, by, at };
    if (from !== undefined) move.fromVersion = from;
    if (reason) move.reason = reason;
    return move;
  }

  private insertDeployment(d: {
    model: string;
    alias: string;
    version: number;
    canary?: { version: number; share: number } | undefined;
    kind: 'deploy' | 'rollback';
    by: string;
    at: string;
    reason?: string | undefined;
    runId?: string | undefined;
    stepId?: string | undefined;
    idempotencyKey?: string | undefined;
  }): string {
    const id = newDeploymentId(this.clock());
    this.db
      .prepare(
        "UPDATE model_deployments SET status = 'superseded', ended_at = ? WHERE model = ? AND status = 'active'",
      )
      .run(d.at, d.model);
    this.db
      .prepare(
        `INSERT INTO model_deployments (id, model, alias, version, canary_version, canary_share, status, kind,
           created_by, created_at, reason, run_id, step_id, idempotency_key)
         VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        d.model,
        d.alias,
        d.version,
        d.canary?.version ?? null,
        d.canary?.share ?? null,
        d.kind,
        d.by,
        d.at,
        d.reason ?? null,
        d.runId ?? null,
        d.stepId ?? null,
        d.idempotencyKey ?? null,
      );
    this.bumpEpoch(d.model);
    this.insertAudit(d.by, d.kind === 'deploy' ? 'model.deploy' : 'model.deploy.rollback', d.model, {
      deploymentId: id,
      alias: d.alias,
      version: d.version,
      ...(d.canary ? { canary: d.canary } : {}),
      ...(d.reason ? { reason: d.reason } : {}),
      ...(d.runId ? { runId: d.runId, stepId: d.stepId } : {}),
    });
    return id;
  }

  private requireDeployment(id: string): DeploymentRecord {
    const d = this.getDeployment(id);
    if (!d) throw new Error(`deployment ${id} vanished inside its own transaction`);
    return d;
  }

  private bumpEpoch(name: string): void {
    this.db.prepare('UPDATE models SET epoch = epoch + 1 WHERE name = ?').run(name);
  }

  private aliasesByVersion(name: string): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (const [alias, version] of Object.entries(this.getAliases(name))) {
      out.set(version, [...(out.get(version) ?? []), alias]);
    }
    return out;
  }

  private unknownVersion(name: string, version: number) {
    const known = (
      this.db
        .prepare('SELECT version FROM model_versions WHERE model = ? ORDER BY version')
        .all(name) as Row[]
    ).map((r) => Number(r.version));
    return userError(
      'MODEL_VERSION_NOT_FOUND',
      `Model "${name}" has no version ${version}`,
      `its versions are: ${listed(known)}`,
      'Use one of those versions, or an alias such as production.',
      { model: name, version, known },
    );
  }

  /** Same append-only audit log as the run store. */
  private insertAudit(actor: string, action: string, target: string, details: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO audit (at, actor, action, target, details_json) VALUES (?, ?, ?, ?, ?)')
      .run(this.now(), actor, action, target, JSON.stringify(details));
  }
}

function toVersion(r: Row, aliases: string[]): ModelVersionRecord {
  const out: ModelVersionRecord = {
    model: String(r.model),
    version: Number(r.version),
    ref: parse<RegisteredModelRef>(r.ref_json) as RegisteredModelRef,
    metrics: parse<Record<string, number>>(r.metrics_json) ?? {},
    params: parse<Record<string, unknown>>(r.params_json) ?? {},
    createdBy: String(r.created_by),
    createdAt: String(r.created_at),
    aliases: [...aliases].sort(),
  };
  const dataset = parse<RegisteredDatasetRef>(r.dataset_json);
  if (dataset) out.dataset = dataset;
  if (typeof r.dataset_version === 'string') out.datasetVersion = r.dataset_version;
  if (typeof r.dataset_hash === 'string') out.datasetHash = r.dataset_hash;
  if (typeof r.run_id === 'string') out.runId = r.run_id;
  if (typeof r.step_id === 'string') out.stepId = r.step_id;
  if (typeof r.plan_name === 'string') out.planName = r.plan_name;
  if (typeof r.description === 'string') out.description = r.description;
  if (typeof r.idempotency_key === 'string') out.idempotencyKey = r.idempotency_key;
  return out;
}

function toMove(r: Row): AliasMove {
  const move: AliasMove = {
    seq: Number(r.seq),
    model: String(r.model),
    alias: String(r.alias),
    action: r.action === 'rollback' ? 'rollback' : 'set',
    toVersion: Number(r.to_version),
    by: String(r.by),
    at: String(r.at),
  };
  if (r.from_version !== null && r.from_version !== undefined) move.fromVersion = Number(r.from_version);
  if (typeof r.reason === 'string') move.reason = r.reason;
  return move;
}

function toDeployment(r: Row): DeploymentRecord {
  const d: DeploymentRecord = {
    id: String(r.id),
    model: String(r.model),
    alias: String(r.alias),
    version: Number(r.version),
    status: String(r.status) as DeploymentStatus,
    kind: r.kind === 'rollback' ? 'rollback' : 'deploy',
    createdBy: String(r.created_by),
    createdAt: String(r.created_at),
  };
  if (r.canary_version !== null && r.canary_version !== undefined) {
    d.canary = { version: Number(r.canary_version), share: Number(r.canary_share) };
  }
  if (typeof r.ended_at === 'string') d.endedAt = r.ended_at;
  if (typeof r.reason === 'string') d.reason = r.reason;
  if (typeof r.run_id === 'string') d.runId = r.run_id;
  if (typeof r.step_id === 'string') d.stepId = r.step_id;
  if (typeof r.idempotency_key === 'string') d.idempotencyKey = r.idempotency_key;
  return d;
}
