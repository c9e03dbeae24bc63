/**
 * Chat models from settings: offline (no model: the rule-based planner), openai (any OpenAI-compatible
 * server: OpenAI, vLLM, llama.cpp server, LM Studio), ollama, and llamacpp (a local GGUF file through
 * node-llama-cpp). Provider packages are optional and loaded on demand; a missing one is a clear error
 * naming the package. Settings come in as arguments (src/config.ts reads the environment); the API key is
 * never logged and never put in a prompt.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { z } from 'zod';
import { PipewrightError, userError } from '../errors.ts';

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
    timeoutMs: z.number().int().positive().default(60_000).describe('Per-request timeout'),
    maxRetries: z.number().int().min(0).max(10).default(2).describe('Retries of failed requests'),
  })
  .describe('Chat model settings');
export type LlmSettings = z.infer<typeof LlmSettings>;
export type LlmSettingsInput = z.input<typeof LlmSettings>;

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

const PACKAGES: Record<Exclude<LlmProvider, 'offline'>, string> = {
  openai: '@langchain/openai',
  ollama: '@langchain/ollama',
  llamacpp: 'node-llama-cpp',
};

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
export async function createChatModel(input: LlmSettingsInput): Promise<BaseChatModel | undefined> {
  const parsed = LlmSettings.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Never echo the input: it may hold the API key.
    throw userError(
      'LLM_CONFIG',
      `LLM setting "${issue?.path.join('.') ?? ''}" is invalid`,
      issue?.message,
      'Fix the LLM settings.',
    );
  }
  const s = parsed.data;
  if (s.provider === 'offline') return undefined;
  const mod = await importOptional(PACKAGES[s.provider], s.provider);
  if (s.provider === 'openai') {
    const ChatOpenAI = mod.ChatOpenAI as new (o: Record<string, unknown>) => BaseChatModel;
    return new ChatOpenAI({
      model: need(s.model, 'a model name', 'openai'),
      temperature: s.temperature,
      timeout: s.timeoutMs,
      maxRetries: s.maxRetries,
      // OpenAI-compatible local servers accept any key.
      apiKey: s.apiKey ?? (s.baseUrl ? 'not-needed' : need(s.apiKey, 'an API key', 'openai')),
      ...(s.baseUrl ? { configuration: { baseURL: s.baseUrl } } : {}),
    });
  }
  if (s.provider === 'ollama') {
    const ChatOllama = mod.ChatOllama as new (o: Record<string, unknown>) => BaseChatModel;
    return new ChatOllama({
      model: need(s.model, 'a model name', 'ollama'),
      temperature: s.temperature,
      ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
    });
  }
  throw new PipewrightError({
    code: 'LLM_PROVIDER_UNSUPPORTED',
    category: 'user',
    what: 'The llamacpp provider is not wired up yet',
    why: 'node-llama-cpp is installed, but its JSON-schema-constrained chat adapter is not part of this build',
    fix: 'Serve the GGUF file with llama.cpp server (llama-server -m model.gguf) and use provider "openai" with its base URL.',
  });
}
