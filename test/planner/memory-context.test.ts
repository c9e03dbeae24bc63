import path from 'node:path';
import type { BaseMessage } from '@langchain/core/messages';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  memoryPastRuns,
  type PastRun,
  type PlannerDeps,
  planGoal,
  workspaceDeps,
} from '../../agents/planner/index.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';
import { loadConfig } from '../../src/config.ts';
import { memoryIndex } from '../../src/lineage/memory.ts';
import { PENGUINS_VERSION_PLAN, scriptedLlm } from './helpers.ts';

/** A scripted model that keeps every message list it was called with. */
class RecordingModel extends FakeListChatModel {
  seen: string[] = [];
  override async _generate(...args: Parameters<FakeListChatModel['_generate']>) {
    const [messages] = args;
    this.seen.push(
      messages
        .map((m: BaseMessage) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
        .join('\n'),
    );
    return super._generate(...args);
  }
}

const PAST: PastRun[] = [
  {
    runId: 'run-aaa111',
    pipeline: 'penguins-species',
    status: 'failed',
    dataset: 'data/penguins.json',
    errors: ['Step train (train.tabular) failed: Input contains NaN in column "Culmen Length (mm)"'],
    metrics: [],
  },
  {
    runId: 'run-bbb222',
    pipeline: 'penguins-mass',
    status: 'succeeded',
    errors: [],
    metrics: ['Metrics of run run-bbb222 (penguins-mass): evaluate rmse=312.5'],
  },
];

let ws: ReturnType<typeof makeWorkspace>;
let base: Omit<PlannerDeps, 'model'>;
beforeAll(async () => {
  ws = makeWorkspace();
  base = { registry: await fullRegistry(), ...workspaceDeps(ws.dir) };
});
afterAll(() => ws.cleanup());

const goal = 'version data/penguins.json for a species model';

describe('planner context from run memory', () => {
  it('shows similar past runs to the model and records their ids', async () => {
    const model = new RecordingModel({ responses: [JSON.stringify({ plan: PENGUINS_VERSION_PLAN })] });
    let asked = '';
    const out = await planGoal(goal, {
      ...base,
      ...scriptedLlm(model),
      pastRuns: async (g) => {
        asked = g;
        return PAST;
      },
    });
    expect(asked).toBe(goal);
    expect(out.kind).toBe('plan');
    if (out.kind !== 'plan') return;
    expect(model.seen).toHaveLength(1);
    const sent = model.seen[0] as string;
    expect(sent).toContain('Similar past runs');
    expect(sent).toContain('run-aaa111');
    expect(sent).toContain('penguins-species');
    expect(sent).toContain('failed');
    expect(sent).toContain('Input contains NaN');
    expect(sent).toContain('run-bbb222');
    expect(sent).toContain('rmse=312.5');
    expect(out.plan.metadata).toMatchObject({
      planner: 'llm',
      prompt: { id: 'planner.draft', version: '3' },
      pastRuns: ['run-aaa111', 'run-bbb222'],
    });
  });

  it('offline: records past run ids and adds an impute step after a missing-values failure on the same data', async () => {
    const out = await planGoal('train a model on data/penguins.json to predict species', {
      ...base,
      pastRuns: async () => PAST,
    });
    expect(out.kind).toBe('plan');
    if (out.kind !== 'plan') return;
    expect(out.plan.metadata).toMatchObject({ planner: 'offline', pastRuns: ['run-aaa111', 'run-bbb222'] });
    expect(out.notes.join('\n')).toMatch(/run-aaa111.*missing values.*impute/);
    expect(JSON.stringify(out.plan.steps)).toContain('"op":"impute"');

    // A success, or a failure on other data, changes nothing.
    const other = await planGoal('train a model on data/penguins.json to predict species', {
      ...base,
      pastRuns: async () => [
        { ...(PAST[0] as PastRun), dataset: 'data/houses.csv', errors: ['Input contains NaN'] },
      ],
    });
    expect(other.kind).toBe('plan');
    if (other.kind !== 'plan') return;
    expect(JSON.stringify(other.plan.steps)).not.toContain('"op":"impute"');
    expect(other.plan.metadata).toMatchObject({ pastRuns: ['run-aaa111'] });
  });

  it('no memory folder: no context, no error, the plan is still made', async () => {
    const config = loadConfig({ workspace: ws.dir, memoryDir: path.join(ws.dir, 'no-such-memory') });
    expect(await memoryPastRuns(config)('anything')).toEqual([]);
    const deps = { registry: base.registry, ...workspaceDeps(ws.dir, config) };

    const model = new RecordingModel({ responses: [JSON.stringify({ plan: PENGUINS_VERSION_PLAN })] });
    const out = await planGoal(goal, { ...deps, ...scriptedLlm(model) });
    expect(out.kind).toBe('plan');
    expect(model.seen[0]).toContain('Similar past runs:\nnone found');
    if (out.kind === 'plan') expect(out.plan.metadata?.pastRuns).toBeUndefined();

    const offline = await planGoal('train a model on data/penguins.json to predict species', deps);
    expect(offline.kind).toBe('plan');

    // A failing memory lookup is no context either.
    const broken = await planGoal(goal, {
      ...base,
      ...scriptedLlm(new RecordingModel({ responses: [JSON.stringify({ plan: PENGUINS_VERSION_PLAN })] })),
      pastRuns: async () => {
        throw new Error('lance exploded');
      },
    });
    expect(broken.kind).toBe('plan');
  });

  it('reads real run memory through workspaceDeps', async () => {
    const config = loadConfig({ workspace: ws.dir, memoryDir: path.join(ws.dir, 'memory-real') });
    const idx = memoryIndex(config);
    const doc = {
      run_id: 'run-mem777',
      pipeline: 'penguins-species',
      status: 'failed',
      time: '2026-01-01T00:00:00Z',
      model: '',
      dataset: 'data/penguins.json',
      code: '',
      step: '',
    };
    await idx.append([
      {
        ...doc,
        id: 'run-mem777#0',
        kind: 'run',
        text: 'Run run-mem777 of pipeline penguins-species failed. Goal: predict penguin species from data/penguins.json.',
      },
      {
        ...doc,
        id: 'run-mem777#1',
        kind: 'error',
        step: 'train',
        code: 'TRAIN_FAILED',
        text: 'Step train of pipeline penguins-species failed: Input contains NaN (missing values in features).',
      },
    ]);
    idx.close();
    const past = await workspaceDeps(ws.dir, config).pastRuns?.(
      'predict penguin species from data/penguins.json',
    );
    expect(past?.map((r) => r.runId)).toEqual(['run-mem777']);

    const model = new RecordingModel({ responses: [JSON.stringify({ plan: PENGUINS_VERSION_PLAN })] });
    const out = await planGoal('predict penguin species from data/penguins.json', {
      registry: base.registry,
      ...workspaceDeps(ws.dir, config),
      ...scriptedLlm(model),
    });
    expect(out.kind).toBe('plan');
    expect(model.seen[0]).toContain('run-mem777');
    if (out.kind === 'plan') expect(out.plan.metadata?.pastRuns).toEqual(['run-mem777']);
  });
});
