/**
 * Each command loads only what it uses: the real CLI runs in a child process with a preload that records
 * every module it loads (ES modules and CommonJS), and a command fails here when its module graph pulls in
 * a heavy package it has no use for (providers, LanceDB, DuckDB, BullMQ, Slack Bolt, playwright-core,
 * LangGraph...). Start-up times themselves are figures for `npm run bench -- cli`, not assertions.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, cliEnv } from '../helpers/cli.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const RECORDER = path.resolve(import.meta.dirname, 'fixtures/record-modules.mjs');
const PENGUINS = path.resolve(import.meta.dirname, '../../node_modules/vega-datasets/data/penguins.json');

const PROVIDERS = ['@langchain/openai', '@langchain/ollama', 'ollama', 'openai', 'node-llama-cpp'];
const SERVICES = [
  '@lancedb/lancedb',
  'apache-arrow',
  '@duckdb/node-api',
  'bullmq',
  'ioredis',
  '@slack/bolt',
  '@slack/web-api',
  'playwright-core',
  'hono',
];
const AGENTS = ['@langchain/langgraph', '@langchain/core', 'langsmith'];

/** The npm packages among loaded module paths/URLs (the last node_modules/<pkg> of each). */
function packagesOf(lines: string[]): string[] {
  const pkgs = new Set<string>();
  for (const line of lines) {
    const m = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m?.[1]) pkgs.add(m[1]);
  }
  return [...pkgs].sort();
}

function workspace(): string {
  const ws = makeWorkspace('pw-modgraph-');
  onTestFinished(() => rmSync(ws, { recursive: true, force: true }));
  return ws;
}

async function loadedBy(ws: string, args: string[]): Promise<{ packages: string[]; exitCode: number }> {
  const trace = path.join(ws, `modules-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(trace, '');
  const r = await execa('node', ['--import', RECORDER, BIN, ...args], {
    cwd: ws,
    env: { ...cliEnv(ws), PIPEWRIGHT_MODULE_TRACE: trace },
    extendEnv: false,
    reject: false,
  });
  return { packages: packagesOf(readFileSync(trace, 'utf8').split('\n')), exitCode: r.exitCode ?? -1 };
}

describe('what each command loads', () => {
  it('--version, --help and a command help load commander and nothing else', async () => {
    const ws = workspace();
    for (const args of [['--version'], ['--help'], ['runs', '--help'], ['plan', '--help']]) {
      const { packages, exitCode } = await loadedBy(ws, args);
      expect(exitCode, args.join(' ')).toBe(0);
      expect(packages, args.join(' ')).toEqual(['commander']);
    }
  });

  it('runs, show and logs open the store only: no agents, providers, services, tasks', async () => {
    const ws = workspace();
    for (const args of [['runs'], ['show', 'run-none'], ['logs', 'run-none']]) {
      const { packages } = await loadedBy(ws, args);
      // The recorder works: the store's driver is there.
      expect(packages, args.join(' ')).toContain('better-sqlite3');
      for (const heavy of [...PROVIDERS, ...SERVICES, ...AGENTS, 'execa', 'yaml', 'ml-matrix', 'ml-cart']) {
        expect(packages, `${args.join(' ')} loads ${heavy}`).not.toContain(heavy);
      }
    }
  });

  it('an offline plan loads the planner, the catalog and DuckDB (to profile the data), no provider or service', async () => {
    const ws = workspace();
    mkdirSync(path.join(ws, 'data'));
    copyFileSync(PENGUINS, path.join(ws, 'data/penguins.json'));
    const { packages, exitCode } = await loadedBy(ws, [
      'plan',
      'predict species from data/penguins.json, deploy if accuracy >= 0.9',
      '--json',
    ]);
    expect(exitCode).toBe(0);
    expect(packages).toContain('@langchain/langgraph');
    // DuckDB is allowed: describe_dataset profiles the data file with it.
    for (const heavy of [...PROVIDERS, ...SERVICES.filter((p) => p !== '@duckdb/node-api')]) {
      expect(packages, `plan loads ${heavy}`).not.toContain(heavy);
    }
  });

  it('serve starts without a model provider, LanceDB, DuckDB, Slack Bolt or a browser', async () => {
    const ws = workspace();
    const trace = path.join(ws, 'modules.txt');
    writeFileSync(trace, '');
    const child = execa('node', ['--import', RECORDER, BIN, 'serve', '--port', '0', '--json'], {
      cwd: ws,
      env: { ...cliEnv(ws), PIPEWRIGHT_MODULE_TRACE: trace },
      extendEnv: false,
      reject: false,
    });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('"url"')) resolve();
      });
      void child.then((r) => reject(new Error(`serve exited early (${r.exitCode}): ${r.stderr}`)));
    });
    child.kill('SIGTERM');
    await child;
    const packages = packagesOf(readFileSync(trace, 'utf8').split('\n'));
    expect(packages).toContain('hono');
    for (const heavy of [
      ...PROVIDERS,
      '@lancedb/lancedb',
      '@duckdb/node-api',
      '@slack/bolt',
      'playwright-core',
    ]) {
      expect(packages, `serve loads ${heavy}`).not.toContain(heavy);
    }
  });
});
