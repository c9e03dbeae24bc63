/**
 * `npm run bench -- rag`: the AI tasks on two corpora, through the tasks themselves (docs.load → docs.chunk →
 * embed.chunks → index.lancedb → evaluate.retrieval) with the lexical embedding and with the OpenAI
 * stand-in (loopback HTTP, vectors from the same lexical function, so only the transport differs):
 * - docs: the project's own docs/ (about 20 Markdown files), questions in examples/rag-questions.jsonl;
 * - readmes: every README.md the installed npm packages ship (node_modules/<pkg>/README.md and
 *   node_modules/@scope/<pkg>/README.md, about 465 files, 2.5 MB), questions in
 *   evals/rag/readme-questions.jsonl. Both question sets were written before anything was measured.
 * Figures: chunks/s, embeds/s (cold cache), index build, the whole re-index after one file changed (only its
 * chunks re-embedded, reported), and hit rate / recall@5 / MRR.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { lexicalEmbedding } from '../../src/lineage/embeddings.ts';
import { startOpenAIStandin } from '../../test/helpers/openai-standin.ts';
import { makeTaskContext, makeWorkspace } from '../../test/helpers/task-context.ts';
import { docsChunk } from '../../tools/ai/docs-chunk.ts';
import { docsLoad } from '../../tools/ai/docs-load.ts';
import { embedChunks } from '../../tools/ai/embed.ts';
import { evaluateRetrieval } from '../../tools/ai/evaluate-retrieval.ts';
import { indexLancedb } from '../../tools/ai/index-lancedb.ts';
import type { BenchResult } from './types.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Corpus {
  name: string;
  /** Fills the workspace; returns the folder to load and the file to change for the re-index. */
  fill(workspace: string): { folder: string; change: string };
  questions: string;
}

const corpora: Corpus[] = [
  {
    name: 'docs',
    fill(ws) {
      cpSync(path.join(ROOT, 'docs'), path.join(ws, 'docs'), { recursive: true });
      return { folder: 'docs', change: 'docs/engine.md' };
    },
    questions: path.join(ROOT, 'examples/rag-questions.jsonl'),
  },
  {
    name: 'readmes',
    fill(ws) {
      const nm = path.join(ROOT, 'node_modules');
      const copy = (pkg: string) => {
        const dir = path.join(nm, pkg);
        const readme = existsSync(dir) ? readdirSync(dir).find((f) => /^readme\.md$/i.test(f)) : undefined;
        if (!readme) return;
        const dest = path.join(ws, 'corpus', pkg, 'README.md');
        mkdirSync(path.dirname(dest), { recursive: true });
        cpSync(path.join(dir, readme), dest);
      };
      for (const entry of readdirSync(nm)) {
        if (entry.startsWith('.')) continue;
        if (entry.startsWith('@'))
          for (const sub of readdirSync(path.join(nm, entry))) copy(`${entry}/${sub}`);
        else copy(entry);
      }
      return { folder: 'corpus', change: 'corpus/p-retry/README.md' };
    },
    questions: path.join(ROOT, 'evals/rag/readme-questions.jsonl'),
  },
];

const vec = (t: string) => Array.from(lexicalEmbedding(t));

async function runCorpus(c: Corpus, provider: 'lexical' | 'standin', url?: string): Promise<BenchResult[]> {
  const workspace = makeWorkspace('pw-bench-rag-');
  try {
    const { folder, change } = c.fill(workspace);
    cpSync(c.questions, path.join(workspace, 'questions.jsonl'));
    const config = loadConfig(
      {
        workspace,
        ...(provider === 'standin'
          ? { embeddings: 'openai', embeddingModel: 'standin', llmBaseUrl: url }
          : {}),
      },
      {},
    );
    const ctx = makeTaskContext({ workspace, config });
    const label = `${c.name}, ${provider}`;
    const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
      const t0 = performance.now();
      const r = await fn();
      return [r, (performance.now() - t0) / 1000];
    };
    const limits = { maxRequestsPerSecond: 1000, concurrency: 4, retries: 3, backoffMs: 100 };
    const pipeline = async () => {
      const [docs, tLoad] = await time(() => docsLoad.run(docsLoad.input.parse({ path: folder }), ctx));
      const [chunks, tChunk] = await time(() =>
        docsChunk.run(docsChunk.input.parse({ documents: docs.dataset }), ctx),
      );
      const [emb, tEmbed] = await time(() =>
        embedChunks.run(embedChunks.input.parse({ chunks: chunks.dataset, batchSize: 128, limits }), ctx),
      );
      const [idx, tIndex] = await time(() =>
        indexLancedb.run(indexLancedb.input.parse({ embeddings: emb.dataset, name: c.name }), ctx),
      );
      return { docs, chunks, emb, idx, tLoad, tChunk, tEmbed, tIndex };
    };
    const first = await pipeline();
    const [evalOut, tEval] = await time(() =>
      evaluateRetrieval.run(
        evaluateRetrieval.input.parse({ index: first.idx.index, questions: 'questions.jsonl', k: 5 }),
        ctx,
      ),
    );
    // One file changes: a paragraph appended.
    const changed = path.join(workspace, change);
    writeFileSync(
      changed,
      `${readFileSync(changed, 'utf8')}\n\n## Added for the bench\n\nOne more paragraph.\n`,
    );
    const [again, tAgain] = await time(pipeline);
    const m = evalOut.metrics;
    const results: BenchResult[] = [
      {
        name: `${label}: documents loaded`,
        value: first.docs.documents,
        unit: 'docs',
        note: `${(first.docs.bytes / 1e6).toFixed(2)} MB in ${first.tLoad.toFixed(2)} s`,
      },
      {
        name: `${label}: chunking`,
        value: first.chunks.chunks / first.tChunk,
        unit: 'chunks/s',
        note: `${first.chunks.chunks} chunks (headings, 1200 chars, 15% overlap) in ${first.tChunk.toFixed(2)} s`,
      },
      {
        name: `${label}: embedding, cold cache`,
        value: first.emb.chunks / first.tEmbed,
        unit: 'embeds/s',
        note: `${first.emb.requests} requests of ≤128; ${first.tEmbed.toFixed(2)} s incl. reading/writing Parquet`,
      },
      {
        name: `${label}: index build (FTS + vector)`,
        value: first.tIndex,
        unit: 's',
        note: `${first.idx.index.rows} rows, ${first.idx.built.join(', ')}`,
      },
      {
        name: `${label}: re-index after one file changed (load→index)`,
        value: tAgain,
        unit: 's',
        note: `re-embedded ${again.emb.cache.misses} of ${again.emb.chunks} chunks; +${again.idx.changes.added} −${again.idx.changes.deleted} rows; first build took ${(first.tLoad + first.tChunk + first.tEmbed + first.tIndex).toFixed(2)} s`,
      },
      {
        name: `${label}: recall@5`,
        value: m.recall,
        unit: '',
        note: `hit rate ${m.hit_rate.toFixed(3)}, MRR ${m.mrr.toFixed(3)}, ${m.questions} questions, eval ${tEval.toFixed(2)} s`,
      },
    ];
    return results;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

export async function benchRag(): Promise<BenchResult[]> {
  const standin = await startOpenAIStandin(
    () => ({ text: 'unused' }),
    (texts) => texts.map(vec),
  );
  try {
    const out: BenchResult[] = [];
    for (const c of corpora) {
      out.push(...(await runCorpus(c, 'lexical')));
      out.push(...(await runCorpus(c, 'standin', standin.url)));
    }
    return out;
  } finally {
    await standin.close();
  }
}
