/**
 * The pipeline plan: one zod schema, the single source of truth for plan files written by people and by
 * the planner. Types come from z.infer only.
 */
import { z } from 'zod';
import { parseDuration } from './duration.ts';

export const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;
const TASK_ID = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

export const Duration = z
  .union([z.string(), z.number().nonnegative()])
  .refine((v) => parseDuration(v) !== undefined, {
    message: 'not a duration; write it like "500ms", "30s", "5m", "24h", "2d" or "1h30m"',
  })
  .describe('A duration such as "30s", "5m", "24h" or a number of milliseconds');

const StepId = z
  .string()
  .regex(STEP_ID, 'step ids are lower-case letters, digits, "-" and "_", starting with a letter')
  .describe('Unique id of the step within the plan');

export const RetryPolicy = z
  .strictObject({
    attempts: z.number().int().min(1).max(50).default(1).describe('Total attempts, including the first'),
    backoff: z
      .enum(['exponential', 'fixed'])
      .default('exponential')
      .describe('How the wait grows between attempts'),
    delay: Duration.default('1s').describe('Wait before the second attempt'),
    maxDelay: Duration.default('5m').describe('Upper bound on the wait between attempts'),
    jitter: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe('Random share (0..1) added to or taken from each wait'),
  })
  .describe('Retry policy; validation errors are never retried');

export const CachePolicy = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe('Reuse outputs of an identical earlier step (default: the task decides)'),
    ttl: Duration.optional().describe('How long a cached result stays valid'),
  })
  .describe('Step cache keyed by task, canonical input and upstream outputs');

export const Resources = z
  .strictObject({
    cpu: z.number().positive().optional().describe('CPU cores'),
    memory: z
      .string()
      .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/)
      .optional()
      .describe('Memory, e.g. "4Gi"'),
    gpu: z.number().int().min(0).optional().describe('Number of GPUs'),
    gpuMemory: z
      .string()
      .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$/)
      .optional()
      .describe('Memory per GPU, e.g. "24Gi"'),
  })
  .describe('What the step needs from the machine that runs it');

const common = {
  id: StepId,
  name: z.string().optional().describe('Human-readable name'),
  dependsOn: z.array(StepId).default([]).describe('Steps that must finish before this one starts'),
  when: z
    .string()
    .optional()
    .describe(
      'Condition over upstream outputs, e.g. "steps.evaluate.outputs.accuracy >= 0.9"; false skips the step',
    ),
};

export const TaskStep = z
  .strictObject({
    ...common,
    kind: z.literal('task').default('task'),
    task: z
      .string()
      .regex(TASK_ID, 'task ids look like "stage.name", e.g. "ingest.file"')
      .describe('Catalog task id'),
    with: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Input of the task; strings may use ${{ steps.<id>.outputs.<field> }}'),
    retry: RetryPolicy.optional(),
    timeout: Duration.optional().describe('Kill the step after this long'),
    cache: CachePolicy.optional(),
    resources: Resources.optional(),
    secrets: z
      .array(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'secret names are UPPER_CASE'))
      .optional()
      .describe(
        'Named secrets the step needs as environment variables; the server policy must grant each one',
      ),
  })
  .describe('A step that runs a catalog task');

export const ApprovalStep = z
  .strictObject({
    ...common,
    kind: z.literal('approval'),
    message: z.string().min(1).describe('What the approver is asked'),
    approvers: z
      .array(z.string())
      .default([])
      .describe('Who may decide (empty: anyone with the approver role)'),
    timeout: Duration.default('24h').describe('How long to wait for a decision'),
    onTimeout: z
      .enum(['reject', 'approve'])
      .default('reject')
      .describe('Decision applied when the timeout passes'),
  })
  .describe('A human checkpoint: the run waits here for a decision');

export const Step = z.preprocess(
  (v) => (v && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'task' } : v),
  z.discriminatedUnion('kind', [TaskStep, ApprovalStep]),
);

export const Trigger = z
  .strictObject({
    schedule: z.string().optional().describe('Cron expression, e.g. "0 2 * * *"'),
    timezone: z.string().optional().describe('IANA time zone of the schedule'),
    event: z
      .string()
      .optional()
      .describe('Event name that starts the plan, e.g. "drift.alert" or "file.arrived"'),
    bucket: z
      .string()
      .regex(/^s3:\/\//, 'must start with s3://')
      .optional()
      .describe(
        'Run once per new object under this S3 prefix or glob (a bucket trigger), e.g. s3://bucket/incoming/',
      ),
  })
  .describe('When the plan starts by itself');

export const PlanInput = z.strictObject({
  type: z.enum(['string', 'number', 'boolean']).default('string'),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  description: z.string().optional(),
});

export const Plan = z
  .strictObject({
    apiVersion: z.literal('pipewright/v1').default('pipewright/v1'),
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'plan names are lower-case letters, digits, ".", "-" and "_"')
      .describe('Pipeline name'),
    description: z.string().optional(),
    goal: z.string().optional().describe('The goal the plan came from'),
    trigger: Trigger.optional(),
    inputs: z
      .record(z.string(), PlanInput)
      .default({})
      .describe('Run parameters, read as ${{ inputs.<name> }}'),
    allowUnapproved: z
      .union([z.boolean(), z.array(z.string())])
      .default(false)
      .describe(
        'Let command/deploy tasks (all: true, or the listed task ids) run without an approval upstream',
      ),
    metadata: z.record(z.string(), z.unknown()).default({}).describe('Who or what produced the plan'),
    steps: z.array(Step).min(1, 'a plan needs at least one step'),
  })
  .describe('A pipeline plan');

export type Plan = z.infer<typeof Plan>;
export type PlanInput = z.input<typeof Plan>;
export type Step = z.infer<typeof Step>;
export type TaskStep = z.infer<typeof TaskStep>;
export type ApprovalStep = z.infer<typeof ApprovalStep>;
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const ApprovalDecision = z.strictObject({
  approved: z.boolean().describe('true to go on, false to stop the steps that depend on the approval'),
  by: z.string().min(1).describe('Who decided'),
  comment: z.string().optional().describe('Why'),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;
