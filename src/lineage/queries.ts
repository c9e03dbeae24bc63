/**
 * Questions the lineage graph answers: upstream/downstream trees, "what is in production and how did it get
 * there", and the difference between two runs.
 */
import {
  type LineageEntity,
  LineageStore,
  type LineageWalk,
  type RunStore,
  type StepRecord,
} from '../store/index.ts';
import { collectRefs, datasetId, datasetLabel, isObject, metricsOf, runEntityId } from './refs.ts';

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
