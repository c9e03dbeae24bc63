/**
 * monitor.retrieval: query and embedding drift of a served search index. It reads the searches the server
 * logged (`<state>/predictions/<index>/*.jsonl`) and compares a current window with the reference window
 * before it, with the drift statistics of tools/lib/drift-stats.ts:
 * - query length (words): two-sample Kolmogorov–Smirnov;
 * - term distribution (the most frequent terms of both windows): Jensen–Shannon distance, and a chi-square
 *   test of homogeneity on counts scaled to the number of queries (terms of one query are not independent
 *   draws, so the raw counts would overstate the evidence);
 * - embeddings: the queries embedded by the index's embedder (through the embedding cache): the cosine
 *   distance between the two windows' centroids, and KS on each query's distance to the reference centroid;
 * - retrieval distance: KS on the distance of each query to its nearest chunk (out-of-domain questions sit
 *   further from everything indexed).
 * A test flags drift when its p-value is below pValue ÷ tests (Bonferroni, as monitor.drift does) and its
 * effect reaches the threshold. Too few queries in a window is a verdict of its own, not an alert.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { cosine, tokenize } from '../../src/lineage/embeddings.ts';
import { openModelRegistry } from '../../src/store/model-registry.ts';
import { predictionLogPath } from '../../src/store/prediction-paths.ts';
import { defineTask } from '../../src/tasks/index.ts';
import { chiSquareTest, jensenShannonDistance, ksTestSorted } from '../lib/drift-stats.ts';
import { EmbeddingCache, embedderById, embedTexts, isRemote } from './embedding.ts';
import { IndexName } from './index-ref.ts';
import { CallLimits } from './provider-calls.ts';
import { providerRedactor } from './redact.ts';

const Test = z.object({
  name: z
    .enum(['query_length', 'terms', 'embedding_centroid', 'embedding_distance', 'retrieval_distance'])
    .describe('What was compared'),
  statistic: z.number().nullable().describe('Effect size: KS D, JS distance or centroid cosine distance'),
  threshold: z.number().describe('Effect size from which it counts as drift'),
  pValue: z.number().nullable().describe('p-value of the test (null for the centroid distance)'),
  drifted: z.boolean().describe('Whether this test flags drift'),
  detail: z.record(z.string(), z.unknown()).describe('Means, medians, top terms that moved'),
});

export const RetrievalDriftInput = z.object({
  index: IndexName.describe(
    'Registered index whose search log is checked (its name in /indexes/<name>/search)',
  ),
  currentHours: z
    .number()
    .positive()
    .max(24 * 90)
    .default(24)
    .describe('The current window: the last hours'),
  referenceHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(24 * 7)
    .describe('The reference window: the hours before the current window'),
  now: z.string().datetime().optional().describe('End of the current window (default: now)'),
  minQueries: z.number().int().min(5).default(30).describe('Fewer queries in a window: no verdict'),
  pValue: z.number().gt(0).lt(1).default(0.05).describe('Significance over all tests (Bonferroni-divided)'),
  thresholds: z
    .object({
      ks: z.number().gt(0).max(1).default(0.15).describe('KS D from which a shift counts'),
      terms: z.number().gt(0).max(1).default(0.25).describe('Jensen–Shannon distance of term shares'),
      centroid: z.number().gt(0).max(2).default(0.05).describe('Cosine distance between window centroids'),
    })
    .default({ ks: 0.15, terms: 0.25, centroid: 0.05 })
    .describe('Effect sizes from which a significant change counts as drift'),
  topTerms: z.number().int().min(5).max(500).default(50).describe('Terms compared'),
  limits: CallLimits.default(CallLimits.parse({})),
});

export const RetrievalDriftOutput = z.object({
  drifted: z.boolean().describe('Whether any test flags drift'),
  verdict: z
    .enum(['drift', 'no_drift', 'insufficient_data'])
    .describe('drift, no_drift, or insufficient_data (a window had fewer than minQueries)'),
  summary: z.string().describe('One line for a person'),
  queries: z
    .object({ reference: z.number().int(), current: z.number().int() })
    .describe('Queries in each window'),
  tests: z.array(Test).describe('Every comparison made'),
  alert: z
    .object({
      kind: z.literal('retrieval_drift').describe('Always retrieval_drift'),
      severity: z.enum(['warning', 'critical']).describe('critical when the embeddings moved'),
      summary: z.string().describe('What drifted'),
      index: z.string().describe('Index name'),
      at: z.string().describe('ISO time of the check'),
    })
    .nullable()
    .describe('Set when drift was found (for notify.send text and the lineage); null otherwise'),
});

interface LoggedQuery {
  at: number;
  query: string;
  nearest?: number;
}

function readLog(stateDir: string, index: string): LoggedQuery[] {
  const dir = predictionLogPath(stateDir, index);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const out: LoggedQuery[] = [];
  for (const f of files) {
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const l = JSON.parse(line) as {
          at?: string;
          input?: { query?: unknown };
          prediction?: { nearest?: unknown };
        };
        if (typeof l.input?.query !== 'string' || !l.at) continue;
        out.push({
          at: Date.parse(l.at),
          query: l.input.query,
          ...(typeof l.prediction?.nearest === 'number' ? { nearest: l.prediction.nearest } : {}),
        });
      } catch {
        // a torn last line of a file being written
      }
    }
  }
  return out;
}

const sorted = (xs: number[]) => Float64Array.from(xs).sort();
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

function centroid(vectors: number[][]): number[] {
  const c = new Array<number>(vectors[0]?.length ?? 0).fill(0);
  for (const v of vectors) for (let i = 0; i < c.length; i++) c[i] = (c[i] as number) + (v[i] as number);
  return c.map((x) => x / Math.max(1, vectors.length));
}

export const monitorRetrieval = defineTask({
  id: 'monitor.retrieval',
  placement: 'coordinator',
  description:
    'Check a served search index for query and embedding drift: query length, term distribution, query-embedding centroid and distance distributions, and nearest-chunk distances of a current window against a reference window of the search log.',
  input: RetrievalDriftInput,
  output: RetrievalDriftOutput,
  cacheable: false,
  async run(input, ctx) {
    const end = input.now ? Date.parse(input.now) : Date.now();
    const curStart = end - input.currentHours * 3_600_000;
    const refStart = curStart - input.referenceHours * 3_600_000;
    const log = readLog(ctx.config.stateDir, input.index);
    const ref = log.filter((q) => q.at >= refStart && q.at < curStart);
    const cur = log.filter((q) => q.at >= curStart && q.at <= end);
    const at = new Date(end).toISOString();
    const queries = { reference: ref.length, current: cur.length };
    if (ref.length < input.minQueries || cur.length < input.minQueries) {
      return {
        drifted: false,
        verdict: 'insufficient_data' as const,
        summary: `${input.index}: ${ref.length} reference and ${cur.length} current queries; at least ${input.minQueries} each are needed`,
        queries,
        tests: [],
        alert: null,
      };
    }
    const registry = openModelRegistry(ctx.config);
    let embedderId: string;
    try {
      const state = registry.servingState(input.index);
      const version = state.version ?? registry.listVersions(input.index).at(-1)?.version;
      if (version === undefined) throw new Error('no version');
      const ref0 = registry.getVersion(input.index, version).ref as { kind?: unknown; embedder?: unknown };
      if (ref0.kind !== 'index' || typeof ref0.embedder !== 'string') {
        throw userError(
          'INDEX_IS_MODEL',
          `"${input.index}" is a model, not a search index`,
          undefined,
          'Check model traffic with monitor.traffic and monitor.drift instead.',
        );
      }
      embedderId = ref0.embedder;
    } finally {
      registry.close();
    }

    const tests: z.infer<typeof Test>[] = [];
    const ks = (
      name: z.infer<typeof Test>['name'],
      a: number[],
      b: number[],
      detail: Record<string, unknown>,
    ) => {
      const r = ksTestSorted(sorted(a), sorted(b));
      tests.push({
        name,
        statistic: Number.isFinite(r.statistic) ? r.statistic : null,
        threshold: input.thresholds.ks,
        pValue: Number.isFinite(r.pValue) ? r.pValue : null,
        drifted: false,
        detail: { referenceMean: mean(a), currentMean: mean(b), ...detail },
      });
    };

    // Query length, in words.
    const words = (qs: LoggedQuery[]) => qs.map((q) => tokenize(q.query));
    const refWords = words(ref);
    const curWords = words(cur);
    ks(
      'query_length',
      refWords.map((w) => w.length),
      curWords.map((w) => w.length),
      {},
    );

    // Term distribution over the most frequent terms of both windows.
    const counts = (ws: string[][]) => {
      const m = new Map<string, number>();
      for (const w of ws) for (const t of w) m.set(t, (m.get(t) ?? 0) + 1);
      return m;
    };
    const rc = counts(refWords);
    const cc = counts(curWords);
    const all = new Map<string, number>();
    for (const [t, n] of [...rc, ...cc]) all.set(t, (all.get(t) ?? 0) + n);
    const top = [...all.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, input.topTerms)
      .map(([t]) => t);
    const rv = top.map((t) => rc.get(t) ?? 0);
    const cv = top.map((t) => cc.get(t) ?? 0);
    const scale = (v: number[], n: number) => {
      const s = v.reduce((a, b) => a + b, 0) || 1;
      return v.map((x) => (x * n) / s);
    };
    const chi = chiSquareTest(scale(rv, ref.length), scale(cv, cur.length));
    const js = jensenShannonDistance(rv, cv);
    const share = (v: number[]) => {
      const s = v.reduce((a, b) => a + b, 0) || 1;
      return v.map((x) => x / s);
    };
    const rs = share(rv);
    const cs = share(cv);
    const moved = top
      .map((t, i) => ({ term: t, reference: rs[i] as number, current: cs[i] as number }))
      .sort((a, b) => Math.abs(b.current - b.reference) - Math.abs(a.current - a.reference))
      .slice(0, 5);
    tests.push({
      name: 'terms',
      statistic: Number.isFinite(js) ? js : null,
      threshold: input.thresholds.terms,
      pValue: Number.isFinite(chi.pValue) ? chi.pValue : null,
      drifted: false,
      detail: { moved, terms: top.length },
    });

    // Embeddings of the queries.
    const embedder = embedderById(ctx.config, embedderId);
    const cache = EmbeddingCache.forStateDir(ctx.config.stateDir);
    let vectors: number[][];
    try {
      vectors = (
        await embedTexts(
          [...ref, ...cur].map((q) => q.query),
          {
            embedder,
            cache,
            limits: input.limits,
            batchSize: 64,
            signal: ctx.signal,
            ...(isRemote(embedder) ? { redact: providerRedactor(ctx.config) } : {}),
          },
        )
      ).vectors;
    } finally {
      cache.close();
    }
    const rVec = vectors.slice(0, ref.length);
    const cVec = vectors.slice(ref.length);
    const rCentroid = centroid(rVec);
    const shift = 1 - cosine(rCentroid, centroid(cVec));
    tests.push({
      name: 'embedding_centroid',
      statistic: shift,
      threshold: input.thresholds.centroid,
      pValue: null,
      drifted: false,
      detail: { embedder: embedderId },
    });
    ks(
      'embedding_distance',
      rVec.map((v) => 1 - cosine(v, rCentroid)),
      cVec.map((v) => 1 - cosine(v, rCentroid)),
      { embedder: embedderId },
    );
    const rn = ref.flatMap((q) => (q.nearest === undefined ? [] : [q.nearest]));
    const cn = cur.flatMap((q) => (q.nearest === undefined ? [] : [q.nearest]));
    if (rn.length >= input.minQueries && cn.length >= input.minQueries) ks('retrieval_distance', rn, cn, {});

    // Verdicts: significant (Bonferroni over the tests with a p-value) and large enough.
    const withP = tests.filter((t) => t.pValue !== null).length;
    const alpha = input.pValue / Math.max(1, withP);
    const centroidSignificant = tests.some(
      (t) => t.name === 'embedding_distance' && t.pValue !== null && t.pValue < alpha,
    );
    for (const t of tests) {
      if (t.statistic === null) continue;
      t.drifted =
        t.name === 'embedding_centroid'
          ? centroidSignificant && t.statistic >= t.threshold
          : t.pValue !== null && t.pValue < alpha && t.statistic >= t.threshold;
    }
    const drifted = tests.filter((t) => t.drifted);
    const summary = drifted.length
      ? `${input.index}: search traffic drifted (${drifted
          .map((t) => `${t.name} ${t.statistic?.toFixed(3)}`)
          .join(', ')}) over ${cur.length} queries against ${ref.length}`
      : `${input.index}: no query or embedding drift over ${cur.length} queries against ${ref.length}`;
    ctx.log.info(summary);
    return {
      drifted: drifted.length > 0,
      verdict: drifted.length ? ('drift' as const) : ('no_drift' as const),
      summary,
      queries,
      tests,
      alert: drifted.length
        ? {
            kind: 'retrieval_drift' as const,
            severity: drifted.some((t) => t.name.startsWith('embedding'))
              ? ('critical' as const)
              : ('warning' as const),
            summary,
            index: input.index,
            at,
          }
        : null,
    };
  },
});
