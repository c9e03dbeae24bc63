import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pw } from '../helpers/cli.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const PLAN = `name: score-arrivals
inputs: { url: { type: string } }
trigger: { bucket: "s3://acme-data/incoming/" }
steps:
  - id: load
    task: ingest.s3
    with: { url: "\${{ inputs.url }}" }
`;

describe('pipewright scheduler add (bucket triggers)', () => {
  it("registers the plan's own trigger.bucket, and --bucket with its options; queueing at the limit", async () => {
    const ws = makeWorkspace('pw-bucket-cli-');
    onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
    writeFileSync(path.join(ws, 'score.yaml'), PLAN);
    const own = await pw(ws, ['--json', 'scheduler', 'add', 'score.yaml']);
    expect(own.exitCode).toBe(0);
    expect(JSON.parse(own.stdout)).toEqual([
      expect.objectContaining({
        name: 'score-arrivals-bucket',
        kind: 'bucket',
        onLimit: 'queue',
        spec: { url: 's3://acme-data/incoming/', input: 'url', every: '1m', existing: 'skip' },
      }),
    ]);
    const given = await pw(ws, [
      '--json',
      'scheduler',
      'add',
      'score.yaml',
      '--bucket',
      's3://acme-data/drop/*.csv',
      '--every',
      '30s',
      '--existing',
      'fire',
      '--name',
      'drops',
      '--on-limit',
      'skip',
    ]);
    expect(given.exitCode).toBe(0);
    expect(JSON.parse(given.stdout)).toEqual([
      expect.objectContaining({
        name: 'drops',
        onLimit: 'skip',
        spec: { url: 's3://acme-data/drop/*.csv', input: 'url', every: '30s', existing: 'fire' },
      }),
    ]);
  });

  it('refuses a plan that does not declare the input the object address goes to', async () => {
    const ws = makeWorkspace('pw-bucket-cli-');
    onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
    writeFileSync(path.join(ws, 'score.yaml'), PLAN);
    const r = await pw(ws, [
      'scheduler',
      'add',
      'score.yaml',
      '--bucket',
      's3://acme-data/in/',
      '--input',
      'file',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/declares no input "file"/);
    expect(r.stderr).toMatch(/fix: /);
    const list = await pw(ws, ['--json', 'scheduler', 'list']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});
