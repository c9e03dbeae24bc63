/**
 * Protocol tests: the real @langchain/openai and @langchain/ollama clients, created by our createChatModel,
 * drive the planner graph against local stand-ins (127.0.0.1). They check our code and the wire format,
 * not model quality.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PlannerDeps, planGoal, plannerModelDeps, workspaceDeps } from '../../agents/planner/index.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';
import { registerPlanCommand } from '../../src/cli/commands/plan.ts';
import { loadConfig } from '../../src/config.ts';
import { LlmSettings, llmSettingsFrom } from '../../src/llm/index.ts';
import { startOllamaStandin } from '../helpers/ollama-standin.ts';
import {
  type RecordedRequest,
  type Standin,
  type StandinScript,
  startOpenAIStandin,
} from '../helpers/openai-standin.ts';

const KEY = 'sk-test-SECRET-0123456789';
const GOAL = 'predict species from data/penguins.json';

let ws: ReturnType<typeof makeWorkspace>;
let base: Omit<PlannerDeps, 'model' | 'review'>;
/** A valid plan for GOAL (drafted offline), which the stand-ins hand back as the "model's" answer. */
let goodPlan: Record<string, unknown>;
const servers: Standin[] = [];

beforeAll(async () => {
  ws = makeWorkspace();
  base = { registry: await fullRegistry(), ...workspaceDeps(ws.dir) };
  const offline = await planGoal(GOAL, base);
  if (offline.kind !== 'plan') throw new Error('offline planner failed on the fixture goal');
  const { metadata: _m, goal: _g, ...rest } = offline.plan as unknown as Record<string, unknown>;
  goodPlan = rest;
});
afterAll(() => ws.cleanup());
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function openai(script: StandinScript) {
  const s = await startOpenAIStandin(script);
  servers.push(s);
  return s;
}
async function ollama(script: StandinScript) {
  const s = await startOllamaStandin(script);
  servers.push(s);
  return s;
}
const promptOf = (body: Record<string, unknown>) => JSON.stringify(body.messages);
/** Whether a request offers the look-up tools (the rounds before a draft), not the plan_draft tool. */
const offersLookups = (req: RecordedRequest) =>
  ((req.body.tools as { function: { name: string } }[] | undefined) ?? []).some(
    (t) => t.function.name === 'describe_dataset',
  );
const toolNames = (body: Record<string, unknown>) =>
  ((body.tools as { function: { name: string } }[] | undefined) ?? []).map((t) => t.function.name);
/** Look-up rounds: "I know enough" in prose; the structured draft that follows: the plan. */
const proseThenPlan: StandinScript = (req) =>
  offersLookups(req) ? { text: 'I have what I need.' } : { json: { plan: goodPlan } };
/** Calls describe_dataset over the wire first, then answers the envelope as text in the next round. */
const describeThenPlan =
  (file: string): StandinScript =>
  (req) => {
    const sawTool = ((req.body.messages as { role: string }[]) ?? []).some((m) => m.role === 'tool');
    if (offersLookups(req) && !sawTool) return { json: { path: file } };
    return offersLookups(req) ? { text: JSON.stringify({ plan: goodPlan }) } : { json: { plan: goodPlan } };
  };

async function plan(settings: LlmSettings) {
  return planGoal(GOAL, { ...base, ...(await plannerModelDeps(settings)) });
}

describe('OpenAI-compatible server (ChatOpenAI with a base URL)', () => {
  it('non-streamed: look-up tools offered first, then response_format json_schema; the key only in the header', async () => {
    const s = await openai(proseThenPlan);
    const config = loadConfig(
      {
        llmProvider: 'openai',
        llmModel: 'local-model',
        llmBaseUrl: s.url,
        llmApiKey: KEY,
        llmTimeoutMs: 5000,
      },
      {},
    );
    const result = await plan(llmSettingsFrom(config));
    expect(result.kind).toBe('plan');
    if (result.kind !== 'plan') return;
    expect(result.plan.metadata).toMatchObject({
      planner: 'llm',
      provider: 'openai',
      model: 'local-model',
      prompt: { id: 'planner.draft', version: '3' },
      attempts: 1,
      tools: { prompt: { id: 'planner.tools', version: '2' }, calls: [] },
    });
    expect(s.requests).toHaveLength(2);
    const [lookups, req] = s.requests;
    expect(toolNames(lookups?.body ?? {})).toEqual([
      'describe_dataset',
      'task_catalog',
      'find_models',
      'find_runs',
      'dataset_versions',
    ]);
    expect(req?.body.response_format).toMatchObject({ type: 'json_schema' });
    expect(req?.body.tools).toBeUndefined();
    expect(req?.body.stream).toBeFalsy();
    const prompt = promptOf(req?.body ?? {});
    expect(prompt).toContain('train.tabular');
    expect(prompt).toContain('Flipper Length (mm)');
    for (const r of s.requests) {
      expect(r.raw).not.toContain(KEY);
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    }
    expect(JSON.stringify(result.plan)).not.toContain(KEY);
  });

  it('the model calls describe_dataset over the wire, gets the real columns in a tool message, then drafts', async () => {
    const s = await openai(describeThenPlan('data/cars.json'));
    const result = await plan(LlmSettings.parse({ provider: 'openai', model: 'm', baseUrl: s.url }));
    expect(result.kind).toBe('plan');
    expect(s.requests).toHaveLength(2);
    const messages = s.requests[1]?.body.messages as {
      role: string;
      content: string;
      tool_call_id?: string;
    }[];
    const tool = messages.find((m) => m.role === 'tool');
    expect(tool?.tool_call_id).toBe('call_1');
    expect(tool?.content).toContain('Miles_per_Gallon');
    expect(JSON.parse(tool?.content ?? '{}')).toMatchObject({ path: 'data/cars.json', format: 'json' });
    if (result.kind === 'plan')
      expect(result.plan.metadata.tools).toMatchObject({
        calls: [{ name: 'describe_dataset', args: { path: 'data/cars.json' }, ok: true }],
      });
  });

  it('a server that turns down tools (HTTP 400) gets the draft without them, with a note', async () => {
    const s = await openai((req) =>
      offersLookups(req)
        ? { status: 400, body: { error: { message: 'tools param requires --jinja flag' } } }
        : { json: { plan: goodPlan } },
    );
    const settings = LlmSettings.parse({ provider: 'openai', model: 'm', baseUrl: s.url, maxRetries: 0 });
    const result = await plan(settings);
    expect(result.kind).toBe('plan');
    if (result.kind === 'plan') {
      expect(result.notes.join(' ')).toMatch(/turned down tool calls \(HTTP 400\)/);
      expect(result.plan.metadata.tools).toBeUndefined();
    }
    expect(s.requests.map((r) => offersLookups(r))).toEqual([true, false]);
  });

  it('SSE-streamed tool calls (functionCalling): the streamed arguments are reassembled into a valid plan', async () => {
    const s = await openai(proseThenPlan);
    const result = await plan(
      LlmSettings.parse({
        provider: 'openai',
        model: 'local-model',
        baseUrl: s.url,
        streaming: true,
        structuredOutput: 'functionCalling',
      }),
    );
    expect(result.kind).toBe('plan');
    expect(s.requests).toHaveLength(2);
    const body = s.requests[1]?.body ?? {};
    expect(body.stream).toBe(true);
    expect(toolNames(body)).toEqual(['plan_draft']);
  });

  it('repairs a first answer that is not a plan, feeding the problem back', async () => {
    const s = await openai((_, i) =>
      i === 0 ? { text: 'Sure! Here is your plan: ...' } : { json: { plan: goodPlan } },
    );
    // maxRetries 0: with retries the client itself re-asks when an answer does not parse.
    const result = await plan(
      LlmSettings.parse({ provider: 'openai', model: 'm', baseUrl: s.url, maxRetries: 0, tools: false }),
    );
    expect(result.kind === 'plan' && result.plan.metadata.attempts).toBe(2);
    expect(promptOf(s.requests[1]?.body ?? {})).toContain('had these problems');
  });

  it('garbage three times → PLANNER_NO_VALID_PLAN, never a half-made plan', async () => {
    const garbage = ['not json', '{"plan": 42', '<html>oops</html>'];
    const s = await openai((_, i) => ({ text: garbage[i % 3] as string }));
    const settings = { provider: 'openai', model: 'm', baseUrl: s.url, maxRetries: 0, tools: false } as const;
    const err = await plan(LlmSettings.parse(settings)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLANNER_NO_VALID_PLAN' });
    expect((err as Error).message).toContain('3 attempts');
    expect(s.requests).toHaveLength(3);
  });

  it('with look-up tools, garbage is asked for twice a draft (free answer, then structured) and still ends in PLANNER_NO_VALID_PLAN', async () => {
    const s = await openai(() => ({ text: 'no idea, sorry' }));
    const err = await plan(
      LlmSettings.parse({ provider: 'openai', model: 'm', baseUrl: s.url, maxRetries: 0 }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLANNER_NO_VALID_PLAN', retryable: false });
    expect(s.requests.map((r) => offersLookups(r))).toEqual([true, false, true, false, true, false]);
  });

  it('a server that never answers → a timeout error after retries', async () => {
    const s = await openai(() => ({ hang: true }));
    const t0 = Date.now();
    const err = await plan(
      LlmSettings.parse({ provider: 'openai', model: 'm', baseUrl: s.url, timeoutMs: 250, maxRetries: 1 }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LLM_TIMEOUT', category: 'third-party' });
    expect(s.requests.length).toBe(2);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 20_000);

  it('an HTTP error (401) is a clear request error, not a repair round', async () => {
    const s = await openai(() => ({ status: 401, body: { error: { message: 'bad key', type: 'auth' } } }));
    const err = await plan(
      LlmSettings.parse({ provider: 'openai', model: 'm', baseUrl: s.url, apiKey: KEY, maxRetries: 0 }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LLM_REQUEST_FAILED' });
    expect(JSON.stringify(err)).not.toContain(KEY);
  });
});

describe('Ollama server (ChatOllama, /api/chat NDJSON)', () => {
  it('streams a structured answer (format: JSON schema) into a valid plan', async () => {
    const s = await ollama(proseThenPlan);
    const config = loadConfig({ llmProvider: 'ollama', llmModel: 'llama3.1', llmBaseUrl: s.url }, {});
    const result = await plan(llmSettingsFrom(config));
    expect(result.kind).toBe('plan');
    if (result.kind === 'plan')
      expect(result.plan.metadata).toMatchObject({ planner: 'llm', provider: 'ollama', model: 'llama3.1' });
    expect(toolNames(s.requests[0]?.body ?? {})).toEqual([
      'describe_dataset',
      'task_catalog',
      'find_models',
      'find_runs',
      'dataset_versions',
    ]);
    const body = s.requests[1]?.body ?? {};
    expect(body.stream).toBe(true);
    expect(typeof body.format).toBe('object');
    expect(promptOf(body)).toContain('train.tabular');
  });

  it('describe_dataset as an Ollama tool call: the columns come back in a tool message', async () => {
    const s = await ollama(describeThenPlan('data/penguins.json'));
    const result = await plan(LlmSettings.parse({ provider: 'ollama', model: 'm', baseUrl: s.url }));
    expect(result.kind).toBe('plan');
    expect(s.requests).toHaveLength(2);
    const messages = s.requests[1]?.body.messages as { role: string; content: string }[];
    expect(messages.find((m) => m.role === 'tool')?.content).toContain('Flipper Length (mm)');
  });

  it('tool calls (functionCalling) work too', async () => {
    const s = await ollama(proseThenPlan);
    const result = await plan(
      LlmSettings.parse({
        provider: 'ollama',
        model: 'm',
        baseUrl: s.url,
        structuredOutput: 'functionCalling',
      }),
    );
    expect(result.kind).toBe('plan');
    expect(toolNames(s.requests[1]?.body ?? {})).toEqual(['plan_draft']);
  });

  it('garbage three times → PLANNER_NO_VALID_PLAN', async () => {
    const s = await ollama(() => ({ text: 'I cannot do that' }));
    const settings = { provider: 'ollama', model: 'm', baseUrl: s.url, tools: false } as const;
    const err = await plan(LlmSettings.parse(settings)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLANNER_NO_VALID_PLAN' });
    expect(s.requests).toHaveLength(3);
  });

  it('a server that never answers → a timeout error after retries', async () => {
    const s = await ollama(() => ({ hang: true }));
    const err = await plan(
      LlmSettings.parse({ provider: 'ollama', model: 'm', baseUrl: s.url, timeoutMs: 250, maxRetries: 1 }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LLM_TIMEOUT' });
    expect(s.requests.length).toBe(2);
  }, 20_000);
});

describe('settings and the plan command', () => {
  it('llmSettingsFrom maps Config, command-line overrides win, a new provider drops the old URL', () => {
    const config = loadConfig(
      {
        llmProvider: 'ollama',
        llmModel: 'llama3.1',
        llmBaseUrl: 'http://127.0.0.1:11434',
        llmTimeoutMs: 1234,
      },
      {},
    );
    expect(llmSettingsFrom(config)).toMatchObject({
      provider: 'ollama',
      model: 'llama3.1',
      baseUrl: 'http://127.0.0.1:11434',
      timeoutMs: 1234,
    });
    const o = llmSettingsFrom(config, { provider: 'openai', model: 'gpt-x' });
    expect(o).toMatchObject({ provider: 'openai', model: 'gpt-x' });
    expect(o.baseUrl).toBeUndefined();
    expect(() => llmSettingsFrom(config, { provider: 'gpt' })).toThrow(/Unknown LLM provider/);
  });

  async function cli(...args: string[]) {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
      out += String(c);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const program = new Command('pipewright').option('--json').option('-w, --workspace <dir>').exitOverride();
    registerPlanCommand(program);
    await program.parseAsync(['node', 'pipewright', '--json', '-w', ws.dir, 'plan', ...args]);
    return out;
  }

  it('pipewright plan --provider openai --base-url … records provider, model and prompt in the plan', async () => {
    const s = await openai(() => ({ json: { plan: goodPlan } }));
    const out = await cli(GOAL, '--provider', 'openai', '--model', 'local-model', '--base-url', s.url);
    expect(JSON.parse(out).metadata).toMatchObject({
      planner: 'llm',
      provider: 'openai',
      model: 'local-model',
      prompt: { id: 'planner.draft', version: '3' },
    });
  });

  it('pipewright plan --provider llamacpp: a GGUF path is required, and node-llama-cpp is named with its install command', async () => {
    await expect(cli(GOAL, '--provider', 'llamacpp')).rejects.toMatchObject({
      code: 'LLM_CONFIG',
      what: expect.stringContaining('GGUF model file path'),
    });
    const gguf = path.join(ws.dir, 'tiny.gguf');
    writeFileSync(gguf, Buffer.from('GGUF\u0003\u0000\u0000\u0000'));
    await expect(cli(GOAL, '--provider', 'llamacpp', '--model', gguf)).rejects.toMatchObject({
      code: 'LLM_PACKAGE_MISSING',
      fix: expect.stringContaining('npm i -E node-llama-cpp@3.21.1'),
    });
  });
});
