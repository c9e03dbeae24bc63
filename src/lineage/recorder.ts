/**
 * Records the lineage graph as things happen: subscribes to the run store's events in this process and,
 * per relevant event, writes a few entities and edges in one small transaction. A lineage failure is logged
 * once and never reaches the run.
 */
import { type DeploymentRecord, LineageStore, type RunEvent, type RunStore } from '../store/index.ts';
import {
  approvalId,
  collectRefs,
  type DatasetLike,
  datasetId,
  datasetLabel,
  deploymentEntityId,
  isModelLike,
  isObject,
  type ModelLike,
  metricsOf,
  modelId,
  runEntityId,
  short,
  stepEntityId,
} from './refs.ts';

export interface AttachLineageOptions {
  /** Where the one warning about a lineage failure goes (default: stderr). */
  log?: (message: string) => void;
}

const RELEVANT = new Set<RunEvent['type']>([
  'run.created',
  'run.started',
  'run.resumed',
  'step.succeeded',
  'step.failed',
  'approval.decided',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
]);

/** Subscribes the lineage recorder to `store`; returns a function that detaches it. */
export function attachLineage(store: RunStore, opts: AttachLineageOptions = {}): () => void {
  const recorder = new LineageRecorder(store);
  let warned = false;
  const log = opts.log ?? ((m: string) => void process.stderr.write(`${m}\n`));
  return store.subscribe((e) => {
    if (!RELEVANT.has(e.type)) return;
    try {
      store.atomically(() => recorder.record(e));
    } catch (err) {
      if (!warned) {
        warned = true;
        log(`pipewright: lineage not recorded (${(err as Error).message}); runs go on without it`);
      }
    }
  });
}

/**
 * Records a deployment change made outside a run: a rollback or deploy through `pipewright models
 * rollback` or the HTTP API. The deployment entity (kind, who, reason), `deployed_as` the model version its
 * alias now points at, and `replaced` the deployment that served the same model and alias before. Deploy
 * steps of runs are recorded by attachLineage. Returns the deployment's entity id.
 */
export function recordDeploymentChange(store: RunStore, d: DeploymentRecord): string {
  const L = new LineageStore(store.db);
  const id = deploymentEntityId(d.id);
  const at = d.createdAt;
  store.atomically(() => {
    const previous = L.listEntities({ kind: 'deployment', limit: 200 }).find(
      (e) => e.attrs.model === d.model && e.attrs.alias === d.alias && e.id !== id,
    );
    L.upsertEntity({
      id,
      kind: 'deployment',
      label: `${d.id} (${d.model} v${d.version} as ${d.alias}${d.kind === 'rollback' ? ', rollback' : ''})`,
      attrs: {
        deploymentId: d.id,
        model: d.model,
        alias: d.alias,
        version: d.version,
        kind: d.kind,
        by: d.createdBy,
        ...(d.reason ? { reason: d.reason } : {}),
        ...(d.canary ? { canary: d.canary } : {}),
      },
      ...(d.runId ? { runId: d.runId } : {}),
      at,
    });
    const alias = `model:${d.model}@${d.version}`;
    const target = L.aliasOf(alias) ?? alias;
    L.ensureEntity({ id: target, kind: 'model', label: `${d.model} v${d.version}`, at });
    L.addEdge({ src: id, type: 'deployed_as', dst: target, at });
    if (previous) L.addEdge({ src: id, type: 'replaced', dst: previous.id, at });
  });
  return id;
}

export class LineageRecorder {
  readonly lineage: LineageStore;

  constructor(readonly store: RunStore) {
    this.lineage = new LineageStore(store.db);
  }

  record(e: RunEvent): void {
    switch (e.type) {
      case 'run.created':
      case 'run.started':
      case 'run.resumed':
        this.ensureRun(e.runId, e.at);
        return;
      case 'run.succeeded':
      case 'run.failed':
      case 'run.cancelled':
        this.finishRun(e);
        return;
      case 'approval.decided':
        if (e.stepId) this.ensureApproval(e.runId, e.stepId, e.at);
        return;
      case 'step.succeeded':
      case 'step.failed':
        if (e.stepId) this.recordStep(e, e.stepId);
        return;
      default:
        return;
    }
  }

  /** The run, its plan revision (with the prompt that shaped it) and what triggered it. */
  ensureRun(runId: string, at: string): string {
    const id = runEntityId(runId);
    if (this.lineage.getEntity(id)) return id;
    const run = this.store.getRun(runId);
    if (!run) throw new Error(`run ${runId} is not in the store`);
    const L = this.lineage;
    const planId = `plan:${run.planName}@${short(run.planHash)}`;
    if (!L.getEntity(planId)) {
      const previous = L.listEntities({ kind: 'plan', limit: 50 }).find(
        (p) => p.attrs.name === run.planName && p.id !== planId,
      );
      L.upsertEntity({
        id: planId,
        kind: 'plan',
        label: `${run.planName} (${short(run.planHash)})`,
        attrs: {
          name: run.planName,
          hash: run.planHash,
          steps: run.plan.steps.length,
          ...(run.plan.goal ? { goal: run.plan.goal } : {}),
        },
        at,
      });
      if (previous) L.addEdge({ src: planId, type: 'replaced', dst: previous.id, at });
      const prompt = isObject(run.plan.metadata) ? run.plan.metadata.prompt : undefined;
      if (isObject(prompt) && typeof prompt.id === 'string') {
        const promptId = `prompt:${prompt.id}@${String(prompt.version ?? '?')}`;
        L.upsertEntity({
          id: promptId,
          kind: 'prompt',
          label: `${prompt.id} v${String(prompt.version ?? '?')}`,
          attrs: { id: prompt.id, version: prompt.version },
          at,
        });
        L.addEdge({ src: planId, type: 'derived_from', dst: promptId, at });
      }
    }
    L.upsertEntity({
      id,
      kind: 'run',
      label: `${run.id} (${run.planName})`,
      attrs: {
        plan: run.planName,
        planHash: run.planHash,
        status: run.status,
        createdBy: run.createdBy,
        trigger: run.trigger,
        createdAt: run.createdAt,
        ...(run.plan.goal ? { goal: run.plan.goal } : {}),
      },
      runId: run.id,
      at,
    });
    L.addEdge({ src: id, type: 'executes', dst: planId, runId: run.id, at });
    const alert = /^alert:(.+)$/.exec(run.trigger)?.[1];
    if (alert) {
      const alertId = alert.startsWith('alert:') ? alert : `alert:${alert}`;
      L.ensureEntity({ id: alertId, kind: 'alert', label: alert, at });
      L.addEdge({ src: id, type: 'triggered_by', dst: alertId, runId: run.id, at });
    }
    return id;
  }

  private finishRun(e: RunEvent): void {
    const id = this.ensureRun(e.runId, e.at);
    const status = e.type.slice('run.'.length);
    const err = isObject(e.data.error) ? e.data.error : undefined;
    const entity = this.lineage.getEntity(id);
    this.lineage.upsertEntity({
      id,
      kind: 'run',
      label: entity?.label ?? id,
      attrs: {
        status,
        finishedAt: e.at,
        ...(err ? { error: [err.what, err.why].filter(Boolean).join(': ') } : {}),
      },
      runId: e.runId,
      at: e.at,
    });
  }

  ensureApproval(runId: string, stepId: string, at: string): string | undefined {
    const a = this.store.getApproval(runId, stepId);
    if (!a || a.status === 'pending') return undefined;
    const id = approvalId(runId, stepId);
    const run = this.ensureRun(runId, at);
    this.lineage.upsertEntity({
      id,
      kind: 'approval',
      label: `${a.status} by ${a.decidedBy ?? 'unknown'}`,
      attrs: {
        step: stepId,
        approved: a.status === 'approved',
        by: a.decidedBy,
        at: a.decidedAt,
        ...(a.comment ? { comment: a.comment } : {}),
        ...(a.via ? { via: a.via } : {}),
        message: a.message,
      },
      runId,
      at,
    });
    this.lineage.addEdge({ src: id, type: 'part_of', dst: run, runId, at });
    return id;
  }

  private recordStep(e: RunEvent, stepId: string): void {
    const L = this.lineage;
    const runId = e.runId;
    const run = this.ensureRun(runId, e.at);
    const step = this.store.getStep(runId, stepId);
    const sid = stepEntityId(runId, stepId);
    const failed = e.type === 'step.failed';
    const err = isObject(e.data.error) ? e.data.error : undefined;
    L.upsertEntity({
      id: sid,
      kind: 'step',
      label: `${stepId}${step?.task ? ` (${step.task})` : ''}`,
      attrs: {
        step: stepId,
        task: step?.task,
        status: failed ? 'failed' : 'succeeded',
        ...(e.data.cached ? { cached: true, from: e.data.from } : {}),
        ...(err ? { error: [err.what, err.why].filter(Boolean).join(': ') } : {}),
      },
      runId,
      at: e.at,
    });
    L.addEdge({ src: sid, type: 'part_of', dst: run, runId, at: e.at });
    if (failed) return;

    const input = step?.input;
    const output = e.data.output ?? step?.output;
    const ins = collectRefs(input);
    const outs = collectRefs(output);
    const inHashes = new Set([...ins.datasets, ...ins.models].map((r) => r.hash));
    const inDatasets = ins.datasets.map((d) => this.ensureDataset(d, e.at));

    // Where ingested rows came from (ingest.*: file path, URL, s3:// address and the object versions read).
    const source = isObject(output) && isObject(output.source) ? sourceAttrs(output.source) : undefined;
    for (const d of outs.datasets) {
      if (inHashes.has(d.hash)) continue; // passed through, not produced here
      const id = this.ensureDataset(d, e.at, runId, source);
      L.addEdge({ src: id, type: 'produced_by', dst: sid, runId, at: e.at });
      for (const src of inDatasets) L.addEdge({ src: id, type: 'derived_from', dst: src, runId, at: e.at });
    }
    for (const m of outs.models) {
      if (inHashes.has(m.hash)) continue;
      const id = this.ensureModel(m, e.at, runId);
      L.addEdge({ src: id, type: 'produced_by', dst: sid, runId, at: e.at });
      for (const ds of inDatasets) L.addEdge({ src: id, type: 'trained_on', dst: ds, runId, at: e.at });
    }

    const metrics = metricsOf(output);
    const evaluated = isObject(input) && isModelLike(input.model) ? [input.model] : ins.models;
    if (metrics && outs.models.length === 0 && evaluated.length > 0) {
      for (const m of evaluated) {
        const id = this.ensureModel(m, e.at);
        for (const ds of inDatasets)
          L.addEdge({
            src: id,
            type: 'evaluated_on',
            dst: ds,
            attrs: { metrics, step: sid },
            runId,
            at: e.at,
          });
      }
    }

    if (isObject(output)) {
      if (typeof output.name === 'string' && typeof output.version === 'number' && isModelLike(output.ref)) {
        this.recordRegistration(output.name, output.version, output.ref, runId, stepId, e.at);
      }
      if (typeof output.deploymentId === 'string' && typeof output.version === 'number') {
        this.recordDeployment(output, input, runId, stepId, e.at);
      }
      if (isObject(output.alert) && typeof output.alert.summary === 'string') {
        const id = `alert:${runId}/${stepId}`;
        L.upsertEntity({
          id,
          kind: 'alert',
          label: output.alert.summary.slice(0, 80),
          attrs: { summary: output.alert.summary, severity: output.alert.severity, kind: output.alert.kind },
          runId,
          at: e.at,
        });
        L.addEdge({ src: id, type: 'produced_by', dst: sid, runId, at: e.at });
        const current = isObject(output.alert.current) ? output.alert.current.hash : undefined;
        if (typeof current === 'string' && L.getEntity(datasetId(current)))
          L.addEdge({ src: id, type: 'derived_from', dst: datasetId(current), runId, at: e.at });
      }
    }
  }

  private ensureDataset(
    d: DatasetLike,
    at: string,
    runId?: string,
    source?: Record<string, unknown>,
  ): string {
    const id = datasetId(d.hash);
    const existing = this.lineage.getEntity(id);
    if (existing && !(d.name || d.version || source)) return id;
    this.lineage.upsertEntity({
      id,
      kind: 'dataset',
      label: existing && !(d.name || d.version) ? existing.label : datasetLabel(d),
      attrs: {
        hash: d.hash,
        path: d.path,
        rows: d.rows,
        columns: d.columns.map((c) => c.name),
        ...(d.name ? { name: d.name } : {}),
        ...(d.version ? { version: d.version } : {}),
        ...(source ? { source } : {}),
      },
      ...(runId ? { runId } : {}),
      at,
    });
    return id;
  }

  private ensureModel(m: ModelLike, at: string, runId?: string): string {
    const id = modelId(m.hash);
    const existing = this.lineage.getEntity(id);
    if (existing) return id;
    this.lineage.upsertEntity({
      id,
      kind: 'model',
      label: `${m.algorithm ?? 'model'} (${m.framework}) ${short(m.hash)}`,
      attrs: {
        hash: m.hash,
        dir: m.dir,
        framework: m.framework,
        ...(m.algorithm ? { algorithm: m.algorithm } : {}),
        ...(m.target ? { target: m.target } : {}),
        ...(m.params ? { params: m.params } : {}),
        ...(m.metrics ? { metrics: m.metrics } : {}),
      },
      ...(runId ? { runId } : {}),
      at,
    });
    return id;
  }

  private recordRegistration(
    name: string,
    version: number,
    ref: ModelLike,
    runId: string,
    stepId: string,
    at: string,
  ): void {
    const id = this.ensureModel(ref, at, runId);
    const existing = this.lineage.getEntity(id);
    const versions = Array.isArray(existing?.attrs.versions) ? (existing.attrs.versions as unknown[]) : [];
    this.lineage.upsertEntity({
      id,
      kind: 'model',
      label: `${name} v${version}`,
      attrs: { name, version, versions: [...versions, `${name}@${version}`] },
      at,
    });
    this.lineage.addAlias(`model:${name}@${version}`, id);
    for (const a of this.gatingApprovals(runId, stepId, at))
      this.lineage.addEdge({ src: id, type: 'approved_by', dst: a, runId, at });
  }

  private recordDeployment(
    output: Record<string, unknown>,
    input: unknown,
    runId: string,
    stepId: string,
    at: string,
  ): void {
    const L = this.lineage;
    const model = isObject(input) && typeof input.model === 'string' ? input.model : undefined;
    const alias = isObject(input) && typeof input.alias === 'string' ? input.alias : 'production';
    const depId = String(output.deploymentId);
    const id = deploymentEntityId(depId);
    const previous = model
      ? L.listEntities({ kind: 'deployment', limit: 200 }).find(
          (d) => d.attrs.model === model && d.attrs.alias === alias && d.id !== id,
        )
      : undefined;
    L.upsertEntity({
      id,
      kind: 'deployment',
      label: `${depId} (${model ?? '?'} v${String(output.version)} as ${alias})`,
      attrs: {
        deploymentId: depId,
        model,
        alias,
        version: output.version,
        ...(typeof output.endpoint === 'string' ? { endpoint: output.endpoint } : {}),
        ...(isObject(output.canary) ? { canary: output.canary } : {}),
        by: this.store.getRun(runId)?.createdBy,
      },
      runId,
      at,
    });
    L.addEdge({ src: id, type: 'produced_by', dst: stepEntityId(runId, stepId), runId, at });
    if (model) {
      const alias = `model:${model}@${String(output.version)}`;
      const target = L.aliasOf(alias) ?? alias;
      L.ensureEntity({ id: target, kind: 'model', label: `${model} v${String(output.version)}`, at });
      L.addEdge({ src: id, type: 'deployed_as', dst: target, runId, at });
    }
    if (previous) L.addEdge({ src: id, type: 'replaced', dst: previous.id, runId, at });
    for (const a of this.gatingApprovals(runId, stepId, at))
      L.addEdge({ src: id, type: 'approved_by', dst: a, runId, at });
  }

  /** Approval steps upstream of a step in its plan (through dependsOn), as recorded decisions. */
  private gatingApprovals(runId: string, stepId: string, at: string): string[] {
    const run = this.store.getRun(runId);
    if (!run) return [];
    const byId = new Map(run.plan.steps.map((s) => [s.id, s]));
    const seen = new Set<string>();
    const out: string[] = [];
    const stack = [...(byId.get(stepId)?.dependsOn ?? [])];
    while (stack.length) {
      const id = stack.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      const s = byId.get(id);
      if (!s) continue;
      if (s.kind === 'approval') {
        const a = this.ensureApproval(runId, id, at);
        if (a) out.push(a);
      }
      stack.push(...s.dependsOn);
    }
    return out;
  }
}

const MAX_SOURCE_OBJECTS = 200;

/** The source of ingested rows as kept on the dataset entity: kind, location, format and (S3) objects read. */
function sourceAttrs(src: Record<string, unknown>): Record<string, unknown> | undefined {
  if (typeof src.kind !== 'string' || typeof src.location !== 'string') return undefined;
  const objects = Array.isArray(src.objects) ? src.objects.filter(isObject) : undefined;
  return {
    kind: src.kind,
    location: src.location,
    ...(typeof src.format === 'string' ? { format: src.format } : {}),
    ...(objects
      ? {
          objects: objects.slice(0, MAX_SOURCE_OBJECTS).map((o) => ({
            key: o.key,
            etag: o.etag,
            ...(o.versionId ? { versionId: o.versionId } : {}),
            sha256: o.sha256,
          })),
          objectCount: objects.length,
        }
      : {}),
  };
}
