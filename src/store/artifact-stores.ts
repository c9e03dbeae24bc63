/** Picks the artifact store from the configuration: disk (the default) or S3 (PIPEWRIGHT_ARTIFACTS=s3://…). */
import path from 'node:path';
import type { Config } from '../config.ts';
import type { ArtifactStore } from '../tasks/define.ts';
import { DiskArtifactStore } from './artifacts.ts';
import { S3ArtifactStore } from './artifacts-s3.ts';
import { parseS3Url, s3ClientFor } from './s3-client.ts';

export function openArtifactStore(config: Config): ArtifactStore {
  if (config.artifacts === 'disk') return new DiskArtifactStore(path.join(config.stateDir, 'artifacts'));
  const loc = parseS3Url(config.artifacts, 'artifact store (PIPEWRIGHT_ARTIFACTS)');
  return new S3ArtifactStore({
    client: () => s3ClientFor(config),
    bucket: loc.bucket,
    prefix: loc.key,
    cacheDir: config.artifactCacheDir,
    modelsDir: path.join(config.stateDir, 'models'),
  });
}
