/**
 * What exists in a workspace, as the planner's resolver needs it: registered models with their versions,
 * aliases, where production can roll back to, the training data of each version (recorded in the registry and
 * linked in the lineage graph) and whether its files are still there; past runs with their day, status, plan,
 * data and what they registered; dataset versions by name, newest last; triggers. Read-only queries over the
 * run store's database (SQLite or Postgres); the planner gets them as look-ups, and an LLM as tools.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type AliasMove,
  LineageStore,
  ModelRegistry,
  predictionLogPath,
  type RunStore,
  TriggerStore,
} from '../store/index.ts';
import { isObject } from './refs.ts';

export interface TrainingDataFacts {
  name?: string;
  version?: string;
  hash: string;
  path?: string;
  rows?: number;
  /** The file is still readable. */
  exists: boolean;
  /** Lineage entity of the data (dataset:<hash>), when recorded. */
  lineageId?: string;
}

export interface ModelVersionFacts {
  version: number;
  createdAt: string;
  runId?: string;
  planName?: string;
  algorithm?: string;
  framework?: string;
  target?: string;
  taskType?: string;
  features: string[];
  metrics: Record<string, number>;
  aliases: string[];
  /** The model folder (model.json and weights) is still on disk. */
  filesExist: boolean;
  trainingData?: TrainingDataFacts;
  /** Data files the run that trained it read (ingest steps), workspace-relative. */
  sources: string[];
  /** The held-out rows its run evaluated it on (a DatasetRef), when recorded and still on disk. */
  heldOut?: Record<string, unknown>;
  /** The model reference the registry stores for this version (a ModelRef: folder, hash, features, …). */
  modelRef: Record<string, unknown>;
}

export interface ModelFacts {
  name: string;
  /** Newest first. */
  versions: ModelVersionFacts[];
  aliases: Record<string, number>;
  /** Where `pipewright models rollback` (model.rollback) would move production; undefined when nowhere. */
  rollbackTarget?: number;
  /** Every version production has pointed at, in order. */
  productionHistory: number[];
  /** When production was pointed at each version (promotions and rollbacks), in order. */
  productionMoves: { version: number; at: string }[];
  activeDeployment?: {
    id: string;
    alias: string;
    version: number;
    canary?: { version: number; share: number };
  };
  /** Requests were logged for it by the serving route. */
  served: boolean;
}

export interface RunFacts {
  id: string;
  planName: string;
  goal?: string;
  status: string;
  createdAt: string;
  trigger: string;
  error?: string;
  /** Steps that train (train.*). */
  trains: boolean;
  targets: string[];
  /** Files its ingest steps read, workspace-relative. */
  sources: string[];
  /** Dataset versions it made: name@version. */
  datasets: { name: string; version: string }[];
  registered: { model: string; version: number }[];
  deployed: { model: string; version: number }[];
}

export interface DatasetVersionFacts {
  name: string;
  version: string;
  hash: string;
  path: string;
  rows: number;
  createdAt: string;
  runId: string;
  /** The file its run ingested, workspace-relative, when it came from one. */
  source?: string;
  exists: boolean;
}

export interface TriggerFacts {
  name: string;
  kind: string;
  planName: string;
  schedule?: string;
  enabled: boolean;
  /** The plan the trigger starts (as stored), for "run the … job now". */
  plan?: unknown;
}

/** The look-ups, over one store. Cheap enough to call per goal; nothing is cached across calls. */
export interface WorkspaceFacts {
  models(): ModelFacts[];
  runs(limit?: number): RunFacts[];
  datasetVersions(name?: string): DatasetVersionFacts[];
  triggers(): TriggerFacts[];
  /** The plan a run executed (as recorded), for "rerun it" / "retrain like run X". */
  runPlan(runId: string): unknown;
  workspace: string;
}

const rel = (workspace: string, p: string | undefined) =>
  p ? (path.isAbsolute(p) ? path.relative(workspace, p) : p) : undefined;

/** Replays an alias's moves: each set remembers where it was, each rollback undoes the latest set. */
export function rollbackTargetOf(history: AliasMove[]): number | undefined {
  const stack: (number | undefined)[] = [];
  for (const m of history) {
    if (m.action === 'set') stack.push(m.fromVersion);
    else stack.pop();
  }
  return stack.at(-1);
}

export function workspaceFacts(
  store: RunStore,
  opts: { workspace: string; stateDir: string },
): WorkspaceFacts {
  const { workspace, stateDir } = opts;
  const registry = new ModelRegistry(store.db);
  const lineage = new LineageStore(store.db);

  const runSources = new Map<string, string[]>();
  const sourcesOf = (runId: string | undefined): string[] => {
    if (!runId) return [];
    const hit = runSources.get(runId);
    if (hit) return hit;
    const out = store
      .getSteps(runId)
      .filter((s) => s.task === 'ingest.file' && isObject(s.input) && typeof s.input.path === 'string')
      .map((s) => rel(workspace, (s.input as { path: string }).path) as string);
    runSources.set(runId, out);
    return out;
  };

  /** The test rows the run evaluated a model on: the input of its evaluate step for that model. */
  const heldOutOf = (
    runId: string | undefined,
    hash: string,
  ): { heldOut: Record<string, unknown> } | undefined => {
    if (!runId) return undefined;
    for (const s of store.getSteps(runId)) {
      if (!s.task?.startsWith('evaluate.') || s.status !== 'succeeded' || !isObject(s.input)) continue;
      const m = s.input.model;
      const d = s.input.dataset;
      if (!isObject(m) || m.hash !== hash || !isObject(d) || typeof d.path !== 'string') continue;
      if (!existsSync(path.resolve(workspace, d.path))) return undefined;
      return { heldOut: d };
    }
    return undefined;
  };

  const models = (): ModelFacts[] =>
    registry.listModels().map((m) => {
      const versions = registry.listVersions(m.name).map((v): ModelVersionFacts => {
        const ref = v.ref as Record<string, unknown>;
        const dir = typeof ref.dir === 'string' ? ref.dir : undefined;
        const ds = v.dataset;
        const lineageId = ds?.hash ? lineage.getEntity(`dataset:${ds.hash.slice(0, 12)}`)?.id : undefined;
        return {
          version: v.version,
          createdAt: v.createdAt,
          ...(v.runId ? { runId: v.runId } : {}),
          ...(v.planName ? { planName: v.planName } : {}),
          ...(typeof ref.algorithm === 'string' ? { algorithm: ref.algorithm } : {}),
          ...(typeof ref.framework === 'string' ? { framework: ref.framework } : {}),
          ...(typeof ref.target === 'string' ? { target: ref.target } : {}),
          ...(typeof ref.taskType === 'string' ? { taskType: ref.taskType } : {}),
          features: Array.isArray(ref.features)
            ? (ref.features as { name?: unknown }[]).map((f) => String(f.name))
            : [],
          metrics: v.metrics,
          aliases: v.aliases,
          modelRef: ref,
          filesExist: dir !== undefined && existsSync(path.join(dir, 'model.json')),
          ...(ds
            ? {
                trainingData: {
                  hash: ds.hash,
                  ...(ds.name ? { name: ds.name } : {}),
                  ...(ds.version ? { version: ds.version } : {}),
                  ...(ds.path ? { path: ds.path } : {}),
                  ...(typeof ds.rows === 'number' ? { rows: ds.rows } : {}),
                  exists: typeof ds.path === 'string' && existsSync(path.resolve(workspace, ds.path)),
                  ...(lineageId ? { lineageId } : {}),
                },
              }
            : {}),
          sources: sourcesOf(v.runId),
          ...(heldOutOf(v.runId, String(ref.hash ?? '')) ?? {}),
        };
      });
      const aliases = registry.getAliases(m.name);
      const history = registry.aliasHistory(m.name, 'production');
      const target = rollbackTargetOf(history);
      const active = registry.activeDeployment(m.name);
      return {
        name: m.name,
        versions,
        aliases,
        ...(target !== undefined ? { rollbackTarget: target } : {}),
        productionHistory: history.map((h) => h.toVersion),
        productionMoves: history.map((h) => ({ version: h.toVersion, at: h.at })),
        ...(active
          ? {
              activeDeployment: {
                id: active.id,
                alias: active.alias,
                version: active.version,
                ...(active.canary ? { canary: active.canary } : {}),
              },
            }
          : {}),
        served: existsSync(predictionLogPath(stateDir, m.name)),
      };
    });

  const runs = (limit = 200): RunFacts[] =>
    store.listRuns({ limit }).map((r) => {
      const steps = store.getSteps(r.id);
      const out: RunFacts = {
        id: r.id,
        planName: r.planName,
        ...(r.plan.goal ? { goal: r.plan.goal } : {}),
        status: r.status,
        createdAt: r.createdAt,
        trigger: r.trigger,

        trains: r.plan.steps.some((s) => s.kind === 'task' && s.task.startsWith('train.')),
        targets: [
          ...new Set(
            r.plan.steps.flatMap((s) =>
              s.kind === 'task' && s.task.startsWith('train.') && typeof s.with.target === 'string'
                ? [s.with.target]
                : [],
            ),
          ),
        ],
        sources: sourcesOf(r.id),
        datasets: [],
        registered: [],
        deployed: [],
      };
      // The failing step says why; the run's own error only says which step.
      const failed = steps.find((s) => s.status === 'failed' && s.error);
      if (failed?.error)
        out.error = `${failed.stepId}: ${failed.error.what}${failed.error.why ? ` (${failed.error.why})` : ''}`;
      else if (r.error) out.error = r.error.what;
      for (const s of steps) {
        const o = s.output;
        if (s.status !== 'succeeded' || !isObject(o)) continue;
        if (s.task === 'dataset.version' && typeof o.id === 'string' && typeof o.version === 'string')
          out.datasets.push({ name: o.id.slice(0, o.id.lastIndexOf('@')), version: o.version });
        if (s.task === 'model.register' && typeof o.name === 'string' && typeof o.version === 'number')
          out.registered.push({ model: o.name, version: o.version });
        if (s.task?.startsWith('deploy.') && isObject(s.input) && typeof o.version === 'number')
          out.deployed.push({ model: String(s.input.model), version: o.version });
      }
      return out;
    });

  const datasetVersions = (name?: string): DatasetVersionFacts[] => {
    const out: DatasetVersionFacts[] = [];
    const seen = new Set<string>();
    for (const r of store.listRuns({ limit: 500 }).reverse()) {
      for (const s of store.getSteps(r.id)) {
        const o = s.output;
        if (s.task !== 'dataset.version' || s.status !== 'succeeded' || !isObject(o)) continue;
        const id = typeof o.id === 'string' ? o.id : undefined;
        const d = isObject(o.dataset) ? o.dataset : undefined;
        if (!id || !d || typeof o.version !== 'string') continue;
        const n = id.slice(0, id.lastIndexOf('@'));
        if ((name && n !== name) || seen.has(id)) continue;
        seen.add(id);
        const p = String(d.path);
        out.push({
          name: n,
          version: o.version,
          hash: String(d.hash),
          path: p,
          rows: Number(d.rows),
          createdAt: s.finishedAt ?? r.createdAt,
          runId: r.id,
          ...(sourcesOf(r.id)[0] ? { source: sourcesOf(r.id)[0] } : {}),
          exists: existsSync(path.resolve(workspace, p)),
        });
      }
    }
    return out;
  };

  const triggers = (): TriggerFacts[] =>
    new TriggerStore(store.db).listTriggers().map((t) => ({
      name: t.name,
      kind: t.kind,
      planName: t.planName,
      ...(typeof t.spec.schedule === 'string' ? { schedule: t.spec.schedule } : {}),
      enabled: t.enabled,
      ...(t.plan ? { plan: t.plan } : {}),
    }));

  const runPlan = (runId: string): unknown => store.getRun(runId)?.plan;

  return { models, runs, datasetVersions, triggers, runPlan, workspace };
}
