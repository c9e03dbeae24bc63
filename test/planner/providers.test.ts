/**
 * Protocol tests: the real @langchain/openai and @langchain/ollama clients, created by our createChatModel,
 * drive the planner graph against local stand-ins (127.0.0.1). They check our code and the wire format,
 * not model quality.
 */
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PlannerDeps, planGoal, plannerModelDeps, workspaceDeps } from '../../agents/planner/index.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';
import { registerPlanCommand } from '../../src/cli/commands/plan.ts';
import { loadConfig } from '../../src/config.ts';
import { createChatModel, LlmSettings, llmSettingsFrom } from '../../src/llm/index.ts';
import { startOllamaStandin } from '../helpers/ollama-standin.ts';
import { type Standin, type StandinScript, startOpenAIStandin } from '../helpers/openai-standin.ts';

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

async function plan(settings: LlmSettings) {
  return planGoal(GOAL, { ...base, ...(await plannerModelDeps(settings)) });
}

describe('OpenAI-compatible server (ChatOpenAI with a base URL)', () => {
  it('non-streamed, response_format json_schema: a valid plan, the catalog in the prompt, the key only in the header', async () => {
    const s = await openai(() => ({ json: { plan: goodPlan } }));
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
      prompt: { id: 'planner.draft', version: '2' },
      attempts: 1,
    });
    expect(s.requests).toHaveLength(1);
    const req = s.requests[0];
    expect(req?.body.response_format).toMatchObject({ type: 'json_schema' });
    expect(req?.body.stream).toBeFalsy();
    const prompt = promptOf(req?.body ?? {});
    expect(prompt).toContain('train.tabular');
    expect(prompt).toContain('Flipper Length (mm)');
    expect(req?.raw).not.toContain(KEY);
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(result.plan)).not.toContain(KEY);
  });

  it('SSE-streamed tool calls (functionCalling): the streamed arguments are reassembled into a valid plan', async () => {
    const s = await openai(() => ({ json: { plan: goodPlan } }));
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
    const body = s.requests[0]?.body ?? {};
    expect(body.stream).toBe(true);
    expect((body.tools as { function: { name: string } }[])[0]?.function.name).toBe('plan_draft');
  });

  it('repairs a first answer that is not a plan, feeding the problem back', async () => {
    const s = await openai((_, i) =>
      i === 0 ? { text: 'Sure! Here is your plan: ...' } : { json: { plan: goodPlan } },
    );
    // maxRetries 0: with retries the client itself re-asks when an answer does not parse.
    const result = await plan(
      LlmSettings.parse({ provider: 'openai', model: 'm', baseUrl: s.url, maxRetries: 0 }),
    );
    expect(result.kind === 'plan' && result.plan.metadata.attempts).toBe(2);
    expect(promptOf(s.requests[1]?.body ?? {})).toContain('had these problems');
  });

  it('garbage three times → PLANNER_NO_VALID_PLAN, never a half-made plan', async () => {
    const garbage = ['not json', '{"plan": 42', '<html>oops</html>'];
    const s = await openai((_, i) => ({ text: garbage[i % 3] as string }));
    const settings = { provider: 'openai', model: 'm', baseUrl: s.url, maxRetries: 0 } as const;
    const err = await plan(LlmSettings.parse(settings)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLANNER_NO_VALID_PLAN' });
    expect((err as Error).message).toContain('3 attempts');
    expect(s.requests).toHaveLength(3);
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
    const s = await ollama(() => ({ json: { plan: goodPlan } }));
    const config = loadConfig({ llmProvider: 'ollama', llmModel: 'llama3.1', llmBaseUrl: s.url }, {});
    const result = await plan(llmSettingsFrom(config));
    expect(result.kind).toBe('plan');
    if (result.kind === 'plan')
      expect(result.plan.metadata).toMatchObject({ planner: 'llm', provider: 'ollama', model: 'llama3.1' });
    const body = s.requests[0]?.body ?? {};
    expect(body.stream).toBe(true);
    expect(typeof body.format).toBe('object');
    expect(promptOf(body)).toContain('train.tabular');
  });

  it('tool calls (functionCalling) work too', async () => {
    const s = await ollama(() => ({ json: { plan: goodPlan } }));
    const result = await plan(
      LlmSettings.parse({
        provider: 'ollama',
        model: 'm',
        baseUrl: s.url,
        structuredOutput: 'functionCalling',
      }),
    );
    expect(result.kind).toBe('plan');
    expect(s.requests[0]?.body.tools).toBeDefined();
  });

  it('garbage three times → PLANNER_NO_VALID_PLAN', async () => {
    const s = await ollama(() => ({ text: 'I cannot do that' }));
    const err = await plan(LlmSettings.parse({ provider: 'ollama', model: 'm', baseUrl: s.url })).catch(
      (e: unknown) => e,
    );
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

  it('llamacpp says exactly how to install node-llama-cpp, and the llama-server alternative', async () => {
    const err = await createChatModel({ provider: 'llamacpp', model: 'model.gguf' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LLM_PROVIDER_UNSUPPORTED', category: 'user' });
    const fix = String((err as { fix?: string }).fix);
    expect(fix).toContain('npm i -E node-llama-cpp@3.21.1');
    expect(fix).toContain('llama-server');
    expect(fix).toContain('--provider openai');
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
      prompt: { id: 'planner.draft', version: '2' },
    });
  });

  it('pipewright plan --provider llamacpp fails with the install command', async () => {
    await expect(cli(GOAL, '--provider', 'llamacpp')).rejects.toMatchObject({
      code: 'LLM_PROVIDER_UNSUPPORTED',
      fix: expect.stringContaining('npm i -E node-llama-cpp@3.21.1'),
    });
  });
});
