/**
 * The AI goal grammar (agents/planner/offline/ai.ts), its builder (agents/planner/build/ai.ts) and the planner
 * with an LLM drafting an AI plan: each read directly, then through the planner graph on a real workspace.
 */
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAi } from '../../../agents/planner/build/ai.ts';
import { type PlannerDeps, planGoal, workspaceDeps } from '../../../agents/planner/index.ts';
import { emptyLookups } from '../../../agents/planner/lookups.ts';
import { answerAi, parseAi } from '../../../agents/planner/offline/ai.ts';
import { parseGoal } from '../../../agents/planner/offline/index.ts';
import { writeAiWorkspace } from '../../../evals/planner/ai-eval.ts';
import { fullRegistry, makeWorkspace } from '../../../evals/planner/harness.ts';
import { validatePlan } from '../../../src/plan/index.ts';
import { scriptedLlm } from '../helpers.ts';

describe('parseAi', () => {
  it('leaves tabular goals alone', () => {
    expect(parseAi('predict species from data/penguins.json, deploy if accuracy >= 0.9')).toBeUndefined();
    expect(
      parseAi('every night retrain the churn model and tell me on Slack when the data drifts'),
    ).toBeUndefined();
    expect(parseGoal('predict species from data/penguins.json').operation).toBe('pipeline');
    // A model named "...-llm" and a person's own fine-tuning script are not LLM calls.
    expect(parseAi('register out/ckpt.pt as penguins-llm')).toBeUndefined();
    expect(
      parseGoal('fine-tune with scripts/finetune.py using 4 GPUs, then register out/ckpt.pt as penguins-llm')
        .operation,
    ).toBe('script');
  });

  it('reads what is indexed, how it is chunked and embedded, and the eval', () => {
    expect(
      parseAi(
        'chunk the markdown files in docs/ into 500-token chunks with 50 tokens of overlap, embed them with OpenAI and build a search index called kb, then check that the top 3 results answer evals/q.jsonl',
      ),
    ).toMatchObject({
      task: 'index',
      docs: 'docs',
      docsNamed: true,
      formats: ['markdown'],
      chunk: { size: 500, unit: 'tokens', overlap: 50 },
      embeddings: 'openai',
      index: 'kb',
      evaluate: true,
      questions: 'evals/q.jsonl',
      k: 3,
      register: false,
      serve: false,
    });
    expect(parseAi('index docs/**/*.md by headings')).toMatchObject({
      docs: 'docs/**/*.md',
      chunk: { strategy: 'headings' },
      evaluate: false,
    });
  });

  it('tells gates from alerts, and k from recall@k', () => {
    expect(parseAi('RAG over docs/: register the index if hit rate is at least 90%')).toMatchObject({
      gate: { metric: 'hit_rate', op: '>=', value: 0.9 },
      register: true,
      evaluate: true,
    });
    expect(
      parseAi('nightly retrieval eval of docs/, alert me on Slack when recall@5 drops below 0.75'),
    ).toMatchObject({ alert: { metric: 'recall', below: 0.75 }, k: 5, evaluate: true });
    expect(parseAi('evaluate retrieval of docs/ and warn me if MRR gets worse')).toMatchObject({
      alert: { metric: 'mrr' },
    });
  });

  it('reads serving, folder triggers, LLM calls, judges and query drift', () => {
    expect(parseAi('Index docs/ and serve it behind an API')).toMatchObject({ serve: true, register: true });
    expect(parseAi('re-index docs/ whenever a file in it changes')).toMatchObject({ onChange: true });
    expect(
      parseAi(
        'Classify data/tickets.csv with an LLM using prompts/triage.md and grade the answers with a judge',
      ),
    ).toMatchObject({ task: 'llm', rows: 'data/tickets.csv', prompt: 'prompts/triage.md', judge: true });
    expect(parseAi('summarise each document in docs/ with GPT using prompts/sum.md')).toMatchObject({
      task: 'llm',
      docs: 'docs',
      prompt: 'prompts/sum.md',
    });
    expect(parseAi('watch the kb search index for query drift')).toMatchObject({
      task: 'monitor',
      index: 'kb',
    });
  });

  it('fills a missing folder, question set or prompt from an answer', () => {
    const ai = parseAi('index the wiki for semantic search and check retrieval') as NonNullable<
      ReturnType<typeof parseAi>
    >;
    expect(answerAi(ai, 'goal', 'docs/')).toMatchObject({ docs: 'docs', docsNamed: true });
    expect(answerAi(ai, 'goal', 'it is in evals/qa.jsonl')).toMatchObject({ questions: 'evals/qa.jsonl' });
  });
});

describe('buildAi', () => {
  const files = new Set(['docs', 'evals/questions.jsonl', 'prompts/summary.md']);
  const ctx = {
    look: emptyLookups(''),
    describe: async () => undefined as never,
    exists: (f: string) => files.has(f),
  };
  type StepLike = { id: string; task?: string; when?: string; with?: Record<string, unknown> };
  const plan = (goal: string) => {
    const out = buildAi(parseGoal(goal), ctx);
    if (out.kind !== 'plan') throw new Error(`expected a plan, got ${JSON.stringify(out)}`);
    return { ...out.plan, steps: out.plan.steps as StepLike[] };
  };

  it('indexes, evaluates, gates the registration and the deploy, and asks first', () => {
    const p = plan(
      'Index docs/, evaluate on evals/questions.jsonl and deploy the index if recall@5 is at least 0.85',
    );
    expect(p.steps.map((s) => s.task ?? s.id)).toEqual([
      'docs.load',
      'docs.chunk',
      'embed.chunks',
      'index.lancedb',
      'evaluate.retrieval',
      'index.register',
      'approve',
      'deploy.http',
    ]);
    const deploy = p.steps.find((s) => s.id === 'deploy');
    expect(deploy).toMatchObject({
      when: 'steps.evaluate.outputs.metrics.recall >= 0.85',
      with: { model: 'docs', version: '${{ steps.register.outputs.version }}' },
    });
  });

  it('alerts on Slack below the level, with the webhook as a run input, on a schedule', () => {
    const p = plan('every night evaluate retrieval of docs/ and tell me on Slack if recall drops');
    const notify = p.steps.find((s) => s.id === 'notify');
    expect(notify).toMatchObject({
      task: 'notify.send',
      when: 'steps.evaluate.outputs.metrics.recall < 0.8',
      with: { channel: 'slack', url: '${{ inputs.slack_webhook }}' },
    });
    expect(p.trigger?.schedule).toBe('0 2 * * *');
    expect(p.inputs?.slack_webhook).toBeDefined();
    expect(p.metadata?.notes).toEqual(expect.arrayContaining([expect.stringContaining('fires below 0.8')]));
  });

  it('re-indexes on a folder trigger, declaring the file input the trigger sets', () => {
    const p = plan('re-index docs/ whenever a file changes');
    expect(p.trigger).toEqual({ event: 'file.arrived' });
    expect(p.inputs?.file).toMatchObject({ default: '' });
  });

  it('asks for what is missing: the folder, the question set, the prompt', () => {
    expect(buildAi(parseGoal('index wiki/ for semantic search'), ctx)).toMatchObject({
      kind: 'clarify',
      question: expect.stringContaining('"wiki"'),
    });
    expect(buildAi(parseGoal('index docs/ and check retrieval on qa.jsonl'), ctx)).toMatchObject({
      kind: 'clarify',
      question: expect.stringContaining('qa.jsonl'),
    });
    expect(buildAi(parseGoal('classify data/tickets.csv with an LLM'), ctx)).toMatchObject({
      kind: 'clarify',
      question: expect.stringContaining('prompt'),
    });
  });
});

describe('the planner on AI goals', () => {
  let ws: ReturnType<typeof makeWorkspace>;
  let base: Omit<PlannerDeps, 'model'>;
  beforeAll(async () => {
    ws = makeWorkspace();
    writeAiWorkspace(ws.dir);
    base = { registry: await fullRegistry(), ...workspaceDeps(ws.dir) };
  });
  afterAll(() => ws.cleanup());

  it("plans the issue's goal offline into a plan that validates against the catalog", async () => {
    const out = await planGoal(
      'chunk the markdown files in docs/, embed them and build a search index, then check that the top 5 results answer our 20 test questions',
      base,
    );
    expect(out.kind).toBe('plan');
    if (out.kind !== 'plan') return;
    expect(validatePlan(out.plan, base.registry).ok).toBe(true);
    const evaluate = out.plan.steps.find((s) => s.id === 'evaluate');
    expect(evaluate).toMatchObject({ with: { questions: 'evals/questions.jsonl', k: 5 } });
  });

  it('with an LLM, the drafted AI plan goes through the same validation', async () => {
    const drafted = {
      name: 'docs-rag',
      steps: [
        { id: 'load', task: 'docs.load', with: { path: 'docs' } },
        {
          id: 'chunk',
          task: 'docs.chunk',
          dependsOn: ['load'],
          with: { documents: '${{ steps.load.outputs.dataset }}' },
        },
        {
          id: 'embed',
          task: 'embed.chunks',
          dependsOn: ['chunk'],
          with: { chunks: '${{ steps.chunk.outputs.dataset }}' },
        },
        {
          id: 'index',
          task: 'index.lancedb',
          dependsOn: ['embed'],
          with: { embeddings: '${{ steps.embed.outputs.dataset }}', name: 'docs' },
        },
        {
          id: 'eval',
          task: 'evaluate.retrieval',
          dependsOn: ['index'],
          with: { index: '${{ steps.index.outputs.index }}', questions: 'evals/questions.jsonl', k: 5 },
        },
      ],
    };
    const bad = {
      ...drafted,
      steps: [
        ...drafted.steps,
        { id: 'deploy', task: 'deploy.http', dependsOn: ['eval'], with: { model: 'docs', version: 1 } },
      ],
    };
    const out = await planGoal('index our docs for RAG and check retrieval quality', {
      ...base,
      ...scriptedLlm(
        new FakeListChatModel({
          responses: [JSON.stringify({ plan: bad }), JSON.stringify({ plan: drafted })],
        }),
      ),
    });
    // The first draft deploys without an approval: refused by the validator, repaired on the second draft.
    expect(out.kind).toBe('plan');
    if (out.kind !== 'plan') return;
    expect(out.plan.steps.map((s) => s.id)).toEqual(['load', 'chunk', 'embed', 'index', 'eval']);
    expect(out.plan.metadata.attempts).toBe(2);
  });
});
