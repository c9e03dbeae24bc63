/**
 * llm.call: fills a versioned prompt file (front matter id, version, variables) with each row of a dataset
 * (or each inline item, or once with constants) and asks the configured chat model, optionally for
 * structured output against a JSON Schema (each answer validated; invalid ones kept with the reason).
 * Temperature, max tokens, timeout, a rate limit and retries on rate limits and server errors; token counts
 * and cost (the PIPEWRIGHT_LLM_PRICES table, default 0) as metrics. Prompts pass the secret redaction
 * before they leave the machine. Provider "offline" is a clear error saying what to configure.
 */
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { loadPrompt } from '../../src/llm/index.ts';
import { defineTask, resolveInWorkspace } from '../../src/tasks/index.ts';
import { DatasetRef } from '../lib/refs.ts';
import { type Answer, ask, costOf, openChat, outputSchema, providerError } from './llm-client.ts';
import { CallLimits } from './provider-calls.ts';
import { providerRedactor } from './redact.ts';
import { type ColumnTypes, readRows, writeRows } from './rows.ts';

export const LlmCallInput = z.object({
  prompt: z
    .string()
    .min(1)
    .describe(
      'Prompt file in the workspace, e.g. "prompts/summarize.md" (front matter: id, version, variables)',
    ),
  rows: DatasetRef.optional().describe('A dataset: one call per row, variables from its columns'),
  items: z
    .array(z.record(z.string(), z.unknown()))
    .max(10_000)
    .optional()
    .describe('Inline records instead of a dataset: one call per item'),
  map: z
    .record(z.string(), z.string())
    .default({})
    .describe('Prompt variable → column name, where they differ (default: the column of the same name)'),
  vars: z
    .record(z.string(), z.string())
    .default({})
    .describe('Prompt variables with one value for every call'),
  schema: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('JSON Schema of the structured output; omit for plain text answers'),
  outputColumn: z.string().default('output').describe('Column that receives the answer (JSON text)'),
  model: z.string().optional().describe('Model name (default PIPEWRIGHT_LLM_MODEL)'),
  temperature: z.number().min(0).max(2).default(0).describe('Sampling temperature'),
  maxTokens: z.number().int().positive().max(200_000).default(1024).describe('Most tokens in one answer'),
  timeoutMs: z.number().int().positive().max(600_000).default(60_000).describe('Deadline of one request'),
  limits: CallLimits.default(CallLimits.parse({})),
  limit: z
    .number()
    .int()
    .positive()
    .max(100_000)
    .default(1000)
    .describe('Most calls in one step; more rows is an error (a guard against surprise cost)'),
  maxValueChars: z
    .number()
    .int()
    .positive()
    .default(20_000)
    .describe('Longer variable values are cut to this many characters (counted in truncated)'),
  failOnInvalid: z
    .boolean()
    .default(false)
    .describe('Fail the step when any structured answer does not match the schema'),
});

const Metrics = z
  .object({
    calls: z.number().int().describe('Requests answered'),
    valid: z.number().int().describe('Answers that match the schema (all answers without one)'),
    invalid: z.number().int().describe('Answers that do not'),
    prompt_tokens: z.number().int().describe('Input tokens, as the provider counted them'),
    completion_tokens: z.number().int().describe('Output tokens'),
    total_tokens: z.number().int().describe('Both'),
    cost_usd: z.number().describe('Cost from PIPEWRIGHT_LLM_PRICES (0 without a price)'),
    retries: z.number().int().describe('Requests retried after a rate limit, server error or timeout'),
    seconds: z.number().describe('Time spent'),
  })
  .describe('Calls, tokens and cost');

export const LlmCallOutput = z.object({
  dataset: DatasetRef.describe('Every input row with output (JSON text), valid, error and token counts'),
  results: z
    .array(z.record(z.string(), z.unknown()))
    .describe('The first 20 answers: row, output, valid, error'),
  metrics: Metrics,
  prompt: z
    .object({
      id: z.string().describe('Prompt id'),
      version: z.string().describe('Prompt version'),
      file: z.string().describe('Prompt file'),
    })
    .describe('The prompt that shaped the answers'),
  model: z.string().describe('provider:model that answered'),
  truncated: z.number().int().describe('Variable values cut to maxValueChars'),
  redacted: z.number().int().describe('Prompts in which a secret or credential was redacted before sending'),
});

const valueText = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);

export const llmCall = defineTask({
  id: 'llm.call',
  description:
    'Call the configured LLM with a versioned prompt file over dataset rows or items, optionally for structured output against a JSON Schema (validated); temperature, max tokens, timeout, rate limit and retries; token counts and cost as metrics.',
  input: LlmCallInput,
  output: LlmCallOutput,
  // The prompt file can change under the same path, and answers are not pure functions of the input.
  cacheable: false,
  async run(input, ctx) {
    const t0 = performance.now();
    const promptFile = resolveInWorkspace(ctx.workspace, input.prompt, 'prompt file');
    const prompt = loadPrompt(promptFile);
    const schema = input.schema ? await outputSchema(input.schema, 'llm.call') : undefined;
    if (input.rows && input.items) {
      throw userError(
        'LLM_INPUT',
        'llm.call got both rows and items',
        'one call is made per row or per item, from one source',
        'Give rows (a dataset) or items (inline records), not both.',
      );
    }
    const records: Record<string, unknown>[] = input.rows
      ? await readRows(input.rows, { what: 'rows' })
      : (input.items ?? [{}]);
    if (records.length > input.limit) {
      throw userError(
        'LLM_TOO_MANY_CALLS',
        `llm.call would make ${records.length} calls; the step allows ${input.limit}`,
        'limit guards against an unexpectedly large (and costly) run',
        'Sample or filter the rows first, or raise limit.',
      );
    }
    const columns = new Set(records.flatMap((r) => Object.keys(r)));
    const missing = prompt.variables.filter((v) => !(v in input.vars) && !columns.has(input.map[v] ?? v));
    if (missing.length) {
      throw userError(
        'LLM_VARIABLES',
        `Prompt ${prompt.id}@${prompt.version} needs ${missing.join(', ')}, which no column or var gives`,
        `columns: ${[...columns].join(', ') || '(none)'}`,
        'Map each variable to a column with map: { variable: column }, or give it in vars.',
      );
    }
    const chat = await openChat(ctx.config, 'llm.call', input);
    const redact = providerRedactor(ctx.config);
    const caller = new (await import('./provider-caller.ts')).ProviderCaller(input.limits, ctx.signal);
    let truncated = 0;
    const render = (r: Record<string, unknown>) => {
      const values: Record<string, string> = {};
      for (const v of prompt.variables) {
        let text = v in input.vars ? (input.vars[v] as string) : valueText(r[input.map[v] ?? v]);
        if (text.length > input.maxValueChars) {
          text = text.slice(0, input.maxValueChars);
          truncated++;
        }
        values[v] = text;
      }
      return redact(prompt.render(values));
    };
    const answers: Answer[] = new Array(records.length);
    let done = 0;
    // Every request settles before a failure is reported: nothing is left running behind the step.
    const settled = await Promise.allSettled(
      records.map(async (r, i) => {
        const text = render(r);
        answers[i] = await caller.call(() => ask(chat, text, schema));
        done++;
        if (done % 10 === 0) ctx.progress(done / records.length, `${done}/${records.length} answered`);
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw providerError(failed.reason, chat, 'llm.call');
    const invalid = answers.filter((a) => !a.valid);
    if (input.failOnInvalid && invalid.length) {
      throw userError(
        'LLM_OUTPUT_INVALID',
        `${invalid.length} of ${answers.length} answers do not match the output schema`,
        invalid[0]?.error,
        'Make the prompt state the expected JSON more plainly, use a model with structured output, or turn failOnInvalid off.',
      );
    }
    const promptTokens = answers.reduce((a, x) => a + x.promptTokens, 0);
    const completionTokens = answers.reduce((a, x) => a + x.completionTokens, 0);
    const out = input.outputColumn;
    const types: ColumnTypes = { row: 'INTEGER' };
    for (const c of input.rows?.columns ?? [])
      if (c.name !== 'vector' && c.name !== out) types[c.name] = c.type;
    if (!input.rows) for (const c of columns) if (c !== out) types[c] = 'VARCHAR';
    Object.assign(types, {
      [out]: 'VARCHAR',
      valid: 'BOOLEAN',
      error: 'VARCHAR',
      prompt_tokens: 'INTEGER',
      completion_tokens: 'INTEGER',
    });
    const rows = records.map((r, i) => {
      const a = answers[i] as Answer;
      const kept: Record<string, unknown> = {};
      for (const k of Object.keys(types))
        if (k in r) kept[k] = input.rows ? r[k] : typeof r[k] === 'string' ? r[k] : valueText(r[k]);
      return {
        ...kept,
        row: i,
        [out]: typeof a.output === 'string' && !schema ? a.output : JSON.stringify(a.output),
        valid: a.valid,
        error: a.error ?? null,
        prompt_tokens: a.promptTokens,
        completion_tokens: a.completionTokens,
      };
    });
    const dataset = await writeRows(rows, types, ctx, { orderBy: ['row'] });
    const metrics = {
      calls: answers.length,
      valid: answers.length - invalid.length,
      invalid: invalid.length,
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      cost_usd: costOf(ctx.config.llmPrices, chat.settings.model, promptTokens, completionTokens),
      retries: caller.stats.retries,
      seconds: (performance.now() - t0) / 1000,
    };
    ctx.log.info(
      `${answers.length} answers from ${chat.id} with ${prompt.id}@${prompt.version}: ${metrics.total_tokens} tokens, $${metrics.cost_usd.toFixed(4)}`,
      { invalid: invalid.length },
    );
    return {
      dataset,
      results: answers.slice(0, 20).map((a, i) => ({
        row: i,
        output: a.output,
        valid: a.valid,
        ...(a.error ? { error: a.error } : {}),
      })),
      metrics,
      prompt: { id: prompt.id, version: prompt.version, file: input.prompt },
      model: chat.id,
      truncated,
      redacted: redact.count,
    };
  },
});
