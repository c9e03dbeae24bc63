/**
 * The AI part of the intent frame: what a goal about documents, search indexes and LLM calls asks for. The
 * offline grammar (offline/ai.ts) fills it; the builder (build/ai.ts) turns it into docs.load → docs.chunk →
 * embed.chunks → index.lancedb → evaluate.retrieval (→ index.register → deploy.http), llm.call (→ evaluate.llm),
 * or monitor.retrieval plans.
 */
import { z } from 'zod';

export const AiIntent = z
  .object({
    task: z
      .enum(['index', 'llm', 'monitor'])
      .describe(
        'index: documents → chunks → embeddings → search index (and its evals); llm: an LLM over documents or rows; monitor: query drift of a served index',
      ),
    docs: z
      .string()
      .optional()
      .describe('Folder or glob of documents, workspace-relative, e.g. "docs" or "docs/**/*.md"'),
    docsNamed: z.boolean().describe('Whether the goal named the documents path (else a default was assumed)'),
    rows: z.string().optional().describe('A data file the LLM runs over, one call per row'),
    formats: z
      .array(z.enum(['markdown', 'text', 'html', 'pdf']))
      .optional()
      .describe('Document formats the goal names'),
    chunk: z
      .object({
        strategy: z.enum(['headings', 'fixed']).optional(),
        unit: z.enum(['characters', 'tokens']).optional(),
        size: z.number().int().positive().optional(),
        overlap: z.number().int().nonnegative().optional(),
      })
      .describe('Chunking the goal asks for'),
    embeddings: z.enum(['lexical', 'openai', 'ollama']).optional().describe('Embeddings provider named'),
    index: z.string().optional().describe('Index name ("index it as kb")'),
    evaluate: z.boolean().describe('Check retrieval quality on a question set'),
    questions: z.string().optional().describe('Question set path, when named'),
    k: z.number().int().positive().optional().describe('Top k ("the top 5 results", "recall@5")'),
    gate: z
      .object({
        metric: z.enum(['recall', 'hit_rate', 'mrr', 'precision']),
        op: z.enum(['>=', '>', '<=', '<']),
        value: z.number(),
      })
      .optional()
      .describe('A retrieval threshold: what must hold to register/deploy'),
    alert: z
      .object({
        metric: z.enum(['recall', 'hit_rate', 'mrr', 'precision']),
        below: z.number().optional().describe('Alert when the metric is below this'),
      })
      .optional()
      .describe('Alert when retrieval quality drops'),
    register: z.boolean().describe('Register the index version'),
    serve: z.boolean().describe('Serve it at /indexes/<name>/search (deploy)'),
    onChange: z.boolean().describe('Re-index when files in the folder change (a folder trigger)'),
    prompt: z.string().optional().describe('Prompt file for llm.call, e.g. prompts/summary.md'),
    judge: z.boolean().describe('Check LLM answers with an LLM judge'),
    criteria: z.string().optional().describe('What the judge checks, in words'),
  })
  .describe('What a goal about documents, search indexes or LLM calls asks for');
export type AiIntent = z.infer<typeof AiIntent>;
