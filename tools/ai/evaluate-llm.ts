/**
 * evaluate.llm: checks the answers of an llm.call step (or any dataset with an answer column) row by row:
 * exact match against a column or a value, a regular expression, a JSON Schema, and LLM-as-judge with a
 * versioned prompt (prompts/ai/judge.md, or a prompt file of the workspace) scoring 1–5 against criteria.
 * Pass rates per check and overall are metrics, for a gate such as
 * `steps.check.outputs.metrics.pass_rate >= 0.9`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { userError } from '../../src/errors.ts';
import { loadPrompt } from '../../src/llm/index.ts';
import { defineTask, resolveInWorkspace } from '../../src/tasks/index.ts';
import { requireColumns } from '../lib/dataset-io.ts';
import { DatasetRef } from '../lib/refs.ts';
import { ask, checkValue, costOf, openChat, outputSchema, providerError } from './llm-client.ts';
import { CallLimits } from './provider-calls.ts';
import { providerRedactor } from './redact.ts';
import { columnNames, readRows, str } from './rows.ts';

export const JUDGE_PROMPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../prompts/ai/judge.md',
);

const Field = z
  .string()
  .optional()
  .describe('A field of a JSON answer to check (dot path, e.g. "label"); default the whole answer');

export const Check = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('exact').describe('The answer equals an expected value'),
    name: z.string().optional().describe('Name in the metrics (default exact)'),
    field: Field,
    expectedColumn: z.string().optional().describe('Column holding the expected value of each row'),
    expected: z.string().optional().describe('One expected value for every row'),
    caseSensitive: z.boolean().default(false).describe('Compare letter case too'),
  }),
  z.object({
    type: z.literal('regex').describe('The answer matches a regular expression'),
    name: z.string().optional().describe('Name in the metrics (default regex)'),
    field: Field,
    pattern: z.string().min(1).max(1000).describe('JavaScript regular expression'),
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .default('')
      .describe('Flags: i, m, s, u'),
  }),
  z.object({
    type: z.literal('json_schema').describe('The answer is JSON matching a schema'),
    name: z.string().optional().describe('Name in the metrics (default json_schema)'),
    schema: z.record(z.string(), z.unknown()).describe('JSON Schema'),
  }),
  z.object({
    type: z.literal('judge').describe('An LLM scores the answer 1–5 against criteria'),
    name: z.string().optional().describe('Name in the metrics (default judge)'),
    criteria: z.string().min(1).describe('What a good answer does, in words'),
    prompt: z
      .string()
      .optional()
      .describe(
        'Judge prompt file in the workspace (variables criteria, input, output, expected); default prompts/ai/judge.md',
      ),
    inputColumn: z.string().optional().describe('Column with what the model was asked'),
    expectedColumn: z.string().optional().describe('Column with a reference answer'),
    passScore: z.number().int().min(1).max(5).default(4).describe('Scores from this up pass'),
    model: z.string().optional().describe('Judge model (default PIPEWRIGHT_LLM_MODEL)'),
  }),
]);
type Check = z.output<typeof Check>;

export const EvaluateLlmInput = z.object({
  data: DatasetRef.describe('Answers to check, e.g. llm.call output "dataset"'),
  column: z.string().default('output').describe('Column with the answers (JSON text or plain text)'),
  checks: z.array(Check).min(1).max(20).describe('Checks every row must pass'),
  limits: CallLimits.default(CallLimits.parse({})).describe('Rate limit and retries of judge requests'),
  limit: z.number().int().positive().max(100_000).default(1000).describe('Most rows checked'),
});

export const EvaluateLlmOutput = z.object({
  metrics: z
    .record(z.string(), z.number())
    .describe('pass_rate (every check), <check>_pass_rate, judge_mean_score, rows, judge tokens and cost'),
  failures: z
    .array(
      z.object({
        row: z.number().int().describe('Row number'),
        check: z.string().describe('Check name'),
        detail: z.string().describe('Why it failed'),
      }),
    )
    .describe('Failed checks (at most 50)'),
  judge: z
    .object({
      id: z.string().describe('Prompt id'),
      version: z.string().describe('Prompt version'),
      model: z.string(),
    })
    .optional()
    .describe('The judge prompt and model, when a judge check ran'),
  report: z
    .object({ hash: z.string().describe('Artifact id'), path: z.string().describe('JSON report path') })
    .describe('Every row with every check result'),
});

const checkName = (c: Check, i: number, all: Check[]) => {
  const base = c.name ?? c.type;
  return all.filter((x) => (x.name ?? x.type) === base).length > 1 ? `${base}_${i + 1}` : base;
};

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function fieldOf(value: unknown, field: string | undefined): unknown {
  if (!field) return value;
  let cur = value;
  for (const k of field.split('.'))
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

const asText = (v: unknown) =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);

export const evaluateLlm = defineTask({
  id: 'evaluate.llm',
  description:
    'Check LLM answers row by row: exact match, regex, JSON Schema, and LLM-as-judge (versioned prompt, score 1-5 against criteria); pass rates as metrics for a gate.',
  input: EvaluateLlmInput,
  output: EvaluateLlmOutput,
  cacheable: false,
  async run(input, ctx) {
    const names = columnNames(input.data);
    requireColumns([input.column], names, 'evaluate.llm');
    for (const c of input.checks) {
      if (c.type === 'exact' && !c.expectedColumn && c.expected === undefined)
        throw userError(
          'EVAL_CHECK',
          'An exact check needs expectedColumn or expected',
          undefined,
          'Add one.',
        );
      const cols = [
        c.type === 'exact' || c.type === 'judge' ? c.expectedColumn : undefined,
        c.type === 'judge' ? c.inputColumn : undefined,
      ].filter((x): x is string => !!x);
      requireColumns(cols, names, `evaluate.llm check ${c.name ?? c.type}`);
    }
    const rows = (await readRows(input.data, { what: 'answers' })).slice(0, input.limit);
    const checkNames = input.checks.map((c, i) => checkName(c, i, input.checks));
    const results: {
      row: number;
      checks: Record<string, { pass: boolean; detail?: string; score?: number }>;
    }[] = rows.map((_, i) => ({ row: i, checks: {} }));
    const answers = rows.map((r) => parseAnswer(str(r[input.column])));
    let judgeInfo: { id: string; version: string; model: string } | undefined;
    const judgeUsage = { prompt: 0, completion: 0, cost: 0 };
    for (const [ci, c] of input.checks.entries()) {
      const name = checkNames[ci] as string;
      if (c.type === 'exact') {
        const norm = (s: string) => (c.caseSensitive ? s.trim() : s.trim().toLowerCase());
        rows.forEach((r, i) => {
          const got = asText(fieldOf(answers[i], c.field));
          const want = c.expectedColumn ? str(r[c.expectedColumn]) : (c.expected as string);
          const pass = norm(got) === norm(want);
          (results[i] as (typeof results)[number]).checks[name] = pass
            ? { pass }
            : { pass, detail: `got "${got.slice(0, 80)}", expected "${want.slice(0, 80)}"` };
        });
      } else if (c.type === 'regex') {
        let re: RegExp;
        try {
          re = new RegExp(c.pattern, c.flags);
        } catch (e) {
          throw userError(
            'EVAL_REGEX',
            `The pattern "${c.pattern}" is not a regular expression`,
            (e as Error).message,
            'Fix the pattern.',
          );
        }
        rows.forEach((_, i) => {
          const got = asText(fieldOf(answers[i], c.field));
          const pass = re.test(got);
          (results[i] as (typeof results)[number]).checks[name] = pass
            ? { pass }
            : { pass, detail: `"${got.slice(0, 80)}" does not match /${c.pattern}/` };
        });
      } else if (c.type === 'json_schema') {
        const schema = await outputSchema(c.schema, `evaluate.llm check ${name}`);
        rows.forEach((r, i) => {
          const text = str(r[input.column]);
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            (results[i] as (typeof results)[number]).checks[name] = {
              pass: false,
              detail: 'the answer is not JSON',
            };
            return;
          }
          const v = checkValue(schema, value);
          (results[i] as (typeof results)[number]).checks[name] = v.valid
            ? { pass: true }
            : { pass: false, detail: v.error ?? 'does not match' };
        });
      } else {
        const prompt = loadPrompt(
          c.prompt ? resolveInWorkspace(ctx.workspace, c.prompt, 'judge prompt') : JUDGE_PROMPT,
        );
        const chat = await openChat(ctx.config, 'evaluate.llm (judge)', {
          model: c.model,
          temperature: 0,
          maxTokens: 300,
          timeoutMs: 60_000,
        });
        judgeInfo = { id: prompt.id, version: prompt.version, model: chat.id };
        const schema = await outputSchema(
          {
            type: 'object',
            properties: { score: { type: 'integer', minimum: 1, maximum: 5 }, reason: { type: 'string' } },
            required: ['score', 'reason'],
          },
          'judge',
        );
        const redact = providerRedactor(ctx.config);
        const caller = new (await import('./provider-caller.ts')).ProviderCaller(input.limits, ctx.signal);
        const settled = await Promise.allSettled(
          rows.map(async (r, i) => {
            const vars: Record<string, string> = {
              criteria: c.criteria,
              input: c.inputColumn ? str(r[c.inputColumn]) : '',
              output: str(r[input.column]),
              expected: c.expectedColumn ? str(r[c.expectedColumn]) : '',
            };
            const text = redact(
              prompt.render(Object.fromEntries(prompt.variables.map((v) => [v, vars[v] ?? '']))),
            );
            const a = await caller.call(() => ask(chat, text, schema));
            judgeUsage.prompt += a.promptTokens;
            judgeUsage.completion += a.completionTokens;
            const score = a.valid ? Number((a.output as { score: number }).score) : 0;
            const reason = a.valid
              ? String((a.output as { reason: string }).reason)
              : `judge answer unusable: ${a.error}`;
            const pass = score >= c.passScore;
            (results[i] as (typeof results)[number]).checks[name] = {
              pass,
              score,
              ...(pass ? {} : { detail: `score ${score} < ${c.passScore}: ${reason}` }),
            };
          }),
        );
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw providerError(failed.reason, chat, 'evaluate.llm (judge)');
        judgeUsage.cost += costOf(
          ctx.config.llmPrices,
          chat.settings.model,
          judgeUsage.prompt,
          judgeUsage.completion,
        );
      }
    }
    const n = rows.length || 1;
    const metrics: Record<string, number> = {
      rows: rows.length,
      pass_rate: results.filter((r) => Object.values(r.checks).every((c) => c.pass)).length / n,
    };
    for (const name of checkNames) {
      metrics[`${name}_pass_rate`] = results.filter((r) => r.checks[name]?.pass).length / n;
      const scores = results
        .map((r) => r.checks[name]?.score)
        .filter((s): s is number => typeof s === 'number');
      if (scores.length) metrics[`${name}_mean_score`] = scores.reduce((a, b) => a + b, 0) / scores.length;
    }
    if (judgeInfo) {
      metrics.judge_prompt_tokens = judgeUsage.prompt;
      metrics.judge_completion_tokens = judgeUsage.completion;
      metrics.judge_cost_usd = judgeUsage.cost;
    }
    const failures = results
      .flatMap((r) =>
        Object.entries(r.checks)
          .filter(([, c]) => !c.pass)
          .map(([check, c]) => ({ row: r.row, check, detail: c.detail ?? 'failed' })),
      )
      .slice(0, 50);
    const report = await ctx.artifacts.putBytes(
      `${JSON.stringify({ kind: 'pipewright.llm-eval', metrics, judge: judgeInfo, results }, null, 2)}\n`,
      { mediaType: 'application/json' },
    );
    ctx.log.info(`${rows.length} answers checked: pass rate ${metrics.pass_rate?.toFixed(3)}`);
    return {
      metrics,
      failures,
      ...(judgeInfo ? { judge: judgeInfo } : {}),
      report: { hash: report.hash, path: report.path },
    };
  },
});
