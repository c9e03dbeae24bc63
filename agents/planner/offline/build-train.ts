/**
 * The train → evaluate steps of a plan: one pair per model asked for (two when the goal compares), each
 * model fitted to the task type, with its parameters, search space, metric and text / formula columns.
 */
import type { DraftOutcome } from '../types.ts';
import { CLASSIFICATION_ONLY, type PlanDraft, ref, type TaskType, type Trained } from './build-draft.ts';
import { matchColumn } from './columns.ts';
import type { GoalSpec, ModelChoice } from './parse.ts';
import type { TextFeatureCandidates } from './text-columns.ts';
import { pickTextColumns } from './text-columns.ts';

const REGRESSION_ONLY = new Set(['linear_regression', 'ridge', 'lasso']);

function fitModel(m: ModelChoice, t: TaskType, notes: string[]): ModelChoice {
  if (t === 'regression' && CLASSIFICATION_ONLY.has(m.algorithm)) {
    notes.push(`${m.algorithm} only classifies; the target is numeric, so linear_regression is used instead`);
    return { framework: 'builtin', algorithm: 'linear_regression' };
  }
  if (t === 'classification' && REGRESSION_ONLY.has(m.algorithm)) {
    notes.push(
      `${m.algorithm} only does regression; the target is a class, so logistic_regression is used instead`,
    );
    return { framework: 'builtin', algorithm: 'logistic_regression' };
  }
  return m;
}

function modelParams(m: ModelChoice, spec: GoalSpec): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  const py = m.framework !== 'builtin';
  const trees = ['random_forest', 'gradient_boosting', 'extra_trees'].includes(m.algorithm);
  if (spec.params.nEstimators && trees) p[py ? 'n_estimators' : 'nEstimators'] = spec.params.nEstimators;
  if (spec.params.maxDepth && (trees || m.algorithm === 'decision_tree'))
    p[py ? 'max_depth' : 'maxDepth'] = spec.params.maxDepth;
  if (spec.params.minSamplesLeaf && (trees || m.algorithm === 'decision_tree'))
    p[py ? 'min_samples_leaf' : 'minSamplesLeaf'] = spec.params.minSamplesLeaf;
  if (spec.params.k && m.algorithm === 'knn') p[py ? 'n_neighbors' : 'k'] = spec.params.k;
  if (spec.params.learningRate && m.algorithm === 'gradient_boosting')
    p[py ? 'learning_rate' : 'learningRate'] = spec.params.learningRate;
  if (spec.params.C && ['logistic_regression', 'svm'].includes(m.algorithm)) p.C = spec.params.C;
  if (spec.params.alpha && ['ridge', 'lasso'].includes(m.algorithm)) p.alpha = spec.params.alpha;
  return p;
}

function searchSpace(m: ModelChoice): Record<string, unknown[]> | undefined {
  const py = m.framework !== 'builtin';
  if (['random_forest', 'extra_trees', 'gradient_boosting'].includes(m.algorithm)) {
    return {
      [py ? 'n_estimators' : 'nEstimators']: [50, 100, 200],
      [py ? 'max_depth' : 'maxDepth']: [4, 8, 16],
    };
  }
  if (m.algorithm === 'decision_tree') return { [py ? 'max_depth' : 'maxDepth']: [3, 5, 8, 12] };
  if (m.algorithm === 'knn') return { [py ? 'n_neighbors' : 'k']: [3, 5, 9, 15] };
  return undefined;
}

export function defaultMetric(t: TaskType): string {
  return t === 'classification' ? 'accuracy' : 'r2';
}

function metricFits(metric: string, t: TaskType): boolean {
  const reg = ['rmse', 'mae', 'r2'].includes(metric);
  return t === 'regression' ? reg : !reg;
}

/** Adds a train and an evaluate step per model; a question when the text columns are unclear. */
export function addTrainSteps(d: PlanDraft): DraftOutcome | undefined {
  const { spec, data, steps, target, taskType, columns, where, notes, current, trainRef, testRef, champion } =
    d;
  const trained: Trained[] = [];
  let metric: string | undefined;
  if (spec.wants.train && target) {
    let models = spec.models;
    if (spec.compare && models.length < 2) {
      const second: ModelChoice =
        taskType === 'regression'
          ? { framework: 'builtin', algorithm: 'linear_regression' }
          : { framework: 'builtin', algorithm: 'logistic_regression' };
      const first: ModelChoice = { framework: 'builtin', algorithm: 'random_forest' };
      models =
        models.length === 1
          ? [models[0] as ModelChoice, models[0]?.algorithm === 'random_forest' ? second : first]
          : [first, second];
    }
    if (models.length === 0) models = [{ framework: 'builtin', algorithm: 'random_forest' }];
    models = models.map((m) => (taskType ? fitModel(m, taskType, notes) : m));
    const gateMetric = spec.gate?.kind === 'threshold' ? spec.gate.metric : spec.gate?.metric;
    metric = gateMetric ?? spec.metric;
    if (metric && taskType && !metricFits(metric, taskType)) {
      notes.push(`${metric} does not apply to ${taskType}; using ${defaultMetric(taskType)}`);
      metric = defaultMetric(taskType);
    }
    const resources = Object.keys(spec.resources).length ? spec.resources : undefined;
    const text: TextFeatureCandidates = { explicit: spec.textColumns, maybe: spec.textColumnHints };
    const picked = pickTextColumns(text, data, target);
    if ('question' in picked) return { kind: 'clarify', question: picked.question, about: 'text' };
    const textColumns = picked.columns;
    // "y ~ a + b": only the columns the formula names are inputs.
    const features = (spec.featureColumns ?? []).flatMap((f) => {
      const c = matchColumn(f, columns)?.column;
      if (!c) notes.push(`the formula names "${f}", which is no column of ${where}; it is left out`);
      return c && c !== target ? [c] : [];
    });
    notes.push(...picked.notes);
    const seen = new Set<string>();
    for (const m of models) {
      if (seen.has(`${m.framework}:${m.algorithm}`)) continue;
      seen.add(`${m.framework}:${m.algorithm}`);
      const suffix =
        models.length > 1
          ? `_${
              m.algorithm.replace(/_.*$/, '') === 'random'
                ? 'rf'
                : m.algorithm
                    .split('_')
                    .map((w) => w[0])
                    .join('')
            }`
          : '';
      const trainId = `train${suffix}`;
      const evalId = `evaluate${suffix}`;
      const params = modelParams(m, spec);
      const space = spec.tune ? searchSpace(m) : undefined;
      steps.push({
        id: trainId,
        task: 'train.tabular',
        dependsOn: [current],
        with: {
          dataset: trainRef,
          target,
          ...(taskType ? { taskType } : {}),
          framework: m.framework,
          algorithm: m.algorithm,
          ...(Object.keys(params).length ? { params } : {}),
          ...(space ? { search: { method: 'random', space, trials: 10 } } : {}),
          ...(metric ? { scoring: metric } : {}),
          ...(spec.folds !== undefined ? { folds: spec.folds } : {}),
          ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
          ...(textColumns.length ? { textColumns } : {}),
          ...(features.length ? { features } : {}),
        },
        ...(resources ? { resources } : {}),
      });
      steps.push({
        id: evalId,
        task: 'evaluate.model',
        dependsOn: [trainId, current].filter((v, i, a) => a.indexOf(v) === i),
        with: {
          model: ref(trainId, 'model'),
          dataset: testRef,
          ...(champion ? { baseline: `${champion.name}@production` } : {}),
          ...(metric ? { primaryMetric: metric } : {}),
          ...(spec.gate?.kind === 'improve' && spec.gate.minDelta !== undefined
            ? { minDelta: spec.gate.minDelta }
            : {}),
        },
      });
      trained.push({ train: trainId, evaluate: evalId });
    }
    if (trained.length > 1)
      notes.push(`compares ${trained.map((t) => t.train).join(', ')}; later steps use ${trained[0]?.train}`);
  }

  d.trained = trained;
  d.metric = metric;
  return undefined;
}
