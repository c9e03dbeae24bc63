import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { docsLoad } from '../../tools/ai/docs-load.ts';
import { evaluateLlm } from '../../tools/ai/evaluate-llm.ts';
import { llmCall } from '../../tools/ai/llm-call.ts';
import { readRows } from '../../tools/ai/rows.ts';
import { startOllamaStandin } from '../helpers/ollama-standin.ts';
import { type RecordedRequest, startOpenAIStandin } from '../helpers/openai-standin.ts';
import { aiWorkspace } from './helpers.ts';

const SUMMARY_PROMPT = `---
id: docs.summary
version: 2
variables: [title, text]
---
Summarise the document "{{title}}" in one sentence and give its topic.

{{text}}
`;

const SCHEMA = {
  type: 'object',
  properties: { summary: { type: 'string' }, topic: { type: 'string', enum: ['ops', 'ml', 'other'] } },
  required: ['summary', 'topic'],
};

const fast = { limits: { backoffMs: 5, maxRequestsPerSecond: 1000, concurrency: 2, retries: 3 } };
const userText = (r: RecordedRequest) => JSON.stringify(r.body.messages ?? '');

describe('llm.call', () => {
  it('fills the prompt per document, asks for structured output, validates it and counts tokens and cost', async () => {
    const standin = await startOpenAIStandin((req) => {
      const text = userText(req);
      if (text.includes('Release notes')) return { json: { summary: 'notes', topic: 'astrology' } }; // not in the enum
      return { json: { summary: 'a summary', topic: 'ops' } };
    });
    onTestFinished(() => standin.close());
    const w = aiWorkspace({
      llmProvider: 'openai',
      llmModel: 'gpt-test',
      llmBaseUrl: standin.url,
      llmApiKey: 'sk-test-key-123456',
      llmPrices: { 'gpt-test': { input: 1, output: 2 } },
    });
    w.write('prompts/summary.md', SUMMARY_PROMPT);
    const docs = await docsLoad.run(docsLoad.input.parse({ path: 'docs' }), w.ctx);
    const out = await llmCall.run(
      llmCall.input.parse({
        prompt: 'prompts/summary.md',
        rows: docs.dataset,
        schema: SCHEMA,
        temperature: 0.2,
        maxTokens: 77,
        ...fast,
      }),
      w.ctx,
    );
    expect(out.prompt).toEqual({ id: 'docs.summary', version: '2', file: 'prompts/summary.md' });
    expect(out.model).toBe('openai:gpt-test');
    expect(out.metrics).toMatchObject({
      calls: 4,
      valid: 3,
      invalid: 1,
      prompt_tokens: 40,
      completion_tokens: 40,
      total_tokens: 80,
    });
    expect(out.metrics.cost_usd).toBeCloseTo((40 * 1 + 40 * 2) / 1e6, 12);
    const rows = await readRows(out.dataset);
    const notes = rows.find((r) => r.path === 'docs/notes.txt') as Record<string, unknown>;
    expect(notes.valid).toBe(false);
    expect(String(notes.error)).toContain('topic');
    expect(JSON.parse(String(rows.find((r) => r.path === 'docs/guide.md')?.output))).toEqual({
      summary: 'a summary',
      topic: 'ops',
    });
    const chat = standin.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(chat).toHaveLength(4);
    expect(chat[0]?.body).toMatchObject({ model: 'gpt-test', temperature: 0.2, max_tokens: 77 });
    expect(userText(chat[0] as RecordedRequest)).toContain('Summarise the document');
  });

  it('retries rate limits, redacts secrets, and works with Ollama too', async () => {
    let n = 0;
    const standin = await startOllamaStandin(() => {
      n++;
      if (n === 1) return { status: 429, body: { error: 'rate limited' } };
      return { json: { summary: 's', topic: 'ml' } };
    });
    onTestFinished(() => standin.close());
    const w = aiWorkspace({
      llmProvider: 'ollama',
      llmModel: 'llama-test',
      llmBaseUrl: standin.url,
      slackBotToken: 'xoxb-very-secret-token-1',
    });
    w.write('prompts/summary.md', SUMMARY_PROMPT);
    const out = await llmCall.run(
      llmCall.input.parse({
        prompt: 'prompts/summary.md',
        items: [
          { title: 'Keys', text: 'The bot token is xoxb-very-secret-token-1 and AKIAABCDEFGHIJKLMNOP.' },
        ],
        schema: SCHEMA,
        ...fast,
      }),
      w.ctx,
    );
    expect(out.metrics).toMatchObject({ calls: 1, valid: 1, retries: 1 });
    expect(out.redacted).toBe(1);
    const sent = standin.requests.map((r) => r.raw).join('\n');
    expect(sent).not.toContain('very-secret');
    expect(sent).not.toContain('AKIAABCDEFGHIJKLMNOP');
    expect(sent).toContain('[redacted]');
  });

  it('says what to configure when offline, and turns provider errors into clear ones', async () => {
    const off = aiWorkspace();
    off.write('prompts/summary.md', SUMMARY_PROMPT);
    await expect(
      llmCall.run(
        llmCall.input.parse({ prompt: 'prompts/summary.md', vars: { title: 't', text: 'x' } }),
        off.ctx,
      ),
    ).rejects.toMatchObject({
      code: 'LLM_NOT_CONFIGURED',
      fix: expect.stringContaining('PIPEWRIGHT_LLM_PROVIDER'),
    });

    const standin = await startOpenAIStandin(() => ({
      status: 401,
      body: { error: { message: 'bad key' } },
    }));
    onTestFinished(() => standin.close());
    const w = aiWorkspace({
      llmProvider: 'openai',
      llmModel: 'm',
      llmBaseUrl: standin.url,
      llmApiKey: 'sk-wrong-1234',
    });
    w.write('prompts/summary.md', SUMMARY_PROMPT);
    await expect(
      llmCall.run(
        llmCall.input.parse({ prompt: 'prompts/summary.md', vars: { title: 't', text: 'x' }, ...fast }),
        w.ctx,
      ),
    ).rejects.toMatchObject({
      code: 'LLM_CALL_FAILED',
      fix: expect.stringContaining('PIPEWRIGHT_LLM_API_KEY'),
    });
    expect(standin.requests).toHaveLength(1); // a 401 is not retried

    await expect(
      llmCall.run(
        llmCall.input.parse({ prompt: 'prompts/summary.md', items: [{ title: 'x' }], ...fast }),
        w.ctx,
      ),
    ).rejects.toMatchObject({ code: 'LLM_VARIABLES' });
    await expect(
      llmCall.run(llmCall.input.parse({ prompt: '../outside.md', vars: {} }), w.ctx),
    ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(
      llmCall.run(
        llmCall.input.parse({
          prompt: 'prompts/summary.md',
          items: [{}, {}, {}],
          vars: { title: 't', text: 'x' },
          limit: 2,
        }),
        w.ctx,
      ),
    ).rejects.toMatchObject({ code: 'LLM_TOO_MANY_CALLS' });
  });
});

describe('evaluate.llm', () => {
  it('scores exact, regex, JSON-schema and judge checks, with pass rates and failures', async () => {
    const standin = await startOpenAIStandin((req) => {
      const text = userText(req);
      return { json: { score: text.includes('Paris') ? 5 : 2, reason: 'graded' } };
    });
    onTestFinished(() => standin.close());
    const w = aiWorkspace({ llmProvider: 'openai', llmModel: 'judge-m', llmBaseUrl: standin.url });
    w.write(
      'prompts/capital.md',
      '---\nid: capital\nversion: 1\nvariables: [country]\n---\nCapital of {{country}}?\n',
    );
    const answers = await llmCall.run(
      llmCall.input.parse({
        prompt: 'prompts/capital.md',
        items: [
          { country: 'France', expected: 'Paris' },
          { country: 'Spain', expected: 'Madrid' },
        ],
        schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        ...fast,
      }),
      w.ctx,
    );
    expect(answers.metrics.invalid).toBe(2); // the stand-in answers {"score": ...} here too: no "city"
    const out = await evaluateLlm.run(
      evaluateLlm.input.parse({
        data: answers.dataset,
        checks: [
          { type: 'exact', field: 'city', expectedColumn: 'expected' },
          { type: 'regex', field: 'city', pattern: '^[A-Z][a-z]+$' },
          { type: 'json_schema', schema: { type: 'object', required: ['city', 'country'] } },
          {
            type: 'judge',
            criteria: 'Names the capital city correctly.',
            inputColumn: 'country',
            expectedColumn: 'expected',
          },
        ],
        ...fast,
      }),
      w.ctx,
    );
    // So exact, regex and the schema fail on every row; the judge still grades each row.
    expect(out.metrics).toMatchObject({
      rows: 2,
      exact_pass_rate: 0,
      regex_pass_rate: 0,
      json_schema_pass_rate: 0,
      pass_rate: 0,
    });
    expect(out.judge).toEqual({ id: 'ai.judge', version: '1', model: 'openai:judge-m' });
    expect(out.metrics.judge_pass_rate).toBe(0.5); // the France row's reference says Paris
    expect(out.metrics.judge_mean_score).toBe(3.5);
    expect(out.failures.some((f) => f.check === 'judge' && f.row === 1)).toBe(true);
    const report = JSON.parse(readFileSync(out.report.path, 'utf8'));
    expect(report.results).toHaveLength(2);
  });

  it('passes answers that meet every check', async () => {
    const standin = await startOpenAIStandin((req) =>
      userText(req).includes('France') ? { json: { city: 'Paris' } } : { json: { city: 'madrid' } },
    );
    onTestFinished(() => standin.close());
    const w = aiWorkspace({ llmProvider: 'openai', llmModel: 'm', llmBaseUrl: standin.url });
    w.write(
      'prompts/capital.md',
      '---\nid: capital\nversion: 1\nvariables: [country]\n---\nCapital of {{country}}?\n',
    );
    const answers = await llmCall.run(
      llmCall.input.parse({
        prompt: 'prompts/capital.md',
        items: [
          { country: 'France', expected: 'Paris' },
          { country: 'Spain', expected: 'Madrid' },
        ],
        schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        ...fast,
      }),
      w.ctx,
    );
    const out = await evaluateLlm.run(
      evaluateLlm.input.parse({
        data: answers.dataset,
        checks: [
          { type: 'exact', field: 'city', expectedColumn: 'expected' },
          { type: 'regex', name: 'capitalised', field: 'city', pattern: '^[A-Z]' },
          { type: 'json_schema', schema: { type: 'object', required: ['city'] } },
        ],
      }),
      w.ctx,
    );
    expect(out.metrics).toMatchObject({
      exact_pass_rate: 1, // case-insensitive by default
      capitalised_pass_rate: 0.5,
      json_schema_pass_rate: 1,
      pass_rate: 0.5,
    });
    expect(out.failures).toEqual([
      { row: 1, check: 'capitalised', detail: expect.stringContaining('madrid') },
    ]);
  });
});
