/**
 * GoalSpec + the described data → a plan in the shape the catalog expects:
 *   load → clean → version → split → train → evaluate → register → approve → deploy
 *                                            ↘ predict     ↘ drift → notify
 * Targets, dropped columns and encodings are checked against the real columns; what cannot be resolved
 * becomes one clarifying question instead of a guess.
 * The phases live in build-data.ts, build-train.ts, build-release.ts and build-monitor.ts; they share the
 * plan being built (build-draft.ts).
 */
import type { PlanInput } from '../../../src/plan/index.ts';
import { type DraftOutcome, OFFLINE_PLANNER } from '../types.ts';
import { addDataSteps, resolvePrediction } from './build-data.ts';
import type { BuildInput, PlanDraft } from './build-draft.ts';
import { sourceName } from './build-ingest.ts';
import { addDriftStep, addNotifyStep } from './build-monitor.ts';
import { addReleaseSteps } from './build-release.ts';
import { addTrainSteps } from './build-train.ts';
import { type GoalSpec, LOWER_IS_BETTER } from './parse.ts';
import { arrivalTrigger } from './s3.ts';
import { slug } from './words.ts';

export { resolveTarget } from './build-data.ts';
export type { BuildInput, Champion } from './build-draft.ts';
export { sourceName } from './build-ingest.ts';

/** Builds the plan, or the one question that blocks it. */
export function buildPlan({ spec, data, second, registeredAs, champion }: BuildInput): DraftOutcome {
  const notes: string[] = [];
  const steps: PlanDraft['steps'] = [];
  const inputs: Record<string, unknown> = {};
  const primary = spec.sources[0];
  if (!primary)
    return {
      kind: 'clarify',
      about: 'source',
      question:
        'Which data should the pipeline use? Name a file in the workspace (e.g. data/train.csv), an http(s) URL, or a postgres:// connection and table.',
    };
  if (primary.kind === 'postgres' && !primary.table && !primary.query)
    return {
      kind: 'clarify',
      question: `Which table (or SELECT query) of ${primary.connection.replace(/\/\/[^/@:]+:[^/@]+@/, '//***@')} should the pipeline read? For example: "the orders table" or "SELECT * FROM orders WHERE …".`,
    };
  const columns = data?.columns.map((c) => c.name) ?? [];
  const anyIntent =
    spec.wants.train || spec.wants.monitor || spec.wants.data || spec.wants.split || spec.prep.length > 0;
  if (!anyIntent) {
    return {
      kind: 'clarify',
      question: `What should the pipeline do with ${primary.kind === 'file' ? primary.path : 'the data'}? For example: "predict <column>", "clean and version it", or "check it for drift against <file>" (goals are read in English).`,
    };
  }
  const columnList = columns.length ? ` Its columns are: ${columns.join(', ')}.` : '';
  const where =
    primary.kind === 'file'
      ? primary.path
      : primary.kind === 's3' && spec.bucket
        ? `new objects under ${spec.bucket}`
        : primary.kind === 'url' || primary.kind === 's3'
          ? primary.url
          : 'the source';
  const d: PlanDraft = {
    spec,
    data,
    second,
    registeredAs,
    champion,
    primary,
    notes,
    steps,
    inputs,
    columns,
    columnList,
    where,
    target: undefined,
    taskType: undefined,
    current: 'load',
    datasetOut: '',
    trainRef: '',
    testRef: '',
    trained: [],
    metric: undefined,
    modelName: '',
    lastModelStep: undefined,
    scoreStep: undefined,
    driftStep: undefined,
  };
  const blocked = resolvePrediction(d) ?? addDataSteps(d) ?? addTrainSteps(d);
  if (blocked) return blocked;
  addReleaseSteps(d);
  const noDriftData = addDriftStep(d);
  if (noDriftData) return noDriftData;
  addNotifyStep(d);
  const { target, taskType, metric } = d;

  const trigger: Record<string, string> = {};
  if (spec.schedule) {
    trigger.schedule = spec.schedule.cron;
    if (spec.schedule.timezone) trigger.timezone = spec.schedule.timezone;
  }
  if (spec.event) trigger.event = spec.event;
  if (spec.bucket) {
    const arrival = arrivalTrigger(spec.bucket);
    Object.assign(trigger, arrival.trigger);
    Object.assign(inputs, arrival.inputs);
  }

  const name = slug(
    target
      ? registeredAs && spec.wants.register
        ? registeredAs
        : `${sourceName(primary)}-${target}`
      : `${spec.datasetName ?? sourceName(primary)}-${spec.prep.length ? 'prep' : 'data'}`,
    80,
  );
  const plan: PlanInput = {
    apiVersion: 'pipewright/v1',
    name,
    description: describe(spec, target, taskType),
    goal: spec.goal,
    ...(Object.keys(trigger).length ? { trigger } : {}),
    ...(Object.keys(inputs).length ? { inputs: inputs as PlanInput['inputs'] } : {}),
    metadata: {
      planner: OFFLINE_PLANNER.name,
      plannerVersion: OFFLINE_PLANNER.version,
      ...(target ? { target, taskType } : {}),
      ...(metric ? { metric } : {}),
      notes,
    },
    steps,
  };
  return { kind: 'plan', plan, notes };
}

function describe(spec: GoalSpec, target: string | undefined, taskType: string | undefined): string {
  const parts: string[] = [];
  if (target) parts.push(`${taskType ?? 'model'} of "${target}"`);
  else parts.push('data preparation');
  if (spec.gate?.kind === 'threshold')
    parts.push(`gate ${spec.gate.metric} ${spec.gate.op} ${spec.gate.value}`);
  if (spec.gate?.kind === 'improve')
    parts.push(
      `gate: ${spec.gate.metric ?? 'primary metric'} ${spec.gate.noWorse ? 'is no worse' : 'improves'}`,
    );
  if (spec.wants.deploy) parts.push('deploy after approval');
  if (spec.wants.monitor) parts.push('drift check');
  if (spec.schedule) parts.push(`schedule ${spec.schedule.cron}`);
  return `Planned offline: ${parts.join('; ')}`;
}

export { LOWER_IS_BETTER };
