import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../../src/config.ts';

describe('S3, artifact store and MCP settings', () => {
  it('defaults to the disk store; an endpoint turns on path-style addressing unless told otherwise', () => {
    const plain = loadConfig({ workspace: '/tmp/ws' }, {});
    expect(plain).toMatchObject({ artifacts: 'disk', s3ForcePathStyle: false });
    expect(plain.artifactCacheDir).toBe('/tmp/ws/.pipewright/artifact-cache');
    const minio = loadConfig(
      { workspace: '/tmp/ws' },
      { PIPEWRIGHT_S3_ENDPOINT: 'http://minio:9000', PIPEWRIGHT_ARTIFACTS: 's3://ml-artifacts/team-a' },
    );
    expect(minio).toMatchObject({
      s3Endpoint: 'http://minio:9000',
      s3ForcePathStyle: true,
      artifacts: 's3://ml-artifacts/team-a',
    });
    const vhost = loadConfig(
      { workspace: '/tmp/ws' },
      { PIPEWRIGHT_S3_ENDPOINT: 'https://r2.example.com', PIPEWRIGHT_S3_FORCE_PATH_STYLE: 'false' },
    );
    expect(vhost.s3ForcePathStyle).toBe(false);
  });

  it('names the variable to fix for a bad artifact store or flag', () => {
    try {
      loadConfig({}, { PIPEWRIGHT_ARTIFACTS: 'gs://bucket' });
      expect.unreachable();
    } catch (e) {
      expect((e as { fix: string }).fix).toContain('PIPEWRIGHT_ARTIFACTS');
    }
    expect(() => loadConfig({}, { PIPEWRIGHT_S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/s3ForcePathStyle/);
  });

  it('never shows the MCP token', () => {
    const c = loadConfig({}, { PIPEWRIGHT_MCP_TOKEN: 'pw_abcdef012345_secretsecret' });
    expect(c.mcpToken).toBe('pw_abcdef012345_secretsecret');
    expect(JSON.stringify(redactConfig(c))).not.toContain('secretsecret');
  });
});
