/**
 * Run memory and lineage at scale: 100k synthetic run documents (the texts runDocuments writes, with
 * realistic pipelines, errors, metrics and data versions) appended in batches with lexical embeddings;
 * hybrid query latency; ANN recall@10 against exact search; an upstream walk on a 10k-entity lineage graph.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lexicalEmbedder } from '../../src/lineage/embeddings.ts';
import { type MemoryDocument, MemoryIndex, partitionsFor, VECTOR_SEARCH } from '../../src/lineage/memory.ts';
import { LineageStore, RunStore } from '../../src/store/index.ts';
import { type BenchResult, quantile } from './types.ts';

const PIPELINES = [
  'churn-nightly',
  'penguins-species',
  'seattle-weather',
  'fraud-scoring',
  'demand-forecast',
];
const ERRORS = [
  ['TRAIN_OOM', 'CUDA out of memory: tried to allocate 2.50 GiB on device 0'],
  ['INGEST_HTTP', 'GET https://data.example.com/export.csv answered 503 Service Unavailable'],
  ['SCHEMA_DRIFT', 'column "tenure_months" is missing from the current batch'],
  ['TIMEOUT', 'step exceeded its timeout of 30m'],
  ['PG_AUTH', 'password authentication failed for user "etl"'],
  ['DISK_FULL', 'no space left on device while writing the Parquet file'],
] as const;
const STEPS = ['load', 'clean', 'version', 'split', 'train', 'evaluate', 'register', 'deploy'];

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticDocs(n: number): MemoryDocument[] {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const docs: MemoryDocument[] = [];
  let run = 0;
  while (docs.length < n) {
    run++;
    const runId = `run-2025${String(1 + (run % 12)).padStart(2, '0')}01-${String(run).padStart(6, '0')}`;
    const pipeline = pick(PIPELINES);
    const failed = r() < 0.2;
    const status = failed ? 'failed' : r() < 0.05 ? 'cancelled' : 'succeeded';
    const time = new Date(Date.UTC(2025, 0, 1) + run * 3_600_000).toISOString();
    const dataset = `${pipeline}-clean@v-${Math.floor(r() * 1e8).toString(16)}`;
    const model = `${pipeline}@${1 + Math.floor(r() * 40)}`;
    const base = { run_id: runId, pipeline, status, time, model, dataset, step: '', code: '' };
    const err = pick(ERRORS);
    const failedStep = pick(STEPS);
    const acc = (0.7 + r() * 0.29).toFixed(4);
    const texts: [string, string, Partial<MemoryDocument>][] = [
      [
        'run',
        `Run ${runId} of pipeline ${pipeline} ${status} at ${time}. Goal: retrain ${pipeline} nightly and deploy if accuracy improves. Plan: ${STEPS.join(' → ')}.`,
        {},
      ],
      [
        'steps',
        `Step outcomes of run ${runId} (${pipeline}): ${STEPS.map((s) => `${s} ${failed && s === failedStep ? 'failed' : 'succeeded'}`).join('; ')}.`,
        {},
      ],
      [
        'metrics',
        `Metrics of run ${runId} (${pipeline}): train accuracy=${acc} f1_macro=${(Number(acc) - 0.03).toFixed(4)}.`,
        {},
      ],
      [
        'data',
        `Data versions in run ${runId} (${pipeline}): version → ${dataset} (${1000 + Math.floor(r() * 1e6)} rows).`,
        {},
      ],
    ];
    if (failed)
      texts.push([
        'error',
        `Step ${failedStep} of pipeline ${pipeline} failed in run ${runId} after 1 attempt: ${err[1]}.`,
        { step: failedStep, code: err[0] },
      ]);
    for (const [kind, text, extra] of texts)
      docs.push({ ...base, ...extra, id: `${runId}#${docs.length}`, kind, text });
  }
  return docs.slice(0, n);
}

export async function benchMemory(opts: { docs?: number; entities?: number } = {}): Promise<BenchResult[]> {
  const n = opts.docs ?? 100_000;
  const out: BenchResult[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-bench-memory-'));
  try {
    const docs = syntheticDocs(n);
    const embedder = lexicalEmbedder();
    const index = new MemoryIndex(path.join(dir, 'memory'), embedder);

    let t0 = performance.now();
    const batch = 10_000;
    for (let i = 0; i < docs.length; i += batch) await index.append(docs.slice(i, i + batch));
    const appendS = (performance.now() - t0) / 1000;
    out.push({
      name: `batch append (${n} docs, lexical embedding included)`,
      value: n / appendS,
      unit: 'docs/s',
      note: `${appendS.toFixed(1)} s in batches of ${batch}`,
    });

    t0 = performance.now();
    await index.buildAnnIndex();
    const table = await index.open();
    if (!table) throw new Error('memory table missing');
    await table.optimize();
    out.push({
      name: 'index build (IVF_FLAT + filter-column indices + optimize)',
      value: (performance.now() - t0) / 1000,
      unit: 's',
    });

    const queries = [
      'CUDA out of memory during training',
      'service unavailable when downloading export',
      'column missing from the current batch schema drift',
      'step exceeded its timeout',
      'password authentication failed postgres',
      'no space left on device parquet',
      'accuracy improved churn deploy',
      'seattle weather forecast data versions',
    ];
    for (let i = 0; i < 5; i++) await index.search(queries[i % queries.length] as string, { limit: 10 });
    const lat: number[] = [];
    for (let i = 0; i < 200; i++) {
      const q = queries[i % queries.length] as string;
      const t = performance.now();
      await index.search(q, {
        limit: 10,
        ...(i % 2 ? { filter: { status: 'failed' } } : { filter: `pipeline = '${PIPELINES[i % 5]}'` }),
      });
      lat.push(performance.now() - t);
    }
    out.push({ name: 'hybrid query p50 (vector + FTS, RRF, where)', value: quantile(lat, 0.5), unit: 'ms' });
    out.push({
      name: 'hybrid query p95',
      value: quantile(lat, 0.95),
      unit: 'ms',
      note: `target ≤ 20 ms; ${n} docs, 200 queries`,
    });

    // Recall@10 of the vector side of search (the index, as search uses it) against exact (brute-force)
    // search, on vectors of real-looking queries.
    let found = 0;
    let total = 0;
    const probes = docs.filter((_, i) => i % Math.floor(n / 100) === 0).slice(0, 100);
    for (const d of probes) {
      const [v] = await embedder.embed([`${d.pipeline} ${d.text.slice(0, 80)}`]);
      const ann = await index.nearest(v as number[], { limit: 10 });
      const exact = await index.nearest(v as number[], { limit: 10, exact: true });
      const truth = new Set(exact.map((r) => r.id));
      found += ann.filter((r) => truth.has(r.id)).length;
      total += truth.size;
    }
    out.push({
      name: 'ANN recall@10 vs exact',
      value: found / total,
      unit: 'ratio',
      note: `${VECTOR_SEARCH.index}, ${partitionsFor(n)} partitions, ≥ ${VECTOR_SEARCH.nprobes} probes`,
    });
    index.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out.push(...benchLineage(opts.entities ?? 10_000));
  return out;
}

/** A 10k-entity graph: chains of datasets, models trained on them, runs and deployments. */
function benchLineage(entities: number): BenchResult[] {
  const store = new RunStore(':memory:');
  try {
    const L = new LineageStore(store.db);
    const at = new Date().toISOString();
    const r = rng(7);
    let count = 0;
    const models: string[] = [];
    store.atomically(() => {
      let prev: string[] = [];
      while (count < entities) {
        const ds = `dataset:${count.toString(16).padStart(12, '0')}`;
        L.upsertEntity({ id: ds, kind: 'dataset', label: ds, at });
        count++;
        for (const p of prev.slice(-2)) L.addEdge({ src: ds, type: 'derived_from', dst: p, at });
        if (prev.length > 0 && r() < 0.2) {
          const m = `model:${count.toString(16).padStart(12, '0')}`;
          L.upsertEntity({ id: m, kind: 'model', label: m, at });
          L.addEdge({ src: m, type: 'trained_on', dst: ds, at });
          const run = `run:run-${count}`;
          L.upsertEntity({ id: run, kind: 'run', label: run, at });
          L.addEdge({ src: m, type: 'produced_by', dst: run, at });
          models.push(m);
          count += 2;
        }
        prev = r() < 0.05 ? [ds] : [...prev, ds]; // occasionally a fresh raw source
        if (prev.length > 60) prev = prev.slice(-60);
      }
    });
    const lat: number[] = [];
    let reached = 0;
    for (let i = 0; i < 50; i++) {
      const m = models[models.length - 1 - i * 3] as string;
      const t = performance.now();
      reached += L.walk(m, 'up').nodes.length;
      lat.push(performance.now() - t);
    }
    return [
      {
        name: `lineage upstream walk p50 (${count} entities)`,
        value: quantile(lat, 0.5),
        unit: 'ms',
        note: `recursive CTE, ~${Math.round(reached / 50)} entities reached per walk`,
      },
      { name: 'lineage upstream walk p95', value: quantile(lat, 0.95), unit: 'ms' },
    ];
  } finally {
    store.close();
  }
}
