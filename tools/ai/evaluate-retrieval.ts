/**
 * evaluate.retrieval: asks a search index (one exact table version) every question of a question set and
 * scores the top k against the expected sources: hit rate, recall@k, MRR and precision@k (metrics, for a
 * gate such as `steps.eval.outputs.metrics.recall >= 0.8`). Questions are embedded by the index's own
 * embedder, through the embedding cache. The full per-question report is stored as an artifact.
 */
import { z } from 'zod';
import { defineTask } from '../../src/tasks/index.ts';
import { EmbeddingCache, embedderById, embedTexts, isRemote } from './embedding.ts';
import { IndexRef } from './index-ref.ts';
import { openIndexTable, readMeta, searchIndex } from './lance-index.ts';
import { CallLimits } from './provider-calls.ts';
import { loadQuestions } from './question-set.ts';
import { providerRedactor } from './redact.ts';
import { aggregate, type QuestionResult, scoreQuestion } from './retrieval-metrics.ts';

export const EvaluateRetrievalInput = z.object({
  index: IndexRef.describe('The index version to evaluate (index.lancedb output "index")'),
  questions: z
    .string()
    .min(1)
    .describe(
      'Question set in the workspace: JSONL, JSON or CSV with question and expected (source paths, e.g. "docs/engine.md")',
    ),
  k: z.number().int().min(1).max(100).default(5).describe('How many chunks count as retrieved'),
  mode: z
    .enum(['hybrid', 'vector', 'text'])
    .default('hybrid')
    .describe('hybrid (vector + full text, fused), vector only, or full text only'),
  maxQuestions: z.number().int().positive().max(100_000).default(10_000).describe('Most questions evaluated'),
  limits: CallLimits.default(CallLimits.parse({})),
});

const Metrics = z
  .object({
    hit_rate: z.number().describe('Share of questions with an expected source in the top k'),
    recall: z.number().describe('Mean share of expected sources found in the top k (recall@k)'),
    mrr: z.number().describe('Mean reciprocal rank of the first relevant chunk'),
    precision: z.number().describe('Mean share of the top k chunks from an expected source'),
    questions: z.number().int().describe('Questions evaluated'),
    k: z.number().int().describe('k'),
  })
  .describe('Retrieval quality');

export const EvaluateRetrievalOutput = z.object({
  metrics: Metrics,
  index: z.string().describe('name@version evaluated'),
  misses: z
    .array(
      z.object({
        question: z.string().describe('The question'),
        expected: z.array(z.string()).describe('Its expected sources'),
        retrieved: z.array(z.string()).describe('Sources of the top k'),
      }),
    )
    .describe('Questions with no expected source in the top k (at most 50)'),
  report: z
    .object({ hash: z.string().describe('Artifact id'), path: z.string().describe('JSON report path') })
    .describe('Every question with its ranks and sources'),
  seconds: z.number().describe('Time spent'),
});

export const evaluateRetrieval = defineTask({
  id: 'evaluate.retrieval',
  description:
    'Evaluate a search index on a question set with expected sources (JSONL/JSON/CSV): hit rate, recall@k, MRR and precision@k as metrics for a gate.',
  input: EvaluateRetrievalInput,
  output: EvaluateRetrievalOutput,
  // The question file may change under the same path: evaluate every time.
  cacheable: false,
  async run(input, ctx) {
    const t0 = performance.now();
    const questions = await loadQuestions(ctx.workspace, input.questions, input.maxQuestions);
    const table = await openIndexTable(input.index.path, input.index.tableVersion);
    const meta = readMeta(input.index.path) ?? {
      embedder: input.index.embedder,
      dims: input.index.dims,
      distance: input.index.distance,
    };
    const embedder = embedderById(ctx.config, input.index.embedder);
    const cache = EmbeddingCache.forStateDir(ctx.config.stateDir);
    let vectors: number[][];
    try {
      vectors = (
        await embedTexts(
          questions.map((q) => q.question),
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
    const results: QuestionResult[] = [];
    try {
      for (const [i, q] of questions.entries()) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        const hits = await searchIndex(table, meta, {
          text: q.question,
          vector: vectors[i],
          k: input.k,
          mode: input.mode,
        });
        results.push(
          scoreQuestion(
            q,
            hits.map((h) => h.path),
            input.k,
          ),
        );
        if (i % 25 === 0) ctx.progress(i / questions.length, `${i}/${questions.length} questions`);
      }
    } finally {
      table.close();
    }
    const metrics = aggregate(results, input.k);
    const id = `${input.index.name}@${input.index.version}`;
    const report = await ctx.artifacts.putBytes(
      `${JSON.stringify({ kind: 'pipewright.retrieval-eval', index: id, mode: input.mode, metrics, results }, null, 2)}\n`,
      { mediaType: 'application/json' },
    );
    ctx.log.info(
      `${id}: hit rate ${metrics.hit_rate.toFixed(3)}, recall@${input.k} ${metrics.recall.toFixed(3)}, MRR ${metrics.mrr.toFixed(3)} over ${questions.length} questions`,
    );
    return {
      metrics,
      index: id,
      misses: results
        .filter((r) => !r.hit)
        .slice(0, 50)
        .map((r) => ({ question: r.question, expected: r.expected, retrieved: r.retrieved })),
      report: { hash: report.hash, path: report.path },
      seconds: (performance.now() - t0) / 1000,
    };
  },
});
