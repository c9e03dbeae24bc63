/**
 * `ask` on a workspace with a history (the populated-workspace fixture, built by running real stages):
 * failed runs in a period, why a model was not deployed, what changed between versions, what trained
 * production — each with cited ids; offline (template) and through a chat model from the same evidence.
 */

import { rmSync } from 'node:fs';
import type { BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsNamedIn, recordsQuestion } from '../../src/lineage/ask-records.ts';
import { ask } from '../../src/lineage/index.ts';
import { timeWindow } from '../../src/lineage/time-window.ts';
import { RunStore, stateTarget } from '../../src/store/index.ts';
import { resolveModel } from '../../tools/lib/model-reference.ts';
import { modelDataset } from '../../tools/monitor/serving-dataset.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../fixtures/populated-workspace.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { setup, trainingPlan } from './helpers.ts';

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

let w: PopulatedWorkspace;
let store: RunStore;
beforeAll(async () => {
  w = await populatedWorkspace();
  store = new RunStore(stateTarget(w.config));
}, 600_000);
afterAll(() => store?.close());

/** Offline: the template answers, no chat model. */
const askOffline = (q: string, now = w.now) => ask(store, w.config, q, { model: null, now });

describe('ask from the records, on a populated workspace', () => {
  it('which runs failed in a period, and why', async () => {
    const { failedYesterday, failedLastWeek } = w.facts.runs;
    const yesterday = await askOffline('which runs failed yesterday and why?');
    expect(yesterday.citations.runs).toEqual([failedYesterday.id]);
    expect(yesterday.answer).toMatch(/^1 run failed yesterday:/);
    expect(yesterday.answer).toContain('step clean (prep.transform) failed');
    expect(yesterday.answer).toContain('does not exist');

    const tenDays = await askOffline('list the runs that failed in the last 10 days');
    expect(tenDays.citations.runs).toEqual([failedYesterday.id, failedLastWeek.id]);

    // "this week" from a moment just after yesterday's failure: it is in, the one 8 days earlier is not.
    const justAfter = new Date(Date.parse(failedYesterday.createdAt) + 3_600_000);
    const week = await askOffline('Which runs failed this week and why', justAfter);
    expect(week.citations.runs).toEqual([failedYesterday.id]);
    expect(week.source).toBe('lineage');
  });

  it('why a model was not deployed: the gate and its values, from its last run', async () => {
    const a = await askOffline('why was the weather model not deployed?');
    const run = w.facts.runs.weatherTuesday.id;
    expect(a.citations.runs[0]).toBe(run);
    expect(a.answer).toContain(`is ${run} (seattle-weather`);
    expect(a.answer).toMatch(
      /register step was skipped because the gate was not met: accuracy 0\.\d+ < 0\.99/,
    );

    const none = await askOffline('why was the zebra model not deployed?');
    expect(none.answer).toMatch(
      /^No model the question names is known\. Models registered or named by past runs: .*penguins-species/,
    );
    expect(none.citations.runs).toEqual([]);
  });

  it('what changed between the last two versions of a model, and between named versions', async () => {
    const a = await askOffline('what changed between the last two versions of penguins-species?');
    expect(a.citations.models).toEqual(['model:penguins-species@2', 'model:penguins-species@3']);
    expect(a.citations.runs).toEqual([w.facts.runs.penguinsV2.id, w.facts.runs.penguinsV3.id]);
    expect(a.answer).toContain('algorithm: logistic_regression → random_forest.');
    expect(a.answer).toMatch(/Parameters: .*nEstimators none → 60/);
    expect(a.answer).toMatch(/now production\) → v3 .*now staging\)/);

    const named = await askOffline('how does v1 of the penguins model differ from version 3');
    expect(named.citations.models).toEqual(['model:penguins-species@1', 'model:penguins-species@3']);
    expect(named.answer).toMatch(/nEstimators 25 → 60|nEstimators \d+ → 60/);
  });

  it('what trained the model in production: the run, the step, the algorithm and its data', async () => {
    const a = await askOffline('what trained the cars model in production?');
    expect(a.answer).toMatch(/^In production: model cars-mpg v1/);
    expect(a.answer).not.toContain('penguins-species');
    expect(a.answer).toMatch(
      new RegExp(
        `Trained by run ${w.facts.runs.carsV1.id} \\(cars-mpg\\) at step \\w+ \\(train\\.tabular\\): builtin linear_regression`,
      ),
    );
    expect(a.citations.runs).toContain(w.facts.runs.carsV1.id);
  });

  it('through a chat model: the same evidence and ids go in, invented ids come out', async () => {
    const run = w.facts.runs.weatherTuesday.id;
    const model = new RecordingModel({
      responses: [
        `The weather model was not deployed: its gate failed in ${run}; see also run-20990101-000000-abcdef.`,
      ],
    });
    const a = await ask(store, w.config, 'why was the weather model not deployed?', { model, now: w.now });
    const sent = model.prompts[0] as string;
    expect(sent).toContain(run);
    expect(sent).toMatch(/accuracy 0\.\d+ < 0\.99/);
    expect(a.writtenBy).toBe('model');
    expect(a.answer).toContain(run);
    expect(a.unverifiedIds).toEqual(['run-20990101-000000-abcdef']);
  });
});

describe('bad references on the populated workspace, failing clearly before anything changes', () => {
  it('an alias whose training data is gone, a model whose files are gone, names that do not exist', async () => {
    const ctx = { ...makeTaskContext(), config: w.config };
    await expect(
      modelDataset.run(modelDataset.input.parse({ model: 'flights-delay' }), ctx),
    ).rejects.toMatchObject({
      code: 'MODEL_DATASET_MISSING',
      what: 'The training data of flights-delay@production (version 1) is gone',
    });
    expect(() => resolveModel('iowa-net@production', w.config)).toThrow(
      expect.objectContaining({ code: 'MODEL_FILES_MISSING' }),
    );
    expect(() => resolveModel('penguins-species@canary', w.config)).toThrow(
      expect.objectContaining({ code: 'MODEL_ALIAS_NOT_FOUND', why: 'its aliases are: production, staging' }),
    );
    expect(() => resolveModel('penguins-species:9', w.config)).toThrow(
      expect.objectContaining({ code: 'MODEL_VERSION_NOT_FOUND' }),
    );
    expect(() => resolveModel('churn', w.config)).toThrow(
      expect.objectContaining({
        code: 'MODEL_NOT_REGISTERED',
        why: expect.stringContaining('penguins-species'),
      }),
    );
    rmSync(ctx.workspace, { recursive: true, force: true });
  });
});

describe('ask: a rejected approval', () => {
  it('says who rejected the deploy and why, citing the approval', async () => {
    const env = setup();
    try {
      const out = await env.engine.run(trainingPlan(3), { createdBy: 'ci-bot' });
      env.engine.decide({
        runId: out.runId,
        stepId: 'approve',
        approved: false,
        by: 'carol',
        comment: 'accuracy dropped on the Biscoe island',
        via: 'cli',
      });
      await env.engine.execute(out.runId);
      const a = await ask(env.store, env.config, "why wasn't toy deployed", { model: null });
      expect(a.answer).toContain(
        `It was not deployed: approval approve was rejected by carol: "accuracy dropped on the Biscoe island" (approval:${out.runId}/approve).`,
      );
      expect(a.citations).toMatchObject({ runs: [out.runId], approvals: [`approval:${out.runId}/approve`] });
    } finally {
      env.store.close();
    }
  });
});

describe('question parts', () => {
  it('routes records questions and leaves the rest to lineage and memory', () => {
    expect(recordsQuestion('Which runs failed this week and why?')).toBe('failed-runs');
    expect(recordsQuestion('why was the weather model not deployed')).toBe('not-shipped');
    expect(recordsQuestion("why didn't the churn model get promoted?")).toBe('not-shipped');
    expect(recordsQuestion('what changed between the last two versions of cars-mpg')).toBe('version-diff');
    expect(recordsQuestion("Why did last night's run fail, and has that happened before?")).toBeUndefined();
    expect(recordsQuestion('what is in production?')).toBeUndefined();
  });

  it('finds the model a question names, whole or by a part of its name', () => {
    const names = ['cars-mpg', 'penguins-species', 'seattle-weather', 'weather-hourly'];
    expect(modelsNamedIn('what changed in cars-mpg', names)).toEqual(['cars-mpg']);
    expect(modelsNamedIn('why was the penguin model not deployed', names)).toEqual(['penguins-species']);
    expect(modelsNamedIn('why was the weather model not deployed', names)).toEqual([
      'seattle-weather',
      'weather-hourly',
    ]);
    expect(modelsNamedIn('why was the seattle weather model not deployed', names)).toEqual([
      'seattle-weather',
    ]);
    expect(modelsNamedIn('why was the zebra model not deployed', names)).toEqual([]);
  });

  it('reads periods in local time: weeks start on Monday, until is exclusive', () => {
    const wed = new Date(2026, 11, 2, 15, 30); // Wednesday 2 December 2026, 15:30 local
    expect(timeWindow('failed this week', wed)).toEqual({
      since: new Date(2026, 10, 30).toISOString(),
      label: 'this week',
    });
    expect(timeWindow('last week', wed)).toEqual({
      since: new Date(2026, 10, 23).toISOString(),
      until: new Date(2026, 10, 30).toISOString(),
      label: 'last week',
    });
    expect(timeWindow('yesterday', wed)?.since).toBe(new Date(2026, 11, 1).toISOString());
    expect(timeWindow('in the last 3 days', wed)?.since).toBe(
      new Date(wed.getTime() - 3 * 86_400_000).toISOString(),
    );
    expect(timeWindow('ever', wed)).toBeUndefined();
  });
});
