import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../../src/config.ts';

describe('config', () => {
  it('prefers options over environment over defaults', () => {
    const env = {
      PIPEWRIGHT_WORKSPACE: '/tmp/ws-env',
      PIPEWRIGHT_USER: 'env-user',
      PIPEWRIGHT_LLM_PROVIDER: 'ollama',
    };
    const fromEnv = loadConfig({}, env);
    expect(fromEnv).toMatchObject({
      workspace: '/tmp/ws-env',
      user: 'env-user',
      llmProvider: 'ollama',
      embeddings: 'lexical',
    });
    expect(fromEnv.stateDir).toBe('/tmp/ws-env/.pipewright');
    expect(fromEnv.memoryDir).toBe('/tmp/ws-env/.pipewright/memory');
    const fromOption = loadConfig({ user: 'opt-user', workspace: '/tmp/ws-opt' }, env);
    expect(fromOption).toMatchObject({ user: 'opt-user', workspace: '/tmp/ws-opt' });
  });

  it('names the variable to fix when a value is invalid', () => {
    expect(() => loadConfig({}, { PIPEWRIGHT_LLM_PROVIDER: 'gpt' })).toThrow(/llmProvider/);
    try {
      loadConfig({}, { PIPEWRIGHT_LLM_TIMEOUT_MS: 'soon' });
      expect.unreachable();
    } catch (e) {
      expect((e as { fix: string }).fix).toContain('PIPEWRIGHT_LLM_TIMEOUT_MS');
    }
  });

  it('never shows secrets', () => {
    const c = loadConfig(
      {},
      { PIPEWRIGHT_LLM_API_KEY: 'sk-secret-123', PIPEWRIGHT_SLACK_BOT_TOKEN: 'xoxb-1' },
    );
    const shown = JSON.stringify(redactConfig(c));
    expect(shown).not.toContain('sk-secret-123');
    expect(shown).not.toContain('xoxb-1');
    expect(shown).toContain('[set, redacted]');
  });
});
