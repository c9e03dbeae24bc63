/**
 * Questions the lineage graph and the run records answer: upstream/downstream trees, "what is in production
 * and how did it get there", the difference between two runs or two model versions, which runs failed and
 * why, and what happened to the deploy steps of a model's runs.
 */
import { userError } from '../errors.ts';
import {
  type LineageEntity,
  LineageStore,
  type LineageWalk,
  ModelRegistry,
  type RunRecord,
  type RunStore,
  type StepRecord,
} from '../store/index.ts';
import {
  approvalId,
  collectRefs,
  datasetId,
  datasetLabel,
  isObject,
  metricsOf,
  runEntityId,
} from './refs.ts';

export function lineageOf(store: RunStore): LineageStore {
  return new LineageStore(store.db);
}

/** Upstream (`up`) or downstream (`down`) of any entity, to any depth. */
export function walkLineage(store: RunStore, entity: string, direction: 'up' | 'down' = 'up', depth = 64) {
  return lineageOf(store).walk(entity, direction, depth);
}

/** A walk as an indented tree; an entity reached twice is printed once and referred to after. */
export function renderTree(w: LineageWalk): string {
  const byId = new Map(w.nodes.map((n) => [n.id, n]));
  const children = new Map<string, { type: string; id: string }[]>();
  for (const e of w.edges) {
    const [from, to] = w.direction === 'up' ? [e.src, e.dst] : [e.dst, e.src];
    const list = children.get(from) ?? [];
    list.push({ type: e.type, id: to });
    children.set(from, list);
  }
  const line = (id: string) => {
    const n = byId.get(id);
    return n ? `${n.id}  ${n.label}` : id;
  };
  const out = [line(w.root.id)];
  const shown = new Set([w.root.id]);
  const visit = (id: string, prefix: string) => {
    const kids = children.get(id) ?? [];
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      const arrow = w.direction === 'up' ? `${k.type} →` : `← ${k.type}`;
      const again = shown.has(k.id);
      out.push(`${prefix}${last ? '└─ ' : '├─ '}${arrow} ${line(k.id)}${again ? '  (see above)' : ''}`);
      if (again) return;
      shown.add(k.id);
      visit(k.id, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  visit(w.root.id, '');
  return out.join('\n');
}

export interface ApprovalSummary {
  id: string;
  runId?: string;
  step?: string;
  approved: boolean;
  by?: string;
  at?: string;
  comment?: string;
}

export interface ProductionEntry {
  model: string;
  alias: string;
  version: number;
  deploymentId?: string;
  deployedAt?: string;
  deployedBy?: string;
  /** The model version entity (model:<hash>), when lineage recorded it. */
  modelVersion?: LineageEntity;
  /** Datasets the model was trained on. */
  trainingData: LineageEntity[];
  /** Datasets those came from, nearest first. */
  derivedFrom: LineageEntity[];
  /** Runs that trained, registered or deployed it. */
  runs: string[];
  approvals: ApprovalSummary[];
}

type Row = Record<string, unknown>;

/** What is in production (every model's production alias) and how it got there. */
export function whatIsInProduction(store: RunStore): ProductionEntry[] {
  const L = lineageOf(store);
  const aliases = store.db
    .prepare(
      `SELECT a.model, a.alias, a.version, a.updated_at, a.updated_by FROM model_aliases a
         WHERE a.alias = 'production' ORDER BY a.updated_at DESC`,
    )
    .all() as Row[];
  const out: ProductionEntry[] = [];
  for (const a of aliases) {
    const model = String(a.model);
    const version = Number(a.version);
    const dep = store.db
      .prepare(
        `SELECT * FROM model_deployments WHERE model = ? AND alias = 'production' AND status = 'active'
           ORDER BY created_at DESC LIMIT 1`,
      )
      .get(model) as Row | undefined;
    const mv = store.db
      .prepare('SELECT run_id, dataset_hash FROM model_versions WHERE model = ? AND version = ?')
      .get(model, version) as Row | undefined;
    const modelEntity =
      L.getEntity(L.aliasOf(`model:${model}@${version}`) ?? `model:${model}@${version}`) ?? undefined;
    const entry: ProductionEntry = {
      model,
      alias: 'production',
      version,
      trainingData: [],
      derivedFrom: [],
      runs: [],
      approvals: [],
    };
    if (modelEntity) entry.modelVersion = modelEntity;
    if (dep) {
      entry.deploymentId = String(dep.id);
      entry.deployedAt = String(dep.created_at);
      entry.deployedBy = String(dep.created_by);
    } else {
      entry.deployedAt = String(a.updated_at);
      entry.deployedBy = String(a.updated_by);
    }
    const runs = new Set<string>();
    const approvals = new Map<string, ApprovalSummary>();
    const addApproval = (id: string) => {
      const e = L.getEntity(id);
      if (!e || approvals.has(id)) return;
      const s: ApprovalSummary = { id, approved: e.attrs.approved === true };
      if (e.runId) s.runId = e.runId;
      if (typeof e.attrs.step === 'string') s.step = e.attrs.step;
      if (typeof e.attrs.by === 'string') s.by = e.attrs.by;
      if (typeof e.attrs.at === 'string') s.at = e.attrs.at;
      if (typeof e.attrs.comment === 'string') s.comment = e.attrs.comment;
      approvals.set(id, s);
    };
    if (modelEntity) {
      const training = L.edges({ from: modelEntity.id, type: 'trained_on' }).map((e) => e.dst);
      entry.trainingData = training.map((id) => L.getEntity(id)).filter((e) => e !== undefined);
      // Only derivations count as sources of the training data: following every edge type would pull in
      // the runs and alerts that triggered a retrain, and the traffic they looked at.
      const seen = new Set(training);
      const queue = [...training];
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        for (const edge of L.edges({ from: id, type: 'derived_from' })) {
          if (seen.has(edge.dst)) continue;
          seen.add(edge.dst);
          queue.push(edge.dst);
          const n = L.getEntity(edge.dst);
          if (n?.kind === 'dataset') entry.derivedFrom.push(n);
        }
      }
      for (const n of L.walk(modelEntity.id, 'up', 3).nodes)
        if (n.kind === 'run' && n.runId) runs.add(n.runId);
      for (const e of L.edges({ from: modelEntity.id, type: 'approved_by' })) addApproval(e.dst);
    } else if (mv && typeof mv.dataset_hash === 'string') {
      const d = L.getEntity(datasetId(mv.dataset_hash));
      if (d) entry.trainingData.push(d);
    }
    if (mv && typeof mv.run_id === 'string') runs.add(mv.run_id);
    if (dep) {
      const depEntity = L.getEntity(`deployment:${String(dep.id)}`);
      if (depEntity) for (const e of L.edges({ from: depEntity.id, type: 'approved_by' })) addApproval(e.dst);
      if (typeof dep.run_id === 'string') runs.add(dep.run_id);
    }
    // Decisions recorded in runs that lineage did not link (e.g. decided before lineage was attached).
    if (approvals.size === 0) {
      for (const runId of runs)
        for (const a of store.listApprovals({ runId }))
          if (a.status !== 'pending')
            approvals.set(`approval:${runId}/${a.stepId}`, {
              id: `approval:${runId}/${a.stepId}`,
              runId,
              step: a.stepId,
              approved: a.status === 'approved',
              ...(a.decidedBy ? { by: a.decidedBy } : {}),
              ...(a.decidedAt ? { at: a.decidedAt } : {}),
              ...(a.comment ? { comment: a.comment } : {}),
            });
    }
    entry.runs = [...runs];
    entry.approvals = [...approvals.values()];
    out.push(entry);
  }
  return out;
}

export interface RunDiff {
  a: { runId: string; plan: string; planHash: string; status: string };
  b: { runId: string; plan: string; planHash: string; status: string };
  plan: { same: boolean; stepsAdded: string[]; stepsRemoved: string[]; stepsChanged: string[] };
  params: { step: string; path: string; a: unknown; b: unknown }[];
  data: { step: string; path: string; a?: string; b?: string }[];
  metrics: { step: string; metric: string; a?: number; b?: number; delta?: number }[];
}

/** Differences between two runs: plan, data versions, parameters and metrics, per step. */
export function diffRuns(store: RunStore, runA: string, runB: string): RunDiff {
  const a = store.requireRun(runA);
  const b = store.requireRun(runB);
  const stepsA = new Map(store.getSteps(a.id).map((s) => [s.stepId, s]));
  const stepsB = new Map(store.getSteps(b.id).map((s) => [s.stepId, s]));
  const planStepsA = new Map(a.plan.steps.map((s) => [s.id, JSON.stringify(s)]));
  const planStepsB = new Map(b.plan.steps.map((s) => [s.id, JSON.stringify(s)]));
  const diff: RunDiff = {
    a: { runId: a.id, plan: a.planName, planHash: a.planHash, status: a.status },
    b: { runId: b.id, plan: b.planName, planHash: b.planHash, status: b.status },
    plan: {
      same: a.planHash === b.planHash,
      stepsAdded: [...planStepsB.keys()].filter((k) => !planStepsA.has(k)),
      stepsRemoved: [...planStepsA.keys()].filter((k) => !planStepsB.has(k)),
      stepsChanged: [...planStepsA.keys()].filter(
        (k) => planStepsB.has(k) && planStepsA.get(k) !== planStepsB.get(k),
      ),
    },
    params: [],
    data: [],
    metrics: [],
  };
  const steps = [...new Set([...stepsA.keys(), ...stepsB.keys()])];
  for (const step of steps) {
    const sa = stepsA.get(step);
    const sb = stepsB.get(step);
    const pa = flatten(sa?.input);
    const pb = flatten(sb?.input);
    for (const path of new Set([...pa.keys(), ...pb.keys()])) {
      const va = pa.get(path);
      const vb = pb.get(path);
      if (JSON.stringify(va) !== JSON.stringify(vb)) diff.params.push({ step, path, a: va, b: vb });
    }
    const da = dataOf(sa);
    const db = dataOf(sb);
    for (const path of new Set([...da.keys(), ...db.keys()])) {
      const va = da.get(path);
      const vb = db.get(path);
      if (va !== vb) diff.data.push({ step, path, ...(va ? { a: va } : {}), ...(vb ? { b: vb } : {}) });
    }
    const ma = metricsIn(sa?.output);
    const mb = metricsIn(sb?.output);
    for (const metric of new Set([...Object.keys(ma), ...Object.keys(mb)])) {
      const va = ma[metric];
      const vb = mb[metric];
      if (va === vb) continue;
      diff.metrics.push({
        step,
        metric,
        ...(va !== undefined ? { a: va } : {}),
        ...(vb !== undefined ? { b: vb } : {}),
        ...(va !== undefined && vb !== undefined ? { delta: vb - va } : {}),
      });
    }
  }
  return diff;
}

/** Leaf values of a step input by path; dataset and model references are left to the data diff. */
function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value === undefined) return out;
  if (isObject(value)) {
    const refs = collectRefs(value, 0);
    if (refs.datasets.length || refs.models.length) return out;
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  out.set(prefix || '(value)', value);
  return out;
}

/** Data versions a step read and wrote, by path (input.dataset, output.train, ...). */
function dataOf(step: StepRecord | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!step) return out;
  const visit = (v: unknown, path: string, depth: number) => {
    if (depth > 5 || !v || typeof v !== 'object') return;
    const refs = collectRefs(v, 0);
    const d = refs.datasets[0];
    if (d) return void out.set(path, `${datasetLabel(d)} (${d.hash.slice(0, 12)})`);
    const m = refs.models[0];
    if (m) return void out.set(path, `model ${m.hash.slice(0, 12)}`);
    for (const [k, c] of Object.entries(v)) visit(c, `${path}.${k}`, depth + 1);
  };
  visit(step.input, 'input', 0);
  visit(step.output, 'output', 0);
  return out;
}

/** Metrics a step reported: output.metrics, or the metrics of a model it produced. */
function metricsIn(output: unknown): Record<string, number> {
  const direct = metricsOf(output);
  if (direct) return direct;
  const m = collectRefs(output).models[0];
  return metricsOf(m) ?? {};
}

export function runEntity(store: RunStore, runId: string): LineageEntity | undefined {
  return lineageOf(store).getEntity(runEntityId(runId));
}

// ---- runs, deploys and versions, for `ask` ----------------------------------------------------------

export interface FailedRun {
  runId: string;
  plan: string;
  createdAt: string;
  createdBy: string;
  trigger: string;
  /** The step that failed (absent when the run failed outside a step). */
  step?: string;
  task?: string;
  error?: { code: string; what: string; why?: string; fix?: string };
}

/** Failed runs created in [since, until), newest first, each with the step that failed and its error. */
export function failedRuns(
  store: RunStore,
  range: { since?: string; until?: string; limit?: number } = {},
): FailedRun[] {
  const runs = store
    .listRuns({ status: 'failed', limit: 1000 })
    .filter(
      (r) => (!range.since || r.createdAt >= range.since) && (!range.until || r.createdAt < range.until),
    )
    .slice(0, range.limit ?? 50);
  return runs.map((r) => {
    const failed = store.getSteps(r.id).find((s) => s.status === 'failed');
    const err = failed?.error ?? r.error;
    const out: FailedRun = {
      runId: r.id,
      plan: r.planName,
      createdAt: r.createdAt,
      createdBy: r.createdBy,
      trigger: r.trigger,
    };
    if (failed) {
      out.step = failed.stepId;
      if (failed.task) out.task = failed.task;
    }
    if (err) {
      out.error = { code: err.code, what: err.what };
      if (err.why) out.error.why = err.why;
      if (err.fix) out.error.fix = err.fix;
    }
    return out;
  });
}

/** The model names the registry and the plans of past runs know (registered, or named by register/deploy steps). */
export function knownModelNames(store: RunStore, runLimit = 500): string[] {
  const names = new Set(new ModelRegistry(store.db).listModels().map((m) => m.name));
  for (const r of store.listRuns({ limit: runLimit }))
    for (const s of r.plan.steps) {
      const name = shippedModel(s);
      if (name) names.add(name);
    }
  return [...names].sort();
}

const SHIP_TASKS = ['deploy.http', 'model.register', 'model.rollback'];

/** The model a register / deploy / rollback step names, when it is written literally. */
function shippedModel(s: RunRecord['plan']['steps'][number]): string | undefined {
  if (s.kind !== 'task' || !SHIP_TASKS.includes(s.task)) return undefined;
  const w = s.with as Record<string, unknown>;
  const v = s.task === 'model.register' ? w.name : w.model;
  return typeof v === 'string' && !v.includes('${{') ? v.split(/[@:]/)[0] : undefined;
}

export interface ShipAttempt {
  runId: string;
  plan: string;
  createdAt: string;
  runStatus: string;
  model: string;
  /** The deploy step (or the register step, for plans that only register). */
  step: string;
  task: string;
  outcome: 'deployed' | 'registered' | 'gated' | 'rejected' | 'failed' | 'waiting' | 'cancelled' | 'not-run';
  /** The figures or words that decided it: the gate's values, the rejection comment, the error. */
  detail: string;
  /** The step whose outcome decided it (the gate, the approval, the failed step). */
  decidedAt?: string;
  approval?: { id: string; by?: string; comment?: string };
  version?: number;
}

/**
 * Every run whose plan registers or deploys one of `models` (or whose plan is named like one), newest first,
 * with what happened to its deploy step and why: shipped, stopped by a gate (with the values), rejected at
 * an approval (by whom), failed upstream, or still waiting.
 */
export function shipAttempts(store: RunStore, models: readonly string[], limit = 10): ShipAttempt[] {
  const out: ShipAttempt[] = [];
  for (const r of store.listRuns({ limit: 500 })) {
    const ship = r.plan.steps.filter((s) => shippedModel(s) && models.includes(shippedModel(s) as string));
    const target = ship.find((s) => s.kind === 'task' && s.task === 'deploy.http') ?? ship[0];
    if (target?.kind !== 'task') continue;
    const steps = new Map(store.getSteps(r.id).map((s) => [s.stepId, s]));
    const planSteps = new Map(r.plan.steps.map((s) => [s.id, s]));
    const attempt: ShipAttempt = {
      runId: r.id,
      plan: r.planName,
      createdAt: r.createdAt,
      runStatus: r.status,
      model: shippedModel(target) as string,
      step: target.id,
      task: target.task,
      outcome: 'not-run',
      detail: `step ${target.id} did not run`,
    };
    // Follow "upstream step X skipped" reasons back to the step that decided.
    let id = target.id;
    for (let hops = 0; hops < 100; hops++) {
      const s = steps.get(id);
      if (!s) {
        attempt.outcome =
          r.status === 'waiting' ? 'waiting' : r.status === 'cancelled' ? 'cancelled' : 'not-run';
        attempt.detail = `step ${id} ${r.status === 'running' ? 'has not run yet' : 'never ran'}`;
        break;
      }
      // A rejected approval (recorded as succeeded with approved: false, or as rejected).
      const a = planSteps.get(id)?.kind === 'approval' ? store.getApproval(r.id, id) : undefined;
      if (a?.status === 'rejected') {
        attempt.outcome = 'rejected';
        attempt.detail = `approval ${id} was rejected by ${a.decidedBy ?? 'someone'}${a.comment ? `: "${a.comment}"` : ''}`;
        attempt.decidedAt = id;
        attempt.approval = {
          id: approvalId(r.id, id),
          ...(a.decidedBy ? { by: a.decidedBy } : {}),
          ...(a.comment ? { comment: a.comment } : {}),
        };
        break;
      }
      if (s.status === 'succeeded') {
        attempt.outcome =
          id === target.id ? (target.task === 'deploy.http' ? 'deployed' : 'registered') : 'not-run';
        const v = isObject(s.output) && typeof s.output.version === 'number' ? s.output.version : undefined;
        if (v !== undefined) attempt.version = v;
        attempt.detail = `${target.task === 'deploy.http' ? 'deployed' : 'registered'}${v !== undefined ? ` as version ${v}` : ''}`;
        break;
      }
      if (s.status === 'failed') {
        attempt.outcome = 'failed';
        attempt.detail = `${s.task ?? 'step'} ${id} failed: ${s.error?.what ?? 'unknown error'}${s.error?.why ? ` (${s.error.why})` : ''}`;
        attempt.decidedAt = id;
        break;
      }
      if (s.status === 'waiting' || s.status === 'running' || s.status === 'pending') {
        const a = store.getApproval(r.id, id);
        attempt.outcome = 'waiting';
        attempt.detail = a
          ? `approval ${id} is still pending (expires ${a.expiresAt})`
          : `step ${id} is ${s.status}`;
        attempt.decidedAt = id;
        if (a) attempt.approval = { id: approvalId(r.id, id) };
        break;
      }
      const reason = s.reason ?? '';
      const upstream =
        /^upstream step "([^"]+)"/.exec(reason) ?? /^approval "([^"]+)" was rejected/.exec(reason);
      if (upstream?.[1]) {
        id = upstream[1];
        continue;
      }
      if (reason.startsWith('condition is false: ')) {
        attempt.outcome = 'gated';
        attempt.detail = reason.slice('condition is false: '.length);
        attempt.decidedAt = id;
        break;
      }
      attempt.outcome = s.status === 'cancelled' ? 'cancelled' : 'not-run';
      attempt.detail = `step ${id} ${s.status}${reason ? `: ${reason}` : ''}`;
      attempt.decidedAt = id;
      break;
    }
    out.push(attempt);
    if (out.length >= limit) break;
  }
  return out;
}

export interface VersionSide {
  version: number;
  createdAt: string;
  createdBy: string;
  runId?: string;
  plan?: string;
  algorithm?: string;
  data?: { id: string; label: string; rows?: number };
  aliases: string[];
}

export interface VersionDiff {
  model: string;
  from: VersionSide;
  to: VersionSide;
  /** Fields that differ: algorithm, framework, target, features added/removed. */
  changes: { field: string; from: unknown; to: unknown }[];
  params: { name: string; from: unknown; to: unknown }[];
  /** Metrics recorded at registration (each version's own validation data). */
  metrics: { metric: string; from?: number; to?: number; delta?: number }[];
  /** Step-by-step differences of the runs that trained them (plan, parameters, data), when both are known. */
  runs?: RunDiff;
}

/** What changed between two versions of a registered model (default: the last two). */
export function versionDiff(
  store: RunStore,
  model: string,
  fromVersion?: number,
  toVersion?: number,
): VersionDiff {
  const registry = new ModelRegistry(store.db);
  const versions = registry.listVersions(model);
  const to = toVersion !== undefined ? registry.getVersion(model, toVersion) : versions[0];
  const from =
    fromVersion !== undefined
      ? registry.getVersion(model, fromVersion)
      : versions.find((v) => to && v.version < to.version);
  if (!to || !from) {
    throw userError(
      'ASK_ONE_VERSION',
      `Model "${model}" has ${versions.length} version${versions.length === 1 ? '' : 's'}`,
      'a comparison needs two',
      'Ask about the changes once another version is registered.',
    );
  }
  const side = (v: typeof to): VersionSide => {
    const s: VersionSide = {
      version: v.version,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      aliases: v.aliases,
    };
    if (v.runId) s.runId = v.runId;
    if (v.planName) s.plan = v.planName;
    if (typeof v.ref.algorithm === 'string') s.algorithm = v.ref.algorithm;
    if (v.dataset?.hash) {
      s.data = {
        id: datasetId(v.dataset.hash),
        label: datasetLabel({ ...v.dataset, hash: v.dataset.hash }),
        ...(typeof v.dataset.rows === 'number' ? { rows: v.dataset.rows } : {}),
      };
    }
    return s;
  };
  const diff: VersionDiff = { model, from: side(from), to: side(to), changes: [], params: [], metrics: [] };
  for (const field of ['framework', 'algorithm', 'taskType', 'target']) {
    const a = from.ref[field];
    const b = to.ref[field];
    if (JSON.stringify(a) !== JSON.stringify(b)) diff.changes.push({ field, from: a, to: b });
  }
  const names = (v: typeof to) =>
    Array.isArray(v.ref.features) ? (v.ref.features as { name?: unknown }[]).map((f) => String(f.name)) : [];
  const fa = names(from);
  const fb = names(to);
  const added = fb.filter((f) => !fa.includes(f));
  const removed = fa.filter((f) => !fb.includes(f));
  if (added.length) diff.changes.push({ field: 'features added', from: null, to: added });
  if (removed.length) diff.changes.push({ field: 'features removed', from: removed, to: null });
  if (diff.from.data?.id !== diff.to.data?.id)
    diff.changes.push({
      field: 'training data',
      from: diff.from.data?.label ?? null,
      to: diff.to.data?.label ?? null,
    });
  for (const name of new Set([...Object.keys(from.params), ...Object.keys(to.params)])) {
    const a = from.params[name];
    const b = to.params[name];
    if (JSON.stringify(a) !== JSON.stringify(b)) diff.params.push({ name, from: a, to: b });
  }
  for (const metric of new Set([...Object.keys(from.metrics), ...Object.keys(to.metrics)])) {
    const a = from.metrics[metric];
    const b = to.metrics[metric];
    if (a === b) continue;
    diff.metrics.push({
      metric,
      ...(a !== undefined ? { from: a } : {}),
      ...(b !== undefined ? { to: b } : {}),
      ...(a !== undefined && b !== undefined ? { delta: b - a } : {}),
    });
  }
  if (from.runId && to.runId && from.runId !== to.runId && store.getRun(from.runId) && store.getRun(to.runId))
    diff.runs = diffRuns(store, from.runId, to.runId);
  return diff;
}
