/**
 * The data part of a plan: what the model predicts (target and task type), then
 *   load → clean → version → split
 * with targets, dropped columns and split columns checked against the real columns.
 */
import { type DatasetDescription, NUMERIC_TYPES, TEXT_TYPES } from '../describe-dataset.ts';
import type { DraftOutcome } from '../types.ts';
import { CLASSIFICATION_ONLY, type PlanDraft, ref, type TaskType } from './build-draft.ts';
import { ingestStep, sourceName } from './build-ingest.ts';
import { matchColumn } from './columns.ts';
import type { GoalSpec } from './parse.ts';
import { prepOps, quote } from './prep-ops.ts';
import { targetByMeaning } from './target-meaning.ts';
import { slug } from './words.ts';

const LIKELY_TARGETS = /^(target|label|class|y|outcome|churn(ed)?|default(ed)?|fraud|is_fraud|survived)$/i;

export function taskTypeFor(col: { type: string; distinct: number }, data: DatasetDescription): TaskType {
  if (TEXT_TYPES.test(col.type)) return 'classification';
  if (NUMERIC_TYPES.test(col.type) && !/DOUBLE|FLOAT|REAL|DECIMAL/.test(col.type)) {
    return col.distinct <= Math.min(20, Math.max(2, data.rows / 20)) ? 'classification' : 'regression';
  }
  return 'regression';
}

export function resolveTarget(spec: GoalSpec, data: DatasetDescription): string | undefined {
  // A column the goal calls free text is a feature, never the target.
  const text = new Set(
    spec.textColumns.flatMap(
      (t) =>
        matchColumn(
          t,
          data.columns.map((c) => c.name),
        )?.column ?? [],
    ),
  );
  const names = data.columns.map((c) => c.name).filter((n) => !text.has(n));
  let best: { column: string; score: number } | undefined;
  for (const [i, phrase] of spec.targetPhrases.entries()) {
    const m = matchColumn(phrase, names);
    // Earlier, more explicit phrasings win ties.
    if (m && (!best || m.score - i * 0.01 > best.score))
      best = { column: m.column, score: m.score - i * 0.01 };
  }
  if (best) return best.column;
  // "how heavy a penguin is", "where a car was made (USA, Europe or Japan)": the column meant.
  const meant = targetByMeaning(spec.goal, spec.targetPhrases, data, names);
  if (meant) return meant;
  return names.find((n) => LIKELY_TARGETS.test(n));
}

/** Sets the target and task type of a goal that trains; a question when the target cannot be found. */
export function resolvePrediction(d: PlanDraft): DraftOutcome | undefined {
  const { spec, data, where, columnList, notes } = d;
  let target: string | undefined;
  let taskType: TaskType | undefined;
  if (spec.wants.train) {
    if (data) {
      target = resolveTarget(spec, data);
      if (!target) {
        const asked = spec.targetPhrases[0];
        return {
          kind: 'clarify',
          about: 'target',
          question: asked
            ? `I could not find a column matching "${asked}" in ${where}. Which column should the model predict?${columnList}`
            : `Which column of ${where} should the model predict?${columnList}`,
        };
      }
      const col = data.columns.find((c) => c.name === target);
      const inferred = col ? taskTypeFor(col, data) : 'regression';
      taskType = spec.taskType ?? inferred;
      if (spec.taskType === 'regression' && col && TEXT_TYPES.test(col.type)) {
        taskType = 'classification';
        notes.push(`"${target}" holds text, so this is classification, not regression`);
      }
      notes.push(`target "${target}" (${col?.type ?? 'unknown type'}) → ${taskType}`);
    } else {
      const phrase = spec.targetPhrases[0];
      if (!phrase)
        return {
          kind: 'clarify',
          about: 'target',
          question: `Which column of ${where} should the model predict?`,
        };
      // Words that only say it is a column ("the churned column", "the defaulted flag") are not its name.
      target =
        phrase.replace(/\s+(?:column|field|variable|attribute|feature|flag|indicator|label)$/i, '').trim() ||
        phrase;
      taskType =
        spec.taskType ??
        (spec.models.some((m) => CLASSIFICATION_ONLY.has(m.algorithm)) ? 'classification' : undefined);
      notes.push(`the columns of ${where} could not be read before running; target "${target}" is unchecked`);
    }
  }
  d.target = target;
  d.taskType = taskType;

  // An error rate is the share of wrong classes: for a number to predict, the limit needs an error metric.
  const errorRate = spec.gate?.kind === 'threshold' ? spec.gate.errorRate : undefined;
  if (errorRate !== undefined && taskType === 'regression')
    return {
      kind: 'clarify',
      about: 'other',
      question: `"${target}" is a number, so an error rate of ${Math.round(errorRate * 10000) / 100}% has no single meaning. Which error should gate the deploy: rmse or mae (in the units of ${target}), e.g. "deploy if rmse is below 3"?`,
    };
  if (errorRate !== undefined && spec.gate?.kind === 'threshold')
    notes.push(
      `an error rate of ${Math.round(errorRate * 10000) / 100}% is read as accuracy ${spec.gate.op} ${spec.gate.value} (accuracy = 1 − error rate)`,
    );
  return undefined;
}

/** Adds load → clean → version → split, and sets where later steps read the data from. */
export function addDataSteps(d: PlanDraft): DraftOutcome | undefined {
  const { spec, data, steps, inputs, primary, target, taskType, where, columnList, columns, notes } = d;
  steps.push(ingestStep('load', primary, inputs));
  let current = 'load';
  const prepared = prepOps({ prep: spec.prep, data, target, where, columnList, notes });
  if ('clarify' in prepared) return prepared.clarify;
  const cleanOps = prepared.ops;
  if (target && spec.wants.train) cleanOps.unshift({ op: 'filter', where: `${quote(target)} IS NOT NULL` });
  if (cleanOps.length > 0) {
    steps.push({
      id: 'clean',
      task: 'prep.transform',
      dependsOn: [current],
      with: { dataset: ref(current, 'dataset'), ops: cleanOps },
    });
    current = 'clean';
  }
  const dataName = slug(
    spec.datasetName ?? `${sourceName(primary)}${current === 'clean' ? '-clean' : ''}`,
    60,
  );
  if (spec.wants.version) {
    steps.push({
      id: 'version',
      task: 'dataset.version',
      dependsOn: [current],
      with: { dataset: ref(current, 'dataset'), name: dataName },
    });
    current = 'version';
  }
  const datasetOut = current === 'version' ? ref('version', 'dataset') : ref(current, 'dataset');

  // ---- split
  let trainRef = datasetOut;
  let testRef = datasetOut;
  if (spec.wants.split) {
    let by: Record<string, unknown> = { method: 'random' };
    if (spec.split?.method === 'time' || (spec.split === undefined && /\bforecast/i.test(spec.goal))) {
      const named = spec.split?.column ? matchColumn(spec.split.column, columns)?.column : undefined;
      // A column typed as a date, else one named for time ("year" as an integer).
      const timeCol =
        named ??
        data?.columns.find((c) => /DATE|TIMESTAMP|TIME/.test(c.type))?.name ??
        data?.columns.find((c) => /^(?:year|date|time|timestamp|month|period)$/i.test(c.name))?.name;
      // A year over a date column is its first day ("2015" → "2015-01-01"): the split casts it to the type.
      const dated = /DATE|TIMESTAMP/.test(data?.columns.find((c) => c.name === timeCol)?.type ?? '');
      const cutoff =
        spec.split?.cutoff && dated ? spec.split.cutoff.replace(/^(\d{4})$/, '$1-01-01') : spec.split?.cutoff;
      if (timeCol) by = { method: 'time', column: timeCol, ...(cutoff ? { cutoff } : {}) };
      else if (spec.split?.method === 'time')
        notes.push('no date or time column found, so the split is random');
    } else if (
      spec.split?.method === 'stratified' ||
      (spec.split === undefined && taskType === 'classification')
    ) {
      const named = spec.split?.column ? matchColumn(spec.split.column, columns)?.column : undefined;
      const col = named ?? target;
      if (col) by = { method: 'stratified', column: col };
      else if (spec.split?.method === 'stratified') {
        // Asked for, with no column named and nothing to predict: ask which column, or say the split is random.
        const classes = data?.columns
          .filter((c) => taskTypeFor(c, data) === 'classification')
          .map((c) => c.name);
        const unknown = spec.split.column ? ` I could not find "${spec.split.column}" in ${where}.` : '';
        if (classes?.length)
          return {
            kind: 'clarify',
            question: `Stratify the split by which column? A stratified split keeps each value's share the same in train and test.${unknown} Columns with few values: ${classes.join(', ')}. Or say "random split".`,
          };
        notes.push(
          `a stratified split needs a column to stratify by, and none was named${data ? ' or fits' : ' (the data could not be read)'}; the split is random — say "stratify by <column>" to change it`,
        );
      }
    }
    steps.push({
      id: 'split',
      task: 'dataset.split',
      dependsOn: [current],
      with: {
        dataset: datasetOut,
        by,
        testShare: spec.testShare ?? 0.2,
        ...(spec.validationShare ? { validationShare: spec.validationShare } : {}),
        seed: spec.seed ?? 42,
      },
    });
    trainRef = ref('split', 'train');
    testRef = ref('split', 'test');
    current = 'split';
  }
  Object.assign(d, { current, datasetOut, trainRef, testRef });
  return undefined;
}
