import { Engine } from '../../src/engine/index.ts';
import { type AppOptions, createApp } from '../../src/server/app.ts';
import { openModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { testConfig } from '../helpers/state.ts';
import { makeWorkspace } from '../helpers/task-context.ts';
import { testRegistry } from '../helpers/tasks.ts';

export function testServer(extra: Partial<AppOptions> = {}, configOverrides: Record<string, string> = {}) {
  const workspace = makeWorkspace('pw-server-');
  const config = testConfig({ workspace, user: 'server', ...configOverrides });
  const store = new RunStore(stateTarget(config));
  const engine = new Engine({ store, registry: testRegistry(), config, pollMs: 20 });
  const server = createApp({
    config,
    registry: openModelRegistry(config),
    engine,
    approvalSweepMs: 0,
    sse: { pollMs: 50 },
    ...extra,
  });
  const tokens = {
    viewer: server.auth.createToken({ name: 'vera', role: 'viewer', createdBy: 'test' }).token,
    operator: server.auth.createToken({ name: 'otto', role: 'operator', createdBy: 'test' }).token,
    approver: server.auth.createToken({ name: 'alice', role: 'approver', createdBy: 'test' }).token,
    admin: server.auth.createToken({ name: 'root', role: 'admin', createdBy: 'test' }).token,
  };
  const call = (
    method: string,
    url: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    server.app.request(url, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined
        ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }
        : {}),
    });
  return { ...server, workspace, config, tokens, call };
}

/** Approve → deploy: waits at "ok" until someone decides. */
export const gatedPlan = {
  name: 'gated',
  steps: [
    { id: 'train', task: 'test.mark', with: { label: 'train' } },
    { id: 'ok', kind: 'approval', dependsOn: ['train'], message: 'Deploy?', timeout: '1h' },
    { id: 'deploy', task: 'test.mark', dependsOn: ['ok'], with: { label: 'deploy' } },
  ],
};

export { until } from '../helpers/wait.ts';
