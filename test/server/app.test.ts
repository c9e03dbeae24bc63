import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/server/app.ts';
import { openModelRegistry } from '../../src/store/index.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

describe('server app', () => {
  const config = loadConfig({ workspace: makeWorkspace() }, {});
  const { app, close } = createApp({ config, registry: openModelRegistry(config) });

  it('answers health checks', async () => {
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('answers unknown routes and unknown models with JSON errors, not stack traces', async () => {
    const missing = await app.request('/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const model = await app.request('/models/ghost/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instance: { x: 1 } }),
    });
    expect(model.status).toBe(404);
    const body = (await model.json()) as { error: { what: string } };
    expect(body.error.what).toMatch(/ghost/);
    await close();
  });
});
