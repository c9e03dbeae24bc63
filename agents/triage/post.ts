/**
 * Posting a triage: the triage record (one per alert window), the alert in the lineage graph with the
 * verdict, and the approval-gated action run. The run's approval is what Slack, the web page and the CLI
 * show with Approve / Reject; its decision goes through engine.decide like every other one. Nothing is
 * applied before it is approved; a rejection leaves the apply step skipped and is recorded.
 */
import type { Config } from '../../src/config.ts';
import type { Engine } from '../../src/engine/index.ts';
import { userError } from '../../src/errors.ts';
import { memoryIndex } from '../../src/lineage/index.ts';
import {
  LineageStore,
  type RunStore,
  type TriageRecord,
  type TriageStatus,
  TriggerStore,
} from '../../src/store/index.ts';
import { APPLY_STEP, APPROVAL_STEP, actionPlan } from './action-plan.ts';
import { type AlertInput, reportFromOutput } from './evidence.ts';
import type { Triage } from './types.ts';

export interface PostedTriage {
  record: TriageRecord;
  /** false when this alert window was triaged before: the earlier triage is returned, nothing new is posted. */
  created: boolean;
  runId?: string;
}

/** Records the triage and creates its action run (queued: execute it to reach the approval). */
export function postTriage(engine: Engine, t: Triage, opts: { by: string }): PostedTriage {
  const store = engine.store;
  if (t.proposal.action === 'none') {
    throw userError(
      'TRIAGE_NOTHING_TO_APPLY',
      `Nothing to apply: ${t.evidence.alert.ref} shows no drift`,
      t.verdict.reasoning[0],
      'There is no action to approve. Run the drift check again on the next window.',
    );
  }
  const triggers = new TriggerStore(store.db);
  return store.atomically(() => {
    const { triage: record, created } = triggers.insertTriage({
      id: t.id,
      alertKey: t.evidence.alert.key,
      alertRef: t.evidence.alert.ref,
      ...(t.model ? { model: t.model } : {}),
      classification: t.verdict.classification,
      severity: t.verdict.severity,
      action: t.proposal.action,
      status: 'proposed',
      triage: t as unknown as Record<string, unknown>,
      createdBy: opts.by,
    });
    if (!created) return { record, created, ...(record.runId ? { runId: record.runId } : {}) };
    recordVerdict(store, t);
    const run = engine.createRun(actionPlan(t), {
      createdBy: opts.by,
      trigger: `alert:${t.evidence.alert.ref}`,
      submitter: engine.guard.systemIdentity('triage', opts.by),
    });
    triggers.updateTriage(t.id, { runId: run.id });
    return { record: triggers.getTriage(t.id) as TriageRecord, created, runId: run.id };
  });
}

/**
 * The alert in the lineage graph with the triage's verdict and its evidence: classification, cause, the
 * columns, the reasoning, every finding or analysis with its statistic, threshold and example rows, and the
 * proposal (action, expiry, rollback target); the model as attributes, and an edge to the current data. A
 * later triage of the same alert replaces the verdict (the outcome of an approved action is added by
 * triage.apply). This is what `pipewright ask "why did we mute the drift on X?"` reads.
 */
export function recordVerdict(store: RunStore, t: Triage): void {
  const L = new LineageStore(store.db);
  const id = `alert:${t.evidence.alert.ref}`;
  const at = t.at;
  const p = t.proposal;
  L.upsertEntity({
    id,
    kind: 'alert',
    label: L.getEntity(id)?.label ?? t.evidence.alert.summary.slice(0, 80),
    attrs: {
      summary: t.evidence.alert.summary,
      severity: t.evidence.alert.severity,
      kind: 'drift',
      // The model as attributes, not an edge: walking up from the alert must not reach the model's training data.
      ...(t.evidence.model
        ? { model: { name: t.evidence.model.name, version: t.evidence.model.version } }
        : t.model
          ? { model: { name: t.model } }
          : {}),
      triage: {
        id: t.id,
        at,
        classification: t.verdict.classification,
        cause: t.verdict.cause,
        severity: t.verdict.severity,
        columns: t.verdict.columns,
        reasoning: t.verdict.reasoning,
        evidence: t.verdict.evidence.map((e) => ({ ...e, examples: e.examples.slice(0, 3) })),
        action: p.action,
        reasons: p.reasons,
        // null removes what an earlier verdict of the same alert set (the attributes are merged).
        expiresAt: p.expiresAt ?? null,
        rollbackTo: p.rollbackTo ?? null,
        holdRetrain: p.holdRetrain ?? null,
        explanation: t.explanation,
        source: t.source,
      },
    },
    at,
  });
  const current = L.getEntity(`dataset:${t.evidence.current.hash.slice(0, 12)}`);
  if (current) L.addEdge({ src: id, type: 'derived_from', dst: current.id, attrs: { role: 'current' }, at });
}

/**
 * The triage's status from its run: proposed while the approval waits, rejected, or what apply-triage
 * recorded (applied / muted / failed). Stored back when it changed.
 */
export function refreshTriage(store: RunStore, id: string): TriageRecord | undefined {
  const triggers = new TriggerStore(store.db);
  const record = triggers.getTriage(id);
  if (!record?.runId) return record;
  const approval = store.getApproval(record.runId, APPROVAL_STEP);
  const apply = store.getStep(record.runId, APPLY_STEP);
  const run = store.getRun(record.runId);
  let status: TriageStatus = record.status;
  let outcome: Record<string, unknown> | undefined;
  if (approval?.status === 'rejected') {
    status = 'rejected';
    outcome = {
      action: record.action,
      applied: false,
      detail: `rejected by ${approval.decidedBy ?? 'unknown'}${approval.comment ? `: ${approval.comment}` : ''}`,
      at: approval.decidedAt,
    };
  } else if (apply?.status === 'succeeded' && record.status === 'proposed') {
    status = record.action === 'mute' ? 'muted' : 'applied';
  } else if (approval?.status === 'approved' && status === 'proposed') {
    status = run && ['failed', 'cancelled'].includes(run.status) ? 'failed' : 'approved';
    if (apply?.status === 'skipped' || apply?.status === 'failed')
      outcome = {
        action: record.action,
        applied: false,
        detail: `apply step ${apply.status}: ${apply.reason ?? ''}`,
      };
  }
  if (status !== record.status || outcome) {
    triggers.updateTriage(id, { status, ...(outcome && !record.outcome ? { outcome } : {}) });
    if (outcome && !record.outcome) {
      const L = new LineageStore(store.db);
      const alertId = `alert:${record.alertRef}`;
      const e = L.getEntity(alertId);
      if (e)
        L.upsertEntity({ id: alertId, kind: 'alert', label: e.label, attrs: { outcome }, at: store.now() });
    }
  }
  return triggers.getTriage(id);
}

/** Keeps triage records current in this process: each triage run's end refreshes its triage. */
export function attachTriageRecorder(store: RunStore): () => void {
  return store.subscribe((e) => {
    if (
      e.type !== 'run.succeeded' &&
      e.type !== 'run.failed' &&
      e.type !== 'run.cancelled' &&
      e.type !== 'approval.decided'
    )
      return;
    try {
      const t = new TriggerStore(store.db).getTriageByRun(e.runId);
      if (t) refreshTriage(store, t.id);
    } catch {
      // The next `pipewright triage` refreshes it.
    }
  });
}

/** Adds the triage to run memory now (the action run adds its own documents when it ends). */
export async function rememberTriage(config: Config, t: Triage): Promise<void> {
  const v = t.verdict;
  await memoryIndex(config).append(
    [
      {
        id: `${t.id}#0`,
        run_id: t.id,
        kind: 'triage',
        step: '',
        text: `Drift triage ${t.id} of ${t.model ?? 'unknown model'}: classification=${v.classification} cause=${v.cause} severity=${v.severity} action=${t.proposal.action}. ${t.explanation}`.slice(
          0,
          4000,
        ),
        pipeline: `triage-${t.model ?? 'alert'}`,
        status: 'proposed',
        time: t.at,
        model: t.model ?? '',
        dataset: t.evidence.current.name ?? t.evidence.current.hash.slice(0, 12),
        code: '',
      },
    ],
    { skipExisting: true },
  );
}

/** The alert a drift-checking run raised: its monitor.drift step (the first with an alert). */
export function alertFromRun(store: RunStore, runIdOrPrefix: string, model?: string): AlertInput {
  const run = store.requireRun(runIdOrPrefix);
  const steps = store.getSteps(run.id);
  const drift =
    steps.find(
      (s) =>
        s.task === 'monitor.drift' && s.status === 'succeeded' && (s.output as { alert?: unknown })?.alert,
    ) ?? steps.find((s) => s.task === 'monitor.drift' && s.status === 'succeeded');
  if (!drift) {
    throw userError(
      'TRIAGE_NO_DRIFT_STEP',
      `Run ${run.id} has no finished monitor.drift step`,
      `its steps: ${steps.map((s) => `${s.stepId} (${s.task ?? s.kind}, ${s.status})`).join(', ')}`,
      'Pass the id of a run that checked drift, or the path of a drift report JSON.',
    );
  }
  const traffic = steps.find((s) => s.task === 'monitor.traffic');
  const fromRun = (traffic?.input as { model?: unknown } | undefined)?.model;
  const m = model ?? (typeof fromRun === 'string' ? fromRun : undefined);
  return {
    ...reportFromOutput(drift.output, `step ${drift.stepId} of run ${run.id}`),
    ref: `${run.id}/${drift.stepId}`,
    ...(m ? { model: m } : {}),
  };
}
