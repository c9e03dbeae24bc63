/**
 * Triage evals: every scenario's reference and current windows are written to Parquet with DuckDB in a
 * temporary workspace, the real monitor.drift task compares them, and the triage agent (offline rules by
 * default, or a chat model) classifies the report and proposes one action. A case passes when both the
 * classification and the action match.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import {
  loadExplainPrompt,
  type ModelEvidence,
  reportFromOutput,
  type TriageDeps,
  triageAlert,
} from '../../agents/triage/index.ts';
import { loadConfig } from '../../src/config.ts';
import { DiskArtifactStore } from '../../src/store/artifacts.ts';
import type { TaskContext } from '../../src/tasks/index.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import { type LoadedModel, loadModel } from '../../tools/lib/model.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { monitorDrift } from '../../tools/monitor/drift.ts';
import { trainTabular } from '../../tools/train/tabular.ts';
import { checkModel } from '../../tools/triage/model-check.ts';
import { SCENARIOS, type Scenario, type ScenarioModel } from './scenarios.ts';

export interface TriageCaseRow {
  id: string;
  cause: string;
  expected: string;
  got: string;
  /** The four properties scored separately. */
  classOk: boolean;
  causeOk: boolean;
  featuresOk: boolean;
  actionOk: boolean;
  /** The features the verdict named. */
  features: string[];
  /** Whether monitor.drift raised an alert for the window. */
  alerted: boolean;
  control: boolean;
  /** A retrain proposed where the injected cause is a data-quality problem. */
  retrainOnDataQuality: boolean;
  pass: boolean;
  source: 'rules' | 'llm';
  ms: number;
}

export interface TriageEvalSummary {
  cases: number;
  passed: number;
  accuracy: number;
  classificationAccuracy: number;
  causeAccuracy: number;
  featureAccuracy: number;
  actionAccuracy: number;
  /** Share of all properties (class, cause, features, action over every case) that were right. */
  propertyAccuracy: number;
  /** Cases whose injected cause is a data-quality problem and whose proposal was a retrain. */
  retrainOnDataQuality: number;
  controls: number;
  /** Clean controls on which monitor.drift raised an alert. */
  alertsOnControls: number;
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Writes the rows of `sql` to <dir>/<name>.parquet and returns its DatasetRef. */
export async function writeDataset(dir: string, name: string, sql: string): Promise<DatasetRef> {
  const file = path.join(dir, `${name}.parquet`);
  return withDuckDB(async (db) => {
    await db.run(`COPY (${sql}) TO ${lit(file)} (FORMAT parquet)`);
    const rows = await db.all(`SELECT count(*) AS n FROM read_parquet(${lit(file)})`);
    const columns = await db.columns(`read_parquet(${lit(file)})`);
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
    return { path: file, hash, rows: Number(rows[0]?.n), columns, name };
  });
}

function context(workspace: string): TaskContext {
  const config = loadConfig({ workspace }, {});
  const noop = () => {};
  return {
    runId: 'eval',
    stepId: 'drift',
    attempt: 1,
    idempotencyKey: 'eval/drift',
    once: (_name, fn) => fn(),
    workspace,
    scratchDir: path.join(config.stateDir, 'scratch'),
    log: { debug: noop, info: noop, warn: noop, error: noop },
    progress: noop,
    signal: new AbortController().signal,
    artifacts: new DiskArtifactStore(path.join(config.stateDir, 'artifacts')),
    upstream: {},
    config,
  };
}

/** Builds one scenario's drift report with the real monitor.drift task. */
export async function scenarioReport(s: Scenario, workspace: string) {
  const dir = path.join(workspace, s.id);
  mkdirSync(dir, { recursive: true });
  const reference = await writeDataset(dir, 'reference', s.reference);
  const current = await writeDataset(dir, 'current', s.current);
  const input = monitorDrift.input.parse({
    reference,
    current,
    ...(s.columns ? { columns: s.columns } : {}),
  });
  const output = monitorDrift.output.parse(await monitorDrift.run(input, context(workspace)));
  return Object.assign(output, { referenceDataset: reference });
}

/**
 * A model trained on a scenario's reference with the real train.tabular task (builtin random forest, 80/20
 * holdout: its holdout metric is the quality baseline). Models are shared by scenarios with the same
 * reference and target.
 */
async function scenarioModel(
  m: ScenarioModel,
  reference: DatasetRef,
  workspace: string,
  cache: Map<string, Promise<LoadedModel>>,
): Promise<LoadedModel> {
  const key = `${reference.hash}|${m.target}|${(m.features ?? []).join(',')}`;
  let model = cache.get(key);
  if (!model) {
    model = (async () => {
      const input = trainTabular.input.parse({
        dataset: reference,
        target: m.target,
        taskType: m.task,
        ...(m.features ? { features: m.features } : {}),
        algorithm: 'random_forest',
        params: { nEstimators: 25, maxDepth: 8 },
        folds: 0,
        seed: 7,
      });
      const out = await trainTabular.run(input, context(workspace));
      return loadModel(out.model.dir);
    })();
    cache.set(key, model);
  }
  return model;
}

/** The scenario's model as deployment lineage (a rollback candidate when it went live hours ago). */
function deployedModel(m: ScenarioModel): ModelEvidence | undefined {
  if (m.deployedHoursAgo === undefined) return undefined;
  const at = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
  return {
    name: 'eval-model',
    version: 2,
    trainedAt: at(m.deployedHoursAgo + 1),
    approvedBy: [],
    deployedAt: at(m.deployedHoursAgo),
    deployedBy: 'eval',
    previousVersions: [{ version: 1, createdAt: at(24 * 30), datasetHash: 'earlier' }],
  };
}

export async function runTriageEval(
  opts: { model?: BaseChatModel; scenarios?: Scenario[] } = {},
): Promise<{ rows: TriageCaseRow[]; summary: TriageEvalSummary }> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-triage-eval-'));
  const rows: TriageCaseRow[] = [];
  const models = new Map<string, Promise<LoadedModel>>();
  try {
    for (const s of opts.scenarios ?? SCENARIOS) {
      const t0 = performance.now();
      const output = await scenarioReport(s, workspace);
      const input = reportFromOutput(output);
      const deps: TriageDeps = opts.model ? { model: opts.model, prompt: loadExplainPrompt() } : {};
      if (s.model) {
        const spec = s.model;
        const model = await scenarioModel(spec, output.referenceDataset, workspace, models);
        deps.checkModel = () =>
          checkModel(model, { reference: output.reference.path, current: output.current.path });
        const deployed = deployedModel(spec);
        if (deployed) deps.deployedModel = deployed;
      }
      const t = await triageAlert({ ...input, ref: `eval/${s.id}` }, deps);
      rows.push(scoreCase(s, t, output.alert !== null, performance.now() - t0));
    }
  } finally {
    for (const m of models.values()) await (await m).close();
    rmSync(workspace, { recursive: true, force: true });
  }
  return { rows, summary: summarize(rows) };
}

/** Scores one triage against the scenario's expectations, property by property. */
export function scoreCase(
  s: Scenario,
  t: {
    verdict: { classification: string; cause: string; columns: string[] };
    proposal: { action: string };
    source: 'rules' | 'llm';
  },
  alerted: boolean,
  ms: number,
): TriageCaseRow {
  const e = s.expect;
  const named = t.verdict.columns;
  const classOk = t.verdict.classification === e.classification;
  const causeOk = t.verdict.cause === e.cause;
  const actionOk = t.proposal.action === e.action;
  const covers = e.features.every((f) => named.includes(f));
  const featuresOk =
    e.classification === 'no_drift'
      ? named.length === 0
      : e.classification === 'data_quality'
        ? covers && named.every((f) => e.features.includes(f))
        : covers;
  return {
    id: s.id,
    cause: s.cause,
    expected: `${e.classification} (${e.cause}) → ${e.action}${e.features.length ? ` [${e.features.join(', ')}]` : ''}`,
    got: `${t.verdict.classification} (${t.verdict.cause}) → ${t.proposal.action}${named.length ? ` [${named.slice(0, 4).join(', ')}${named.length > 4 ? ', …' : ''}]` : ''}`,
    classOk,
    causeOk,
    featuresOk,
    actionOk,
    features: named,
    alerted,
    control: s.control === true,
    retrainOnDataQuality: e.classification === 'data_quality' && t.proposal.action === 'retrain',
    pass: classOk && causeOk && featuresOk && actionOk,
    source: t.source,
    ms,
  };
}

export function summarize(rows: TriageCaseRow[]): TriageEvalSummary {
  const n = rows.length;
  const share = (f: (r: TriageCaseRow) => boolean) => (n ? rows.filter(f).length / n : 0);
  const controls = rows.filter((r) => r.control);
  return {
    cases: n,
    passed: rows.filter((r) => r.pass).length,
    accuracy: share((r) => r.pass),
    classificationAccuracy: share((r) => r.classOk),
    causeAccuracy: share((r) => r.causeOk),
    featureAccuracy: share((r) => r.featuresOk),
    actionAccuracy: share((r) => r.actionOk),
    propertyAccuracy: n
      ? rows.reduce(
          (s, r) => s + [r.classOk, r.causeOk, r.featuresOk, r.actionOk].filter(Boolean).length,
          0,
        ) /
        (4 * n)
      : 0,
    retrainOnDataQuality: rows.filter((r) => r.retrainOnDataQuality).length,
    controls: controls.length,
    alertsOnControls: controls.filter((r) => r.alerted).length,
  };
}

export function formatTriageEval(title: string, rows: TriageCaseRow[], s: TriageEvalSummary): string {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const mark = (ok: boolean) => (ok ? 'yes' : 'NO');
  return [
    `### ${title}`,
    '',
    '| case | injected cause | expected | got | class | cause | features | action | alert | ms |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.cause} | ${r.expected} | ${r.got} | ${mark(r.classOk)} | ${mark(r.causeOk)} | ${mark(r.featuresOk)} | ${mark(r.actionOk)} | ${r.alerted ? (r.control ? 'YES' : 'yes') : 'no'} | ${Math.round(r.ms)} |`,
    ),
    '',
    `**Summary** — cases ${s.cases}; all four right ${s.passed} (${pct(s.accuracy)}); class ${pct(s.classificationAccuracy)}, cause ${pct(s.causeAccuracy)}, feature ${pct(s.featureAccuracy)}, action ${pct(s.actionAccuracy)}; properties ${pct(s.propertyAccuracy)}; retrain proposed for a data-quality cause: ${s.retrainOnDataQuality}; alerts on clean controls: ${s.alertsOnControls} of ${s.controls}`,
  ].join('\n');
}
