/**
 * Every entry point is bounded: the attacks of issue 13 on a real `pipewright serve` and the CLI. Bodies
 * over the limit get 413 before they are read, predict takes only the model's features, plans have size,
 * step and alias limits with user errors, and a 500 is logged with the request id its answer names.
 */

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelRegistry } from '../../src/store/index.ts';
import { toyModel } from '../deploy/helpers.ts';
import { pw } from '../helpers/cli.ts';
import { until } from '../helpers/wait.ts';
import { codeOf, folderBytes, type SecureServer, startSecureServer } from './helpers.ts';

let s: SecureServer;

beforeAll(async () => {
  s = await startSecureServer({
    before: async (stateDir) => {
      const registry = openModelRegistry({ stateDir });
      registry.registerVersion({ name: 'toy', ref: await toyModel(stateDir), createdBy: 'setup' });
      registry.deploy({ name: 'toy', version: 1, by: 'setup' });
      // A version whose stored reference is unreadable: serving it is the server's own failure (500).
      registry.registerVersion({
        name: 'broken',
        ref: { dir: '/nowhere', hash: 'f'.repeat(64) } as never,
        createdBy: 'setup',
      });
      registry.close();
    },
  });
});
afterAll(async () => s.stop());

const rssKb = () => {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.server.pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
};

/** Bytes of the prediction (feature) logs that drift checks read; failed requests are counted apart, in errors/. */
const predictions = () =>
  folderBytes(path.join(s.stateDir, 'predictions'), (f) => !f.split(path.sep).includes('errors'));
/** The failed-request log: status and code per request, never the payload. */
const errorLog = () => {
  const dir = path.join(s.stateDir, 'predictions', 'toy', 'errors');
  return existsSync(dir)
    ? readdirSync(dir)
        .map((f) => readFileSync(path.join(dir, f), 'utf8'))
        .join('')
    : '';
};
const MB = 1024 * 1024;

describe('request bodies', () => {
  it('refuses a 50 MB predict body with 413 before reading it (no memory growth, nothing logged)', async () => {
    const rss = rssKb();
    const before = s.snapshot();
    const body = JSON.stringify({ instance: { x: 0.9, color: 'red', pad: 'a'.repeat(50 * MB) } });
    const r = await s.call('POST', '/models/toy/predict', { body });
    expect(r.status).toBe(413);
    expect(codeOf(r.body)).toBe('BODY_TOO_LARGE');
    expect(rssKb() - rss).toBeLessThan(100 * 1024);
    expect(s.snapshot()).toEqual(before);
  });

  it('refuses oversized bodies on the open webhook, Slack and API routes too', async () => {
    const big = 'a'.repeat(5 * MB);
    for (const [route, token] of [
      ['/hooks/anything', undefined],
      ['/slack/commands', undefined],
      ['/api/runs', s.tokens.admin],
    ] as const) {
      const r = await s.call('POST', route, { body: big, ...(token ? { token } : {}) });
      expect(r.status, route).toBe(413);
      expect(codeOf(r.body), route).toBe('BODY_TOO_LARGE');
    }
  });
});

describe('predict', () => {
  it('refuses fields that are not features, and logs only features', async () => {
    const before = predictions();
    const bad = await s.call('POST', '/models/toy/predict', {
      body: { instance: { x: 0.9, color: 'red', notes: 'x'.repeat(1000) } },
    });
    expect(bad.status).toBe(400);
    expect(codeOf(bad.body)).toBe('PREDICT_UNKNOWN_FIELDS');
    expect(JSON.stringify(bad.body)).toContain('instance.notes');
    await new Promise((r) => setTimeout(r, 1200));
    expect(predictions()).toBe(before);
    // The refusal is counted for error rates, without any of the request's fields.
    await until(() => errorLog().includes('PREDICT_UNKNOWN_FIELDS'), 10_000, 'the failed-request log');
    expect(errorLog()).not.toContain('notes');
    expect(errorLog()).not.toContain('xxxxxxxx');
    const ok = await s.call('POST', '/models/toy/predict', { body: { instance: { x: 0.9, color: 'red' } } });
    expect(ok.status).toBe(200);
    await until(() => predictions() > before, 5000, 'the prediction log');
  });
});

describe('plans', () => {
  const bomb = [
    'name: bomb',
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'steps: [*f]',
    '',
  ].join('\n');

  it('answers a YAML alias bomb with a user error (400), and bad YAML with its line and column', async () => {
    const r = await s.call('POST', '/api/plans/validate', { token: s.tokens.viewer, body: { plan: bomb } });
    expect(r.status).toBe(400);
    expect(codeOf(r.body)).toBe('PLAN_TOO_COMPLEX');
    const syntax = await s.call('POST', '/api/plans/validate', {
      token: s.tokens.viewer,
      body: { plan: 'name: x\nsteps:\n  - id: a\n   task: b\n' },
    });
    expect(syntax.status).toBe(400);
    expect((syntax.body.error as { what: string }).what).toMatch(/line \d+, column \d+/);
  });

  it('refuses a plan over the step limit through the API (413), changing nothing', async () => {
    const before = s.snapshot();
    const steps = Array.from({ length: 20_001 }, (_, i) => ({ id: `s${i}`, task: 'a.b' }));
    const r = await s.call('POST', '/api/runs', {
      token: s.tokens.admin,
      body: { plan: { name: 'big', steps } },
    });
    expect(r.status).toBe(413);
    expect(codeOf(r.body)).toBe('PLAN_TOO_LARGE');
    expect(s.snapshot()).toEqual(before);
  });

  it('the CLI refuses an alias bomb and a 50 MB plan as user mistakes (exit 2)', async () => {
    writeFileSync(path.join(s.workspace, 'bomb.yaml'), bomb);
    const a = await pw(s.workspace, ['validate', 'bomb.yaml']);
    expect(a.exitCode).toBe(2);
    expect(a.stderr).toContain('PLAN_TOO_COMPLEX');
    const step = '  - { id: s, task: shell.exec, with: { command: [echo, hello] } }\n';
    writeFileSync(
      path.join(s.workspace, 'big.yaml'),
      `name: big\nsteps:\n${step.repeat((50 * MB) / step.length)}`,
    );
    const b = await pw(s.workspace, ['validate', 'big.yaml']);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toContain('PLAN_TOO_LARGE');
  }, 60_000);
});

describe('server failures', () => {
  it('logs every 500 with a request id, and the answer names that id (and no internals)', async () => {
    const r = await s.call('POST', '/models/broken/predict?version=1', {
      body: { instance: { x: 1 } },
      headers: { 'x-request-id': 'req-sec-500' },
    });
    expect(r.status).toBe(500);
    const error = r.body.error as { requestId?: string; what: string; fix: string };
    expect(error.requestId).toBe('req-sec-500');
    expect(error.fix).toContain('req-sec-500');
    expect(error.what).toBe('The server failed to answer');
    await until(
      () => s.stderr().includes('request req-sec-500 POST /models/broken/predict failed (500)'),
      5000,
    );
  });
});
