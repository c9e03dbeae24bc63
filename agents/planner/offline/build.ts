/**
 * GoalSpec + the described data → a plan in the shape the catalog expects:
 *   load → clean → version → split → train → evaluate → register → approve → deploy
 *                                            ↘ predict     ↘ drift → notify
 * Targets, dropped columns and encodings are checked against the real columns; what cannot be resolved
 * becomes one clarifying question instead of a guess.
 */
import type { PlanInput } from '../../../src/plan/index.ts';
import { notifyUrl } from '../build/steps.ts';
import { type DatasetDescription, NUMERIC_TYPES, TEXT_TYPES } from '../describe-dataset.ts';
import { type DraftOutcome, OFFLINE_PLANNER } from '../types.ts';
import { matchColumn } from './columns.ts';
import { type GoalSpec, LOWER_IS_BETTER, type ModelChoice, type SourceSpec } from './parse.ts';
import { prepOps, quote } from './prep-ops.ts';
import { arrivalTrigger, s3IngestStep } from './s3.ts';
import type { TextFeatureCandidates } from './text-columns.ts';
import { pickTextColumns } from './text-columns.ts';
import { slug } from './words.ts';

/** A step as the planner writes it (the plan schema fills defaults when it parses). */
interface StepIn {
  id: string;
  task?: string;
  kind?: 'task' | 'approval';
  dependsOn?: string[];
  with?: Record<string, unknown>;
  when?: string;
  message?: string;
  approvers?: string[];
  timeout?: string;
  onTimeout?: 'approve' | 'reject';
  resources?: Record<string, unknown>;
}
type TaskType = 'classification' | 'regression';

const ref = (step: string, field: string) => `\${{ steps.${step}.outputs.${field} }}`;

const CLASSIFICATION_ONLY = new Set(['logistic_regression', 'naive_bayes']);
const REGRESSION_ONLY = new Set(['linear_regression', 'ridge', 'lasso']);
const LIKELY_TARGETS = /^(target|label|class|y|outcome|churn(ed)?|default(ed)?|fraud|is_fraud|survived)$/i;

/** The registered model a plan deploys over: its new version is compared with production in the same run. */
export interface Champion {
  name: string;
  production: number;
}

export interface BuildInput {
  spec: GoalSpec;
  /** The registered model the plan trains a new version of (from the goal, or found by target and data). */
  registeredAs?: string | undefined;
  /** Compare with this production model on the same held-out rows (and gate a deploy on it). */
  champion?: Champion | undefined;
  /** Description of the first (training) source, when it could be read. */
  data?: DatasetDescription | undefined;
  /** Description of a second source (rows to score, current batch for drift), when one was named. */
  second?: DatasetDescription | undefined;
}

export function sourceName(src: SourceSpec): string {
  if (src.kind === 'file')
    return slug(
      src.path
        .split('/')
        .pop()
        ?.replace(/\.[^.]+$/, '') ?? 'data',
      30,
    );
  if (src.kind === 'url')
    return slug(
      src.url
        .split('/')
        .pop()
        ?.replace(/\.[^.]+$/, '') || 'download',
      30,
    );
  if (src.kind === 's3') return slug(src.name, 30);
  if (src.kind === 'postgres')
    return slug(src.table ?? /\bfrom\s+["'`]?([A-Za-z_][\w.]*)/i.exec(src.query ?? '')?.[1] ?? 'query', 30);
  return 'data';
}

function ingestStep(id: string, src: SourceSpec, inputs: Record<string, unknown>): StepIn {
  if (src.kind === 'file')
    return { id, task: 'ingest.file', with: { path: src.path, name: `${sourceName(src)}-raw` } };
  if (src.kind === 'url')
    return { id, task: 'ingest.url', with: { url: src.url, name: `${sourceName(src)}-raw` } };
  if (src.kind === 's3') return s3IngestStep(id, src.url, sourceName(src));
  if (src.kind === 'postgres') {
    // A password in the goal stays out of the plan file: it becomes a run input.
    const hasPassword = /\/\/[^/@:]+:[^/@]+@/.test(src.connection);
    if (hasPassword) {
      inputs.database_url = {
        type: 'string',
        description: 'Postgres connection string (with password); pass it at run time',
      };
    }
    const conn = hasPassword ? '${{ inputs.database_url }}' : src.connection;
    return {
      id,
      task: 'ingest.postgres',
      with: {
        connection: conn,
        ...(src.query ? { query: src.query } : src.table ? { table: src.table } : {}),
        name: `${sourceName(src)}-raw`,
      },
    };
  }
  throw new Error(`cannot ingest ${src.location}`);
}

function taskTypeFor(col: { type: string; distinct: number }, data: DatasetDescription): TaskType {
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
  return names.find((n) => LIKELY_TARGETS.test(n));
}

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
  if (spec.params.k && m.algorithm === 'knn') p[py ? 'n_neighbors' : 'k'] = spec.params.k;
  if (spec.params.learningRate && m.algorithm === 'gradient_boosting')
    p[py ? 'learning_rate' : 'learningRate'] = spec.params.learningRate;
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

/** A tie with the champion passes: its metric did not get worse on the same rows (no baseline: better is true). */
function notWorseWhen(evaluate: string, metric: string): string {
  const out = `steps.${evaluate}.outputs`;
  return `(${out}.better == true || ${out}.delta.${metric} ${LOWER_IS_BETTER.has(metric) ? '<=' : '>='} 0)`;
}

function defaultMetric(t: TaskType): string {
  return t === 'classification' ? 'accuracy' : 'r2';
}

function metricFits(metric: string, t: TaskType): boolean {
  const reg = ['rmse', 'mae', 'r2'].includes(metric);
  return t === 'regression' ? reg : !reg;
}

/** Builds the plan, or the one question that blocks it. */
export function buildPlan({ spec, data, second, registeredAs, champion }: BuildInput): DraftOutcome {
  const notes: string[] = [];
  const steps: StepIn[] = [];
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

  // ---- what the model predicts
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

  // ---- the data steps
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
      const timeCol = named ?? data?.columns.find((c) => /DATE|TIMESTAMP|TIME/.test(c.type))?.name;
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

  // ---- train and evaluate
  const trained: { train: string; evaluate: string }[] = [];
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

  // ---- gate, register, approve, deploy
  const best = trained[0];
  let gateWhen: string | undefined;
  if (best && spec.gate) {
    if (spec.gate.kind === 'threshold') {
      const m = metric ?? spec.gate.metric;
      gateWhen = `steps.${best.evaluate}.outputs.metrics.${m} ${spec.gate.op} ${spec.gate.value}`;
    } else if (spec.gate.noWorse && champion && (metric ?? taskType))
      gateWhen = notWorseWhen(best.evaluate, metric ?? defaultMetric(taskType as TaskType));
    else gateWhen = `steps.${best.evaluate}.outputs.${champion ? 'better == true' : 'improved'}`;
  }
  // Champion/challenger: deploying over a production model gates on beating it on the same held-out rows.
  if (best && champion && spec.wants.deploy) {
    const better = `steps.${best.evaluate}.outputs.better == true`;
    if (!gateWhen?.includes(better)) gateWhen = gateWhen ? `${gateWhen} && ${better}` : better;
    notes.push(
      `champion/challenger: ${champion.name} production (v${champion.production}) is evaluated on the same held-out rows in ${best.evaluate}; the new version is deployed only if it is ${spec.gate?.kind === 'improve' && spec.gate.noWorse ? 'no worse' : 'better'}`,
    );
  } else if (best && champion)
    notes.push(
      `${best.evaluate} also evaluates ${champion.name} production (v${champion.production}) on the same held-out rows`,
    );
  const modelName = slug(spec.modelName ?? registeredAs ?? `${sourceName(primary)}-${target ?? 'model'}`, 60);
  const wantsRegister = spec.wants.register || (gateWhen !== undefined && !spec.wants.predict);
  let lastModelStep = best?.evaluate;
  let approvalPlaced = false;
  const approval = (dependsOn: string[], message: string): StepIn => {
    approvalPlaced = true;
    return {
      id: 'approve',
      kind: 'approval',
      dependsOn,
      message,
      ...(spec.approvers.length ? { approvers: spec.approvers } : {}),
      timeout: spec.approvalTimeout ?? '24h',
      onTimeout: 'reject',
      ...(gateWhen ? { when: gateWhen } : {}),
    };
  };
  if (best && wantsRegister) {
    if (spec.approval && !spec.wants.deploy)
      steps.push(approval([best.evaluate], `Register the new "${modelName}" model?`));
    steps.push({
      id: 'register',
      task: 'model.register',
      dependsOn: approvalPlaced ? ['approve', best.evaluate] : [best.evaluate],
      with: {
        name: modelName,
        model: ref(best.train, 'model'),
        dataset: trainRef,
        ...(spec.registerAlias ? { alias: spec.registerAlias } : {}),
        description: `trained by the plan for: ${spec.goal.slice(0, 200)}`,
      },
      ...(gateWhen ? { when: gateWhen } : {}),
    });
    lastModelStep = 'register';
  }
  if (best && spec.wants.deploy) {
    const gateText = spec.gate
      ? spec.gate.kind === 'threshold'
        ? ` (${spec.gate.metric} ${spec.gate.op} ${spec.gate.value})`
        : spec.gate.noWorse
          ? ' (it is no worse than the current model)'
          : ' (it improved on the current model)'
      : champion
        ? ` (only if it beats production v${champion.production})`
        : '';
    steps.push(approval(['register'], `Deploy the new "${modelName}" model to production${gateText}?`));
    steps.push({
      id: 'deploy',
      task: 'deploy.http',
      dependsOn: ['approve'],
      with: spec.canary?.share
        ? {
            model: modelName,
            version: 'production',
            canary: { version: ref('register', 'version'), share: spec.canary.share },
            reason: 'canary of a newly trained model',
          }
        : {
            model: modelName,
            version: ref('register', 'version'),
            reason: 'newly trained model passed evaluation',
          },
      ...(gateWhen ? { when: gateWhen } : {}),
    });
    lastModelStep = 'deploy';
  }

  // ---- batch predictions
  let scoreStep: string | undefined;
  if (best && spec.wants.predict) {
    let scoreRef = testRef;
    const deps = [best.train];
    const src = spec.sources[1];
    if (src && src.kind !== 'unsupported') {
      steps.push(ingestStep('load_score', src, inputs));
      scoreRef = ref('load_score', 'dataset');
      deps.push('load_score');
      if (second && target && !second.columns.some((c) => c.name === target))
        notes.push(`rows to score have no "${target}" column (fine for scoring)`);
    } else deps.push(current);
    if (spec.approval && !approvalPlaced)
      steps.push(approval([best.evaluate], 'Score the rows with the new model?'));
    if (approvalPlaced && !deps.includes('approve') && !spec.wants.deploy && !wantsRegister)
      deps.push('approve');
    steps.push({
      id: 'predict',
      task: 'predict.batch',
      dependsOn: deps,
      with: { model: ref(best.train, 'model'), dataset: scoreRef, csv: /\bcsv\b/i.test(spec.goal) },
      ...(gateWhen && !wantsRegister ? { when: gateWhen } : {}),
    });
    scoreStep = 'predict';
  }

  // ---- approval asked for, nothing deployed or registered: guard the training itself
  if (spec.approval && !approvalPlaced && best) {
    const trainIdx = steps.findIndex((s) => s.id === best.train);
    const gpus = spec.resources.gpu ? ` on ${spec.resources.gpu} GPU(s)` : '';
    const { when: _unused, ...ask } = approval([current], `Start training "${modelName}"${gpus}?`);
    steps.splice(trainIdx, 0, ask);
    for (const t of trained) {
      const s = steps.find((x) => x.id === t.train);
      if (s) s.dependsOn = [...(s.dependsOn ?? []), 'approve'];
    }
  }

  // ---- drift monitoring
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

  // ---- notifications
  if (spec.notify) {
    const channel = spec.notify.channel;
    if (spec.notify.asked === 'email')
      notes.push('email is not a notify channel yet; the message goes to the run log');
    const url = notifyUrl(channel, inputs);
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
