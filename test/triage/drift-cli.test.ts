/**
 * `pipewright drift <reference> <current>` on real files in a real workspace (Seattle weather as CSV and
 * JSON), run in-process through commander: the per-feature table, the dataset verdict, the HTML report where
 * asked, the triage verdict with --triage, a no-drift verdict with nothing to apply, paths confined to the
 * workspace, and the workspace-relative report path `triage` accepts.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDriftCommand } from '../../src/cli/commands/drift.ts';
import { registerTriageCommands } from '../../src/cli/commands/triage.ts';
import { isPipewrightError } from '../../src/errors.ts';
import { withDuckDB } from '../../tools/lib/duckdb.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

const CSV = path.resolve('node_modules/vega-datasets/data/seattle-weather.csv');
let workspace: string;

beforeAll(async () => {
  workspace = makeWorkspace('pw-drift-cli-');
  const w = `read_csv('${CSV}')`;
  const to = (f: string, fmt = '(HEADER)') => `'${path.join(workspace, f)}' ${fmt}`;
  await withDuckDB(async (db) => {
    await db.run(`COPY (SELECT * FROM ${w} WHERE year(date) IN (2012, 2013)) TO ${to('train.csv')}`);
    await db.run(
      `COPY (SELECT * REPLACE (wind * 3.6 AS wind) FROM ${w} WHERE year(date) = 2015) TO ${to('kmh.csv')}`,
    );
    await db.run(
      `COPY (SELECT * FROM ${w} WHERE year(date) IN (2012, 2013) AND dayofmonth(date) % 3 = 0) TO ${to('same.json', '(FORMAT json, ARRAY true)')}`,
    );
  });
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function cli(...args: string[]): Promise<string> {
  const program = new Command('pipewright')
    .option('--json')
    .option('-w, --workspace <dir>')
    .option('--state-dir <dir>')
    .option('--as <user>')
    .exitOverride();
  registerDriftCommand(program);
  registerTriageCommands(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'pipewright', '--workspace', workspace, '--as', 'erin', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

describe('pipewright drift', () => {
  it('prints the per-feature table, the dataset verdict and, with --triage, a unit change to fix upstream', async () => {
    const text = await cli('drift', 'train.csv', 'kmh.csv', '--triage', '--html', 'reports/kmh');
    expect(text).toMatch(/^feature +type +test +statistic +p-value +threshold +drift/m);
    expect(text).toMatch(/^wind +numeric +ks +0\.8\d* .*DRIFT/m);
    expect(text).toMatch(/^precipitation +numeric +ks .* ok /m);
    expect(text).toMatch(/Dataset: DRIFT — \d of 5 features drifted/);
    expect(text).toMatch(/finding: scale_change on "wind": .*scaled by 3\.6.*m\/s logged as km\/h/);
    const html = path.join(workspace, 'reports', 'kmh.html');
    expect(readFileSync(html, 'utf8').startsWith('<!doctype html>')).toBe(true);
    expect(text).toMatch(/Classification: data_quality \(unit_change\), severity critical/);
    expect(text).toMatch(/Proposal: fix_upstream \(retrains on hold\)/);
    expect(text).toMatch(/Post it for approval: pipewright triage run-\S+ --apply/);
  });

  it('says plainly when nothing drifted, offers nothing to apply, and triage reads the report by its workspace path', async () => {
    const out = JSON.parse(await cli('--json', 'drift', 'train.csv', 'same.json', '--triage')) as {
      drift: { drifted: boolean; driftedFeatures: string[]; reportJson: string; findings: unknown[] };
      triage: { verdict: { classification: string }; proposal: { action: string } };
    };
    expect(out.drift).toMatchObject({ drifted: false, driftedFeatures: [], findings: [] });
    expect(out.triage.verdict.classification).toBe('no_drift');
    expect(out.triage.proposal.action).toBe('none');
    const rel = path.relative(workspace, out.drift.reportJson);
    expect(rel).toMatch(/^\.pipewright[/\\]artifacts[/\\]reports[/\\]drift-[0-9a-f]+\.json$/);
    const text = await cli('triage', rel, '--apply');
    expect(text).toMatch(/^No drift: none of 5 features drifted beyond chance/m);
    expect(text).toMatch(/Nothing to apply\./);
    expect(text).not.toMatch(/--apply|Proposal/);
  });

  it('keeps every path inside the workspace and says what to do about a missing file', async () => {
    const outside = await cli('drift', '../train.csv', 'kmh.csv').catch((e: unknown) => e);
    expect(isPipewrightError(outside) && outside.code).toBe('PATH_OUTSIDE_WORKSPACE');
    const missing = await cli('drift', 'train.csv', 'nope.csv').catch((e: unknown) => e);
    expect(isPipewrightError(missing) && missing.code).toBe('DRIFT_FILE_NOT_FOUND');
    const html = await cli('drift', 'train.csv', 'kmh.csv', '--html', '/tmp/elsewhere.html').catch(
      (e: unknown) => e,
    );
    expect(isPipewrightError(html) && html.code).toBe('PATH_OUTSIDE_WORKSPACE');
    expect(existsSync('/tmp/elsewhere.html')).toBe(false);
    const report = await cli('triage', '../outside.json').catch((e: unknown) => e);
    expect(isPipewrightError(report) && report.code).toBe('PATH_OUTSIDE_WORKSPACE');
  });
});
