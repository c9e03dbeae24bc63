import { FakeListChatModel } from '@langchain/core/utils/testing';
import { MemorySaver } from '@langchain/langgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPlannerGraph,
  loadDraftPrompt,
  type PlannerDeps,
  planGoal,
  workspaceDeps,
} from '../../agents/planner/index.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';
import { isPipewrightError } from '../../src/errors.ts';
import { createChatModel, parsePrompt } from '../../src/llm/index.ts';
import { PENGUINS_VERSION_PLAN, scriptedLlm } from './helpers.ts';

describe('prompts are versioned files', () => {
  it('loads the draft prompt and checks its variables', () => {
    const p = loadDraftPrompt();
    expect(p).toMatchObject({ id: 'planner.draft', version: '3' });
    expect(() => p.render({ goal: 'g', catalog: '[]', dataset: 'none' })).toThrow(/missing: feedback/);
    expect(
      p.render({ goal: 'GOAL', catalog: '[]', dataset: 'none', feedback: '', pastRuns: '', workspace: 'W' }),
    ).toContain('GOAL');
  });
  it('rejects a prompt whose body and variables disagree', () => {
    expect(() => parsePrompt('---\nid: x\nversion: 1\nvariables: [a]\n---\n{{b}}')).toThrow(
      /used but not declared: b/,
    );
  });
});

describe('createChatModel', () => {
  it('offline means no model', async () => {
    expect(await createChatModel({ provider: 'offline' })).toBeUndefined();
  });
  it('names the package to install for a provider that is not installed, without echoing the key', async () => {
    const err = await createChatModel({ provider: 'openai', model: 'gpt-x', apiKey: 'sk-secret' }).catch(
      (e: unknown) => e,
    );
    const installed = !(err instanceof Error);
    if (installed) return; // @langchain/openai present: nothing to assert here.
    expect(err).toMatchObject({ code: 'LLM_PACKAGE_MISSING' });
    expect(String((err as { fix?: string }).fix)).toContain('npm install @langchain/openai');
    expect(JSON.stringify(err)).not.toContain('sk-secret');
  });
  it('rejects bad settings', async () => {
    await expect(createChatModel({ provider: 'ollama', baseUrl: 'not a url' })).rejects.toMatchObject({
      code: 'LLM_CONFIG',
    });
  });
});

describe('bad answers from the LLM: repaired, then a clear error, never a half-made plan', () => {
  const GOAL = 'split data/penguins.json for a species model';
  /** A plan that parses as an envelope but breaks three rules. */
  const BROKEN = {
    name: 'broken',
    steps: [
      { id: 'load', task: 'ingest.fil', with: { path: 'data/penguins.json' } },
      { id: 'load', task: 'dataset.version', dependsOn: ['nowhere'], with: {} },
    ],
  };
  let ws: ReturnType<typeof makeWorkspace>;
  let base: Omit<PlannerDeps, 'model'>;
  beforeAll(async () => {
    ws = makeWorkspace();
    base = { registry: await fullRegistry(), ...workspaceDeps(ws.dir) };
  });
  afterAll(() => ws.cleanup());

  /** A model whose every request fails like a client that gave up (after its own retries). */
  class Failing extends FakeListChatModel {
    calls = 0;
    constructor(private readonly error: () => Error) {
      super({ responses: [''] });
    }
    override async _generate(): Promise<never> {
      this.calls++;
      throw this.error();
    }
  }

  it('garbage twice, then a plan: the third draft is taken, each retry told what was wrong', async () => {
    const seen: string[] = [];
    class Recording extends FakeListChatModel {
      override async _generate(...args: Parameters<FakeListChatModel['_generate']>) {
        seen.push(args[0].map((m) => String(m.content)).join('\n'));
        return super._generate(...args);
      }
    }
    const out = await planGoal(GOAL, {
      ...base,
      ...scriptedLlm(
        new Recording({
          responses: ['Sure! Here is', '{"plan": [1, 2', JSON.stringify({ plan: PENGUINS_VERSION_PLAN })],
        }),
      ),
    });
    expect(out.kind === 'plan' && out.plan.metadata.attempts).toBe(3);
    expect(seen).toHaveLength(3);
    expect(seen[1]).toContain("the model's answer was not a plan envelope");
    expect(seen[2]).toContain('had these problems');
  });

  it('an invalid plan three times: PLANNER_NO_VALID_PLAN with every problem; no plan in the state, no review waiting', async () => {
    const checkpointer = new MemorySaver();
    const graph = createPlannerGraph(
      { ...base, ...scriptedLlm(new FakeListChatModel({ responses: [JSON.stringify({ plan: BROKEN })] })) },
      { checkpointer },
    );
    const config = { configurable: { thread_id: 'broken' } };
    const err = await graph.invoke({ goal: GOAL }, config).catch((e: unknown) => e);
    expect(isPipewrightError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'PLANNER_NO_VALID_PLAN', category: 'third-party', retryable: false });
    const problems = (err as { details: { problems: { path: string }[] } }).details.problems.map(
      (p) => p.path,
    );
    expect(problems).toEqual(expect.arrayContaining(['steps[0].task', 'steps[1].id']));
    expect(problems.length).toBeGreaterThanOrEqual(3);
    const state = await graph.getState(config);
    expect(state.values.plan).toBeUndefined();
    expect(state.values.result).toBeUndefined();
    expect(state.tasks.flatMap((t) => t.interrupts)).toEqual([]);
  });

  it('a model that times out is not a repair round: LLM_TIMEOUT after one request (the client retried)', async () => {
    const model = new Failing(() => Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' }));
    const err = await planGoal(GOAL, { ...base, ...scriptedLlm(model) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LLM_TIMEOUT', category: 'third-party', retryable: true });
    expect(String((err as { fix: string }).fix)).toContain('PIPEWRIGHT_LLM_TIMEOUT_MS');
    expect(model.calls).toBe(1);
  });

  it('a refused connection is LLM_REQUEST_FAILED, and the key never shows', async () => {
    const model = new Failing(() =>
      Object.assign(new Error('fetch failed (key sk-live-123456)'), { cause: { code: 'ECONNREFUSED' } }),
    );
    const err = await planGoal(GOAL, { ...base, ...scriptedLlm(model) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LLM_REQUEST_FAILED' });
    expect(JSON.stringify(err)).not.toContain('sk-live');
    expect(model.calls).toBe(1);
  });
});
