/** Trigger definitions: one zod schema per kind, parsed at every boundary (CLI, store rows). */
import { Cron } from 'croner';
import { z } from 'zod';
import { userError } from '../errors.ts';
import type { Plan } from '../plan/index.ts';

export const CronSpec = z
  .strictObject({
    schedule: z.string().min(1).describe('Cron expression, e.g. "0 2 * * *"'),
    timezone: z.string().optional().describe('IANA time zone of the schedule, e.g. "Europe/Oslo"'),
  })
  .describe('Fire on a cron schedule');

export const FileSpec = z
  .strictObject({
    path: z.string().min(1).describe('Folder to watch, relative to the workspace'),
    pattern: z
      .string()
      .default('*.csv')
      .describe('File name pattern with * wildcards, e.g. "*.csv" or "sales-*.parquet"'),
    input: z.string().min(1).default('file').describe('Plan input that receives the new file path'),
  })
  .describe('Fire when a new file lands in a watched folder');

export const WebhookSpec = z
  .strictObject({
    secret: z
      .string()
      .min(8)
      .optional()
      .describe('Shared secret the caller sends in the x-pipewright-hook-secret header'),
  })
  .describe('Fire on POST /hooks/<name>');

export const DriftSpec = z
  .strictObject({
    plan: z.string().optional().describe('Only alerts raised by runs of this plan (default: any plan)'),
    model: z.string().optional().describe('The model the alerts are about (default: read from the run)'),
  })
  .describe('Triage the drift alerts that monitor.drift raises');

export const BucketSpec = z
  .strictObject({
    url: z
      .string()
      .regex(
        /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/?/,
        'must be s3://bucket/prefix/ or s3://bucket/path/*.csv',
      )
      .describe(
        'Where new objects land: s3://bucket/incoming/ (a prefix) or s3://bucket/incoming/*.parquet (a glob)',
      ),
    input: z
      .string()
      .min(1)
      .default('url')
      .describe("Plan input that receives the new object's s3:// address"),
    every: z
      .string()
      .regex(/^\d+(ms|s|m|h)$/, 'a duration like "30s" or "5m"')
      .default('1m')
      .describe('How often to list the bucket (ListObjectsV2), e.g. "30s", "5m"'),
    existing: z
      .enum(['skip', 'fire'])
      .default('skip')
      .describe('Objects already there when the trigger is added: skip them, or fire once for each'),
  })
  .describe('Fire once per new object (key + ETag) under an S3 prefix or glob');

export const TriggerKind = z.enum(['cron', 'file', 'webhook', 'drift', 'bucket']);
export const CatchUp = z
  .enum(['skip', 'one', 'all'])
  .describe('Missed cron ticks: skip them, fire the latest one, or fire every one');
export const OnLimit = z
  .enum(['skip', 'queue'])
  .describe('When the pipeline already runs maxConcurrent times: drop the fire or queue it');

const common = {
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'trigger names are lower-case letters, digits, ".", "-" and "_"')
    .describe('Unique trigger name'),
  catchUp: CatchUp.default('one'),
  maxConcurrent: z.number().int().min(1).max(1000).default(1).describe('Unfinished runs allowed at once'),
  onLimit: OnLimit.default('skip'),
};

export const TriggerDef = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('cron'), spec: CronSpec }),
  z.strictObject({ ...common, kind: z.literal('file'), spec: FileSpec }),
  z.strictObject({ ...common, kind: z.literal('webhook'), spec: WebhookSpec }),
  z.strictObject({ ...common, kind: z.literal('drift'), spec: DriftSpec }),
  z.strictObject({ ...common, kind: z.literal('bucket'), spec: BucketSpec }),
]);
export type TriggerDef = z.infer<typeof TriggerDef>;
export type TriggerDefInput = z.input<typeof TriggerDef>;

/** Parses a trigger definition; every problem is reported at once, with its path. */
export function parseTriggerDef(raw: unknown): TriggerDef {
  const r = TriggerDef.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw userError(
      'TRIGGER_INVALID',
      'The trigger definition is invalid',
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      'See docs/triggers.md for the fields of each trigger kind.',
      { problems },
    );
  }
  if (r.data.kind === 'cron') checkCron(r.data.spec.schedule, r.data.spec.timezone);
  return r.data;
}

/** A croner job that never runs by itself: the scheduler asks it for the next tick and fires it. */
export function cronOf(schedule: string, timezone?: string): Cron {
  return new Cron(schedule, { paused: true, ...(timezone ? { timezone } : {}) });
}

function checkCron(schedule: string, timezone?: string): void {
  try {
    cronOf(schedule, timezone).stop();
  } catch (e) {
    throw userError(
      'TRIGGER_CRON_INVALID',
      `Cannot read the schedule "${schedule}"${timezone ? ` in ${timezone}` : ''}`,
      (e as Error).message,
      'Write five cron fields (minute hour day month weekday), e.g. "0 2 * * *", and an IANA time zone.',
    );
  }
}

/** The trigger a plan file declares for itself (trigger.schedule / trigger.event), if any. */
export function triggerFromPlan(
  plan: Plan,
):
  | { kind: 'cron'; spec: z.input<typeof CronSpec> }
  | { kind: 'drift'; spec: z.input<typeof DriftSpec> }
  | { kind: 'bucket'; spec: z.input<typeof BucketSpec> }
  | undefined {
  if (plan.trigger?.schedule) {
    return {
      kind: 'cron',
      spec: {
        schedule: plan.trigger.schedule,
        ...(plan.trigger.timezone ? { timezone: plan.trigger.timezone } : {}),
      },
    };
  }
  if (plan.trigger?.event === 'drift.alert') return { kind: 'drift', spec: {} };
  if (plan.trigger?.bucket) return { kind: 'bucket', spec: { url: plan.trigger.bucket } };
  return undefined;
}

/** "*.csv" → /^.*\.csv$/ (only * is special). */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}
