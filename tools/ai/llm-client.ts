/**
 * One LLM request as the AI tasks make it: the configured chat model (src/llm: OpenAI-compatible, Ollama,
 * llama.cpp) with the step's temperature, max tokens and timeout; the prompt redacted; structured output
 * against a JSON Schema (the provider's structured-output mode, then validated here with ajv, the reference
 * JSON Schema validator, so every row gets a precise verdict; zod's JSON Schema reader was tried first and let
 * `required` without `properties` pass); token counts from the answer's usage; cost from the price
 * table. Provider failures become errors that say which setting to fix.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AIMessage } from '@langchain/core/messages';
import type { Ajv, ValidateFunction } from 'ajv';
import type { Config } from '../../src/config.ts';
import { isPipewrightError, PipewrightError, userError } from '../../src/errors.ts';
import { createChatModel, type LlmSettings, llmSettingsFrom } from '../../src/llm/index.ts';
import { isRetryable, statusOf } from './provider-calls.ts';

export interface ChatSetup {
  model: BaseChatModel;
  settings: LlmSettings;
  /** provider:model, e.g. "openai:gpt-4o-mini". */
  id: string;
}

export interface ChatOptions {
  model?: string | undefined;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
}

/** The configured chat model with the step's settings; "offline" is a clear error naming what to set. */
export async function openChat(config: Config, task: string, opts: ChatOptions): Promise<ChatSetup> {
  if (config.llmProvider === 'offline') {
    throw userError(
      'LLM_NOT_CONFIGURED',
      `${task} needs a chat model, and the configured LLM provider is "offline"`,
      'the offline provider has no model (it plans with rules)',
      'Set PIPEWRIGHT_LLM_PROVIDER=openai with PIPEWRIGHT_LLM_MODEL, PIPEWRIGHT_LLM_BASE_URL and PIPEWRIGHT_LLM_API_KEY (any OpenAI-compatible server), or PIPEWRIGHT_LLM_PROVIDER=ollama with PIPEWRIGHT_LLM_MODEL (and PIPEWRIGHT_LLM_BASE_URL when not local).',
    );
  }
  const base = llmSettingsFrom(config, opts.model ? { model: opts.model } : {});
  const settings: LlmSettings = {
    ...base,
    temperature: opts.temperature,
    maxTokens: opts.maxTokens,
    timeoutMs: opts.timeoutMs,
    // Retries are the task's own (rate-limit aware and counted), one attempt per request in the client.
    maxRetries: 0,
    streaming: false,
  };
  const model = await createChatModel(settings);
  if (!model) throw new Error('no chat model for a non-offline provider');
  return { model, settings, id: `${settings.provider}:${settings.model ?? '?'}` };
}

export interface OutputSchema {
  json: Record<string, unknown>;
  validate: ValidateFunction;
}

let ajv: Ajv | undefined;

/** A JSON Schema compiled for validation (ajv loads on first use); an unreadable schema is the step's mistake. */
export async function outputSchema(json: Record<string, unknown>, where: string): Promise<OutputSchema> {
  if (!ajv) {
    const [{ Ajv: AjvClass }, formats] = await Promise.all([import('ajv'), import('ajv-formats')]);
    ajv = new AjvClass({ allErrors: true, strict: false });
    (formats.default as unknown as (a: Ajv) => Ajv)(ajv);
  }
  try {
    return { json, validate: ajv.compile(json) };
  } catch (e) {
    throw userError(
      'LLM_SCHEMA_INVALID',
      `${where}: the output schema is not a valid JSON Schema`,
      (e as Error).message,
      'Give a JSON Schema object, e.g. {"type": "object", "properties": {"label": {"type": "string"}}, "required": ["label"]}.',
    );
  }
}

export interface Answer {
  /** Parsed output (structured), or the text. */
  output: unknown;
  text: string;
  valid: boolean;
  error?: string;
  promptTokens: number;
  completionTokens: number;
}

const FENCE = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/;

function textOf(message: AIMessage): string {
  const c = message.content;
  if (typeof c === 'string') return c;
  return c.map((p) => (typeof p === 'string' ? p : 'text' in p ? String(p.text) : '')).join('');
}

/** Checks a value against the schema: valid, or the first few problems with their paths. */
export function checkValue(schema: OutputSchema, value: unknown): { valid: boolean; error?: string } {
  if (schema.validate(value)) return { valid: true };
  return {
    valid: false,
    error: (schema.validate.errors ?? [])
      .slice(0, 5)
      .map(
        (e) =>
          `${e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(output)'}: ${e.message ?? 'invalid'}`,
      )
      .join('; '),
  };
}

/** One request: the prompt in, the answer (validated when there is a schema) and its token counts out. */
export async function ask(chat: ChatSetup, prompt: string, schema?: OutputSchema): Promise<Answer> {
  if (!schema) {
    const msg = (await chat.model.invoke(prompt)) as AIMessage;
    const text = textOf(msg);
    return { output: text, text, valid: true, ...usage(msg) };
  }
  const runnable = chat.model.withStructuredOutput(schema.json, {
    name: 'output',
    includeRaw: true,
    ...(chat.settings.structuredOutput ? { method: chat.settings.structuredOutput } : {}),
  });
  const { raw } = (await runnable.invoke(prompt)) as { raw: AIMessage; parsed: unknown };
  const call = raw.tool_calls?.[0];
  const text = call ? JSON.stringify(call.args) : textOf(raw);
  let value: unknown;
  if (call) value = call.args;
  else {
    try {
      value = JSON.parse(FENCE.exec(text)?.[1] ?? text);
    } catch {
      return { output: null, text, valid: false, error: 'the answer is not JSON', ...usage(raw) };
    }
  }
  return { output: value, text, ...checkValue(schema, value), ...usage(raw) };
}

function usage(msg: AIMessage): { promptTokens: number; completionTokens: number } {
  const u = msg.usage_metadata;
  return { promptTokens: u?.input_tokens ?? 0, completionTokens: u?.output_tokens ?? 0 };
}

/** USD for the tokens, from the price table (per million tokens; "*" for models not named). */
export function costOf(
  prices: Config['llmPrices'],
  model: string | undefined,
  promptTokens: number,
  completionTokens: number,
): number {
  const p = (model ? prices[model] : undefined) ?? prices['*'];
  if (!p) return 0;
  return (promptTokens * p.input + completionTokens * p.output) / 1_000_000;
}

/** A provider failure (after retries) as an error that names the setting to fix. */
export function providerError(e: unknown, chat: ChatSetup, task: string): PipewrightError {
  if (isPipewrightError(e)) return e;
  const status = statusOf(e);
  const server = chat.settings.baseUrl ?? `the ${chat.settings.provider} server`;
  const why = (e as Error)?.message?.split('\n')[0] ?? String(e);
  const make = (what: string, fix: string, category: 'user' | 'third-party' = 'user') =>
    new PipewrightError({
      code: 'LLM_CALL_FAILED',
      category,
      what: `${task}: ${what}`,
      why,
      fix,
      retryable: category !== 'user',
      details: { model: chat.id, ...(status ? { status } : {}) },
      cause: e,
    });
  if (status === 401 || status === 403)
    return make(`${server} refused the credentials (HTTP ${status})`, 'Check PIPEWRIGHT_LLM_API_KEY.');
  if (status === 404)
    return make(
      `${server} does not know the model "${chat.settings.model}" (HTTP 404)`,
      'Check PIPEWRIGHT_LLM_MODEL (and PIPEWRIGHT_LLM_BASE_URL: an OpenAI-compatible URL ends in /v1).',
    );
  if (status === 429)
    return make(
      `${server} kept answering "rate limited" (HTTP 429) after the retries`,
      'Lower limits.maxRequestsPerSecond or limits.concurrency, or raise limits.retries.',
      'third-party',
    );
  if (status !== undefined && status >= 400 && status < 500)
    return make(
      `${server} refused the request (HTTP ${status})`,
      'Check the step (schema, maxTokens) against what the model supports.',
    );
  if (isRetryable(e))
    return make(
      `${server} did not answer (${status ? `HTTP ${status}` : 'no connection or timed out'}) after the retries`,
      'Check that the model server runs at PIPEWRIGHT_LLM_BASE_URL, or raise timeoutMs / limits.retries.',
      'third-party',
    );
  return make(`the ${chat.id} request failed`, 'See why; check the model settings (PIPEWRIGHT_LLM_*).');
}
