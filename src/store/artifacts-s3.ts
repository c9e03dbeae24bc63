/**
 * Content-addressed artifacts on S3 (PIPEWRIGHT_ARTIFACTS=s3://bucket/prefix), with a local read-through
 * cache so tasks still get a file path:
 *
 *   s3://bucket/prefix/sha256/ab/cdef…          one artifact (same bytes, same key, uploaded once)
 *   s3://bucket/prefix/models/<hash>/…          a model folder (<stateDir>/models/<hash>), file by file
 *   s3://bucket/prefix/models/<hash>.json       its manifest, written last: a model is complete once it exists
 *
 * Machines share nothing but the bucket. Before a task runs, `localize` walks its input and upstream
 * outputs and, for every artifact path or model folder they name (from whichever machine wrote them),
 * downloads what this machine lacks into its cache and rewrites the path to the local copy; after it
 * runs, `publish` uploads the model folders its output names. Downloads are checked against their sha256.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { systemError } from '../errors.ts';
import type { ArtifactRef, ArtifactStore } from '../tasks/define.ts';
import { hashFile } from './artifacts.ts';
import { s3Error, s3Sdk } from './s3-client.ts';

export interface S3ArtifactStoreOptions {
  /** The client, made on first use (the SDK loads lazily). */
  client: () => Promise<S3Client>;
  bucket: string;
  /** Key prefix inside the bucket ("" or ending without a slash). */
  prefix: string;
  /** Local read-through cache (<stateDir>/artifact-cache by default). */
  cacheDir: string;
  /** This machine's model folder root (<stateDir>/models). */
  modelsDir: string;
}

const ARTIFACT_PATH = /(?:^|\/)sha256\/([0-9a-f]{2})\/([0-9a-f]{62})$/;
const MODEL_PATH = /(?:^|\/)models\/([0-9a-f]{64})(\/.*)?$/;
const MAX_DEPTH = 8;

interface ModelManifest {
  hash: string;
  files: { path: string; size: number; sha256: string }[];
}

export class S3ArtifactStore implements ArtifactStore {
  private readonly client: () => Promise<S3Client>;
  readonly bucket: string;
  readonly prefix: string;
  readonly root: string;
  private readonly modelsDir: string;
  /** Hashes known to be in the bucket (uploaded or seen by this process). */
  private readonly remote = new Set<string>();
  private readonly inflight = new Map<string, Promise<void>>();

  constructor(opts: S3ArtifactStoreOptions) {
    this.client = opts.client;
    this.bucket = opts.bucket;
    this.prefix = opts.prefix.replace(/^\/+|\/+$/g, '');
    this.root = opts.cacheDir;
    this.modelsDir = opts.modelsDir;
    mkdirSync(path.join(this.root, 'tmp'), { recursive: true });
  }

  get url(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].filter(Boolean).join('/');
  }

  private artifactKey(hash: string): string {
    return this.key('sha256', hash.slice(0, 2), hash.slice(2));
  }

  /** Local path of the cached copy (it exists once put here, or after localize/fetch). */
  pathOf(hash: string): string {
    if (!/^[a-f0-9]{64}$/.test(hash)) throw new Error(`not an artifact id: ${hash}`);
    return path.join(this.root, 'sha256', hash.slice(0, 2), hash.slice(2));
  }

  /** Whether this machine's cache holds the artifact (the bucket may hold more: see fetch). */
  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  async putFile(file: string, opts: { mediaType?: string } = {}): Promise<ArtifactRef> {
    const hash = await hashFile(file);
    const dest = this.pathOf(hash);
    if (!existsSync(dest)) {
      const tmp = path.join(this.root, 'tmp', randomUUID());
      await copyFile(file, tmp);
      await commit(tmp, dest);
    }
    await this.upload(hash, dest, opts.mediaType);
    return { hash, path: dest, size: (await stat(dest)).size };
  }

  async putBytes(bytes: Uint8Array | string, opts: { mediaType?: string } = {}): Promise<ArtifactRef> {
    const hash = createHash('sha256').update(bytes).digest('hex');
    const dest = this.pathOf(hash);
    if (!existsSync(dest)) {
      const tmp = path.join(this.root, 'tmp', randomUUID());
      await writeFile(tmp, bytes);
      await commit(tmp, dest);
    }
    await this.upload(hash, dest, opts.mediaType);
    return {
      hash,
      path: dest,
      size: typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength,
    };
  }

  /** Makes the artifact local (downloading and verifying it when the cache lacks it); returns its path. */
  async fetch(hash: string, signal?: AbortSignal): Promise<string> {
    const dest = this.pathOf(hash);
    if (existsSync(dest)) return dest;
    await this.once(`a:${hash}`, async () => {
      const tmp = path.join(this.root, 'tmp', randomUUID());
      try {
        const got = await this.download(this.artifactKey(hash), tmp, signal);
        if (got !== hash) {
          throw systemError(
            'ARTIFACT_CORRUPT',
            `The artifact ${hash.slice(0, 12)} in ${this.url} does not match its hash`,
            `its bytes hash to ${got.slice(0, 12)}`,
            'Delete the object from the bucket and re-run the step that produced it.',
          );
        }
        await commit(tmp, dest);
      } finally {
        await rm(tmp, { force: true });
      }
    });
    this.remote.add(hash);
    return dest;
  }

  /**
   * Returns `value` with every artifact path and model folder it names made local: fetched into this
   * machine's cache when missing and rewritten to the local path. Paths the bucket does not hold are left
   * as they are (the task reports a missing file in its own words).
   */
  async localize<T>(value: T, signal?: AbortSignal): Promise<T> {
    return (await this.walk(value, 0, signal)) as T;
  }

  /** Uploads every model folder of this machine that `value` names (artifacts are uploaded when put). */
  async publish(value: unknown, signal?: AbortSignal): Promise<void> {
    const dirs = new Set<string>();
    const visit = (v: unknown, depth: number) => {
      if (depth > MAX_DEPTH) return;
      if (typeof v === 'string') {
        const m = MODEL_PATH.exec(v);
        if (m?.[1] && !m[2] && path.resolve(v) === path.join(this.modelsDir, m[1])) dirs.add(m[1]);
      } else if (v && typeof v === 'object') {
        for (const child of Array.isArray(v) ? v : Object.values(v)) visit(child, depth + 1);
      }
    };
    visit(value, 0);
    for (const hash of dirs) await this.publishModel(hash, signal);
  }

  private async walk(v: unknown, depth: number, signal?: AbortSignal): Promise<unknown> {
    if (depth > MAX_DEPTH) return v;
    if (typeof v === 'string') return this.localPath(v, signal);
    if (Array.isArray(v)) return Promise.all(v.map((x) => this.walk(x, depth + 1, signal)));
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await this.walk(x, depth + 1, signal);
      return out;
    }
    return v;
  }

  private async localPath(p: string, signal?: AbortSignal): Promise<string> {
    const a = ARTIFACT_PATH.exec(p);
    if (a?.[1] && a[2]) {
      const hash = a[1] + a[2];
      if (existsSync(this.pathOf(hash))) return this.pathOf(hash);
      if (!(await this.inBucket(this.artifactKey(hash)))) return p;
      return this.fetch(hash, signal);
    }
    const m = MODEL_PATH.exec(p);
    if (m?.[1]) {
      const local = path.join(this.modelsDir, m[1]);
      if (!existsSync(local)) {
        if (!(await this.inBucket(this.key('models', `${m[1]}.json`)))) return p;
        await this.fetchModel(m[1], signal);
      }
      return local + (m[2] ?? '');
    }
    return p;
  }

  // ---- models ------------------------------------------------------------------------------------------

  private async publishModel(hash: string, signal?: AbortSignal): Promise<void> {
    const manifestKey = this.key('models', `${hash}.json`);
    if (this.remote.has(`m:${hash}`) || (await this.inBucket(manifestKey))) {
      this.remote.add(`m:${hash}`);
      return;
    }
    await this.once(`pm:${hash}`, async () => {
      const dir = path.join(this.modelsDir, hash);
      const files = await listFiles(dir);
      const manifest: ModelManifest = { hash, files: [] };
      for (const rel of files) {
        const file = path.join(dir, rel);
        const sha256 = await hashFile(file);
        await this.putObjectFile(this.key('models', hash, rel), file, undefined, signal);
        manifest.files.push({ path: rel, size: (await stat(file)).size, sha256 });
      }
      const { PutObjectCommand } = await s3Sdk();
      try {
        await (await this.client()).send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: manifestKey,
            Body: JSON.stringify(manifest),
            ContentType: 'application/json',
          }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (e) {
        throw s3Error(e, `Could not store the model ${hash.slice(0, 12)} in ${this.url}`, manifestKey);
      }
    });
    this.remote.add(`m:${hash}`);
  }

  private async fetchModel(hash: string, signal?: AbortSignal): Promise<void> {
    await this.once(`fm:${hash}`, async () => {
      const dest = path.join(this.modelsDir, hash);
      if (existsSync(dest)) return;
      const res = await this.getObject(
        this.key('models', `${hash}.json`),
        `read the model manifest ${hash.slice(0, 12)}`,
        signal,
      );
      const manifest = JSON.parse((await res.Body?.transformToString()) ?? '{}') as ModelManifest;
      const staging = path.join(this.modelsDir, '.staging', `fetch-${randomUUID()}`);
      try {
        for (const f of manifest.files) {
          if (f.path.split('/').includes('..') || path.isAbsolute(f.path)) {
            throw systemError(
              'ARTIFACT_CORRUPT',
              `The model manifest ${hash.slice(0, 12)} names "${f.path}"`,
            );
          }
          const target = path.join(staging, f.path);
          await mkdir(path.dirname(target), { recursive: true });
          const got = await this.download(this.key('models', hash, f.path), target, signal);
          if (got !== f.sha256) {
            throw systemError(
              'ARTIFACT_CORRUPT',
              `The model file ${f.path} of ${hash.slice(0, 12)} in ${this.url} does not match its hash`,
              undefined,
              'Delete the model from the bucket and train it again.',
            );
          }
        }
        await mkdir(this.modelsDir, { recursive: true });
        try {
          await rename(staging, dest);
        } catch (e) {
          // Another step fetched it at the same moment: the same content is there already.
          if (!existsSync(dest)) throw e;
        }
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  // ---- S3 plumbing ---------------------------------------------------------------------------------------

  private async upload(hash: string, file: string, mediaType?: string): Promise<void> {
    if (this.remote.has(hash)) return;
    await this.once(`u:${hash}`, async () => {
      const key = this.artifactKey(hash);
      if (!(await this.inBucket(key))) await this.putObjectFile(key, file, mediaType);
    });
    this.remote.add(hash);
  }

  private async putObjectFile(key: string, file: string, mediaType?: string, signal?: AbortSignal) {
    const size = (await stat(file)).size;
    const { Upload } = await import('@aws-sdk/lib-storage');
    const upload = new Upload({
      client: await this.client(),
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: size,
        ...(mediaType ? { ContentType: mediaType } : {}),
      },
      partSize: 16 * 1024 * 1024,
      queueSize: 4,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => {});
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (e) {
      throw s3Error(e, `Could not store an artifact in ${this.url}`, `s3://${this.bucket}/${key}`);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  private async inBucket(key: string): Promise<boolean> {
    const { HeadObjectCommand } = await s3Sdk();
    try {
      await (await this.client()).send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (e as { name?: string }).name === 'NotFound') return false;
      throw s3Error(e, `Could not reach the artifact store ${this.url}`, `s3://${this.bucket}/${key}`);
    }
  }

  /** Streams an object to `file`; returns the sha256 of what arrived. */
  private async download(key: string, file: string, signal?: AbortSignal): Promise<string> {
    const res = await this.getObject(key, `read ${key}`, signal);
    const body = res.Body as Readable | undefined;
    const h = createHash('sha256');
    const sink = createWriteStream(file);
    try {
      for await (const chunk of body ?? []) {
        h.update(chunk as Buffer);
        if (!sink.write(chunk)) await once(sink, 'drain');
      }
    } finally {
      sink.end();
      await once(sink, 'close');
    }
    return h.digest('hex');
  }

  private async getObject(key: string, what: string, signal?: AbortSignal): Promise<GetObjectCommandOutput> {
    const { GetObjectCommand } = await s3Sdk();
    try {
      return await (await this.client()).send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (e) {
      throw s3Error(e, `Could not ${what} in ${this.url}`, `s3://${this.bucket}/${key}`);
    }
  }

  /** Runs `fn` once per key at a time in this process; concurrent callers wait for the same promise. */
  private async once(key: string, fn: () => Promise<void>): Promise<void> {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }
}

async function commit(tmp: string, dest: string): Promise<void> {
  mkdirSync(path.dirname(dest), { recursive: true });
  try {
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Every file under `dir`, as paths relative to it with "/" separators. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
