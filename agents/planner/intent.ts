/**
 * The intent frame: what a goal asks for, before anything is looked up. The offline grammars (offline/*.ts)
 * fill it from the words of the goal; an LLM can fill it through structured output (every field is described).
 * The resolver (resolve.ts) then binds its references — files, registered models, versions, aliases, runs,
 * dataset versions — to what exists, and a builder (build/) turns the resolved frame into a plan.
 *
 * Edits in a conversation are frames too: a follow-up is read as a partial frame plus edit operations
 * (replace the models, remove a stage, …) and merged into the frame of the current plan (edits.ts).
 */
import { z } from 'zod';
import { AiIntent } from './ai-intent.ts';

export const SourceSpec = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('file'),
      path: z.string().describe('Workspace-relative path of a data file'),
    }),
    z.object({ kind: z.literal('url'), url: z.string().describe('http(s) URL of a data file') }),
    z.object({
      kind: z.literal('postgres'),
      connection: z.string().describe('postgres:// connection string'),
      table: z.string().optional().describe('Table to read'),
      query: z.string().optional().describe('SELECT query to read'),
    }),
    z.object({
      kind: z.literal('s3'),
      url: z.string().describe("s3://bucket/key, prefix or glob (or the bucket trigger's input reference)"),
      name: z.string().describe('Short name for the datasets read from it'),
    }),
    z.object({
      kind: z.literal('unsupported'),
      location: z.string().describe('What the goal named'),
      why: z.string().describe('Why it cannot be read'),
    }),
  ])
  .describe('A data source named in the goal');
export type SourceSpec = z.infer<typeof SourceSpec>;

export const Framework = z.enum(['builtin', 'sklearn', 'xgboost', 'torch']);
export type Framework = z.infer<typeof Framework>;
export const ModelChoice = z
  .object({
    framework: Framework.describe('Training library'),
    algorithm: z.string().describe('Model family: random_forest, logistic_regression, knn, …'),
  })
  .describe('A model family the goal asks for');
export type ModelChoice = z.infer<typeof ModelChoice>;

export const Comparator = z.enum(['>=', '>', '<=', '<']);
export type Comparator = z.infer<typeof Comparator>;
export const Gate = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('threshold'),
      metric: z.string().describe('Metric name: accuracy, f1_macro, roc_auc, rmse, mae, r2, …'),
      op: Comparator.describe('Comparison'),
      value: z.number().describe('Threshold; shares as fractions (0.9, not 90)'),
      errorRate: z
        .number()
        .optional()
        .describe('Said as an error rate (this share): accuracy is 1 minus it, so only for classification'),
    }),
    z.object({
      kind: z.literal('improve'),
      metric: z.string().optional().describe('Metric that must improve (default: the primary metric)'),
      minDelta: z.number().optional().describe('By how much'),
      noWorse: z
        .boolean()
        .optional()
        .describe('A tie with the current model passes ("no worse than production")'),
    }),
  ])
  .describe('What must hold before registering / deploying');
export type Gate = z.infer<typeof Gate>;

export const PrepIntent = z
  .discriminatedUnion('op', [
    z.object({
      op: z.literal('dedupe'),
      list: z.string().optional().describe('Columns that make a row a duplicate, as written'),
    }),
    z.object({ op: z.literal('drop'), list: z.string().describe('Columns to drop, as written') }),
    z.object({ op: z.literal('dropna'), list: z.string().optional().describe('Only rows missing these') }),
    z.object({
      op: z.literal('where'),
      column: z.string().describe('Column phrase'),
      cmp: z.enum(['=', '!=', '>', '>=', '<', '<=']).describe('Comparison'),
      value: z.string().describe('Value as written'),
      keep: z.boolean().describe('Keep (true) or drop (false) the matching rows'),
      timeColumn: z.boolean().optional().describe("The column is the data's date or year, not named"),
      valueColumn: z.boolean().optional().describe('No column named: the text column holding the value'),
    }),
    z.object({
      op: z.literal('impute'),
      strategy: z.enum(['mean', 'median', 'mode', 'constant']).describe('How to fill'),
      value: z.union([z.number(), z.string()]).optional().describe('The constant'),
      list: z.string().optional().describe('Only these columns, as written'),
    }),
    z.object({ op: z.literal('scale'), method: z.enum(['zscore', 'minmax']).describe('Scaling') }),
    z.object({ op: z.literal('onehot'), list: z.string().optional().describe('Columns, as written') }),
    z.object({
      op: z.literal('derive'),
      name: z.string().describe('The new column'),
      expr: z.string().describe('Its arithmetic expression over columns, as written'),
    }),
    z.object({
      op: z.literal('select'),
      list: z.string().describe('Columns to keep (all others dropped), as written'),
    }),
    z.object({
      op: z.literal('clip'),
      list: z.string().optional().describe('Columns, as written'),
      quantiles: z.tuple([z.number(), z.number()]).optional().describe('Bounds as [low, high] quantiles'),
      lower: z.number().optional().describe('Fixed lower bound, instead of quantiles'),
      upper: z.number().optional().describe('Fixed upper bound, instead of quantiles'),
    }),
    z.object({
      op: z.literal('aggregate'),
      fn: z.enum(['avg', 'sum', 'count', 'median', 'min', 'max']).describe('How rows of a group combine'),
      measure: z.string().describe('The column combined, as written'),
      by: z.string().describe('The columns to group by, as written'),
    }),
    z.object({
      op: z.literal('cast'),
      list: z.string().describe('Columns, as written'),
      type: z.enum(['DOUBLE', 'INTEGER', 'VARCHAR', 'BOOLEAN', 'DATE', 'TIMESTAMP']).describe('New type'),
    }),
  ])
  .describe('A data preparation step');
export type PrepIntent = z.infer<typeof PrepIntent>;

export const ScheduleSpec = z
  .object({
    cron: z.string().describe('Cron expression'),
    timezone: z.string().optional().describe('IANA time zone'),
    phrase: z.string().describe('The words it was read from'),
  })
  .describe('When the pipeline runs');

/** A phrase that names a registered model (or a version of one). */
export const ModelReference = z
  .object({
    text: z
      .string()
      .describe('The words of the goal, e.g. "the production cars model", "penguins-species v2"'),
    role: z
      .enum(['subject', 'scorer', 'baseline'])
      .describe(
        'subject: the model acted on; scorer: the model that scores rows; baseline: compared against',
      ),
    words: z.array(z.string()).describe('Words that may name the model (name, target, data), lower case'),
    name: z.string().optional().describe('An exact registered model name, when written'),
    version: z.number().int().optional().describe('An explicit version number'),
    alias: z.string().optional().describe('An alias: production, staging, …'),
    qualifier: z
      .enum(['latest', 'new', 'previous', 'current'])
      .optional()
      .describe('latest: highest version; new: newest version not in production; previous: the one before'),
    run: z.string().optional().describe('"the model that run <id> trained": the run id'),
    registeredDaysAgo: z
      .number()
      .int()
      .optional()
      .describe(
        '"the version registered six days ago": the calendar day it was registered, in days before today',
      ),
    deployedDaysAgo: z
      .number()
      .int()
      .optional()
      .describe(
        '"the version that went live / was deployed three days ago": the calendar day production was pointed at it, in days before today',
      ),
    exactOnly: z
      .boolean()
      .optional()
      .describe(
        'A bare registry-style name ("penguins-species"): a reference only if a model has exactly that name',
      ),
  })
  .describe('A reference to a registered model');
export type ModelReference = z.infer<typeof ModelReference>;

/** A phrase that names a past run. */
export const RunReference = z
  .object({
    text: z.string().describe('The words of the goal, e.g. "last Tuesday\'s weather training"'),
    id: z.string().optional().describe('An explicit run id (run-…)'),
    status: z.enum(['succeeded', 'failed']).optional().describe('Only runs that ended so'),
    day: z
      .enum([
        'today',
        'yesterday',
        'sunday',
        'monday',
        'tuesday',
        'wednesday',
        'thursday',
        'friday',
        'saturday',
        'last-week',
      ])
      .optional()
      .describe(
        'The day the run started (a weekday means the last one before today; last-week the calendar week before this one)',
      ),
    daysAgo: z
      .number()
      .int()
      .optional()
      .describe('"the training from two days ago": the calendar day the run started, in days before today'),
    words: z.array(z.string()).describe('Words that describe the run (plan name, data, target), lower case'),
    training: z.boolean().describe('A training run is meant ("the weather training")'),
    latest: z.boolean().describe('"the last / latest …": the newest match when several match'),
    ofModel: z
      .boolean()
      .optional()
      .describe(
        'The run that trained the model the goal names ("the training that produced the production penguins model", "take penguins-species v3 and train it again")',
      ),
    trigger: z
      .string()
      .optional()
      .describe('A trigger by name whose plan runs now ("run the cars-mpg-nightly job now")'),
    dataset: z
      .string()
      .optional()
      .describe(
        'A dataset named for the newest version to train on ("the newest version of the trucks dataset")',
      ),
  })
  .describe('A reference to a past run');
export type RunReference = z.infer<typeof RunReference>;

/** Serving limits: when a watched deployment counts as regressed. */
export const WatchLimits = z
  .object({
    duration: z.string().optional().describe('How long to watch, e.g. "2h"'),
    maxErrorRate: z.number().optional().describe('Absolute error rate limit, e.g. 0.02'),
    maxErrorRateIncrease: z.number().optional().describe('Allowed error-rate rise over the baseline'),
    maxP95Factor: z.number().optional().describe('Allowed p95 latency ratio to the baseline, e.g. 2'),
    maxP50Ms: z.number().optional().describe('Absolute median (p50) latency limit in milliseconds'),
    maxP90Ms: z.number().optional().describe('Absolute p90 latency limit in milliseconds'),
    maxP95Ms: z.number().optional().describe('Absolute p95 limit in milliseconds'),
    maxP99Ms: z.number().optional().describe('Absolute p99 limit in milliseconds'),
  })
  .describe('Serving limits');
export type WatchLimits = z.infer<typeof WatchLimits>;

/** A person's own training script. */
export const ScriptSpec = z
  .object({
    path: z.string().describe('Workspace-relative script path, e.g. scripts/finetune.py'),
    args: z.array(z.string()).describe('Arguments, as written'),
    interpreter: z.string().optional().describe('An interpreter named before the script, e.g. python3'),
    artifact: z.string().optional().describe('The file or folder the script writes, to register'),
  })
  .describe("A person's own training script");
export type ScriptSpec = z.infer<typeof ScriptSpec>;

export const Operation = z
  .enum([
    'pipeline',
    'score',
    'monitor-traffic',
    'serving-metrics',
    'rerun',
    'promote',
    'compare',
    'canary',
    'rollback',
    'script',
    'ai',
  ])
  .describe(
    'ai: documents, search indexes and LLM calls (see the ai field); pipeline: build from data; score: batch-score with a registered model; monitor-traffic: drift of served traffic; serving-metrics: latency/error report; rerun: like a past run; promote: deploy a registered version; compare: evaluate registered versions against each other, deploying nothing; canary: share traffic, watch, promote or roll back; rollback: move production back; script: run an own training script',
  );
export type Operation = z.infer<typeof Operation>;

export const Wants = z.object({
  train: z.boolean().describe('Train a model'),
  register: z.boolean().describe('Register the model'),
  deploy: z.boolean().describe('Deploy it'),
  predict: z.boolean().describe('Score rows (batch predictions)'),
  monitor: z.boolean().describe('Check drift'),
  notify: z.boolean().describe('Send a notification'),
  split: z.boolean().describe('Split the rows'),
  version: z.boolean().describe('Version the dataset'),
  data: z.boolean().describe('A data-only verb (load, clean, version, split, …)'),
});

export const IntentFrame = z
  .object({
    goal: z.string().describe('The goal as written (normalised whitespace)'),
    operation: Operation,
    sources: z.array(SourceSpec).describe('Data sources, training data first'),
    targetPhrases: z.array(z.string()).describe('Candidate phrases for the column to predict, best first'),
    taskType: z.enum(['classification', 'regression']).optional().describe('When the goal says which'),
    wants: Wants.describe('Stages the goal asks for'),
    models: z.array(ModelChoice).describe('Model families asked for, in order'),
    compare: z.boolean().describe('Compare several models'),
    folds: z.number().int().optional().describe('Cross-validation folds (0: none)'),
    testShare: z.number().optional().describe('Share of rows held out for testing'),
    validationShare: z.number().optional().describe('Share of rows held out for validation'),
    split: z
      .object({
        method: z.enum(['random', 'stratified', 'time']),
        column: z.string().optional(),
        cutoff: z.string().optional(),
      })
      .optional()
      .describe('How rows are split'),
    seed: z.number().int().optional().describe('Random seed'),
    metric: z.string().optional().describe('Primary metric'),
    gate: Gate.optional(),
    compareWithProduction: z
      .boolean()
      .optional()
      .describe('true: gate on beating production; false: the goal says not to compare; unset: default'),
    schedule: ScheduleSpec.optional(),
    event: z.string().optional().describe('Event trigger, e.g. file.arrived'),
    bucket: z
      .string()
      .optional()
      .describe(
        's3://bucket/prefix/ where new objects start a run (a bucket trigger), e.g. "when a file lands in …"',
      ),
    resources: z
      .object({
        gpu: z.number().int().optional(),
        gpuMemory: z.string().optional(),
        cpu: z.number().optional(),
        memory: z.string().optional(),
      })
      .describe('Resources of the training step'),
    approval: z.boolean().describe('A person approves before the risky step'),
    approvers: z.array(z.string()).describe('Who may approve'),
    approvalTimeout: z.string().optional().describe('How long an approval waits'),
    drift: z
      .object({
        datasetShare: z.number().optional(),
        psi: z.number().optional(),
        pValue: z.number().optional(),
        wasserstein: z.number().optional(),
        jensenShannon: z.number().optional(),
      })
      .describe('Drift thresholds'),
    notify: z
      .object({
        channel: z.enum(['slack', 'webhook', 'console', 'email']),
        asked: z.string(),
        to: z.array(z.string()).optional().describe('E-mail recipients the goal names (channel email)'),
        ccAuthor: z
          .boolean()
          .optional()
          .describe('E-mail: the run author too, beside the named recipients ("email me and x@y")'),
      })
      .optional()
      .describe('Where to notify'),
    prep: z.array(PrepIntent).describe('Preparation steps, in order'),
    params: z
      .object({
        nEstimators: z.number().optional(),
        maxDepth: z.number().optional(),
        minSamplesLeaf: z.number().optional().describe('Fewest rows in a leaf of a tree, e.g. 5'),
        k: z.number().optional(),
        learningRate: z.number().optional().describe('Shrinkage of gradient boosting, e.g. 0.05'),
        C: z.number().optional().describe('Inverse regularisation of logistic regression / SVM, e.g. 0.5'),
        alpha: z.number().optional().describe('Regularisation of ridge / lasso, e.g. 0.3'),
      })
      .describe('Hyperparameters named in the goal'),
    tune: z.boolean().describe('Search hyperparameters'),
    modelName: z.string().optional().describe('Name to register the model under'),
    datasetName: z.string().optional().describe('Name to version the dataset under'),
    registerAlias: z
      .string()
      .optional()
      .describe('Alias the newly registered version gets, e.g. "staging" (production is moved by a deploy)'),
    textColumns: z.array(z.string()).describe('Columns of free text to vectorise (as written)'),
    featureColumns: z
      .array(z.string())
      .optional()
      .describe('Input columns when the goal lists them, e.g. the right-hand side of "y ~ a + b"'),
    textColumnHints: z
      .array(z.string())
      .describe('Columns the prediction is made "from" (as written): text features if they hold free text'),
    canary: z
      .object({
        share: z.number().optional().describe('Share of requests, e.g. 0.25'),
        duration: z.string().optional().describe('How long, e.g. "2h"'),
      })
      .optional()
      .describe('A canary rollout'),
    watch: WatchLimits.optional(),
    rollback: z
      .object({
        toVersion: z.number().int().optional().describe('Version to go back to (default: the previous)'),
        toAlias: z.string().optional().describe('An alias naming the version to go back to'),
        onBreach: z.boolean().describe('Only when serving limits are breached'),
      })
      .optional()
      .describe('A rollback'),
    servingWindow: z.string().optional().describe('Time window of a serving report, e.g. "2h"'),
    trafficSince: z.string().optional().describe('Served traffic of the last …, e.g. "24h"'),
    sinceDay: RunReference.shape.day.describe(
      'Served traffic or a serving report since the start of this day ("since Monday", "since yesterday")',
    ),
    output: z.string().optional().describe('Where to write scored rows, e.g. "scores/"'),
    script: ScriptSpec.optional(),
    ai: AiIntent.optional().describe('Documents, search indexes and LLM calls (operation ai)'),
    refs: z
      .object({
        models: z.array(ModelReference).describe('References to registered models'),
        run: RunReference.optional(),
        newestData: z.boolean().describe('"the newest data / version of its dataset"'),
      })
      .describe('References to what exists'),
  })
  .describe('What a goal asks for');
export type IntentFrame = z.infer<typeof IntentFrame>;

/** The offline parser's name for the frame (kept: build.ts and tests read it as a goal spec). */
export type GoalSpec = IntentFrame;
