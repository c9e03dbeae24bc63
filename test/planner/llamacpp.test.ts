/**
 * The llamacpp provider (a local GGUF file through node-llama-cpp). node-llama-cpp is not installed here, so
 * the adapter runs against a stand-in of the module surface it uses (getLlama → loadModel → context →
 * LlamaChatSession, createGrammarForJsonSchema); the real import is checked to fail with a clear error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlannerDeps, planGoal, plannerModelDeps, workspaceDeps } from '../../agents/planner/index.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';
import {
  createChatModel,
  dropNulls,
  type LlamaPromptOptions,
  LlmSettings,
  loadNodeLlamaCpp,
  toGrammarSchema,
} from '../../src/llm/index.ts';

const GOAL = 'predict species from data/penguins.json';
let ws: ReturnType<typeof makeWorkspace>;
let dir: string;
let gguf: string;
let base: Omit<PlannerDeps, 'model' | 'review'>;
let goodPlan: Record<string, unknown>;

beforeAll(async () => {
  ws = makeWorkspace();
  dir = mkdtempSync(path.join(tmpdir(), 'pw-gguf-'));
  gguf = path.join(dir, 'tiny-q4.gguf');
  writeFileSync(gguf, Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(28)]));
  base = { registry: await fullRegistry(), ...workspaceDeps(ws.dir) };
  const offline = await planGoal(GOAL, base);
  if (offline.kind !== 'plan') throw new Error('offline planner failed on the fixture goal');
  const { metadata: _m, goal: _g, ...rest } = offline.plan as unknown as Record<string, unknown>;
  goodPlan = rest;
});
afterAll(() => {
  ws.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A stand-in of node-llama-cpp 3 that records what the adapter passes and answers with `answer`. */
function fakeNodeLlamaCpp(answer: (text: string, options: LlamaPromptOptions) => Promise<string>) {
  const log = {
    getLlama: 0,
    loadModel: [] as { modelPath: string }[],
    grammars: [] as Record<string, unknown>[],
    prompts: [] as { text: string; options: LlamaPromptOptions; system?: string }[],
    sequences: { taken: 0, disposed: 0 },
  };
  class LlamaChatSession {
    constructor(readonly opts: { contextSequence: unknown; systemPrompt?: string }) {}
    setChatHistory() {}
    async prompt(text: string, options: LlamaPromptOptions = {}) {
      log.prompts.push({
        text,
        options,
        ...(this.opts.systemPrompt ? { system: this.opts.systemPrompt } : {}),
      });
      return answer(text, options);
    }
    dispose() {}
  }
  const module = {
    async getLlama() {
      log.getLlama++;
      return {
        async loadModel(o: { modelPath: string }) {
          log.loadModel.push(o);
          return {
            async createContext() {
              return {
                getSequence() {
                  log.sequences.taken++;
                  return { dispose: () => log.sequences.disposed++ };
                },
              };
            },
          };
        },
        async createGrammarForJsonSchema(schema: Record<string, unknown>) {
          log.grammars.push(schema);
          return { grammarFor: schema };
        },
      };
    },
    LlamaChatSession,
  };
  return { importer: async () => module, log };
}

const settings = (extra: Record<string, unknown> = {}) =>
  LlmSettings.parse({ provider: 'llamacpp', model: gguf, timeoutMs: 2000, maxRetries: 1, ...extra });

describe('llamacpp: clear errors before anything loads', () => {
  it('no GGUF path, a missing file, a folder, another format, a file without the GGUF signature', async () => {
    await expect(createChatModel({ provider: 'llamacpp' })).rejects.toMatchObject({
      code: 'LLM_CONFIG',
      what: expect.stringContaining('GGUF model file path'),
    });
    const missing = await createChatModel({ provider: 'llamacpp', model: path.join(dir, 'nope.gguf') }).catch(
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ code: 'LLM_MODEL_NOT_FOUND', category: 'user' });
    expect(String((missing as { why: string }).why)).toContain(path.join(dir, 'nope.gguf'));
    expect(String((missing as { fix: string }).fix)).toContain('--model');

    mkdirSync(path.join(dir, 'folder.gguf'), { recursive: true });
    writeFileSync(path.join(dir, 'model.safetensors'), 'x');
    writeFileSync(path.join(dir, 'fake.gguf'), '<html>404</html>');
    for (const [file, why] of [
      ['folder.gguf', /folder/],
      ['model.safetensors', /\.gguf files/],
      ['fake.gguf', /GGUF signature/],
    ] as const) {
      const err = await createChatModel({ provider: 'llamacpp', model: path.join(dir, file) }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({
        code: 'LLM_MODEL_INVALID',
        category: 'user',
        why: expect.stringMatching(why),
      });
    }
  });

  it('node-llama-cpp not installed: what, why and the install command (and the llama-server alternative)', async () => {
    // The real dynamic import: node-llama-cpp is an optional package this project does not install.
    const real = await createChatModel(settings()).catch((e: unknown) => e);
    const injected = await createChatModel(settings(), {
      nodeLlamaCpp: async () => {
        throw Object.assign(new Error("Cannot find package 'node-llama-cpp'"), {
          code: 'ERR_MODULE_NOT_FOUND',
        });
      },
    }).catch((e: unknown) => e);
    for (const err of [real, injected]) {
      expect(err).toMatchObject({ code: 'LLM_PACKAGE_MISSING', category: 'user', retryable: false });
      const e = err as { what: string; why: string; fix: string };
      expect(e.what).toContain('node-llama-cpp');
      expect(e.why).toMatch(/optional/);
      expect(e.fix).toContain('npm i -E node-llama-cpp@3.21.1');
      expect(e.fix).toContain('llama-server');
    }
  });

  it('a package without getLlama / LlamaChatSession is named as the wrong version', async () => {
    await expect(loadNodeLlamaCpp(async () => ({ LlamaCpp: {} }))).rejects.toMatchObject({
      code: 'LLM_PACKAGE_BROKEN',
      fix: expect.stringContaining('node-llama-cpp@3.21.1'),
    });
  });
});

describe('llamacpp adapter (injected node-llama-cpp)', () => {
  it('drafts with a JSON-schema grammar and parses the JSON answer into the plan', async () => {
    const { importer, log } = fakeNodeLlamaCpp(async () =>
      JSON.stringify({ plan: goodPlan, clarify: null, refuse: null }),
    );
    const deps = await plannerModelDeps(settings(), { nodeLlamaCpp: importer });
    expect(deps.tools).toBeUndefined(); // no tool calls through node-llama-cpp: the draft goes straight to the grammar
    const result = await planGoal(GOAL, { ...base, ...deps });

    expect(result.kind).toBe('plan');
    if (result.kind !== 'plan') return;
    expect(result.plan.steps.map((s) => s.id)).toEqual((goodPlan.steps as { id: string }[]).map((s) => s.id));
    expect(result.plan.metadata).toMatchObject({
      planner: 'llm',
      provider: 'llamacpp',
      model: gguf,
      attempts: 1,
    });

    expect(log.loadModel).toEqual([{ modelPath: gguf }]);
    expect(log.grammars).toHaveLength(1);
    const schema = log.grammars[0] as { type: string; properties: Record<string, { oneOf: unknown[] }> };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(['plan', 'clarify', 'refuse']);
    // Optional properties may be null (the grammar writes every property); the plan keeps its own shape.
    expect(schema.properties.clarify?.oneOf).toEqual([
      { type: 'string', description: expect.any(String) },
      { type: 'null' },
    ]);
    expect(JSON.stringify(schema.properties.plan)).toContain('"steps"');
    expect(JSON.stringify(schema)).not.toContain('anyOf');

    expect(log.prompts).toHaveLength(1);
    const [p] = log.prompts;
    expect(p?.options.grammar).toEqual({ grammarFor: log.grammars[0] });
    expect(p?.options.temperature).toBe(0);
    expect(p?.options.signal).toBeInstanceOf(AbortSignal);
    expect(p?.text).toContain('train.tabular');
    expect(p?.text).toContain('Flipper Length (mm)');
    expect(log.sequences).toEqual({ taken: 1, disposed: 1 });
  });

  it('loads the model once for many answers, and the grammar once per schema', async () => {
    const { importer, log } = fakeNodeLlamaCpp(async () => JSON.stringify({ plan: goodPlan }));
    const deps = await plannerModelDeps(settings(), { nodeLlamaCpp: importer });
    await planGoal(GOAL, { ...base, ...deps });
    await planGoal(GOAL, { ...base, ...deps });
    expect(log.getLlama).toBe(1);
    expect(log.loadModel).toHaveLength(1);
    expect(log.grammars).toHaveLength(1);
    expect(log.prompts).toHaveLength(2);
  });

  it('garbage is a repair round; three bad drafts end in PLANNER_NO_VALID_PLAN', async () => {
    const answers = ['{"plan": ', JSON.stringify({ plan: { name: 'x', steps: [] } }), 'nope'];
    let i = 0;
    const { importer, log } = fakeNodeLlamaCpp(async () => answers[i++ % 3] as string);
    const deps = await plannerModelDeps(settings(), { nodeLlamaCpp: importer });
    const err = await planGoal(GOAL, { ...base, ...deps }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLANNER_NO_VALID_PLAN', category: 'third-party', retryable: false });
    expect(log.prompts).toHaveLength(3);
    expect(log.prompts[1]?.text).toContain('had these problems');
  });

  it('an answer that never comes is retried, then LLM_TIMEOUT (no repair rounds, no plan)', async () => {
    const { importer, log } = fakeNodeLlamaCpp(
      (_, o) =>
        new Promise((_resolve, reject) => {
          o.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const deps = await plannerModelDeps(settings({ timeoutMs: 100, maxRetries: 1 }), {
      nodeLlamaCpp: importer,
    });
    const err = await planGoal(GOAL, { ...base, ...deps }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LLM_TIMEOUT', category: 'third-party' });
    expect(log.prompts).toHaveLength(2);
    expect(log.sequences.disposed).toBe(2);
  });

  it('a model file node-llama-cpp cannot load is a clear error', async () => {
    const { importer } = fakeNodeLlamaCpp(async () => '{}');
    const broken = async () => {
      const m = (await importer()) as Awaited<ReturnType<typeof importer>>;
      return {
        ...m,
        getLlama: async () => ({
          ...(await m.getLlama()),
          loadModel: async () => {
            throw new Error('failed to load model: unknown architecture "mamba9"');
          },
        }),
      };
    };
    const deps = await plannerModelDeps(settings(), { nodeLlamaCpp: broken });
    await expect(planGoal(GOAL, { ...base, ...deps })).rejects.toMatchObject({
      code: 'LLM_MODEL_INVALID',
      why: expect.stringContaining('unknown architecture'),
    });
  });
});

describe('JSON Schema for node-llama-cpp grammars', () => {
  it('anyOf → oneOf, optional → nullable, any → any JSON, unknown keywords dropped', () => {
    const g = toGrammarSchema({
      type: 'object',
      properties: {
        id: { type: 'string', pattern: '^[a-z]+$', minLength: 1 },
        n: { type: 'integer', minimum: 0 },
        with: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} },
        kind: { anyOf: [{ const: 'a' }, { enum: ['b', 'c'] }] },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
      },
      required: ['id', 'with'],
      additionalProperties: false,
    });
    expect(g).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string', minLength: 1 },
        n: { oneOf: [{ type: 'integer' }, { type: 'null' }] },
        with: { type: 'object', properties: {}, additionalProperties: true },
        kind: { oneOf: [{ oneOf: [{ const: 'a' }, { enum: ['b', 'c'] }] }, { type: 'null' }] },
        tags: { oneOf: [{ type: 'array', items: { type: 'string' }, maxItems: 3 }, { type: 'null' }] },
      },
    });
    expect(dropNulls({ a: null, b: [{ c: null, d: 1 }], e: 'x' })).toEqual({ b: [{ d: 1 }], e: 'x' });
  });
});
