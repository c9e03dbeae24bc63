/**
 * The AI tasks end to end through the engine: load → chunk → embed (the OpenAI stand-in) → index →
 * evaluate.retrieval, then again after one file changed (only its chunks are re-embedded), then with no
 * change at all. Lineage records each index version as a dataset version.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from '../../src/engine/index.ts';
import { attachLineage, lexicalEmbedding } from '../../src/lineage/index.ts';
import { parsePlanText } from '../../src/plan/index.ts';
import { LineageStore, RunStore, stateTarget } from '../../src/store/index.ts';
import { startOpenAIStandin } from '../helpers/openai-standin.ts';
import { testConfig } from '../helpers/state.ts';
import { testRegistry } from '../helpers/tasks.ts';
import { aiWorkspace } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('a RAG plan through the engine', () => {
  it('indexes, evaluates, and on a re-run re-embeds only the chunks of the changed file', async () => {
    const sent: string[][] = [];
    const standin = await startOpenAIStandin(
      () => ({ text: 'unused' }),
      (texts) => {
        sent.push(texts);
        return texts.map((t) => Array.from(lexicalEmbedding(t, 128)));
      },
    );
    onTestFinished(() => standin.close());
    const { workspace, write } = aiWorkspace();
    const config = testConfig({
      workspace,
      embeddings: 'openai',
      embeddingModel: 'emb-standin',
      llmBaseUrl: standin.url,
    });
    const store = new RunStore(stateTarget(config));
    const engine = new Engine({ store, registry: testRegistry(), config, pollMs: 20 });
    const detach = attachLineage(store);
    onTestFinished(async () => {
      detach();
      await engine.close();
      store.close();
    });
    cpSync(path.join(ROOT, 'examples/rag-docs.yaml'), path.join(workspace, 'rag.yaml'));
    write(
      'examples/rag-questions.jsonl',
      [
        { question: 'How long until an undecided approval times out?', expected: ['docs/guide.md'] },
        { question: 'What is the step cache key made of?', expected: ['docs/web/cache.html'] },
        { question: 'Which queue do GPU workers use?', expected: ['docs/manual.pdf'] },
      ]
        .map((q) => JSON.stringify(q))
        .join('\n'),
    );
    const plan = parsePlanText(readFileSync(path.join(workspace, 'rag.yaml'), 'utf8'), 'rag.yaml');

    const first = await engine.run(plan, { createdBy: 'tester' });
    expect(first.status).toBe('succeeded');
    const out1 = <T = Record<string, unknown>>(id: string) => first.results[id]?.output as T;
    const chunks = out1<{ chunks: number }>('chunk').chunks;
    expect(sent.flat()).toHaveLength(chunks + 3); // the chunks, then the three questions
    expect(out1('embed')).toMatchObject({
      embedder: 'openai:emb-standin',
      cache: { hits: 0, misses: chunks },
    });
    expect(out1('evaluate')).toMatchObject({ metrics: { questions: 3, k: 5, hit_rate: 1, recall: 1 } });
    expect(out1('register')).toMatchObject({ name: 'docs', version: 1, endpoint: '/indexes/docs/search' });
    const v1 = out1<{ index: { hash: string; version: string } }>('index').index;

    // One file changes: its chunks (and only those) go to the provider again; the questions are cached.
    write('docs/notes.txt', 'Release notes\n\nSearch indexes are now served at /indexes/<name>/search.\n');
    sent.length = 0;
    const second = await engine.run(plan, { createdBy: 'tester' });
    expect(second.status).toBe('succeeded');
    const out2 = <T = Record<string, unknown>>(id: string) => second.results[id]?.output as T;
    // (The chunk starts with its title, so nothing is put before it; the OpenAI client sends newlines as spaces.)
    expect(sent.flat()).toEqual(['Release notes  Search indexes are now served at /indexes/<name>/search.']);
    expect(out2('embed')).toMatchObject({ cache: { hits: chunks - 1, misses: 1, embedded: 1 } });
    expect(out2('index')).toMatchObject({
      changes: { added: 1, deleted: 1, unchanged: chunks - 1 },
      documents: { changed: ['docs/notes.txt'], added: [], removed: [] },
    });
    const v2 = out2<{ index: { hash: string; version: string } }>('index').index;
    expect(v2.version).not.toBe(v1.version);
    expect(out2('register')).toMatchObject({ version: 2 });

    // Nothing changes: the documents dataset is byte-identical, so chunking comes from the step cache and
    // nothing is embedded; the index keeps its version.
    sent.length = 0;
    const third = await engine.run(plan, { createdBy: 'tester' });
    expect(third.status).toBe('succeeded');
    expect(store.getStep(third.runId, 'chunk')?.cached).toBe(true);
    expect(sent).toEqual([]);
    expect((third.results.index as { output: { index: { version: string } } }).output.index.version).toBe(
      v2.version,
    );
    // ...and registering the same table version again adds no registry version.
    expect(third.results.register?.output).toMatchObject({ version: 2, created: false });

    // Lineage: each index version is a dataset version, produced by its step, derived from the embeddings.
    const L = new LineageStore(store.db);
    const entity = L.getEntity(`dataset:${v2.hash.slice(0, 12)}`);
    expect(entity).toMatchObject({ kind: 'dataset', attrs: { name: 'docs', version: v2.version } });
    const from = L.edges({ from: entity?.id as string }).map((e) => e.type);
    expect(from).toEqual(expect.arrayContaining(['produced_by', 'derived_from']));
    expect(L.getEntity(`dataset:${v1.hash.slice(0, 12)}`)).toBeDefined();
    // The registered index (docs version 2) is a model-kind entity trained on that index version.
    const registered = L.aliasOf('model:docs@2') as string;
    expect(L.getEntity(registered)).toMatchObject({ kind: 'model', label: 'docs v2' });
    expect(L.edges({ from: registered, type: 'trained_on' }).map((e) => e.dst)).toEqual([entity?.id]);
    rmSync(path.join(workspace, 'rag.yaml'));
  });
});
