import type { BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ask, askPrompt, attachMemory, checkCitedIds, idsIn } from '../../src/lineage/index.ts';
import { configSecrets, redactText } from '../../src/lineage/redact.ts';
import { failingPlan, setup } from './helpers.ts';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A scripted chat model that keeps the prompts it was sent. */
class RecordingModel extends FakeListChatModel {
  prompts: string[] = [];
  override async _generate(
    messages: BaseMessage[],
    options?: this['ParsedCallOptions'],
  ): Promise<ChatResult> {
    this.prompts.push(messages.map((m) => m.text).join('\n'));
    return super._generate(messages, options);
  }
}

/** A chat model whose server is down. */
class DownModel extends FakeListChatModel {
  override async _generate(): Promise<ChatResult> {
    throw new Error('connect ECONNREFUSED 127.0.0.1:8000 (key sk-live-abcdef123456)');
  }
}

const API_KEY = 'sk-test-0123456789abcdef';
const INVENTED = 'run-20990101-000000-ffffff';

/** Two failed runs in memory whose error messages carry secrets; the config holds the same API key. */
async function failedRuns() {
  const env = setup();
  cleanups.push(() => env.store.close());
  const memory = attachMemory(env.store, env.config, { log: () => {}, retryMs: 60_000 });
  cleanups.push(() => memory.detach());
  const secretMessage = `CUDA out of memory while uploading with password=hunter2 and key ${API_KEY}`;
  const first = await env.engine.run(failingPlan(secretMessage), { createdBy: 'cron' });
  const last = await env.engine.run(failingPlan(secretMessage), { createdBy: 'cron' });
  expect(await memory.flush()).toEqual({ pending: 0 });
  const config = { ...env.config, llmApiKey: API_KEY };
  return { ...env, config, first: first.runId, last: last.runId };
}

describe('ask with a chat model', () => {
  it('the model writes the answer from redacted evidence; ids it invents are removed and flagged', async () => {
    const env = await failedRuns();
    const model = new RecordingModel({
      responses: [
        `Run ${env.last} failed because the GPU ran out of memory (${env.last}). The same happened in ${env.first} and in ${INVENTED}.`,
      ],
    });
    const a = await ask(
      env.store,
      env.config,
      "Why did last night's run fail, and has that happened before?",
      {
        model,
      },
    );

    expect(model.prompts).toHaveLength(1);
    const sent = model.prompts[0] as string;
    // The evidence and its ids reach the model, with the instruction to cite only them.
    expect(sent).toContain(env.last);
    expect(sent).toContain(env.first);
    expect(sent).toContain('out of memory');
    expect(sent).toMatch(/Cite only ids from that list/);
    // Secrets never do: not the configured key, not a password in an error message.
    expect(sent).not.toContain(API_KEY);
    expect(sent).not.toContain('hunter2');
    expect(sent).toContain('[redacted]');

    expect(a.writtenBy).toBe('model');
    expect(a.prompt).toBe(`${askPrompt().id}@${askPrompt().version}`);
    expect(a.answer).toContain(`Run ${env.last} failed because the GPU ran out of memory`);
    expect(a.answer).toContain(env.first);
    expect(a.answer).not.toMatch(new RegExp(`in ${INVENTED}`));
    expect(a.answer).toContain('[id not in evidence]');
    expect(a.unverifiedIds).toEqual([INVENTED]);
    expect(a.citations.runs).toEqual([env.last, env.first]);
    expect(a.citations.runs).not.toContain(INVENTED);
  });

  it('falls back to the templated answer when the model fails, and says so', async () => {
    const env = await failedRuns();
    const a = await ask(env.store, env.config, 'why did the last run fail?', {
      model: new DownModel({ responses: [] }),
    });
    expect(a.writtenBy).toBe('template');
    expect(a.answer).toContain(`Run ${env.last} (nightly-gpu) failed`);
    expect(a.note).toMatch(/could not write this answer \(connect ECONNREFUSED/);
    expect(a.note).not.toContain('sk-live-abcdef123456');
    expect(a.answer).toContain(a.note as string);
  });

  it('without a model (offline provider) the template answers, with no note', async () => {
    const env = await failedRuns();
    expect(env.config.llmProvider).toBe('offline');
    const a = await ask(env.store, env.config, 'why did the last run fail?');
    expect(a.writtenBy).toBe('template');
    expect(a.note).toBeUndefined();
    expect(a.answer).toContain(env.last);
  });

  it('a configured provider that cannot be set up falls back to the template and says why', async () => {
    const env = await failedRuns();
    const config = {
      ...env.config,
      llmProvider: 'openai' as const,
      llmModel: undefined,
      llmBaseUrl: undefined,
    };
    const a = await ask(env.store, { ...config, llmApiKey: undefined }, 'why did the last run fail?');
    expect(a.writtenBy).toBe('template');
    expect(a.note).toMatch(/openai.*could not write this answer/);
  });
});

describe('cited ids', () => {
  it('keeps ids from the evidence (with or without their prefix) and removes the others', () => {
    const allowed = ['run-20260101-010101-aaaaaa', 'model:churn@3', 'dep-1a2b'];
    const r = checkCitedIds(
      'Run run:run-20260101-010101-aaaaaa trained model:churn@3, deployed as deployment:dep-1a2b. ' +
        'See also run-20260101-010101-bbbbbb and dataset:0123456789ab.',
      allowed,
    );
    expect(r.unknown).toEqual(['run-20260101-010101-bbbbbb', 'dataset:0123456789ab']);
    expect(r.text).toContain(
      'run:run-20260101-010101-aaaaaa trained model:churn@3, deployed as deployment:dep-1a2b.',
    );
    expect(r.text).toContain('See also [id not in evidence] and [id not in evidence].');
    expect(idsIn('from run-1-2-3, model:a@1.')).toEqual(['run-1-2-3', 'model:a@1']);
  });
});

describe('redaction', () => {
  it('removes configured secrets and credential-shaped text, and keeps the rest', () => {
    const secrets = configSecrets({
      llmApiKey: 'my-very-own-key',
      databaseUrl: 'postgres://etl:s3cr%40t@db:5432/pw',
    });
    expect(secrets).toContain('s3cr@t');
    const text = redactText(
      'auth failed for postgres://etl:s3cr%40t@db:5432/pw; api_key=abc123def; Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x; ' +
        'used my-very-own-key and xoxb-123456789012-abcdef and sk-proj-abcdefghijk; password "s3cr@t"; column tenure_months missing',
      secrets,
    );
    for (const leaked of ['s3cr', 'abc123def', 'eyJhbGci', 'my-very-own-key', 'xoxb-1234', 'sk-proj'])
      expect(text).not.toContain(leaked);
    expect(text).toContain('auth failed for [redacted];');
    expect(text).toContain('column tenure_months missing');
  });

  it('treats the password of the Redis URL as a secret too', () => {
    const secrets = configSecrets({ redisUrl: 'redis://:queue-pass-9@queue-host:6379' });
    expect(secrets).toContain('queue-pass-9');
    expect(redactText('worker lost queue-pass-9', secrets)).toBe('worker lost [redacted]');
  });
});
