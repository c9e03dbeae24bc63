/**
 * The workspace look-ups as tools for a drafting model (agents/planner/tools/workspace-tools.ts): the same
 * facts the offline resolver uses, over the populated workspace, and a scripted model that calls them before
 * drafting a plan that scores by alias.
 */
import { AIMessage } from '@langchain/core/messages';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  datasetVersionsTool,
  findModelsTool,
  findRunsTool,
  loadToolPrompts,
  openLookups,
  planGoal,
  workspaceDeps,
} from '../../agents/planner/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../fixtures/populated-workspace.ts';
import { scriptedLlm } from './helpers.ts';

let ws: PopulatedWorkspace;
beforeAll(async () => {
  ws = await populatedWorkspace();
}, 300_000);

const open = () => openLookups(ws.config, () => ws.now);
const tools = () => ({
  models: findModelsTool(open),
  runs: findRunsTool(open),
  versions: datasetVersionsTool(open),
});

describe('workspace look-ups as tools', () => {
  it('find_models: versions, aliases, training data and what production can roll back to', async () => {
    const out = JSON.parse(String(await tools().models.invoke({ name: 'penguins' })));
    expect(out.models).toHaveLength(1);
    expect(out.models[0]).toMatchObject({
      name: 'penguins-species',
      aliases: { production: 2, staging: 3 },
      rollbackTarget: 1,
    });
    // When production moved, dated by the history (v1 six days ago, v2 three days ago).
    const day = (daysBack: number) =>
      new Date(ws.now.getTime() - daysBack * 86_400_000).toISOString().slice(0, 10);
    expect(
      out.models[0].productionMoves.map((m: { version: number; at: string }) => [
        m.version,
        m.at.slice(0, 10),
      ]),
    ).toEqual([
      [1, day(6)],
      [2, day(3)],
    ]);
    expect(out.models[0].versions[0]).toMatchObject({
      version: 3,
      target: 'Species',
      trainedFrom: ['data/penguins.json'],
    });
  });

  it('find_runs: by day and status, and by id with the plan it ran', async () => {
    const failed = JSON.parse(String(await tools().runs.invoke({ status: 'failed', day: 'yesterday' })));
    expect(failed.runs.map((r: { id: string }) => r.id)).toEqual([ws.facts.runs.failedYesterday.id]);
    const one = JSON.parse(String(await tools().runs.invoke({ id: ws.facts.runs.weatherTuesday.id })));
    expect(one.plan.name).toBe('seattle-weather');
    const none = JSON.parse(String(await tools().runs.invoke({ id: 'run-nope' })));
    expect(none.error).toMatch(/no run "run-nope"/);
  });

  it('dataset_versions: oldest first, the newest last', async () => {
    const out = JSON.parse(String(await tools().versions.invoke({ name: 'seattle-weather' })));
    expect(out.versions.map((v: { version: string }) => v.version)).toEqual(
      ws.facts.datasets['seattle-weather'],
    );
  });

  it('a model that looks up the registry before drafting a plan that scores by alias', async () => {
    const plan = {
      name: 'score-new-cars',
      steps: [
        { id: 'load', task: 'ingest.file', with: { path: 'data/new-cars.json' } },
        {
          id: 'score',
          task: 'predict.batch',
          dependsOn: ['load'],
          with: { model: 'cars-mpg@production', dataset: '${{ steps.load.outputs.dataset }}' },
        },
      ],
    };
    const model = new FakeListChatModel({ responses: [] });
    let calls = 0;
    // First answer: a find_models call; second: the plan, seen only after the tool result came back.
    model.bindTools = () => model;
    model.invoke = (async (input: unknown) => {
      calls++;
      if (calls === 1)
        return new AIMessage({
          content: '',
          tool_calls: [{ id: 't1', name: 'find_models', args: { name: 'cars' } }],
        });
      expect(JSON.stringify(input)).toContain('cars-mpg');
      return new AIMessage({ content: JSON.stringify({ plan }) });
    }) as typeof model.invoke;
    const r = await planGoal('score data/new-cars.json with the production cars model', {
      registry: builtinRegistry(),
      ...workspaceDeps(ws.dir, ws.config, { now: () => ws.now }),
      ...scriptedLlm(model),
      tools: loadToolPrompts(),
    });
    expect(r.kind).toBe('plan');
    if (r.kind === 'plan') {
      expect(r.plan.steps[1]).toMatchObject({ with: { model: 'cars-mpg@production' } });
      expect((r.plan.metadata.tools as { calls: { name: string; ok: boolean }[] }).calls).toEqual([
        { name: 'find_models', args: { name: 'cars' }, ok: true },
      ]);
    }
  });
});
