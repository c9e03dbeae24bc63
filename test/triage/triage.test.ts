/**
 * The drift triage agent on real drift reports (monitor.drift over Seattle weather, penguins and cars written
 * to Parquet with DuckDB): the rules per cause, the graph with a scripted chat model, and the approval-gated
 * action run recorded in the triage store, the lineage graph and run memory.
 */
import path from 'node:path';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AlertInput,
  alertFromRun,
  attachTriageRecorder,
  loadExplainPrompt,
  refreshTriage,
  reportFromOutput,
  triageAlert,
  triageAndPost,
} from '../../agents/triage/index.ts';
import { runTriageEval, scenarioReport, writeDataset } from '../../evals/triage/harness.ts';
import { SCENARIOS } from '../../evals/triage/scenarios.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { Engine } from '../../src/engine/index.ts';
import { ask } from '../../src/lineage/ask.ts';
import { lineageOf, searchMemory } from '../../src/lineage/index.ts';
import { ModelRegistry, RunStore, TriggerStore } from '../../src/store/index.ts';
import { TaskRegistry } from '../../src/tasks/index.ts';
import { parseTriggerDef, Scheduler } from '../../src/triggers/index.ts';
import { builtinTasks } from '../../tools/index.ts';
import { writePolicy } from '../helpers/policy.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const scenario = (id: string) => {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`no scenario ${id}`);
  return s;
};

let workspace: string;
const reports = new Map<string, AlertInput>();
async function report(id: string): Promise<AlertInput> {
  let r = reports.get(id);
  if (!r) {
    r = { ...reportFromOutput(await scenarioReport(scenario(id), workspace)), ref: `test/${id}` };
    reports.set(id, r);
  }
  return r;
}

beforeAll(async () => {
  workspace = makeWorkspace('pw-triage-');
  await Promise.all(
    [
      'weather-summer',
      'weather-unseen-summer',
      'weather-fahrenheit',
      'weather-wind-nulls',
      'weather-dropped-column',
      'penguins-sex-renamed',
      'cars-tiny',
    ].map(report),
  );
});

function setup() {
  const ws = makeWorkspace('pw-triage-run-');
  const config: Config = loadConfig({ workspace: ws }, {});
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const engine = new Engine({
    store,
    registry: new TaskRegistry(builtinTasks),
    config,
    pollMs: 20,
  });
  return { config, store, engine, triggers: new TriggerStore(store.db) };
}

describe('rules on real drift reports', () => {
  it('a summer window the reference has seen is a seasonal shift: mute until the season has passed', async () => {
    const t = await triageAlert(await report('weather-summer'));
    expect(t.verdict).toMatchObject({
      classification: 'real_shift',
      cause: 'seasonal_shift',
      severity: 'critical',
    });
    expect(t.verdict.columns).toEqual(expect.arrayContaining(['temp_max', 'temp_min']));
    expect(t.evidence.season).toMatchObject({ currentMonths: [6, 7, 8], baseline: { years: [2012, 2013] } });
    const season = t.verdict.evidence.find((e) => e.kind === 'season');
    expect(season?.value).toBeLessThanOrEqual(0.5);
    expect(t.verdict.reasoning.join(' ')).toMatch(
      /same months of the reference \(Jun, Jul, Aug of 2012, 2013/,
    );
    expect(t.proposal.action).toBe('mute');
    expect(t.proposal.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(t.source).toBe('rules');
  });

  it('months the reference never saw are a seasonal shift to retrain on, with the new data in the window', async () => {
    const t = await triageAlert(await report('weather-unseen-summer'));
    expect(t.verdict).toMatchObject({ classification: 'real_shift', cause: 'seasonal_shift' });
    expect(t.verdict.reasoning.join(' ')).toMatch(/Jun, Jul, Aug, months the reference .* never saw/);
    expect(t.proposal.action).toBe('retrain');
    expect(t.proposal.window?.description).toMatch(/includes|extended with the current data/);
  });

  it('°F logged as °C is a unit change on that column: fix upstream', async () => {
    const t = await triageAlert(await report('weather-fahrenheit'));
    expect(t.verdict).toMatchObject({
      classification: 'data_quality',
      cause: 'unit_change',
      columns: ['temp_max'],
    });
    expect(t.verdict.reasoning[0]).toMatch(/°F/);
    expect(t.proposal.action).toBe('fix_upstream');
  });

  it('new missing values, a dropped column and renamed categories are data-quality problems', async () => {
    const nulls = await triageAlert(await report('weather-wind-nulls'));
    expect(nulls.verdict).toMatchObject({
      classification: 'data_quality',
      cause: 'nulls',
      columns: ['wind'],
    });
    expect(nulls.evidence.window.nullRates.wind).toBeGreaterThan(0.3);
    const dropped = await triageAlert(await report('weather-dropped-column'));
    expect(dropped.verdict).toMatchObject({
      cause: 'schema_change',
      severity: 'critical',
      columns: ['temp_min'],
    });
    const renamed = await triageAlert(await report('penguins-sex-renamed'));
    expect(renamed.verdict).toMatchObject({ cause: 'category_renamed', columns: ['Sex'] });
    expect(renamed.verdict.reasoning[0]).toMatch(/"MALE".*vanished.*"M"/);
    for (const t of [nulls, dropped, renamed]) expect(t.proposal.action).toBe('fix_upstream');
  });

  it('a tiny window is noise: mute with a review date', async () => {
    const t = await triageAlert(await report('cars-tiny'));
    expect(t.verdict).toMatchObject({ classification: 'noise', cause: 'small_sample', severity: 'info' });
    expect(t.proposal.action).toBe('mute');
    expect(t.proposal.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('the offline eval gets class, cause, features and action right on one scenario of each kind', async () => {
    const ids = [
      'penguins-control-halves',
      'cars-acceleration-x7',
      'flights-delay-timezone',
      'weather-wind-stuck-zero',
      'penguins-sex-lowercase',
      'cars-origin-new',
      'flights-duplicated-batch',
      'gapminder-new-era',
    ];
    const { rows, summary } = await runTriageEval({ scenarios: ids.map(scenario) });
    expect(rows.map((r) => [r.id, r.got])).toEqual(ids.map((id) => [id, expect.any(String)]));
    for (const r of rows)
      expect(r, r.id).toMatchObject({ classOk: true, causeOk: true, featuresOk: true, actionOk: true });
    expect(summary).toMatchObject({ retrainOnDataQuality: 0, alertsOnControls: 0, propertyAccuracy: 1 });
  });
});

describe('the graph with a chat model', () => {
  const prompt = loadExplainPrompt();
  const answer = (o: unknown) => new FakeListChatModel({ responses: [JSON.stringify(o)] });

  it('uses a valid explanation from the model and records the prompt', async () => {
    const model = answer({
      explanation:
        'Summer arrived: temperatures rose well beyond what the 2012–2013 model saw, rain almost stopped.',
      action: 'retrain',
      reasons: ['the season changed'],
    });
    const t = await triageAlert(await report('weather-summer'), { model, prompt });
    expect(t.source).toBe('llm');
    expect(t.explanation).toMatch(/^Summer arrived/);
    expect(t.proposal).toMatchObject({ action: 'retrain', reasons: ['the season changed'] });
    expect(t.prompt).toEqual({ id: 'triage.explain', version: '1' });
  });

  it('may refine the action only within what the classification allows', async () => {
    const allowed = await triageAlert(await report('weather-fahrenheit'), {
      model: answer({
        explanation: 'temp_max arrives in Fahrenheit since the feed change; mute it until fixed.',
        action: 'mute',
      }),
      prompt,
    });
    expect(allowed.proposal.action).toBe('mute');
    expect(allowed.notes.join(' ')).toMatch(/changed the action from "fix_upstream" to "mute"/);
    const refused = await triageAlert(await report('weather-fahrenheit'), {
      model: answer({
        explanation: 'The model is stale, retrain it on the new numbers right away.',
        action: 'retrain',
      }),
      prompt,
    });
    expect(refused.proposal.action).toBe('fix_upstream');
    expect(refused.notes.join(' ')).toMatch(/does not allow/);
  });

  it('falls back to the rules, with a note, when the answer is garbage', async () => {
    for (const text of ['I think it is fine', JSON.stringify({ explanation: 'short', action: 'panic' })]) {
      const t = await triageAlert(await report('weather-wind-nulls'), {
        model: new FakeListChatModel({ responses: [text] }),
        prompt,
      });
      expect(t.source).toBe('rules');
      expect(t.proposal.action).toBe('fix_upstream');
      expect(t.explanation).toMatch(/data-quality problem/);
      expect(t.notes.join(' ')).toMatch(/not used/);
    }
  });
});

describe('posting a triage: approval first, then the action, all recorded', () => {
  it('runs nothing until approved; then applies, records lineage, memory and the outcome', async () => {
    const { engine, store, config, triggers } = setup();
    const detach = attachTriageRecorder(store);
    const { triage, posted } = await triageAndPost(
      engine,
      config,
      { ...(await report('weather-fahrenheit')) },
      { by: 'alice' },
    );
    expect(posted.created).toBe(true);
    const runId = posted.runId as string;
    const first = await engine.execute(runId);
    expect(first.status).toBe('waiting');
    expect(first.waiting[0]?.message).toMatch(/data quality \(unit change, critical\).*upstream data/);
    expect(store.getStep(runId, 'apply-triage')?.status).toBe('pending');
    expect(triggers.getTriage(triage.id)?.status).toBe('proposed');

    engine.decide({ runId, stepId: 'approve', approved: true, by: 'bob', via: 'cli' });
    const done = await engine.execute(runId);
    expect(done.status).toBe('succeeded');
    const record = triggers.getTriage(triage.id);
    expect(record?.status).toBe('applied');
    expect(record?.outcome).toMatchObject({ action: 'fix_upstream', applied: true, approvedBy: 'bob' });

    const L = lineageOf(store);
    const alert = L.getEntity('alert:test/weather-fahrenheit');
    expect(alert?.kind).toBe('alert');
    expect(alert?.attrs.triage).toMatchObject({ classification: 'data_quality', action: 'fix_upstream' });
    expect(alert?.attrs.outcome).toMatchObject({ applied: true });
    expect(store.requireRun(runId).trigger).toBe('alert:test/weather-fahrenheit');

    const hits = await searchMemory(config, 'drift triage temp_max unit change', {
      filter: { kind: 'triage' },
    });
    expect(hits[0]?.run_id).toBe(triage.id);
    detach();
    store.close();
  });

  it('a rejected proposal runs nothing and is recorded; a second alert on the same window is not triaged again', async () => {
    const { engine, store, config, triggers } = setup();
    const input = await report('cars-tiny');
    const { triage, posted } = await triageAndPost(engine, config, input, { by: 'alice', remember: false });
    const runId = posted.runId as string;
    await engine.execute(runId);
    engine.decide({
      runId,
      stepId: 'approve',
      approved: false,
      by: 'bob',
      comment: 'look again next week',
      via: 'cli',
    });
    await engine.execute(runId);
    expect(store.getStep(runId, 'apply-triage')?.status).toBe('skipped');
    const r = refreshTriage(store, triage.id);
    expect(r?.status).toBe('rejected');
    expect(r?.outcome).toMatchObject({ applied: false, detail: 'rejected by bob: look again next week' });
    const again = await triageAndPost(
      engine,
      config,
      { ...input, ref: 'test/cars-tiny-again' },
      { by: 'carol', remember: false },
    );
    expect(again.posted.created).toBe(false);
    expect(again.posted.record.id).toBe(triage.id);
    expect(triggers.listTriages()).toHaveLength(1);
    store.close();
  });

  it('rolls back after approval when the shift follows a fresh deployment; an unknown model gets a mute', async () => {
    const { engine, store, config } = setup();
    const registry = new ModelRegistry(store.db);
    const ref = (hash: string) => ({ dir: '/nonexistent', hash, metrics: { r2: 0.8 }, params: {} });
    registry.registerVersion({
      name: 'weather',
      ref: ref('a'.repeat(64)),
      dataset: { hash: '1'.repeat(64) },
      createdBy: 'ci',
    });
    registry.registerVersion({
      name: 'weather',
      ref: ref('b'.repeat(64)),
      dataset: { hash: '2'.repeat(64) },
      createdBy: 'ci',
    });
    registry.deploy({ name: 'weather', version: 1, by: 'ci' });
    registry.deploy({ name: 'weather', version: 2, by: 'dave' });
    const input = { ...(await report('cars-japan-only')), model: 'weather' };
    input.report = { ...input.report, at: new Date().toISOString() };
    const { triage, posted } = await triageAndPost(engine, config, input, { by: 'alice', remember: false });
    expect(triage.verdict.cause).toBe('recent_deployment');
    expect(triage.proposal).toMatchObject({ action: 'rollback', rollbackTo: 1 });
    expect(triage.evidence.model).toMatchObject({ name: 'weather', version: 2, deployedBy: 'dave' });
    const runId = posted.runId as string;
    await engine.execute(runId);
    expect(registry.getAliases('weather').production).toBe(2);
    engine.decide({ runId, stepId: 'approve', approved: true, by: 'bob', via: 'slack' });
    await engine.execute(runId);
    expect(registry.getAliases('weather').production).toBe(1);

    const gone = await triageAlert({ ...(await report('weather-summer')), model: 'retired' }, { store });
    expect(gone.evidence.modelMissing).toBe('retired');
    expect(gone.proposal.action).toBe('mute');
    expect(gone.proposal.reasons[0]).toMatch(/no longer registered/);
    store.close();
  });

  it('stores the verdict and its evidence with the alert; ask answers why the drift was muted from it', async () => {
    const { engine, store, config } = setup();
    const detach = attachTriageRecorder(store);
    const { triage, posted } = await triageAndPost(engine, config, await report('weather-summer'), {
      by: 'alice',
      remember: false,
    });
    expect(triage.proposal.action).toBe('mute');
    const alert = lineageOf(store).getEntity('alert:test/weather-summer');
    expect(alert?.attrs.triage).toMatchObject({
      classification: 'real_shift',
      cause: 'seasonal_shift',
      action: 'mute',
      expiresAt: triage.proposal.expiresAt,
      columns: expect.arrayContaining(['temp_max', 'temp_min']),
      evidence: [expect.objectContaining({ kind: 'season', threshold: 0.5 })],
    });
    const runId = posted.runId as string;
    await engine.execute(runId);
    engine.decide({ runId, stepId: 'approve', approved: true, by: 'bob', via: 'cli' });
    expect((await engine.execute(runId)).status).toBe('succeeded');

    const a = await ask(store, config, 'why did we mute the drift on temp_max?', { model: null });
    expect(a.source).toBe('lineage');
    expect(a.answer).toMatch(/alert:test\/weather-summer .*temp_max.* real_shift \(seasonal shift/);
    expect(a.answer).toMatch(/same months of the reference/);
    expect(a.answer).toMatch(/season.* = 0\.\d+ \(threshold 0\.5\)/);
    expect(a.answer).toMatch(new RegExp(`until ${triage.proposal.expiresAt}`));
    expect(a.answer).toMatch(/after bob approved it/);
    const other = await ask(store, config, 'why did we mute the drift on humidity?', { model: null });
    expect(other.answer).toMatch(/No triaged drift alert matches/);
    detach();
    store.close();
  });

  it('a drift trigger hands each alert of a real monitor.drift run to the triage once', async () => {
    const { engine, store, config, triggers } = setup();
    // The watched plan waives its approval: the policy must let triggered runs do that.
    writePolicy(config, 'identities:\n  triggers: admin\n');
    const s = new Scheduler({
      engine,
      log: () => {},
      onAlert: async (e) => {
        const { posted } = await triageAndPost(engine, config, alertFromRun(store, e.runId), {
          by: 'scheduler',
          remember: false,
        });
        return { ...(posted.runId ? { runId: posted.runId } : {}), reason: `triage ${posted.record.id}` };
      },
    });
    const watched = {
      name: 'weather-drift',
      allowUnapproved: true,
      steps: [{ id: 'noop', task: 'shell.exec', with: { command: ['true'] } }],
    };
    s.add(
      parseTriggerDef({ name: 'weather-drift-alerts', kind: 'drift', spec: { plan: 'weather-drift' } }),
      watched,
      {
        by: 't',
      },
    );
    const sc = scenario('weather-summer');
    const reference = await writeDataset(config.workspace, 'train', sc.reference);
    const current = await writeDataset(config.workspace, 'summer', sc.current);
    const check = await engine.run(
      {
        name: 'weather-drift',
        steps: [{ id: 'drift', task: 'monitor.drift', with: { reference, current } }],
      },
      { createdBy: 'cron' },
    );
    expect(check.status).toBe('succeeded');
    const fired = await s.tick();
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      trigger: 'weather-drift-alerts',
      tick: `${check.runId}/drift`,
      status: 'fired',
    });
    expect(triggers.getTriageByRun(fired[0]?.runId as string)?.classification).toBe('real_shift');
    expect(await s.tick()).toEqual([]);
    store.close();
  });
});
