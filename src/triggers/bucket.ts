/**
 * Bucket triggers: "when a new file lands in s3://bucket/incoming/" runs the plan once per new object.
 *
 * Polling (ListObjectsV2 every `every`), because S3-compatible stores have no portable push. Each object
 * fires under the tick `s3:<key>@<etag>`, claimed with the scheduler's (trigger, tick) lock row: the same
 * object never fires twice, however many schedulers share the database, and a key overwritten with new
 * bytes (a new ETag) fires again. The cursor (the newest LastModified seen) is persisted as the trigger's
 * last tick; each poll looks back OVERLAP_MS behind it, so objects listed late (clock skew, eventually
 * consistent stores) still fire — at least once, deduplicated by key and ETag.
 */
import type { Engine } from '../engine/index.ts';
import { formatError, userError } from '../errors.ts';
import { parseDuration } from '../plan/index.ts';
import type { TriggerRecord, TriggerStore } from '../store/index.ts';
import { listObjects, parseS3Url, s3ClientFor } from '../store/s3-client.ts';
import { BucketSpec } from './schema.ts';

/** How far behind the cursor each poll looks again. */
export const OVERLAP_MS = 5 * 60_000;
/** Most objects one poll considers under a prefix. */
const MAX_LISTED = 100_000;

export interface BucketFire {
  trigger: string;
  tick: string;
  status: string;
  runId?: string;
  reason?: string;
}

/** What a bucket poll needs from the scheduler. */
export interface BucketHost {
  engine: Engine;
  triggers: TriggerStore;
  fire(name: string, tick: string, inputs: Record<string, unknown>): BucketFire;
}

export class BucketPoller {
  private readonly polledAt = new Map<string, number>();
  private readonly failing = new Set<string>();

  constructor(
    private readonly host: BucketHost,
    private readonly log: (line: string) => void,
  ) {}

  /** Lists the trigger's location when its interval has passed and fires each new object once. */
  async pass(t: TriggerRecord, now: Date): Promise<BucketFire[]> {
    const spec = BucketSpec.parse(t.spec);
    const everyMs = parseDuration(spec.every) ?? 60_000;
    const last = this.polledAt.get(t.name);
    if (last !== undefined && now.getTime() - last < everyMs) return [];
    this.polledAt.set(t.name, now.getTime());
    const loc = parseS3Url(spec.url, `bucket of trigger ${t.name}`);
    let objects: Awaited<ReturnType<typeof listObjects>>;
    try {
      const client = await s3ClientFor(this.host.engine.config);
      objects = await listObjects(client, loc, { maxObjects: MAX_LISTED });
      if (this.failing.delete(t.name)) this.log(`trigger ${t.name}: ${spec.url} is reachable again`);
    } catch (e) {
      // Said once per outage, not every poll; the cursor stays, so nothing is lost.
      if (!this.failing.has(t.name))
        this.log(`trigger ${t.name}: cannot list ${spec.url}: ${formatError(e)}`);
      this.failing.add(t.name);
      return [];
    }
    let threshold = t.lastTick ? Date.parse(t.lastTick) - OVERLAP_MS : Number.NEGATIVE_INFINITY;
    // LastModified has one-second resolution: an object written in the second the trigger was added counts as new.
    if (spec.existing === 'skip')
      threshold = Math.max(threshold, Math.floor(Date.parse(t.createdAt) / 1000) * 1000);
    const fresh = objects
      .filter((o) => Date.parse(o.lastModified) >= threshold)
      .sort((a, b) => a.lastModified.localeCompare(b.lastModified) || a.key.localeCompare(b.key));
    const out: BucketFire[] = [];
    for (const o of fresh) {
      const r = this.host.fire(t.name, `s3:${o.key}@${o.etag}`, {
        [spec.input]: `s3://${loc.bucket}/${o.key}`,
      });
      if (r.status !== 'duplicate') out.push(r);
    }
    const newest = objects.reduce<string | undefined>(
      (m, o) => (m === undefined || o.lastModified > m ? o.lastModified : m),
      undefined,
    );
    if (newest) this.host.triggers.setLastTick(t.name, newest);
    return out;
  }
}

/** A bucket trigger hands each object's address to a plan input: the plan must declare it. */
export function checkBucketPlan(
  trigger: { name: string; spec: { input: string; url: string } },
  plan: { name: string; inputs: Record<string, unknown> },
): void {
  if (trigger.spec.input in plan.inputs) return;
  throw userError(
    'TRIGGER_INPUT_MISSING',
    `Plan ${plan.name} declares no input "${trigger.spec.input}" for the bucket trigger ${trigger.name}`,
    `each new object under ${trigger.spec.url} is passed to the run as inputs.${trigger.spec.input}`,
    `Add \`inputs: { ${trigger.spec.input}: { type: string } }\` to the plan and read it with ingest.s3 (url: "\${{ inputs.${trigger.spec.input} }}"), or pass --input <name>.`,
  );
}
