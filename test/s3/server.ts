/**
 * A loopback S3 server for tests and benchmarks: s3rver (the S3 REST protocol over a folder), started on a
 * free port with its own temporary folder. No S3-compatible server installs here from Debian (MinIO is
 * not packaged); s3rver speaks the same ListObjectsV2/Get/Put/multipart requests the AWS SDK sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { type Config, loadConfig } from '../../src/config.ts';

/** s3rver's fixed credentials; the AWS SDK finds them in the environment like any other. */
export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  /** Environment for a CLI child process or loadConfig: endpoint + credentials. */
  env: Record<string, string>;
  config(workspace: string, overrides?: Partial<Config>): Config;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Uint8Array): Promise<string>;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1; sets the credentials in process.env (the AWS chain reads them there). */
export async function startLocalS3(): Promise<LocalS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'pw-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  for (const [k, v] of Object.entries(S3_CREDENTIALS)) process.env[k] = v;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const env = { ...S3_CREDENTIALS, PIPEWRIGHT_S3_ENDPOINT: endpoint };
  return {
    endpoint,
    client,
    env,
    config: (workspace, overrides = {}) => loadConfig({ workspace, ...overrides }, env),
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    put: async (bucket, key, body) => {
      const r = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return (r.ETag ?? '').replace(/"/g, '');
    },
    close: async () => {
      client.destroy();
      server.httpServer?.closeAllConnections();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
