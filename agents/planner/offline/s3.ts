/**
 * S3 in goals, for the offline planner: where an s3:// address is a source ("train on
 * s3://bucket/events/2026/*.parquet") and where it is the place new files land ("when a new file lands in
 * s3://bucket/incoming/, score it"). A source becomes an ingest.s3 step; an arrival becomes a bucket
 * trigger (plan trigger.bucket) whose runs read the new object from the `url` input.
 */

export interface S3Mention {
  /** Offset of the address in the goal. */
  at: number;
  /** The address as written (s3a:// included), for blanking it out of the goal. */
  text: string;
  /** The address as pipewright reads it: s3://bucket/key, prefix or glob. */
  url: string;
  /** True when the goal says new files land there (a trigger), false for a plain source. */
  arrival: boolean;
}

/** The plan input a bucket-triggered run reads its object from. */
export const ARRIVAL_INPUT = 'url';
export const ARRIVAL_REF = '${{ inputs.url }}';

const S3_URL = /\bs3a?:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:\/[^\s'"`<>]*)?/gi;

/** Words between "when" and the address that say a file arrives there. */
const ARRIVAL_BEFORE =
  /\b(?:when(?:ever)?|each time|every time|as soon as|once|for (?:each|every)|on (?:each|every))\b[^.;!?]{0,80}?\b(?:lands?|landed|landing|arrives?|arrived|arriving|appears?|(?:is|are|gets?|get)\s+(?:uploaded|dropped|written|added|put)|uploaded|dropped|(?:shows?|comes?)\s+(?:up|in)|new\s+(?:files?|objects?|data|batch(?:es)?|extracts?|uploads?|exports?))\b[^.;!?]{0,30}?\b(?:in|into|at|under|to|on|inside)\s+(?:the\s+)?(?:(?:bucket|prefix|folder)\s+)?$/i;

function trim(u: string): string {
  return u.replace(/[.,;:!?)\]]+$/, '');
}

/** Every s3:// (or s3a://) address in a goal, each marked as an arrival place or a plain source. */
export function findS3(goal: string): S3Mention[] {
  const out: S3Mention[] = [];
  for (const m of goal.matchAll(S3_URL)) {
    const text = trim(m[0]);
    const at = m.index ?? 0;
    const before = goal.slice(Math.max(0, at - 160), at);
    out.push({
      at,
      text,
      url: text.replace(/^s3a:/i, 's3:'),
      arrival: ARRIVAL_BEFORE.test(before),
    });
  }
  return out;
}

/** A short name for datasets read from an address: the file or folder name, without extension or glob. */
export function s3SourceName(url: string): string {
  const parts = url
    .replace(/^s3:\/\/[^/]+\/?/, '')
    .split('/')
    .filter((p) => p && !/[*?[]/.test(p));
  const last = parts.at(-1) ?? url.replace(/^s3:\/\//, '').split('/')[0] ?? 's3';
  return last.replace(/\.[^.]+$/, '') || 's3';
}

/** The ingest.s3 step for a source (the new object's address for an arrival). */
export function s3IngestStep(id: string, url: string, name: string) {
  return { id, task: 'ingest.s3', with: { url, name: `${name}-raw` } };
}

/** What a plan triggered by arrivals at `bucketUrl` declares: the trigger and the input runs read. */
export function arrivalTrigger(bucketUrl: string) {
  return {
    trigger: { bucket: bucketUrl },
    inputs: {
      [ARRIVAL_INPUT]: {
        type: 'string',
        description: `s3:// address of the new object under ${bucketUrl} (set by the bucket trigger)`,
      },
    },
  };
}
