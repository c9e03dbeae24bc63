import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { testServer } from './helpers.ts';

let server: ReturnType<typeof testServer> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('GET /metrics access', () => {
  it('is open by default, as Prometheus expects', async () => {
    server = testServer();
    const res = await server.call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^# HELP pipewright_/m);
  });

  it('asks for a viewer token when metricsAccess is token', async () => {
    server = testServer({}, { metricsAccess: 'token' });
    const none = await server.call('GET', '/metrics');
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    expect((await server.call('GET', '/metrics', { token: 'pw_not-a-token' })).status).toBe(401);
    const viewer = await server.call('GET', '/metrics', { token: server.tokens.viewer });
    expect(viewer.status).toBe(200);
    expect(await viewer.text()).toMatch(/^# HELP pipewright_/m);
    // The document says so: /metrics carries the bearer requirement and its 401.
    const doc = (await (await server.call('GET', '/api/openapi.json')).json()) as {
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    };
    expect(doc.paths['/metrics']?.get.responses['401']).toBeDefined();
  });

  it('reads PIPEWRIGHT_METRICS_ACCESS and names it when the value is wrong', () => {
    expect(loadConfig({}, { PIPEWRIGHT_METRICS_ACCESS: 'token' }).metricsAccess).toBe('token');
    expect(loadConfig({}, {}).metricsAccess).toBe('open');
    expect(() => loadConfig({}, { PIPEWRIGHT_METRICS_ACCESS: 'secret' })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        fix: expect.stringContaining('PIPEWRIGHT_METRICS_ACCESS'),
      }),
    );
  });
});
