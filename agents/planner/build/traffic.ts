/**
 * Served traffic:
 *   monitor-traffic  model.dataset (the version's own training data) + monitor.traffic → monitor.drift → notify
 *   serving-metrics  serving.metrics over a window → notify
 */
import type { IntentFrame } from '../intent.ts';
import { ingestStep } from '../offline/build-ingest.ts';
import { slug } from '../offline/words.ts';
import { type BoundModel, bindModel } from '../resolve.ts';
import type { DraftOutcome } from '../types.ts';
import {
  bound,
  clarify,
  type OperationContext,
  scheduleWindow,
  sinceOf,
  versionText,
} from './operation-context.ts';
import { metricConditions } from './serving-limits.ts';
import { notifyStep, out, planOf, type StepIn } from './steps.ts';

/**
 * "traffic of cars-mpg … the data cars-mpg v1 was trained on": a second reference to the served model that pins a
 * version or alias names whose training data the traffic is compared with.
 */
function trainingVersionOf(frame: IntentFrame, ctx: OperationContext, served: BoundModel): BoundModel {
  // "the penguin model … the data v2 was trained on": the version's words are the served model's loose words.
  for (const r of frame.refs.models) {
    if (r.version === undefined && r.alias === undefined) continue;
    const got = bindModel(r, ctx.look, 'production');
    if (got.ok && got.value.name === served.name) return got.value;
  }
  return served;
}

export async function buildMonitorTraffic(frame: IntentFrame, ctx: OperationContext): Promise<DraftOutcome> {
  const got = bound(frame, ctx, 'production');
  if (!got.ok) return got.outcome;
  const served = got.b;
  const b = trainingVersionOf(frame, ctx, served);
  const td = b.facts.trainingData;
  if (!td)
    return clarify(
      `${versionText(b)} was registered without its training data, so there is nothing to compare its served traffic with. Which file holds the data it was trained on?`,
    );
  if (!td.exists)
    return clarify(
      `The training data of ${versionText(b)} (${td.name ?? 'dataset'}@${td.version ?? td.hash.slice(0, 12)}) is gone from the workspace, so its served traffic cannot be compared with it. Which file should the traffic be compared with instead (e.g. a copy of the training data)?`,
    );
  // "drift of data/x.csv vs the data prod was trained on": the file, not the logged requests, is the newer data.
  // A URL there is a webhook or a page, never the data compared.
  const source = frame.sources.length === 1 ? frame.sources[0] : undefined;
  const file = source?.kind === 'file' ? source : undefined;
  const notes = [
    file
      ? `compares ${file.path} with the training data of ${versionText(b)}`
      : `compares the requests ${versionText(served)} answered with the training data of ${versionText(b)} ${td.name ?? ''}@${td.version ?? td.hash.slice(0, 12)} (recorded in the registry${td.lineageId ? `, ${td.lineageId} in the lineage graph` : ''})`,
  ];
  if (!b.model.served && !file)
    notes.push(`no request to ${b.name} has been logged yet; the traffic step fails until there is one`);
  // A relative window keeps a scheduled check relative: each run looks at the traffic since the one before.
  const window = frame.trafficSince ?? scheduleWindow(frame.schedule?.cron);
  const since = window ? undefined : sinceOf(frame, ctx.look);
  if (window && !file) notes.push(`compares the requests of the last ${window}`);
  if (since && !file) notes.push(`compares the requests since ${since} (${frame.sinceDay})`);
  const thresholds: Record<string, number> = {};
  for (const [k, v] of Object.entries(frame.drift)) if (typeof v === 'number') thresholds[k] = v;
  const newerId = file ? 'load' : 'traffic';
  const newer: StepIn = file
    ? ingestStep(newerId, file, {})
    : {
        id: 'traffic',
        task: 'monitor.traffic',
        with: {
          model: served.name,
          version: served.version,
          ...(window ? { window } : since ? { since } : {}),
        },
      };
  const steps: StepIn[] = [
    { id: 'training_data', task: 'model.dataset', with: { model: b.ref } },
    newer,
    {
      id: 'drift',
      task: 'monitor.drift',
      dependsOn: ['training_data', newerId],
      with: {
        reference: out('training_data', 'dataset'),
        current: out(newerId, 'dataset'),
        ...(Object.keys(thresholds).length ? { thresholds } : {}),
      },
    },
  ];
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'drift', { alert: out('drift', 'alert') });
  if (n) steps.push(n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-traffic-drift`, 80),
      `Drift of the traffic served by ${versionText(served)} against the training data of ${versionText(b)}`,
      steps,
      inputs,
      notes,
      { model: { name: b.name, version: b.version, ref: b.ref } },
    ),
    notes,
  };
}

export function buildServingMetrics(frame: IntentFrame, ctx: OperationContext): DraftOutcome {
  const got = bound(frame, ctx, 'production');
  if (!got.ok) return got.outcome;
  const b = got.b;
  const since = (frame.servingWindow ?? frame.trafficSince) ? undefined : sinceOf(frame, ctx.look);
  const window = frame.servingWindow ?? frame.trafficSince ?? '1h';
  const notes = [
    `requests, error rate and latency percentiles of ${b.name} ${since ? `since ${since} (${frame.sinceDay})` : `over the last ${window}`}, from its prediction log`,
  ];
  const steps: StepIn[] = [
    { id: 'metrics', task: 'serving.metrics', with: { model: b.name, ...(since ? { since } : { window }) } },
  ];
  const inputs: Record<string, unknown> = {};
  const n = notifyStep(frame, inputs, 'metrics', {
    title: `pipewright: ${b.name} over the last ${window}`,
    text: `${out('metrics', 'requests')} requests, error rate ${out('metrics', 'errorRate')}, p95 ${out('metrics', 'latencyMs.p95')} ms`,
  });
  // "if p99 latency > 400ms post to slack": a limit on the report makes the message conditional.
  const cond = metricConditions(frame, 'metrics');
  if (n && cond) notes.push(`notifies only when ${cond.replaceAll('steps.metrics.outputs.', '')}`);
  if (n) steps.push(cond ? { ...n, when: cond } : n);
  return {
    kind: 'plan',
    plan: planOf(
      frame,
      slug(`${b.name}-serving-report`, 80),
      `Serving report of ${b.name}`,
      steps,
      inputs,
      notes,
      {
        model: { name: b.name },
      },
    ),
    notes,
  };
}
