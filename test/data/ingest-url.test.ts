import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestUrl } from '../../tools/ingest/url.ts';
import { ALLOW_LOOPBACK, writePolicy } from '../helpers/policy.ts';
import { contextWith, rejectsWith, VEGA_DATA } from './fixtures.ts';

const weather = readFileSync(path.join(VEGA_DATA, 'seattle-weather.csv'));
let server: Server;
let base: string;
const seenAuth: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenAuth.push(req.headers.authorization ?? '');
    if (req.url === '/seattle-weather.csv') {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': weather.length });
      res.end(weather);
    } else if (req.url === '/export') {
      // No extension: the format comes from Content-Type. Chunked, so no Content-Length either.
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
      res.write(weather.subarray(0, 1000));
      res.end(weather.subarray(1000));
    } else if (req.url === '/slow.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('a,b\n');
      // never ends
    } else if (req.url === '/big.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(Buffer.alloc(64 * 1024, 'x'));
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The stand-in listens on 127.0.0.1, which ingest.url refuses unless the policy allows it. */
function loopbackContext() {
  const ctx = contextWith();
  writePolicy(ctx.config, ALLOW_LOOPBACK);
  return ctx;
}

describe('ingest.url', () => {
  it('refuses the host itself (loopback) unless the policy allows it', async () => {
    const ctx = contextWith();
    const err = await rejectsWith(
      ingestUrl.run(ingestUrl.input.parse({ url: `${base}/seattle-weather.csv` }), ctx),
      'EGRESS_REFUSED',
    );
    expect(err.fix).toContain('egress.allowHosts');
  });

  it('downloads a CSV and reads it like a local file', async () => {
    const ctx = loopbackContext();
    const out = await ingestUrl.run(ingestUrl.input.parse({ url: `${base}/seattle-weather.csv` }), ctx);
    expect(out.rows).toBe(1461);
    expect(out.source).toMatchObject({ kind: 'url', format: 'csv', bytes: weather.length });
    expect(out.columns.map((c) => c.name)).toEqual([
      'date',
      'precipitation',
      'temp_max',
      'temp_min',
      'wind',
      'weather',
    ]);
  });

  it('infers the format from Content-Type and keeps credentials out of logs', async () => {
    const ctx = loopbackContext();
    const url = `http://reader:hunter2@${base.slice('http://'.length)}/export`;
    const out = await ingestUrl.run(ingestUrl.input.parse({ url }), ctx);
    expect(out.rows).toBe(1461);
    expect(seenAuth.at(-1)).toMatch(/^Basic /);
    expect(JSON.stringify(ctx.logs)).not.toContain('hunter2');
    expect(out.source.location).not.toContain('hunter2');
  });

  it('fails on HTTP 404 with the status', async () => {
    const ctx = loopbackContext();
    const err = await rejectsWith(
      ingestUrl.run(ingestUrl.input.parse({ url: `${base}/missing.csv` }), ctx),
      'DATA_HTTP',
    );
    expect(err.what).toContain('404');
  });

  it('stops a download over the size limit', async () => {
    const ctx = loopbackContext();
    const err = await rejectsWith(
      ingestUrl.run(ingestUrl.input.parse({ url: `${base}/big.csv`, maxBytes: 10_000 }), ctx),
      'DATA_TOO_LARGE',
    );
    expect(err.what).toContain('10000');
    // A declared Content-Length over the limit is refused before reading the body.
    await rejectsWith(
      ingestUrl.run(ingestUrl.input.parse({ url: `${base}/seattle-weather.csv`, maxBytes: 1000 }), ctx),
      'DATA_TOO_LARGE',
    );
  });

  it('times out a download that stalls', async () => {
    const ctx = loopbackContext();
    const started = Date.now();
    await rejectsWith(
      ingestUrl.run(ingestUrl.input.parse({ url: `${base}/slow.csv`, timeout: '300ms' }), ctx),
      'DATA_TIMEOUT',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('honours cancellation', async () => {
    const controller = new AbortController();
    const ctx = loopbackContext();
    const run = ingestUrl.run(ingestUrl.input.parse({ url: `${base}/slow.csv` }), {
      ...ctx,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('cancelled by test')), 100);
    await expect(run).rejects.toThrow('cancelled by test');
  });

  it('rejects non-http addresses at the schema', () => {
    expect(ingestUrl.input.safeParse({ url: 'file:///etc/passwd' }).success).toBe(false);
  });
});
