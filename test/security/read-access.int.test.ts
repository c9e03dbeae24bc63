/**
 * Read access on a real server: model listings and lineage need a viewer token; predict stays open unless
 * the policy closes it, for every model (a token) or for one (a per-model key).
 */
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelRegistry } from '../../src/store/index.ts';
import { toyModel } from '../deploy/helpers.ts';
import { codeOf, type SecureServer, startSecureServer } from './helpers.ts';

let s: SecureServer;

beforeAll(async () => {
  s = await startSecureServer({
    before: async (stateDir) => {
      const registry = openModelRegistry({ stateDir });
      for (const name of ['toy', 'secret-toy']) {
        registry.registerVersion({ name, ref: await toyModel(stateDir), createdBy: 'carol' });
        registry.deploy({ name, version: 1, by: 'carol' });
      }
      registry.close();
    },
  });
});
afterAll(async () => s.stop());

const policy = (yaml: string | undefined) => {
  const file = path.join(s.stateDir, 'policy.yaml');
  if (yaml === undefined) rmSync(file, { force: true });
  else writeFileSync(file, yaml);
};
const row = { instance: { x: 0.9, color: 'red' } };

describe('read access', () => {
  it('model listings and lineage need a viewer token', async () => {
    for (const route of ['/models', '/models/toy', '/api/lineage/model:toy']) {
      const open = await s.call('GET', route);
      expect(open.status, route).toBe(401);
      expect(JSON.stringify(open.body), route).not.toContain('carol');
    }
    const listed = await s.call('GET', '/models', { token: s.tokens.viewer });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain('toy');
    expect((await s.call('GET', '/models/toy', { token: s.tokens.viewer })).status).toBe(200);
  });

  it('predict is open by default, and the policy can close it to token holders', async () => {
    expect((await s.call('POST', '/models/toy/predict', { body: row })).status).toBe(200);
    policy('serving:\n  predict: token\n');
    try {
      const closed = await s.call('POST', '/models/toy/predict', { body: row });
      expect(closed.status).toBe(401);
      expect(codeOf(closed.body)).toBe('UNAUTHORIZED');
      expect(
        (await s.call('POST', '/models/toy/predict', { body: row, token: s.tokens.viewer })).status,
      ).toBe(200);
    } finally {
      policy(undefined);
    }
  });

  it('a per-model key closes one model: the right x-model-key (or a token) opens it', async () => {
    const key = 'model-key-for-secret-toy';
    policy(`serving:\n  keys:\n    secret-toy: ${createHash('sha256').update(key).digest('hex')}\n`);
    try {
      expect((await s.call('POST', '/models/secret-toy/predict', { body: row })).status).toBe(401);
      const wrong = await s.call('POST', '/models/secret-toy/predict', {
        body: row,
        headers: { 'x-model-key': 'guess' },
      });
      expect(wrong.status).toBe(401);
      const right = await s.call('POST', '/models/secret-toy/predict', {
        body: row,
        headers: { 'x-model-key': key },
      });
      expect(right.status).toBe(200);
      expect((await s.call('POST', '/models/toy/predict', { body: row })).status).toBe(200);
    } finally {
      policy(undefined);
    }
  });
});
