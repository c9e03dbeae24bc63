/**
 * Reach: `ingest.s3` of flights-3m.parquet from a loopback S3 server (s3rver) against a plain AWS SDK
 * GetObject download of the same object, and an MCP round trip (plan → run → approve → result) over
 * streamable HTTP with the SDK's own client.
 */
import { once } from 'node:events';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { attachRecorders } from '../../src/lineage/index.ts';
import { assembleMcpDeps, mcpHttpApp } from '../../src/mcp/index.ts';
import { AuthStore, RunStore } from '../../src/store/index.ts';
import { TaskRegistry } from '../../src/tasks/index.ts';
import { makeTaskContext } from '../../test/helpers/task-context.ts';
import { startLocalS3 } from '../../test/s3/server.ts';
import { builtinTasks } from '../../tools/index.ts';
import { ingestFile } from '../../tools/ingest/file.ts';
import { ingestS3 } from '../../tools/ingest/s3.ts';
import type { BenchResult } from './types.ts';

const DATA = fileURLToPath(new URL('../../node_modules/vega-datasets/data/', import.meta.url));

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export async function benchS3(): Promise<BenchResult[]> {
  const s3 = await startLocalS3();
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-s3-'));
  try {
    await s3.createBucket('pw-bench');
    const bytes = readFileSync(path.join(DATA, 'flights-3m.parquet'));
    await s3.put('pw-bench', 'flights/flights-3m.parquet', bytes);
    const config = s3.config(workspace);
    const download = async () => {
      const file = path.join(workspace, 'download.parquet');
      const r = await s3.client.send(
        new GetObjectCommand({ Bucket: 'pw-bench', Key: 'flights/flights-3m.parquet' }),
      );
      const sink = createWriteStream(file);
      for await (const chunk of r.Body as Readable) if (!sink.write(chunk)) await once(sink, 'drain');
      sink.end();
      await once(sink, 'close');
    };
    const ingest = (profile: boolean) =>
      ingestS3.run(
        ingestS3.input.parse({ url: 's3://pw-bench/flights/flights-3m.parquet', profile }),
        makeTaskContext({ workspace, config }),
      );
    // Warm up: SDK modules, connections, the first DuckDB instance.
    await download();
    await ingestS3.run(
      ingestS3.input.parse({ url: 's3://pw-bench/flights/flights-3m.parquet', profile: false }),
      makeTaskContext({ workspace, config }),
    );
    copyFileSync(path.join(DATA, 'flights-3m.parquet'), path.join(workspace, 'flights-3m.parquet'));
    const get = await timed(download);
    const bare = await timed(() => ingest(false));
    const local = await timed(() =>
      ingestFile.run({ path: 'flights-3m.parquet', profile: false }, makeTaskContext({ workspace, config })),
    );
    const full = await timed(() => ingest(true));
    const mb = bytes.length / 1024 / 1024;
    return [
      {
        name: 'SDK GetObject of flights-3m.parquet (13 MB) to disk',
        value: get.ms,
        unit: 'ms',
        note: `${(mb / (get.ms / 1000)).toFixed(0)} MB/s`,
      },
      {
        name: 'ingest.s3 of the same object, profile off',
        value: bare.ms,
        unit: 'ms',
        note: `${bare.value.rows} rows`,
      },
      {
        name: 'ingest.s3, profile off / GetObject',
        value: bare.ms / get.ms,
        unit: 'ratio',
        note: 'download + DuckDB read + Parquet write + sha256 + artifact store',
      },
      { name: 'ingest.file of the same file on local disk, profile off', value: local.ms, unit: 'ms' },
      {
        name: 'ingest.s3 / ingest.file (profile off)',
        value: bare.ms / local.ms,
        unit: 'ratio',
        note: 'what S3 adds to an ingest',
      },
      { name: 'ingest.s3 with the column profile (default)', value: full.ms, unit: 'ms' },
      { name: 'ingest.s3 with profile / GetObject', value: full.ms / get.ms, unit: 'ratio' },
    ];
  } finally {
    await s3.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

export async function benchMcp(): Promise<BenchResult[]> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-bench-mcp-'));
  mkdirSync(path.join(workspace, 'data'));
  copyFileSync(path.join(DATA, 'penguins.json'), path.join(workspace, 'data', 'penguins.json'));
  const config = loadConfig({ workspace, user: 'bench' }, {});
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const engine = new Engine({ store, registry: new TaskRegistry(builtinTasks), config, pollMs: 50 });
  const recorders = attachRecorders(store, config);
  const mcp = assembleMcpDeps(engine, { log: () => {} });
  const token = new AuthStore(store).createToken({
    name: 'bench-agent',
    role: 'approver',
    createdBy: 'bench',
  }).token;
  const server = serve({ fetch: mcpHttpApp(mcp.deps).fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const callJson = async (name: string, args: Record<string, unknown>) => {
      const r = await client.callTool({ name, arguments: args });
      if (r.isError) throw new Error(JSON.stringify(r.content));
      return r.structuredContent as Record<string, unknown>;
    };
    const roundTrip = async (cache: boolean) => {
      const t0 = performance.now();
      const planned = (await callJson('plan', {
        goal: 'predict species from data/penguins.json, ask me before deploying',
      })) as { plan: { steps: Record<string, unknown>[] } };
      const t1 = performance.now();
      // Without the step cache every step really runs again (ingest, prep, version, split, train, ...).
      if (!cache)
        for (const st of planned.plan.steps) if (st.kind !== 'approval') st.cache = { enabled: false };
      const started = (await callJson('run_plan', { plan: planned.plan, waitSeconds: 300 })) as {
        run: { id: string; status: string };
        pending: { step: string }[];
      };
      const t2 = performance.now();
      const done = (await callJson('decide_approval', {
        run: started.run.id,
        step: started.pending[0]?.step,
        approved: true,
        waitSeconds: 300,
      })) as { run: { status: string } };
      const t3 = performance.now();
      if (done.run.status !== 'succeeded') throw new Error(`run ended ${done.run.status}`);
      return { total: t3 - t0, plan: t1 - t0, run: t2 - t1, approve: t3 - t2 };
    };
    const cold = await roundTrip(false); // first in this process: module loading, the first DuckDB instance
    const r = await roundTrip(false);
    const cached = await roundTrip(true);
    return [
      {
        name: 'MCP round trip plan → run → approve → result (HTTP), first in the process',
        value: cold.total,
        unit: 'ms',
        note: 'penguins: 10 steps, one approval',
      },
      { name: 'MCP round trip, warm', value: r.total, unit: 'ms', note: 'every step runs (cache off)' },
      { name: '  plan (offline planner)', value: r.plan, unit: 'ms' },
      { name: '  run_plan until waiting at the approval', value: r.run, unit: 'ms' },
      { name: '  decide_approval until the run succeeded', value: r.approve, unit: 'ms' },
      {
        name: 'MCP round trip, warm, steps from the step cache',
        value: cached.total,
        unit: 'ms',
        note: 'protocol + engine overhead',
      },
    ];
  } finally {
    await client.close();
    server.close();
    await mcp.close(60_000);
    await recorders.flush();
    recorders.detach();
    await engine.close();
    store.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}
