/**
 * Outbound requests from steps of a real server: ingest.url and notify webhooks refuse the host itself and
 * its private network (after DNS resolution, and at each redirect) unless the policy allows the host.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.ts';
import { type SecureServer, startSecureServer } from './helpers.ts';

let s: SecureServer;
let target: Server;
let port = 0;
const hits: string[] = [];

beforeAll(async () => {
  // Something on the host that must stay out of reach: a service listening on loopback.
  target = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      return res.end();
    }
    res.setHeader('content-type', 'text/csv');
    res.end('a,b\n1,2\n');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  port = (target.address() as AddressInfo).port;
  s = await startSecureServer();
});
afterAll(async () => {
  await s.stop();
  await new Promise((resolve) => target.close(resolve));
});

async function runStep(step: Record<string, unknown>) {
  const r = await s.call('POST', '/api/runs', {
    token: s.tokens.admin,
    body: { plan: { name: 'egress', steps: [{ id: 'x', ...step }] } },
  });
  expect(r.status).toBe(202);
  const runId = String(r.body.runId);
  await until(() => ['succeeded', 'failed'].includes(s.store.getRun(runId)?.status ?? ''), 20_000);
  return s.store.getStep(runId, 'x');
}

const policy = (yaml: string | undefined) => {
  const file = path.join(s.stateDir, 'policy.yaml');
  if (yaml === undefined) rmSync(file, { force: true });
  else writeFileSync(file, yaml);
};

describe('outbound requests from tasks', () => {
  it('ingest.url refuses loopback by address and by name, before any request is made', async () => {
    hits.length = 0;
    for (const host of ['127.0.0.1', 'localhost']) {
      const step = await runStep({ task: 'ingest.url', with: { url: `http://${host}:${port}/data.csv` } });
      expect(step?.status, host).toBe('failed');
      expect(step?.error?.code, host).toBe('EGRESS_REFUSED');
      expect(step?.error?.fix).toContain('egress.allowHosts');
    }
    expect(hits).toEqual([]);
  });

  it('notify webhooks refuse the host too', async () => {
    hits.length = 0;
    const step = await runStep({
      task: 'notify.send',
      with: { channel: 'webhook', url: `http://127.0.0.1:${port}/hook`, text: 'x', retries: 0 },
    });
    expect(step?.error?.code).toBe('EGRESS_REFUSED');
    expect(hits).toEqual([]);
  });

  it('an allowed host works, but its redirect into link-local (cloud metadata) is refused', async () => {
    policy('egress:\n  allowHosts: [127.0.0.1]\n');
    try {
      hits.length = 0;
      const ok = await runStep({ task: 'ingest.url', with: { url: `http://127.0.0.1:${port}/data.csv` } });
      expect(ok?.status).toBe('succeeded');
      const redirected = await runStep({
        task: 'ingest.url',
        with: { url: `http://127.0.0.1:${port}/redirect`, format: 'csv', timeout: '5s' },
      });
      expect(redirected?.error?.code).toBe('EGRESS_REFUSED');
      expect(redirected?.error?.why).toContain('169.254.169.254');
      expect(hits).toEqual(['/data.csv', '/redirect']);
    } finally {
      policy(undefined);
    }
  });
});
