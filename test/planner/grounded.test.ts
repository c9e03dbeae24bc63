/**
 * The planner on a workspace with a history (test/fixtures/populated-workspace.ts, built for real once per
 * run): the look-ups see what the runs made, references bind or ask, every operational plan validates
 * against the catalog, and bad input gets a question instead of a plan.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bindModel,
  bindRun,
  type Lookups,
  openLookups,
  type PlannerResult,
  planGoal,
  workspaceDeps,
} from '../../agents/planner/index.ts';
import { newestVersion } from '../../agents/planner/resolve.ts';
import { type Plan, validatePlan } from '../../src/plan/index.ts';
import { builtinRegistry } from '../../tools/index.ts';
import { type PopulatedWorkspace, populatedWorkspace } from '../fixtures/populated-workspace.ts';

let ws: PopulatedWorkspace;
let look: Lookups;
let close: () => void;
const registry = builtinRegistry();

beforeAll(async () => {
  ws = await populatedWorkspace();
  ({ look, close } = openLookups(ws.config, () => ws.now));
  return () => close();
}, 300_000);

const plan = (goal: string): Promise<PlannerResult> =>
  planGoal(goal, { registry, ...workspaceDeps(ws.dir, ws.config, { now: () => ws.now }) });

const ref = (text: string, extra: Record<string, unknown> = {}) => ({
  text,
  role: 'subject' as const,
  words: [] as string[],
  ...extra,
});

describe('the populated workspace holds what the fixture says it made', () => {
  it('models, aliases, rollback targets, served traffic, training data and model files', () => {
    const models = Object.fromEntries(look.models().map((m) => [m.name, m]));
    expect(Object.keys(models).sort()).toEqual(['cars-mpg', 'flights-delay', 'iowa-net', 'penguins-species']);
    expect(models['penguins-species']?.aliases).toEqual({ production: 2, staging: 3 });
    expect(models['penguins-species']?.rollbackTarget).toBe(1);
    expect(models['cars-mpg']?.rollbackTarget).toBeUndefined();
    expect(models['penguins-species']?.served).toBe(true);
    expect(models['flights-delay']?.versions[0]?.trainingData?.exists).toBe(false);
    expect(models['iowa-net']?.versions[0]?.filesExist).toBe(false);
    expect(models['cars-mpg']?.versions[0]?.heldOut).toBeDefined();
  });

  it('runs with their status, day, data and registrations; dataset versions; triggers', () => {
    const runs = look.runs();
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(byId.get(ws.facts.runs.failedYesterday.id)).toMatchObject({
      status: 'failed',
      planName: 'cars-mpg',
    });
    expect(byId.get(ws.facts.runs.failedYesterday.id)?.error).toMatch(/Horsepwr/);
    expect(byId.get(ws.facts.runs.carsV2.id)?.registered).toEqual([{ model: 'cars-mpg', version: 2 }]);
    expect(newestVersion('seattle-weather', look)?.version).toBe(
      ws.facts.datasets['seattle-weather']?.at(-1),
    );
    expect(look.triggers().map((t) => t.name)).toEqual(['cars-mpg-nightly', 'penguins-drift']);
  });
});

describe('binding references', () => {
  it('a model by words and alias, by version, by qualifier, by the run that trained it', () => {
    const b = (r: ReturnType<typeof ref>, fallback?: 'production' | 'new') => {
      const got = bindModel(r, look, fallback);
      return got.ok ? got.value.ref : got.question;
    };
    expect(b(ref('the production cars model', { words: ['cars'], alias: 'production' }))).toBe(
      'cars-mpg@production',
    );
    expect(b(ref('penguins-species v1', { words: ['penguins-species'], version: 1 }))).toBe(
      'penguins-species:1',
    );
    expect(b(ref('the new penguins model', { words: ['penguins'], qualifier: 'new' }))).toBe(
      'penguins-species:3',
    );
    expect(b(ref('the weather-free delay model', { words: ['delay'] }))).toBe('flights-delay@production');
    expect(b(ref('the model of run X', { run: ws.facts.runs.carsV2.id }))).toBe('cars-mpg:2');
  });

  it('two matches: one question listing both; nothing matches: a question naming what exists', () => {
    const two = bindModel(ref('the staging model', { alias: 'staging' }), look);
    expect(two.ok).toBe(false);
    if (!two.ok)
      expect(two.question).toMatch(/cars-mpg \(staging → v2\) or penguins-species \(staging → v3\)/);
    const none = bindModel(ref('the trucks model', { words: ['trucks'] }), look);
    if (!none.ok) expect(none.question).toMatch(/No registered model matches.*cars-mpg.*penguins-species/);
    expect(none.ok).toBe(false);
    const v7 = bindModel(ref('penguins-species v7', { words: ['penguins-species'], version: 7 }), look);
    if (!v7.ok) expect(v7.question).toContain('v1, v2, v3');
    expect(v7.ok).toBe(false);
  });

  it('a kind noun (classifier, regressor) neither picks nor rules out a model', () => {
    const got = bindModel(ref('the penguin classifier', { words: ['penguin', 'classifier'] }), look);
    expect(got.ok && got.value.name).toBe('penguins-species');
  });

  it('a role word alone takes the one model the goal names elsewhere', async () => {
    const r = await plan('canary the staging model on 10% of traffic for an hour, that is cars-mpg');
    expect(r.kind).toBe('plan');
    if (r.kind === 'plan') expect(JSON.stringify(r.plan)).toContain('"version":2');
  });

  it('runs by day and status, ambiguity and unknown ids', () => {
    const r = (x: Record<string, unknown>) =>
      bindRun({ text: 't', words: [], training: false, latest: false, ...x }, look);
    const yesterday = r({ day: 'yesterday', status: 'failed' });
    expect(yesterday.ok && yesterday.value.id).toBe(ws.facts.runs.failedYesterday.id);
    const tuesday = r({ day: 'tuesday', words: ['weather'], training: true });
    expect(tuesday.ok && tuesday.value.id).toBe(ws.facts.runs.weatherTuesday.id);
    const failed = r({ status: 'failed' });
    expect(failed.ok).toBe(false);
    if (!failed.ok) {
      expect(failed.question).toContain(ws.facts.runs.failedYesterday.id);
      expect(failed.question).toContain(ws.facts.runs.failedLastWeek.id);
    }
    const unknown = r({ id: 'run-20200101-000000-abcdef' });
    if (!unknown.ok) expect(unknown.question).toMatch(/no run "run-20200101-000000-abcdef".*Recent runs/);
  });
});

describe('operational plans validate against the catalog', () => {
  const valid = (p: PlannerResult): Plan => {
    if (p.kind !== 'plan') throw new Error(`expected a plan, got ${p.kind}: ${JSON.stringify(p)}`);
    expect(validatePlan(p.plan, registry).ok).toBe(true);
    return p.plan;
  };

  it.each([
    [
      'score data/new-cars.json with the production cars model and write the predictions to scores/',
      'score-new-cars-with-cars-mpg',
    ],
    [
      'check the served traffic of the cars-mpg model for drift and tell me on Slack',
      'cars-mpg-traffic-drift',
    ],
    ['show me the error rate and p95 latency of cars-mpg over the last 2 hours', 'cars-mpg-serving-report'],
    [
      'send a quarter of the traffic to the new penguins-species model for two hours and promote it unless errors rise',
      'penguins-species-canary-v3',
    ],
    [
      'take the penguins-species model back to its previous version if its p95 latency doubles',
      'penguins-species-rollback-on-breach',
    ],
    ['promote penguins-species v3 to production', 'penguins-species-promote-v3'],
    ["rerun last Tuesday's weather training with the newest data", 'seattle-weather'],
    ['run scripts/finetune.py on two GPUs with --lr 3e-4, register out/ckpt.pt', 'finetune-train'],
  ])('%s', async (goal, name) => {
    expect(valid(await plan(goal)).name).toBe(name);
  });

  it('a deploy over production compares with it on the same held-out rows and gates on it', async () => {
    const p = valid(await plan('predict species from data/penguins.json and deploy it'));
    const evaluate = p.steps.find((s) => s.kind === 'task' && s.task === 'evaluate.model');
    expect(evaluate?.kind === 'task' && evaluate.with.baseline).toBe('penguins-species@production');
    const deploy = p.steps.find((s) => s.id === 'deploy');
    expect(deploy?.when).toBe('steps.evaluate.outputs.better == true');
    const register = p.steps.find((s) => s.kind === 'task' && s.task === 'model.register');
    expect(register?.kind === 'task' && register.with.name).toBe('penguins-species');
  });
});

describe('a formula', () => {
  it('trains on the right-hand side only', async () => {
    const p = await plan('data/gapminder.json: life_expect ~ fertility + pop, plain linear regression');
    if (p.kind !== 'plan') throw new Error(`expected a plan, got ${JSON.stringify(p)}`);
    const train = p.plan.steps.find((s) => s.kind === 'task' && s.task === 'train.tabular');
    expect(train?.kind === 'task' && train.with).toMatchObject({
      target: 'life_expect',
      features: ['fertility', 'pop'],
    });
  });
});

describe('a time split by year over a date column', () => {
  it.each([
    'data/iowa-electricity.csv: predict net_generation; time split, 2015 onward as test',
    'predict net_generation from data/iowa-electricity.csv, train on 2001-2014 and test on 2015',
  ])('the year becomes its first day: %s', async (goal) => {
    const p = await plan(goal);
    if (p.kind !== 'plan') throw new Error(`expected a plan, got ${JSON.stringify(p)}`);
    const split = p.plan.steps.find((s) => s.kind === 'task' && s.task === 'dataset.split');
    expect(split?.kind === 'task' && split.with.by).toMatchObject({ method: 'time', cutoff: '2015-01-01' });
  });
});

describe('own scripts', () => {
  it.each([
    'run scripts/finetune.py --epochs 1 every friday at 8pm and post to slack when it is done',
    'scripts/finetune.py weekly on mondays, register out/ckpt.pt as nightly-bert and notify slack after',
  ])('a notification goes after the script (and its registration): %s', async (goal) => {
    const p = await plan(goal);
    if (p.kind !== 'plan') throw new Error(`expected a plan, got ${JSON.stringify(p)}`);
    expect(validatePlan(p.plan, registry).ok).toBe(true);
    const last = p.plan.steps.at(-1);
    expect(last?.kind === 'task' && last.task).toBe('notify.send');
    expect(p.plan.trigger?.schedule).toBeDefined();
  });
});

describe('bad input gets a question, not a plan', () => {
  it.each([
    ['check the flights-delay model traffic for drift', /training data of flights-delay v1 .* is gone/],
    [
      'predict net_generation from data/iowa-electricity.csv and deploy it as iowa-net',
      /iowa-net production \(v1\) cannot be evaluated/,
    ],
    ['roll back cars-mpg', /only ever pointed at v1/],
    ['roll back the weather model', /No registered model matches "weather/],
    ['score data/penguins.json with the production cars model', /lacks columns .* that cars-mpg v1/],
    ['rerun the failed run', /matches 2 runs/],
    ['canary penguins-species v2 at 10%', /v2 is already production/],
  ])('%s', async (goal, question) => {
    const r = await plan(goal);
    expect(r.kind).toBe('clarify');
    if (r.kind === 'clarify') expect(r.question).toMatch(question);
  });
});

describe('days', () => {
  it('"last Tuesday" is the last Tuesday before today; "last week" the calendar week before this one', async () => {
    const { dayRange } = await import('../../agents/planner/resolve.ts');
    const wed = new Date(2026, 11, 2, 12); // Wednesday 2 December 2026
    expect(dayRange('tuesday', wed)[0]).toEqual(new Date(2026, 11, 1));
    expect(dayRange('wednesday', wed)[0]).toEqual(new Date(2026, 10, 25));
    expect(dayRange('last-week', wed)).toEqual([new Date(2026, 10, 23), new Date(2026, 10, 30)]);
  });
});
