/**
 * S3 helpers for the data tasks (listing a key, a prefix or a glob lives in src/store/s3-client.ts): stream one object to disk with a byte limit and a sha256, and upload a file (multipart when large,
 * @aws-sdk/lib-storage). The client comes from src/store/s3-client.ts (config + the AWS credential chain).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { userError } from '../../src/errors.ts';
import { cleanEtag, type S3Object, s3Error, s3Sdk } from '../../src/store/s3-client.ts';

export {
  cleanEtag,
  globPrefix,
  listObjects,
  type S3Object,
  selectorKind,
} from '../../src/store/s3-client.ts';

export interface Downloaded {
  bytes: number;
  sha256: string;
  etag: string;
  versionId?: string;
}

/**
 * Streams one object to `file`, hashing as it goes; refuses more than `maxBytes` (checked against the
 * declared length first, then while streaming). Pins the ETag seen when listing (IfMatch), so an object
 * replaced mid-run fails loudly instead of mixing versions.
 */
export async function downloadObject(
  client: S3Client,
  bucket: string,
  obj: Pick<S3Object, 'key' | 'etag'> & { versionId?: string },
  file: string,
  opts: { maxBytes: number; signal?: AbortSignal; onBytes?: (n: number) => void },
): Promise<Downloaded> {
  const where = `s3://${bucket}/${obj.key}`;
  let res: GetObjectCommandOutput;
  const { GetObjectCommand } = await s3Sdk();
  try {
    res = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: obj.key,
        ...(obj.etag ? { IfMatch: `"${obj.etag}"` } : {}),
        ...(obj.versionId ? { VersionId: obj.versionId } : {}),
      }),
      opts.signal ? { abortSignal: opts.signal } : {},
    );
  } catch (e) {
    if ((e as { name?: string }).name === 'PreconditionFailed') {
      throw userError(
        'S3_CHANGED',
        `${where} changed while it was being read`,
        `its ETag is no longer ${obj.etag}`,
        'Run the step again; it reads the current version.',
      );
    }
    throw s3Error(e, `Could not read ${where}`, where);
  }
  const declared = res.ContentLength ?? 0;
  if (declared > opts.maxBytes) throw tooLarge(where, opts.maxBytes, declared);
  const body = res.Body as Readable | undefined;
  if (!body) throw s3Error(new Error('empty body'), `Could not read ${where}`, where);
  const hash = createHash('sha256');
  const sink = createWriteStream(file);
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > opts.maxBytes) throw tooLarge(where, opts.maxBytes, bytes);
      hash.update(chunk);
      if (!sink.write(chunk)) await once(sink, 'drain');
      opts.onBytes?.(chunk.byteLength);
    }
  } catch (e) {
    body.destroy();
    if ((e as { code?: string }).code === 'DATA_TOO_LARGE') throw e;
    throw s3Error(e, `Reading ${where} stopped after ${bytes} bytes`, where);
  } finally {
    sink.end();
    await once(sink, 'close');
  }
  return {
    bytes,
    sha256: hash.digest('hex'),
    etag: cleanEtag(res.ETag) || obj.etag,
    ...(res.VersionId ? { versionId: res.VersionId } : {}),
  };
}

export function tooLarge(where: string, limit: number, seen: number) {
  return userError(
    'DATA_TOO_LARGE',
    `${where} is larger than the limit of ${limit} bytes`,
    `at least ${seen} bytes`,
    'Raise maxBytes if the data is expected to be this large, or select fewer objects.',
    { limit, bytes: seen },
  );
}

/** Metadata of one object, or undefined when there is none. */
export async function headObject(
  client: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<{ etag: string; size: number; metadata: Record<string, string> } | undefined> {
  const { HeadObjectCommand } = await s3Sdk();
  try {
    const r = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key }),
      signal ? { abortSignal: signal } : {},
    );
    return { etag: cleanEtag(r.ETag), size: r.ContentLength ?? 0, metadata: r.Metadata ?? {} };
  } catch (e) {
    const name = (e as { name?: string }).name;
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (name === 'NotFound' || name === 'NoSuchKey' || status === 404) return undefined;
    throw s3Error(e, `Could not look up s3://${bucket}/${key}`, `s3://${bucket}/${key}`);
  }
}

/**
 * Uploads a file (multipart above 8 MiB, four parts at a time) with its sha256 in the object metadata.
 * Returns the stored ETag and version id.
 */
export async function uploadFile(
  client: S3Client,
  bucket: string,
  key: string,
  file: string,
  opts: {
    contentType?: string;
    sha256?: string;
    signal?: AbortSignal;
    metadata?: Record<string, string>;
  } = {},
): Promise<{ etag: string; versionId?: string; bytes: number }> {
  const where = `s3://${bucket}/${key}`;
  const bytes = (await stat(file)).size;
  const { Upload } = await import('@aws-sdk/lib-storage');
  const upload = new Upload({
    client,
    params: {
      Bucket: bucket,
      Key: key,
      Body: createReadStream(file),
      ContentLength: bytes,
      ...(opts.contentType ? { ContentType: opts.contentType } : {}),
      Metadata: { ...opts.metadata, ...(opts.sha256 ? { sha256: opts.sha256 } : {}) },
    },
    partSize: 8 * 1024 * 1024,
    queueSize: 4,
    leavePartsOnError: false,
  });
  const abort = () => void upload.abort().catch(() => {});
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    const r = await upload.done();
    return {
      etag: cleanEtag(r.ETag),
      ...(r.VersionId ? { versionId: r.VersionId } : {}),
      bytes,
    };
  } catch (e) {
    throw s3Error(e, `Could not upload to ${where}`, where);
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
}
