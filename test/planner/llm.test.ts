import { describe, expect, it } from 'vitest';
import { loadDraftPrompt } from '../../agents/planner/index.ts';
import { createChatModel, parsePrompt } from '../../src/llm/index.ts';

describe('prompts are versioned files', () => {
  it('loads the draft prompt and checks its variables', () => {
    const p = loadDraftPrompt();
    expect(p).toMatchObject({ id: 'planner.draft', version: '2' });
    expect(() => p.render({ goal: 'g', catalog: '[]', dataset: 'none' })).toThrow(/missing: feedback/);
    expect(p.render({ goal: 'GOAL', catalog: '[]', dataset: 'none', feedback: '', pastRuns: '' })).toContain(
      'GOAL',
    );
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
