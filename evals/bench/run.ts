/**
 * `npm run bench`: runs every benchmark and prints one markdown table. Compare ratios measured in the
 * same run; absolute figures move with the machine's load. Pass names to run a subset: `npm run bench -- engine`.
 */
import { setMaxListeners } from 'node:events';
import { benchApi } from './api.ts';
import { benchCli } from './cli.ts';
import { benchDrift } from './drift.ts';
import { benchEngine } from './engine.ts';
import { benchIngest } from './ingest.ts';
import { benchMemory } from './memory.ts';
import { benchServing } from './serving.ts';
import { benchServingMetrics } from './serving-metrics.ts';
import { benchTrain } from './train.ts';
import type { BenchResult } from './types.ts';

// Raw LangGraph fan-outs attach one abort listener per parallel node; that is expected here.
setMaxListeners(0);

type Suite = { name: string; run: () => Promise<BenchResult[]> };

const suites: Suite[] = [
  { name: 'engine', run: () => benchEngine() },
  { name: 'ingest', run: benchIngest },
  { name: 'train', run: benchTrain },
  { name: 'drift', run: benchDrift },
  { name: 'serving', run: benchServing },
  { name: 'serving-metrics', run: benchServingMetrics },
  { name: 'memory', run: () => benchMemory() },
  { name: 'api', run: benchApi },
  { name: 'cli', run: benchCli },
  { name: 'console', run: async () => (await import('./console.ts')).benchConsole() },
  { name: 'metrics', run: async () => (await import('./metrics.ts')).benchMetrics() },
  { name: 'dispatch', run: async () => (await import('./dispatch.ts')).benchDispatch() },
  { name: 's3', run: async () => (await import('./reach.ts')).benchS3() },
  { name: 'mcp', run: async () => (await import('./reach.ts')).benchMcp() },
  { name: 'python-chain', run: async () => (await import('./python-chain.ts')).benchPythonChain() },
  { name: 'sandbox', run: async () => (await import('./sandbox.ts')).benchSandbox() },
  { name: 'rag', run: async () => (await import('./rag.ts')).benchRag() },
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3);

const lines = ['| suite | measurement | value | unit | note |', '|---|---|---:|---|---|'];
for (const s of suites) {
  if (wanted.length && !wanted.includes(s.name)) continue;
  process.stderr.write(`running ${s.name}...\n`);
  try {
    for (const r of await s.run())
      lines.push(`| ${s.name} | ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.note ?? ''} |`);
  } catch (e) {
    lines.push(`| ${s.name} | FAILED: ${(e as Error).message.replaceAll('|', '/')} | | | |`);
    process.exitCode = 1;
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
