/**
 * describe_dataset and task_catalog as tools of an LLM planner: a scripted model (FakeListChatModel, whose
 * AIMessage answers carry tool calls) calls them before drafting, and gets ToolMessages back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AIMessage, type BaseMessage, type ToolMessage } from '@langchain/core/messages';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createDescribeDataset,
  createPlannerGraph,
  loadToolPrompts,
  type PlannerDeps,
  planGoal,
  taskCatalogTool,
  workspaceDeps,
} from '../../agents/planner/index.ts';
import { fullRegistry, makeWorkspace } from '../../evals/planner/harness.ts';
import { PENGUINS_VERSION_PLAN, scriptedLlm } from './helpers.ts';

const goal = 'version data/penguins.json for a species model';

/** An answer of the scripted model that calls one tool. */
const callTools = (...calls: [name: string, args: Record<string, unknown>, id: string][]) =>
  new AIMessage({
    content: '',
    tool_calls: calls.map(([name, args, id]) => ({ id, name, args, type: 'tool_call' as const })),
  }) as unknown as string;
const callTool = (name: string, args: Record<string, unknown>, id = 'call-1') => callTools([name, args, id]);

let ws: ReturnType<typeof makeWorkspace>;
let outside: string;
let base: Omit<PlannerDeps, 'model'>;
beforeAll(async () => {
  ws = makeWorkspace();
  outside = mkdtempSync(path.join(tmpdir(), 'pw-outside-'));
  writeFileSync(path.join(outside, 'people.csv'), 'user,note\nana,TOPSECRET-outside\n');
  writeFileSync(path.join(ws.dir, '.env'), 'PIPEWRIGHT_LLM_API_KEY=sk-live-TOPSECRET-env\n');
  writeFileSync(
    path.join(ws.dir, 'data', 'users.csv'),
    'name,password,note,age\nana,hunter2-TOPSECRET,key sk-abcdefghijklmnop,31\nbo,pw-TOPSECRET,fine,42\n',
  );
  base = { registry: await fullRegistry(), ...workspaceDeps(ws.dir) };
});
afterAll(() => {
  ws.cleanup();
  rmSync(outside, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every message list the scripted model is called with (its tool-bound copy included). */
function recordInputs(): () => BaseMessage[][] {
  const spy = vi.spyOn(FakeListChatModel.prototype, '_generate');
  return () => spy.mock.calls.map((c) => c[0]);
}

const withTools = (
  responses: string[],
  maxRounds?: number,
): Pick<PlannerDeps, 'model' | 'prompt' | 'modelInfo' | 'tools'> => ({
  ...scriptedLlm(new FakeListChatModel({ responses })),
  tools: { ...loadToolPrompts(), ...(maxRounds ? { maxRounds } : {}) },
});

describe('describe_dataset as a tool of the LLM planner', () => {
  it('the model calls describe_dataset, receives the real columns in its next input, then drafts', async () => {
    const seen = recordInputs();
    const out = await planGoal(goal, {
      ...base,
      ...withTools([
        callTool('describe_dataset', { path: 'data/cars.json' }),
        JSON.stringify({ plan: PENGUINS_VERSION_PLAN }),
      ]),
    });
    expect(out.kind).toBe('plan');
    const inputs = seen();
    expect(inputs).toHaveLength(2);

    const [first, second] = inputs as [BaseMessage[], BaseMessage[]];
    expect(first.map((m) => m.getType())).toEqual(['system', 'human']);
    expect(String(first[0]?.content)).toContain('describe_dataset(path)');
    expect(String(first[1]?.content)).not.toContain('Miles_per_Gallon');

    const reply = second.at(-1) as ToolMessage;
    expect(reply.getType()).toBe('tool');
    expect(reply.tool_call_id).toBe('call-1');
    expect(reply.status).toBe('success');
    const described = JSON.parse(String(reply.content));
    expect(described.path).toBe('data/cars.json');
    expect(described.rows).toBe(406);
    expect(described.columns.map((c: { name: string }) => c.name)).toContain('Miles_per_Gallon');
    expect(described.sample).toHaveLength(3);

    if (out.kind !== 'plan') return;
    expect(out.plan.metadata).toMatchObject({
      planner: 'llm',
      attempts: 1,
      tools: {
        prompt: { id: 'planner.tools', version: '2' },
        calls: [{ name: 'describe_dataset', args: { path: 'data/cars.json' }, ok: true }],
      },
    });
  });

  it('a path outside the workspace, a hidden file, an unknown tool: error ToolMessages, never file contents', async () => {
    const seen = recordInputs();
    const outsidePath = path.relative(ws.dir, path.join(outside, 'people.csv'));
    const out = await planGoal(goal, {
      ...base,
      ...withTools([
        callTools(
          ['describe_dataset', { path: outsidePath }, 'c-out'],
          ['describe_dataset', { path: path.join(outside, 'people.csv') }, 'c-abs'],
          ['describe_dataset', { path: '.env' }, 'c-env'],
          ['drop_tables', { all: true }, 'c-unknown'],
        ),
        JSON.stringify({ plan: PENGUINS_VERSION_PLAN }),
      ]),
    });
    expect(out.kind).toBe('plan');
    const inputs = seen();
    const replies = (inputs.at(-1) as BaseMessage[]).filter((m): m is ToolMessage => m.getType() === 'tool');
    expect(replies.map((r) => [r.tool_call_id, r.status])).toEqual([
      ['c-out', 'error'],
      ['c-abs', 'error'],
      ['c-env', 'error'],
      ['c-unknown', 'error'],
    ]);
    expect(String(replies[0]?.content)).toMatch(/^error: .*outside the workspace/);
    expect(String(replies[1]?.content)).toMatch(/outside the workspace/);
    expect(String(replies[2]?.content)).toMatch(/does not read "\.env"/);
    expect(String(replies[3]?.content)).toMatch(/no tool "drop_tables"/);
    const everything = JSON.stringify(inputs) + JSON.stringify(out);
    expect(everything).not.toContain('TOPSECRET');
    if (out.kind === 'plan')
      expect((out.plan.metadata.tools as { calls: { ok: boolean }[] }).calls.map((c) => c.ok)).toEqual([
        false,
        false,
        false,
        false,
      ]);
  });

  it('secret-looking sample values and secret columns are redacted', async () => {
    const describe = createDescribeDataset(ws.dir);
    const d = await describe('data/users.csv');
    expect(d?.columns.map((c) => c.name)).toEqual(['name', 'password', 'note', 'age']);
    expect(d?.sample[0]).toMatchObject({ name: 'ana', password: '[redacted]', note: '[redacted]' });
    expect(d?.sample[1]).toMatchObject({ name: 'bo', password: '[redacted]', note: 'fine' });
    expect(JSON.stringify(d, (_, v) => (typeof v === 'bigint' ? Number(v) : v))).not.toContain('TOPSECRET');
  });

  it('the tool rounds are bounded: a model that keeps calling tools gets maxRounds rounds a draft, then a clear error', async () => {
    const seen = recordInputs();
    let described = 0;
    const graph = createPlannerGraph({
      ...base,
      describe: async (file) => {
        described++;
        return base.describe(file);
      },
      ...withTools([callTool('describe_dataset', { path: 'data/penguins.json' })], 2),
      review: false,
    });
    const err = await graph.invoke({ goal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'PLANNER_NO_VALID_PLAN', retryable: false });
    // Per draft: 2 rounds run + 1 answer still asking for tools, then the structured draft; 3 drafts.
    expect(seen()).toHaveLength(3 * 4);
    // gather describes the goal's file once; each draft runs 2 rounds of one call.
    expect(described).toBe(1 + 3 * 2);
  });

  it('a goal without a named file: the dataset the model described backs the data checks', async () => {
    const wrongTarget = {
      name: 'cars',
      steps: [
        { id: 'load', task: 'ingest.file', with: { path: 'data/cars.json' } },
        {
          id: 'train',
          task: 'train.tabular',
          dependsOn: ['load'],
          with: { dataset: '${{ steps.load.outputs.dataset }}', target: 'mpg', taskType: 'regression' },
        },
      ],
    };
    const seen = recordInputs();
    const err = await planGoal('train a fuel economy model', {
      ...base,
      ...withTools([
        callTool('describe_dataset', { path: 'data/cars.json' }),
        JSON.stringify({ plan: wrongTarget }),
      ]),
      maxAttempts: 1,
    }).catch((e: unknown) => e);
    expect(seen()).toHaveLength(2);
    expect(err).toMatchObject({ code: 'PLANNER_NO_VALID_PLAN' });
    expect(String((err as Error).message)).toContain('"mpg" is not a column of data/cars.json');
  });
});

describe('task_catalog tool', () => {
  it('lists tasks, gives full input and output schemas by id, and names unknown ids', async () => {
    const t = taskCatalogTool(base.registry);
    const all = JSON.parse(await t.invoke({}));
    expect(all.find((c: { id: string }) => c.id === 'train.tabular')).toMatchObject({ needsApproval: false });
    expect(all[0].input).toBeUndefined();
    const [train] = JSON.parse(await t.invoke({ ids: ['train.tabular'] }));
    expect(train.input.properties.target).toBeDefined();
    expect(train.output.properties).toBeDefined();
    await expect(t.invoke({ ids: ['train.tabluar'] })).rejects.toMatchObject({ code: 'TASK_UNKNOWN' });
  });
});
