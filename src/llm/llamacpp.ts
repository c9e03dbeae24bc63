/**
 * The llamacpp provider: a local GGUF file through node-llama-cpp, with no server. node-llama-cpp (about
 * 732 MB with its prebuilt llama.cpp binaries) is an optional package that this project does not install: it
 * is imported on demand, through a specifier tsc does not resolve, and only the few parts used here are typed
 * (NodeLlamaCppModule). Tests inject a stand-in of that surface.
 *
 * ChatLlamaCpp is a small LangChain chat model: getLlama() → loadModel({ modelPath }) → a context, and one
 * LlamaChatSession per call. withStructuredOutput() builds a grammar from the JSON Schema
 * (llama.createGrammarForJsonSchema), so the model can only produce JSON of that shape; the text is parsed
 * and, for zod schemas, validated. No tool calls (no bindTools): the planner drafts without look-up rounds.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type {
  BaseLanguageModelInput,
  StructuredOutputMethodOptions,
} from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
} from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage, type MessageContent } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { type Runnable, RunnableLambda } from '@langchain/core/runnables';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { interopParse, isInteropZodSchema } from '@langchain/core/utils/types';
import { PipewrightError, userError } from '../errors.ts';

/** The install command for the optional local-GGUF provider (exact version known to work on Node 20). */
export const NODE_LLAMA_CPP_INSTALL = 'npm i -E node-llama-cpp@3.21.1';

// ---- The parts of node-llama-cpp 3 used here (its own types are not needed to compile this project). ----

export type LlamaChatHistoryItem =
  | { type: 'system'; text: string }
  | { type: 'user'; text: string }
  | { type: 'model'; response: string[] };

export interface LlamaPromptOptions {
  grammar?: unknown;
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

export interface LlamaChatSessionLike {
  setChatHistory?(history: LlamaChatHistoryItem[]): void;
  prompt(text: string, options?: LlamaPromptOptions): Promise<string>;
  dispose?(): void;
}

export interface LlamaContextSequenceLike {
  dispose?(): void;
}

export interface LlamaContextLike {
  getSequence(): LlamaContextSequenceLike;
}

export interface LlamaModelLike {
  createContext(options?: { contextSize?: number }): Promise<LlamaContextLike>;
}

export interface LlamaLike {
  loadModel(options: { modelPath: string }): Promise<LlamaModelLike>;
  createGrammarForJsonSchema(schema: Record<string, unknown>): Promise<unknown>;
}

export interface NodeLlamaCppModule {
  getLlama(options?: Record<string, unknown>): Promise<LlamaLike>;
  LlamaChatSession: new (options: {
    contextSequence: LlamaContextSequenceLike;
    systemPrompt?: string;
  }) => LlamaChatSessionLike;
}

/** Imports node-llama-cpp (or, in tests, a stand-in of it). */
export type NodeLlamaCppImporter = () => Promise<unknown>;

// A plain string, not a literal: tsc neither resolves the package nor needs its types.
const SPECIFIER: string = 'node-llama-cpp';
export const importNodeLlamaCpp: NodeLlamaCppImporter = () => import(/* @vite-ignore */ SPECIFIER);

const ALTERNATIVE =
  "or serve the GGUF file with llama.cpp's server (`llama-server -m model.gguf --port 8080`) and use `--provider openai --base-url http://127.0.0.1:8080/v1 --model local`; or use the offline planner (`--provider offline`)";

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 300) ?? '';
}

/** Loads node-llama-cpp; a clear error (what, why, fix) when it is not installed or not version 3. */
export async function loadNodeLlamaCpp(
  importer: NodeLlamaCppImporter = importNodeLlamaCpp,
): Promise<NodeLlamaCppModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await importer()) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const missing =
      code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module)|Failed to (load|resolve)/i.test(firstLine(e));
    if (missing) {
      throw new PipewrightError({
        code: 'LLM_PACKAGE_MISSING',
        category: 'user',
        what: 'The llamacpp provider needs the package "node-llama-cpp", which is not installed',
        why: 'node-llama-cpp (about 732 MB with its prebuilt llama.cpp binaries) is an optional dependency, loaded only when the llamacpp provider is chosen',
        fix: `Install it with \`${NODE_LLAMA_CPP_INSTALL}\`, ${ALTERNATIVE}.`,
        retryable: false,
      });
    }
    throw new PipewrightError({
      code: 'LLM_PACKAGE_BROKEN',
      category: 'system',
      what: 'node-llama-cpp is installed but could not be loaded',
      why: firstLine(e),
      fix: `Reinstall it with \`${NODE_LLAMA_CPP_INSTALL}\` (it needs Node 20+ and a llama.cpp binary for this platform), ${ALTERNATIVE}.`,
      retryable: false,
      cause: e,
    });
  }
  const api = (typeof mod.getLlama === 'function' ? mod : (mod.default as Record<string, unknown>)) ?? {};
  if (typeof api.getLlama !== 'function' || typeof api.LlamaChatSession !== 'function') {
    throw new PipewrightError({
      code: 'LLM_PACKAGE_BROKEN',
      category: 'user',
      what: 'The installed node-llama-cpp is not a version this provider supports',
      why: 'it has no getLlama() or LlamaChatSession (node-llama-cpp 3 has both)',
      fix: `Install the supported version with \`${NODE_LLAMA_CPP_INSTALL}\`.`,
      retryable: false,
    });
  }
  return api as unknown as NodeLlamaCppModule;
}

/** Checks that the model setting names an existing GGUF file; returns its absolute path. */
export function checkGgufFile(model: string): string {
  const abs = path.resolve(model);
  const fix =
    'Pass --model with the path of a .gguf file (e.g. --model models/qwen2.5-3b-instruct-q4_k_m.gguf) or set PIPEWRIGHT_LLM_MODEL; relative paths are read from the current folder.';
  if (!existsSync(abs)) {
    throw userError(
      'LLM_MODEL_NOT_FOUND',
      `The GGUF model file "${model}" does not exist`,
      `nothing at ${abs}`,
      fix,
    );
  }
  const notGguf = (why: string) =>
    userError('LLM_MODEL_INVALID', `"${model}" is not a GGUF model file`, why, fix);
  if (!statSync(abs).isFile()) throw notGguf('it is a folder; the llamacpp provider loads one .gguf file');
  if (path.extname(abs).toLowerCase() !== '.gguf')
    throw notGguf(
      'the llamacpp provider loads .gguf files (llama.cpp format); convert other formats with llama.cpp (convert_hf_to_gguf.py)',
    );
  const magic = Buffer.alloc(4);
  const fd = openSync(abs, 'r');
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (magic.toString('latin1') !== 'GGUF')
    throw notGguf(
      'the file does not start with the GGUF signature (an incomplete download or another format)',
    );
  return abs;
}

// ---- JSON Schema → the subset node-llama-cpp turns into a grammar ----

type Json = Record<string, unknown>;
const ANY: Json = {
  oneOf: [
    { type: ['string', 'number', 'boolean', 'null'] },
    { type: 'object', additionalProperties: true },
    { type: 'array' },
  ],
};
const SCALARS = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/**
 * node-llama-cpp's grammar writes every listed property and reads `{}` as null. So: optional properties
 * become "this or null" (nulls are dropped again after parsing, see dropNulls), anyOf becomes oneOf, "any"
 * becomes any JSON value, and keywords it does not know (pattern, minimum, default…) are left out; the
 * caller's own validation checks those.
 */
export function toGrammarSchema(schema: unknown): Json {
  if (schema === true || schema === undefined || schema === null) return ANY;
  if (typeof schema !== 'object' || Array.isArray(schema)) return ANY;
  const s = schema as Json;
  const out: Json = {};
  if (s.$defs && typeof s.$defs === 'object')
    out.$defs = Object.fromEntries(Object.entries(s.$defs as Json).map(([k, v]) => [k, toGrammarSchema(v)]));
  if (typeof s.description === 'string') out.description = s.description;
  if (typeof s.$ref === 'string') return { ...out, $ref: s.$ref };
  if ('const' in s) return { ...out, const: s.const };
  if (Array.isArray(s.enum)) return { ...out, enum: s.enum };
  const alternatives = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (Array.isArray(alternatives)) return { ...out, oneOf: alternatives.map(toGrammarSchema) };
  if (Array.isArray(s.allOf) && s.allOf.length === 1) return { ...toGrammarSchema(s.allOf[0]), ...out };
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length > 1) {
    // ["object", "null"] and the like: one alternative per type.
    return { ...out, oneOf: types.map((t) => toGrammarSchema({ ...s, type: t, $defs: undefined })) };
  }
  const type = types[0];
  if (type === 'object' || (!type && (s.properties || s.additionalProperties))) {
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const properties = Object.fromEntries(
      Object.entries((s.properties as Json | undefined) ?? {}).map(([k, v]) => {
        const p = toGrammarSchema(v);
        return [k, required.has(k) ? p : { oneOf: [p, { type: 'null' }] }];
      }),
    );
    const extra = s.additionalProperties;
    return {
      ...out,
      type: 'object',
      properties,
      ...(extra === undefined || extra === false
        ? {}
        : { additionalProperties: extra === true || isAny(extra) ? true : toGrammarSchema(extra) }),
      ...(typeof s.minProperties === 'number' ? { minProperties: s.minProperties } : {}),
      ...(typeof s.maxProperties === 'number' ? { maxProperties: s.maxProperties } : {}),
    };
  }
  if (type === 'array') {
    return {
      ...out,
      type: 'array',
      ...(s.items !== undefined && !isAny(s.items) ? { items: toGrammarSchema(s.items) } : {}),
      ...(Array.isArray(s.prefixItems) ? { prefixItems: s.prefixItems.map(toGrammarSchema) } : {}),
      ...(typeof s.minItems === 'number' ? { minItems: s.minItems } : {}),
      ...(typeof s.maxItems === 'number' ? { maxItems: s.maxItems } : {}),
    };
  }
  if (type === 'string') {
    return {
      ...out,
      type: 'string',
      ...(typeof s.minLength === 'number' ? { minLength: s.minLength } : {}),
      ...(typeof s.maxLength === 'number' ? { maxLength: s.maxLength } : {}),
    };
  }
  if (type && SCALARS.has(type)) return { ...out, type };
  return { ...ANY, ...out };
}

function isAny(schema: unknown): boolean {
  return (
    schema === true ||
    (typeof schema === 'object' &&
      schema !== null &&
      Object.keys(schema).every((k) => k === 'description' || k === 'title'))
  );
}

/** Object entries whose value is null are dropped (an optional property the grammar made "null"). */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, dropNulls(v)]),
    );
  return value;
}

// ---- The chat model ----

export interface ChatLlamaCppCallOptions extends BaseChatModelCallOptions {
  /** JSON Schema the answer must follow: a grammar is built from it for the generation. */
  jsonSchema?: Record<string, unknown>;
}

export interface ChatLlamaCppFields extends BaseChatModelParams {
  /** Absolute path of the .gguf file. */
  modelPath: string;
  /** node-llama-cpp, loaded (or a stand-in of it). */
  llamaCpp: NodeLlamaCppModule;
  temperature?: number;
  /** Deadline of one answer; a timed-out answer is tried again up to maxRetries times. */
  timeoutMs?: number;
  maxRetries?: number;
  maxTokens?: number;
  contextSize?: number;
}

function textOf(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content
    .map((b) => (typeof b === 'string' ? b : b.type === 'text' && 'text' in b ? String(b.text) : ''))
    .join('');
}

/** LangChain messages → a system prompt, the earlier turns and the last user text. */
export function toSession(messages: BaseMessage[]): {
  system?: string;
  history: LlamaChatHistoryItem[];
  prompt: string;
} {
  const system = messages
    .filter((m) => m.getType() === 'system')
    .map((m) => textOf(m.content))
    .join('\n\n');
  const turns = messages.filter((m) => m.getType() !== 'system');
  const last = turns.at(-1);
  const history: LlamaChatHistoryItem[] = turns.slice(0, -1).map((m) =>
    m.getType() === 'ai'
      ? { type: 'model', response: [textOf(m.content)] }
      : {
          type: 'user',
          text: m.getType() === 'tool' ? `Tool result: ${textOf(m.content)}` : textOf(m.content),
        },
  );
  return { ...(system ? { system } : {}), history, prompt: last ? textOf(last.content) : '' };
}

export class ChatLlamaCpp extends BaseChatModel<ChatLlamaCppCallOptions> {
  static override lc_name() {
    return 'ChatLlamaCpp';
  }

  readonly modelPath: string;
  readonly temperature: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly maxTokens: number | undefined;
  readonly contextSize: number | undefined;
  private readonly llamaCpp: NodeLlamaCppModule;
  private loaded: Promise<{ llama: LlamaLike; context: LlamaContextLike }> | undefined;
  private readonly grammars = new Map<string, Promise<unknown>>();
  /** One sequence of one context: answers are generated one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(fields: ChatLlamaCppFields) {
    super(fields);
    this.modelPath = fields.modelPath;
    this.llamaCpp = fields.llamaCpp;
    this.temperature = fields.temperature ?? 0;
    this.timeoutMs = fields.timeoutMs ?? 120_000;
    this.retries = fields.maxRetries ?? 1;
    this.maxTokens = fields.maxTokens;
    this.contextSize = fields.contextSize;
  }

  _llmType(): string {
    return 'llamacpp';
  }

  private load(): Promise<{ llama: LlamaLike; context: LlamaContextLike }> {
    if (!this.loaded) {
      const loading = (async () => {
        const llama = await this.llamaCpp.getLlama();
        let model: LlamaModelLike;
        try {
          model = await llama.loadModel({ modelPath: this.modelPath });
        } catch (e) {
          throw userError(
            'LLM_MODEL_INVALID',
            `node-llama-cpp could not load the GGUF model "${path.basename(this.modelPath)}"`,
            firstLine(e),
            'Check that the file is a complete GGUF download of a model this node-llama-cpp supports, and that there is enough memory for it (try a smaller quantisation, e.g. Q4_K_M).',
          );
        }
        const context = await model.createContext(
          this.contextSize ? { contextSize: this.contextSize } : undefined,
        );
        return { llama, context };
      })();
      this.loaded = loading;
      // A failed load is tried again on the next call.
      loading.catch(() => {
        if (this.loaded === loading) this.loaded = undefined;
      });
    }
    return this.loaded;
  }

  private grammarFor(llama: LlamaLike, schema: Record<string, unknown>): Promise<unknown> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = llama.createGrammarForJsonSchema(toGrammarSchema(schema));
      this.grammars.set(key, grammar);
      grammar.catch(() => this.grammars.delete(key));
    }
    return grammar;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async answer(
    context: LlamaContextLike,
    messages: BaseMessage[],
    grammar: unknown,
    outer: AbortSignal | undefined,
  ): Promise<string> {
    const { system, history, prompt } = toSession(messages);
    const sequence = context.getSequence();
    const session = new this.llamaCpp.LlamaChatSession({
      contextSequence: sequence,
      ...(system ? { systemPrompt: system } : {}),
    });
    try {
      if (history.length)
        session.setChatHistory?.([
          ...(system ? [{ type: 'system' as const, text: system }] : []),
          ...history,
        ]);
      const deadline = AbortSignal.timeout(this.timeoutMs);
      const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
      try {
        return await session.prompt(prompt, {
          ...(grammar !== undefined ? { grammar } : {}),
          temperature: this.temperature,
          ...(this.maxTokens ? { maxTokens: this.maxTokens } : {}),
          signal,
        });
      } catch (e) {
        if (deadline.aborted && !outer?.aborted) {
          const err = new Error(
            `the local model ${path.basename(this.modelPath)} did not answer within ${this.timeoutMs} ms (timed out)`,
          );
          err.name = 'TimeoutError';
          throw err;
        }
        throw e;
      }
    } finally {
      session.dispose?.();
      sequence.dispose?.();
    }
  }

  async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const { llama, context } = await this.load();
    const grammar = options.jsonSchema ? await this.grammarFor(llama, options.jsonSchema) : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const text = await this.exclusive(() => this.answer(context, messages, grammar, options.signal));
        return { generations: [{ text, message: new AIMessage(text) }] };
      } catch (e) {
        if ((e as Error)?.name !== 'TimeoutError' || attempt >= this.retries) throw e;
      }
    }
  }

  /**
   * Structured output by grammar: the JSON Schema (or zod schema) becomes a grammar, so the answer is JSON
   * of that shape; it is parsed, nulls of skipped optional properties are dropped, and zod schemas validate it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: matches BaseChatModel's overloads.
  override withStructuredOutput(outputSchema: any, config?: StructuredOutputMethodOptions<boolean>): any {
    const zod = isInteropZodSchema(outputSchema);
    const jsonSchema = (zod ? toJsonSchema(outputSchema) : outputSchema) as Record<string, unknown>;
    const llm = this.withConfig({ jsonSchema } as Partial<ChatLlamaCppCallOptions>);
    const parse = async (message: { content: MessageContent }) => {
      const value = dropNulls(JSON.parse(textOf(message.content)));
      return zod ? interopParse(outputSchema, value) : value;
    };
    return RunnableLambda.from(async (input: BaseLanguageModelInput, runConfig) => {
      const raw = await llm.invoke(input, runConfig);
      if (!config?.includeRaw) return parse(raw);
      try {
        return { raw, parsed: await parse(raw) };
      } catch {
        return { raw, parsed: null };
      }
    }).withConfig({ runName: 'StructuredOutput' }) as Runnable<BaseLanguageModelInput, unknown>;
  }
}

/** The llamacpp chat model for a GGUF path: the file is checked first, then node-llama-cpp is loaded. */
export async function createLlamaCppModel(
  settings: { model: string; temperature: number; timeoutMs: number; maxRetries: number },
  importer: NodeLlamaCppImporter = importNodeLlamaCpp,
): Promise<ChatLlamaCpp> {
  const modelPath = checkGgufFile(settings.model);
  const llamaCpp = await loadNodeLlamaCpp(importer);
  return new ChatLlamaCpp({
    modelPath,
    llamaCpp,
    temperature: settings.temperature,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
  });
}
