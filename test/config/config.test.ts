import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { childEnv, loadConfig, redactConfig } from '../../src/config.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

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

  it('reads a secret from the file its _FILE variable names, and refuses both at once', () => {
    const dir = makeWorkspace();
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'bot-token');
    writeFileSync(file, 'xoxb-from-a-file\n');
    expect(loadConfig({}, { PIPEWRIGHT_SLACK_BOT_TOKEN_FILE: file }).slackBotToken).toBe('xoxb-from-a-file');
    expect(() =>
      loadConfig({}, { PIPEWRIGHT_SLACK_BOT_TOKEN_FILE: file, PIPEWRIGHT_SLACK_BOT_TOKEN: 'xoxb-1' }),
    ).toThrow(/Both PIPEWRIGHT_SLACK_BOT_TOKEN and PIPEWRIGHT_SLACK_BOT_TOKEN_FILE/);
    expect(() => loadConfig({}, { PIPEWRIGHT_LLM_API_KEY_FILE: path.join(dir, 'missing') })).toThrow(
      /Cannot read the secret file/,
    );
  });

  it('never passes a pipewright setting or a secret value to a child, even when allowlisted', () => {
    const saved = { ...process.env };
    onTestFinished(() => {
      process.env = saved;
    });
    process.env.PIPEWRIGHT_SLACK_BOT_TOKEN = 'xoxb-in-env';
    process.env.INNOCENT_NAME = 'sk-the-llm-key';
    process.env.OTHER = 'fine';
    const config = loadConfig(
      { llmApiKey: 'sk-the-llm-key', envAllowlist: ['PIPEWRIGHT_SLACK_BOT_TOKEN', 'INNOCENT_NAME', 'OTHER'] },
      {},
    );
    expect(childEnv(config)).toEqual({ OTHER: 'fine' });
  });
});
