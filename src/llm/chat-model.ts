/**
 * Chat models from settings: offline (no model: the rule-based planner), openai (any OpenAI-compatible
 * server: OpenAI, vLLM, llama.cpp server, LM Studio), ollama, and llamacpp (a local GGUF file through
 * node-llama-cpp, see llamacpp.ts). Provider packages are optional and loaded on demand; a missing one is a
 * clear error naming the package. Settings come in as arguments (src/config.ts reads the environment); the API key is
 * never logged and never put in a prompt.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { userError } from '../errors.ts';
import { createLlamaCppModel, type NodeLlamaCppImporter } from './llamacpp.ts';

export const LlmProvider = z.enum(['offline', 'openai', 'ollama', 'llamacpp']).describe('Who drafts plans');
export type LlmProvider = z.infer<typeof LlmProvider>;

export const LlmSettings = z
  .object({
    provider: LlmProvider.default('offline'),
    model: z.string().min(1).optional().describe('Model name (openai, ollama) or GGUF file path (llamacpp)'),
    baseUrl: z
      .url()
      .optional()
      .describe('Server URL, e.g. http://localhost:8000/v1 or http://localhost:11434'),
    apiKey: z.string().min(1).optional().describe('API key for OpenAI-compatible servers (a secret)'),
    temperature: z.number().min(0).max(2).default(0).describe('Sampling temperature'),
    maxTokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Most tokens in one answer (openai max_tokens, ollama num_predict); default: the server's"),
    timeoutMs: z.number().int().positive().default(60_000).describe('Per-request timeout'),
    maxRetries: z.number().int().min(0).max(10).default(2).describe('Retries of failed requests'),
    streaming: z.boolean().default(false).describe('Stream answers (SSE for openai; ollama always streams)'),
    structuredOutput: z
      .enum(['jsonSchema', 'functionCalling', 'jsonMode'])
      .optional()
      .describe('How the plan is asked for: response_format json_schema, a tool call, or JSON mode'),
    tools: z
      .boolean()
      .default(true)
      .describe(
        'Let the model call describe_dataset and task_catalog before it drafts (models with tool calls)',
      ),
  })
  .describe('Chat model settings');
export type LlmSettings = z.infer<typeof LlmSettings>;
export type LlmSettingsInput = z.input<typeof LlmSettings>;

/** Command-line overrides of the configured LLM settings (`--provider`, `--model`, `--base-url`). */
export interface LlmOverrides {
  provider?: string;
  model?: string;
  baseUrl?: string;
}

/**
 * Config (environment, defaults) → chat model settings, with command-line overrides on top. A different
 * provider on the command line drops the configured model and URL, which belong to the configured provider.
 */
export function llmSettingsFrom(
  config: Pick<Config, 'llmProvider' | 'llmModel' | 'llmBaseUrl' | 'llmApiKey' | 'llmTimeoutMs'>,
  overrides: LlmOverrides = {},
): LlmSettings {
  const provider = overrides.provider ?? config.llmProvider;
  const parsedProvider = LlmProvider.safeParse(provider);
  if (!parsedProvider.success) {
    throw userError(
      'LLM_CONFIG',
      `Unknown LLM provider "${provider}"`,
      `providers: ${LlmProvider.options.join(', ')}`,
      'Pass --provider offline|openai|ollama|llamacpp, or set PIPEWRIGHT_LLM_PROVIDER.',
    );
  }
  const same = parsedProvider.data === config.llmProvider;
  const model = overrides.model ?? (same ? config.llmModel : undefined);
  const baseUrl = overrides.baseUrl ?? (same ? config.llmBaseUrl : undefined);
  return parseSettings(
    {
      provider: parsedProvider.data,
      ...(model ? { model } : {}),
      ...(baseUrl ? { baseUrl } : {}),
      ...(config.llmApiKey ? { apiKey: config.llmApiKey } : {}),
      timeoutMs: config.llmTimeoutMs,
    },
    'Fix --model / --base-url or the PIPEWRIGHT_LLM_* settings.',
  );
}

/** Validated settings, or LLM_CONFIG naming the setting; never echoes the input (it may hold the API key). */
function parseSettings(input: unknown, fix: string): LlmSettings {
  const parsed = LlmSettings.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw userError(
      'LLM_CONFIG',
      `LLM setting "${issue?.path.join('.') ?? ''}" is invalid`,
      issue?.message,
      fix,
    );
  }
  return parsed.data;
}

/** Settings with the API key masked, for logs and plan metadata. */
export function describeSettings(s: LlmSettings): {
  provider: LlmProvider;
  model?: string;
  baseUrl?: string;
} {
  return {
    provider: s.provider,
    ...(s.model ? { model: s.model } : {}),
    ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
  };
}

const PACKAGES: Record<'openai' | 'ollama', string> = {
  openai: '@langchain/openai',
  ollama: '@langchain/ollama',
};

export interface CreateChatModelOptions {
  /** How node-llama-cpp is imported for the llamacpp provider (tests pass a stand-in). */
  nodeLlamaCpp?: NodeLlamaCppImporter;
}

async function importOptional(pkg: string, provider: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pkg)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw userError(
        'LLM_PACKAGE_MISSING',
        `The ${provider} provider needs the package "${pkg}", which is not installed`,
        'provider packages are optional dependencies, loaded only when that provider is chosen',
        `Run \`npm install ${pkg}\`, or use the offline planner (provider "offline").`,
      );
    }
    throw e;
  }
}

function need<T>(value: T | undefined, what: string, provider: string): T {
  if (value !== undefined) return value;
  throw userError(
    'LLM_CONFIG',
    `The ${provider} provider needs ${what}`,
    undefined,
    `Set the ${what} in the LLM settings.`,
  );
}

/**
 * The chat model for the settings, or undefined for the offline planner. Errors name the package or setting
 * to fix; nothing here reads the environment.
 */
export async function createChatModel(
  input: LlmSettingsInput,
  opts: CreateChatModelOptions = {},
): Promise<BaseChatModel | undefined> {
  const s = parseSettings(input, 'Fix the LLM settings.');
  if (s.provider === 'offline') return undefined;
  if (s.provider === 'llamacpp') {
    return createLlamaCppModel(
      {
        model: need(s.model, 'a GGUF model file path (--model path/to/model.gguf)', 'llamacpp'),
        temperature: s.temperature,
        timeoutMs: s.timeoutMs,
        maxRetries: s.maxRetries,
      },
      opts.nodeLlamaCpp,
    );
  }
  const mod = await importOptional(PACKAGES[s.provider], s.provider);
  if (s.provider === 'openai') {
    type Ctor = new (o: Record<string, unknown>) => BaseChatModel;
    const fields: Record<string, unknown> = {
      model: need(s.model, 'a model name', 'openai'),
      temperature: s.temperature,
      timeout: s.timeoutMs,
      maxRetries: s.maxRetries,
      ...(s.maxTokens ? { maxTokens: s.maxTokens } : {}),
      // OpenAI-compatible local servers accept any key.
      apiKey: s.apiKey ?? (s.baseUrl ? 'not-needed' : need(s.apiKey, 'an API key', 'openai')),
      streaming: s.streaming,
      ...(s.baseUrl ? { configuration: { baseURL: s.baseUrl } } : {}),
    };
    // ChatOpenAI delegates to these two and rebuilds itself from its fields on withConfig(): passing them in
    // keeps the local token counts on every copy.
    const completions = localTokenCounts(new (mod.ChatOpenAICompletions as Ctor)(fields));
    const responses = localTokenCounts(new (mod.ChatOpenAIResponses as Ctor)(fields));
    return localTokenCounts(new (mod.ChatOpenAI as Ctor)({ ...fields, completions, responses }));
  }
  const ChatOllama = mod.ChatOllama as new (o: Record<string, unknown>) => BaseChatModel;
  return new ChatOllama({
    model: need(s.model, 'a model name', 'ollama'),
    temperature: s.temperature,
    ...(s.maxTokens ? { numPredict: s.maxTokens } : {}),
    // ChatOllama has no timeout or retries of its own (it streams outside the retrying caller): they are
    // in its fetch. The deadline covers the whole NDJSON stream.
    fetch: timedFetch(s.timeoutMs, 'Ollama', s.maxRetries),
    ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
  });
}

/**
 * ChatOpenAI estimates token counts after every streamed answer with tiktoken, which downloads its encoding
 * from the internet: on an air-gapped machine (or one that may only talk to its own model server) that
 * download hangs. Counts here are a local estimate (about 4 characters a token); nothing but the configured
 * server is contacted.
 */
function localTokenCounts(model: BaseChatModel): BaseChatModel {
  const estimate = async (content: unknown) => {
    const text = typeof content === 'string' ? content : JSON.stringify(content);
    return Math.ceil(text.length / 4);
  };
  model.getNumTokens = estimate;
  return model;
}

/**
 * fetch with a per-request deadline and retries of requests that time out or cannot connect (ChatOllama has
 * neither of its own). After the last try the error is a TimeoutError naming the server.
 */
export function timedFetch(timeoutMs: number, server: string, retries = 0): typeof fetch {
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
      try {
        return await fetch(input, { ...init, signal });
      } catch (e) {
        if (init?.signal?.aborted) throw e;
        if (attempt >= retries) {
          if (!deadline.aborted) throw e;
          const err = new Error(
            `${server} did not answer within ${timeoutMs} ms (request timed out, ${attempt + 1} tries)`,
          );
          err.name = 'TimeoutError';
          throw err;
        }
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  };
}
