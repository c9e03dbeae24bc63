/**
 * Planning conversations on the populated workspace (agents/planner/conversation.ts): answers fill the missing
 * piece, follow-ups edit the plan under review, a failed edit keeps the plan before it, and the thread lives
 * in the checkpointer, so a new process (a new graph on the same SQLite file) carries on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BaseCheckpointSaver, MemorySaver } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  type ConversationTurn,
  createPlannerGraph,
  PlanConversation,
  workspaceDeps,
} from '../../agents/planner/index.ts';
import type { Plan } from '../../src/plan/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../fixtures/populated-workspace.ts';

let ws: PopulatedWorkspace;
beforeAll(async () => {
  ws = await populatedWorkspace();
}, 300_000);

const deps = () => ({
  registry: builtinRegistry(),
  ...workspaceDeps(ws.dir, ws.config, { now: () => ws.now }),
});
const talk = (checkpointer: BaseCheckpointSaver = new MemorySaver()) =>
  new PlanConversation(createPlannerGraph(deps(), { checkpointer }));

function reviewed(turn: ConversationTurn): Plan {
  if (turn.kind !== 'review') throw new Error(`expected a plan under review, got ${JSON.stringify(turn)}`);
  return turn.plan;
}
const tasks = (plan: Plan, prefix: string) =>
  plan.steps.flatMap((s) => (s.kind === 'task' && s.task.startsWith(prefix) ? [s] : []));

describe('answers fill the missing piece', () => {
  it('"which staging model?" → "the cars one" binds cars-mpg@staging', async () => {
    const c = talk();
    const first = await c.start('t1', 'score data/new-cars.json with the staging model');
    expect(first.kind).toBe('clarify');
    if (first.kind === 'clarify') expect(first.question).toMatch(/cars-mpg .* or penguins-species/);
    const plan = reviewed(await c.say('t1', 'the cars one'));
    expect(tasks(plan, 'predict.')[0]?.with.model).toBe('cars-mpg@staging');
  });

  it('"which column?" → "Island" becomes the target, not more goal text', async () => {
    const c = talk();
    expect((await c.start('t2', 'train a model on data/penguins.json')).kind).toBe('clarify');
    const plan = reviewed(await c.say('t2', 'Island'));
    expect(tasks(plan, 'train.')[0]?.with.target).toBe('Island');
    expect(plan.goal).toBe('train a model on data/penguins.json');
  });
});

describe('follow-ups edit the plan under review', () => {
  it('swap a model, then an edit that cannot work keeps the plan and lists why', async () => {
    const c = talk();
    const first = reviewed(
      await c.start('t3', 'predict species from data/penguins.json with a random forest and deploy it'),
    );
    expect(tasks(first, 'train.').map((s) => s.with.algorithm)).toEqual(['random_forest']);
    const swapped = reviewed(await c.say('t3', 'use gradient boosting instead'));
    expect(tasks(swapped, 'train.').map((s) => s.with.algorithm)).toEqual(['gradient_boosting']);
    // Everything else stays: the deploy, its approval and the comparison with production.
    expect(tasks(swapped, 'deploy.')).toHaveLength(1);
    expect(tasks(swapped, 'evaluate.')[0]?.with.baseline).toBe('penguins-species@production');

    const bad = await c.say('t3', 'predict the wingspan instead');
    expect(bad.kind).toBe('review');
    if (bad.kind === 'review') {
      expect(bad.problems[0]?.message).toMatch(/the change was not made: .*"wingspan"/);
      expect(bad.plan).toEqual(swapped);
    }
    const done = await c.approve('t3');
    expect(done.kind === 'done' && done.result.kind === 'plan' && done.result.plan.metadata.review).toEqual({
      decision: 'approved',
    });
  });

  it('drop a model, change a threshold, remove a stage, add an approver', async () => {
    const c = talk();
    reviewed(
      await c.start(
        't4',
        'compare a random forest and logistic regression for mpg on data/cars.json, deploy if r2 >= 0.7, check drift',
      ),
    );
    const dropped = reviewed(await c.say('t4', 'drop the random forest'));
    expect(tasks(dropped, 'train.').map((s) => s.with.algorithm)).toEqual(['linear_regression']);
    const raised = reviewed(await c.say('t4', 'make the threshold 0.8'));
    expect(raised.steps.find((s) => s.id === 'deploy')?.when).toMatch(/metrics\.r2 >= 0\.8/);
    const noDrift = reviewed(await c.say('t4', 'remove the drift check'));
    expect(tasks(noDrift, 'monitor.')).toEqual([]);
    const approvers = reviewed(await c.say('t4', 'ask bob for approval'));
    expect(approvers.steps.find((s) => s.kind === 'approval')?.approvers).toEqual(['bob']);
  });
});

describe('the conversation is checkpointed', () => {
  it('a new graph on the same SQLite file continues the thread', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-conv-'));
    const file = path.join(dir, 'c.db');
    const a = SqliteSaver.fromConnString(file);
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const first = await talk(a).start(
      't5',
      'check the served traffic of the penguins-species model for drift',
    );
    expect(first.kind).toBe('review');
    a.db.close();
    const b = SqliteSaver.fromConnString(file);
    onTestFinished(() => {
      b.db.close();
    });
    const again = talk(b);
    expect((await again.pending('t5'))?.kind).toBe('review');
    const slack = reviewed(await again.say('t5', 'and tell me on Slack'));
    expect(tasks(slack, 'notify.')[0]?.with.channel).toBe('slack');
    expect(tasks(slack, 'monitor.traffic')[0]?.with.model).toBe('penguins-species');
  });
});
