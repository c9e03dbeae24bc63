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
import { loadExplainPrompt, reportFromOutput, triageAlert } from '../../agents/triage/index.ts';
import { loadConfig } from '../../src/config.ts';
import { DiskArtifactStore } from '../../src/store/artifacts.ts';
import type { TaskContext } from '../../src/tasks/index.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import type { DatasetRef } from '../../tools/lib/refs.ts';
import { monitorDrift } from '../../tools/monitor/drift.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';

export interface TriageCaseRow {
  id: string;
  cause: string;
  expected: string;
  got: string;
  causeOk: boolean;
  /** Whether monitor.drift raised an alert for the window. */
  alerted: boolean;
  pass: boolean;
  source: 'rules' | 'llm';
  ms: number;
}

export interface TriageEvalSummary {
  cases: number;
  passed: number;
  accuracy: number;
  classificationAccuracy: number;
  actionAccuracy: number;
  causeAccuracy: number;
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
  return monitorDrift.output.parse(await monitorDrift.run(input, context(workspace)));
}

export async function runTriageEval(
  opts: { model?: BaseChatModel; scenarios?: Scenario[] } = {},
): Promise<{ rows: TriageCaseRow[]; summary: TriageEvalSummary }> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-triage-eval-'));
  const rows: TriageCaseRow[] = [];
  let cls = 0;
  let act = 0;
  try {
    for (const s of opts.scenarios ?? SCENARIOS) {
      const t0 = performance.now();
      const output = await scenarioReport(s, workspace);
      const input = reportFromOutput(output);
      const t = await triageAlert(
        { ...input, ref: `eval/${s.id}` },
        opts.model ? { model: opts.model, prompt: loadExplainPrompt() } : {},
      );
      const okC = t.verdict.classification === s.expect.classification;
      const okA = t.proposal.action === s.expect.action;
      if (okC) cls++;
      if (okA) act++;
      rows.push({
        id: s.id,
        cause: s.cause,
        expected: `${s.expect.classification} (${s.expect.cause}) → ${s.expect.action}`,
        got: `${t.verdict.classification} (${t.verdict.cause}) → ${t.proposal.action}`,
        causeOk: t.verdict.cause === s.expect.cause,
        alerted: output.alert !== null,
        pass: okC && okA,
        source: t.source,
        ms: performance.now() - t0,
      });
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  const n = rows.length;
  const passed = rows.filter((r) => r.pass).length;
  return {
    rows,
    summary: {
      cases: n,
      passed,
      accuracy: n ? passed / n : 0,
      classificationAccuracy: n ? cls / n : 0,
      actionAccuracy: n ? act / n : 0,
      causeAccuracy: n ? rows.filter((r) => r.causeOk).length / n : 0,
    },
  };
}

export function formatTriageEval(title: string, rows: TriageCaseRow[], s: TriageEvalSummary): string {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return [
    `### ${title}`,
    '',
    '| case | injected cause | expected | got | alert | pass | ms |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.id} | ${r.cause} | ${r.expected} | ${r.got} | ${r.alerted ? 'yes' : 'no'} | ${r.pass ? 'yes' : 'NO'} | ${Math.round(r.ms)} |`,
    ),
    '',
    `**Summary** — cases ${s.cases}; passed ${s.passed}; accuracy ${pct(s.accuracy)} (classification ${pct(s.classificationAccuracy)}, action ${pct(s.actionAccuracy)}; cause ${pct(s.causeAccuracy)})`,
  ].join('\n');
}
