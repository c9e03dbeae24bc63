/**
 * The end of a plan: a drift check (reference rows vs a newer batch, or the rows being scored) and a
 * notification after the last step that matters.
 */
import { notifyUrl } from '../build/steps.ts';
import type { DraftOutcome } from '../types.ts';
import { type PlanDraft, ref } from './build-draft.ts';
import { ingestStep, sourceName } from './build-ingest.ts';

/** Adds the drift step when the goal monitors; a question when there is nothing to compare with. */
export function addDriftStep(d: PlanDraft): DraftOutcome | undefined {
  const {
    spec,
    data,
    steps,
    inputs,
    notes,
    primary,
    target,
    where,
    current,
    trainRef,
    datasetOut,
    scoreStep,
  } = d;
  const best = d.trained[0];
  let driftStep: string | undefined;
  if (spec.wants.monitor) {
    const src = spec.sources[1];
    let reference: string;
    let currentRef: string;
    const deps: string[] = [];
    if (src && src.kind !== 'unsupported' && !scoreStep) {
      steps.push(ingestStep('load_current', src, inputs));
      currentRef = ref('load_current', 'dataset');
      reference = best ? trainRef : datasetOut;
      deps.push('load_current', best ? current : current);
    } else if (best) {
      reference = trainRef;
      currentRef = scoreStep ? ref('load_score', 'dataset') : ref('load', 'dataset');
      deps.push(current, scoreStep ? 'load_score' : 'load');
      if (!src) notes.push('drift compares the freshly loaded rows with the training rows of the same run');
    } else if (!src && primary.kind !== 'unsupported') {
      // One source and no model trained here: drift is checked against the training data. When the goal calls
      // the source the training / reference data, new batches come in as a run input; otherwise the source is
      // the data being watched and the training data it is compared with is the run input.
      const at = primary.kind === 'file' ? spec.goal.indexOf(primary.path) : -1;
      const lead = at > 0 ? spec.goal.slice(Math.max(0, at - 40), at) : '';
      const isReference =
        /\b(?:train(?:ed|ing)|fit(?:ted)?|reference|baseline)\b(?:\s+(?:data|set|rows|snapshot|on|from|with|in|is|=|:))*\s*(?:the\s+)?$/i.test(
          lead,
        );
      const watched = isReference ? 'current_data' : 'reference_data';
      inputs[watched] = {
        type: 'string',
        description: isReference
          ? `Path of the newer batch to compare with the training data ${where}`
          : `Path of the training (reference) data to compare ${where} with`,
      };
      steps.push({
        id: 'load_other',
        task: 'ingest.file',
        with: {
          path: `\${{ inputs.${watched} }}`,
          name: isReference ? `${sourceName(primary)}-current` : `${sourceName(primary)}-reference`,
        },
      });
      const other = ref('load_other', 'dataset');
      reference = isReference ? datasetOut : other;
      currentRef = isReference ? other : datasetOut;
      deps.push(current, 'load_other');
      notes.push(
        isReference
          ? `drift compares each new batch (input ${watched}) with the training data ${where}`
          : `drift compares ${where} with the training data (input ${watched}); pass its path at run time`,
      );
    } else {
      return {
        kind: 'clarify',
        question: `Drift is measured between reference data and a newer batch. Which file holds the newer data to compare with ${where}?`,
      };
    }
    if (scoreStep && src) {
      currentRef = ref('load_score', 'dataset');
      if (!deps.includes('load_score')) deps.push('load_score');
    }
    const thresholds: Record<string, number> = {};
    if (spec.drift.datasetShare !== undefined) thresholds.datasetShare = spec.drift.datasetShare;
    if (spec.drift.psi !== undefined) thresholds.psi = spec.drift.psi;
    if (spec.drift.pValue !== undefined) thresholds.pValue = spec.drift.pValue;
    if (spec.drift.wasserstein !== undefined) thresholds.wasserstein = spec.drift.wasserstein;
    if (spec.drift.jensenShannon !== undefined) thresholds.jensenShannon = spec.drift.jensenShannon;
    const featureOverrides: Record<string, unknown> = {};
    if (spec.drift.psi !== undefined && data) {
      for (const c of data.columns)
        if (c.name !== target && !/DATE|TIME/.test(c.type))
          featureOverrides[c.name] = { method: 'psi', threshold: spec.drift.psi };
    }
    steps.push({
      id: 'drift',
      task: 'monitor.drift',
      dependsOn: [...new Set(deps)],
      with: {
        reference,
        current: currentRef,
        ...(Object.keys(thresholds).length ? { thresholds } : {}),
        ...(Object.keys(featureOverrides).length ? { features: featureOverrides } : {}),
      },
    });
    driftStep = 'drift';
  }
  d.driftStep = driftStep;
  return undefined;
}

/** Adds notify.send after the drift check, the last model step, or the last step. */
export function addNotifyStep(d: PlanDraft): void {
  const { spec, steps, inputs, driftStep, lastModelStep, scoreStep, modelName, metric } = d;
  const best = d.trained[0];
  if (spec.notify) {
    const channel = spec.notify.channel;
    const url = notifyUrl(channel, inputs, spec.notify.to, spec.notify.ccAuthor);
    const after = driftStep ?? lastModelStep ?? scoreStep ?? steps[steps.length - 1]?.id ?? 'load';
    steps.push({
      id: 'notify',
      task: 'notify.send',
      dependsOn: [after],
      with: driftStep
        ? { channel, ...url, alert: ref('drift', 'alert') }
        : {
            channel,
            ...url,
            title: `pipewright: ${modelName}`,
            text: best
              ? `Finished: ${metric ?? 'primary metric'} = ${ref(best.evaluate, 'primaryValue')}`
              : 'The pipeline finished.',
          },
    });
  }
}
