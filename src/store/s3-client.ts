/**
 * One S3 client per configuration, through the official AWS SDK v3. Credentials come from the standard
 * AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, instance roles), read by the SDK
 * itself and never logged; the endpoint, region and addressing style come from src/config.ts.
 * Also: s3:// URL parsing, listing a key, a prefix or a glob, and one mapping of SDK failures to errors a person can act on.
 * The SDK is loaded on first use (~0.2–0.3 s), so commands that never touch S3 do not pay for it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import picomatch from 'picomatch';
import type { Config } from '../config.ts';
import { PipewrightError, userError } from '../errors.ts';

export interface S3Location {
  bucket: string;
  /** Key or key prefix, without a leading slash; "" for the whole bucket. */
  key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses s3://bucket/key (or a prefix, or a glob); refuses anything else with a fix. */
export function parseS3Url(url: string, what = 'S3 address'): S3Location {
  const m = /^s3:\/\/([^/?#]+)\/?(.*)$/.exec(url.trim());
  const bucket = m?.[1];
  if (!m || !bucket || !BUCKET.test(bucket)) {
    throw userError(
      'S3_URL_INVALID',
      `The ${what} "${url}" is not an s3:// address`,
      m ? `"${bucket}" is not a valid bucket name (3–63 lower-case letters, digits, "." and "-")` : undefined,
      'Write it as s3://bucket/key, s3://bucket/prefix/ or s3://bucket/path/*.parquet.',
    );
  }
  return { bucket, key: m[2] ?? '' };
}

export const s3Url = (loc: S3Location) => `s3://${loc.bucket}/${loc.key}`;

export type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdk: Promise<S3Sdk> | undefined;

/** The AWS SDK's S3 module, imported once on first use. */
export function s3Sdk(): Promise<S3Sdk> {
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
}

const clients = new WeakMap<Config, Promise<S3Client>>();

/** The S3 client for a configuration (cached per config object; the SDK keeps its own connection pool). */
export function s3ClientFor(config: Config): Promise<S3Client> {
  const cached = clients.get(config);
  if (cached) return cached;
  const client = s3Sdk().then(
    ({ S3Client }) =>
      new S3Client({
        ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
        // A custom endpoint rarely cares about the region, but the SDK needs one to sign requests.
        ...(config.s3Region ? { region: config.s3Region } : config.s3Endpoint ? { region: 'us-east-1' } : {}),
        forcePathStyle: config.s3ForcePathStyle,
        // Keep retrying transient failures (throttling, 5xx, resets) a little longer than the default 3.
        maxAttempts: 5,
      }),
  );
  clients.set(config, client);
  return client;
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
]);

/**
 * Turns an AWS SDK failure into a PipewrightError: a missing bucket or key and refused access are user
 * errors (not retried); throttling, 5xx and network failures are retryable third-party errors. The
 * message never includes credentials: the SDK's own messages do not carry them.
 */
export function s3Error(e: unknown, what: string, where: string): PipewrightError {
  if (e instanceof PipewrightError) return e;
  const name = (e as { name?: string } | null)?.name ?? '';
  const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const message = e instanceof Error ? e.message : String(e);
  if (name === 'NoSuchBucket')
    return userError('S3_NOT_FOUND', what, `the bucket of ${where} does not exist`, 'Check the bucket name.');
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404)
    return userError('S3_NOT_FOUND', what, `nothing at ${where}`, 'Check the key (it is case-sensitive).');
  if (CREDENTIAL_ERRORS.has(name) || /credential/i.test(message)) {
    return userError(
      'S3_CREDENTIALS',
      what,
      `no valid AWS credentials were found or accepted (${name || 'credentials'})`,
      'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, for the account that owns the bucket.',
    );
  }
  if (name === 'AccessDenied' || status === 403)
    return userError(
      'S3_FORBIDDEN',
      what,
      `access to ${where} was refused`,
      'Grant these credentials s3:GetObject/s3:ListBucket (or s3:PutObject) on the bucket.',
    );
  if (/region is missing/i.test(message))
    return userError(
      'S3_REGION',
      what,
      'no AWS region is configured',
      'Set AWS_REGION (or PIPEWRIGHT_S3_REGION), or PIPEWRIGHT_S3_ENDPOINT for an S3-compatible server.',
    );
  return new PipewrightError({
    code: 'S3_UNAVAILABLE',
    category: 'third-party',
    what,
    why: `${name ? `${name}: ` : ''}${message}`,
    fix: 'Check that the S3 endpoint is reachable from this machine (PIPEWRIGHT_S3_ENDPOINT) and retry.',
    retryable: true,
    cause: e,
  });
}

export interface S3Object {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  versionId?: string;
}

/** Strips the quotes S3 puts around ETags. */
export const cleanEtag = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

/** A key with *, ? or [ in it is a glob; one ending in "/" (or empty) is a prefix; anything else a key. */
export function selectorKind(key: string): 'glob' | 'prefix' | 'key' {
  if (/[*?[]/.test(key)) return 'glob';
  return key === '' || key.endsWith('/') ? 'prefix' : 'key';
}

/** The longest literal prefix of a glob (what ListObjectsV2 can narrow by). */
export function globPrefix(glob: string): string {
  const first = glob.search(/[*?[{]/);
  return first < 0 ? glob : glob.slice(0, first);
}

/**
 * Every object under a location, filtered by `pattern` when the key is a glob ("*" stays within one
 * folder, "**" crosses folders). Stops with a user error past `maxObjects`.
 */
export async function listObjects(
  client: S3Client,
  loc: S3Location,
  opts: { maxObjects?: number; signal?: AbortSignal } = {},
): Promise<S3Object[]> {
  const kind = selectorKind(loc.key);
  const prefix = kind === 'glob' ? globPrefix(loc.key) : loc.key;
  const match = kind === 'glob' ? picomatch(loc.key, { dot: true }) : undefined;
  const max = opts.maxObjects ?? 10_000;
  const out: S3Object[] = [];
  const { paginateListObjectsV2 } = await s3Sdk();
  try {
    const pages = paginateListObjectsV2(
      { client, pageSize: 1000 },
      { Bucket: loc.bucket, Prefix: prefix },
      ...(opts.signal ? [{ abortSignal: opts.signal }] : []),
    );
    for await (const page of pages) {
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue; // folder markers
        if (kind === 'key' && o.Key !== loc.key) continue;
        if (match && !match(o.Key)) continue;
        out.push({
          key: o.Key,
          size: o.Size ?? 0,
          etag: cleanEtag(o.ETag),
          lastModified: (o.LastModified ?? new Date(0)).toISOString(),
        });
        if (out.length > max) {
          throw userError(
            'S3_TOO_MANY_OBJECTS',
            `More than ${max} objects match ${s3Url(loc)}`,
            undefined,
            'Narrow the prefix or glob, or raise maxObjects.',
            { limit: max },
          );
        }
      }
      if (kind === 'key' && out.length > 0) break;
    }
  } catch (e) {
    throw s3Error(e, `Could not list ${s3Url(loc)}`, s3Url(loc));
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}
