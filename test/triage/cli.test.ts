/**
 * `pipewright triage`, `triages` and `scheduler add|list|remove`, run in-process through commander with the
 * global options of the real program, on a real drift report and a real state directory.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { scenarioReport } from '../../evals/triage/harness.ts';
import { SCENARIOS } from '../../evals/triage/scenarios.ts';
import { registerSchedulerCommand } from '../../src/cli/commands/scheduler.ts';
import { registerTriageCommands } from '../../src/cli/commands/triage.ts';
import { makeWorkspace } from '../helpers/task-context.ts';

let workspace: string;
let reportJson: string;

beforeAll(async () => {
  workspace = makeWorkspace('pw-triage-cli-');
  const s = SCENARIOS.find((x) => x.id === 'weather-renamed-categories');
  if (!s) throw new Error('scenario missing');
  const out = await scenarioReport(s, workspace);
  reportJson = path.join(workspace, 'drift-report.json');
  copyFileSync(out.reportJson, reportJson);
});

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
  registerTriageCommands(program);
  registerSchedulerCommand(program);
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

describe('pipewright triage', () => {
  it('prints evidence, classification, reasoning and the proposal for a drift report', async () => {
    const text = await cli('triage', reportJson);
    expect(text).toMatch(/drifted {2}weather/);
    expect(text).toMatch(/Classification: data_quality \(category_renamed\)/);
    expect(text).toMatch(/"rain".* vanished .* while .*"rainy".* appeared with about the same share/);
    expect(text).toMatch(
      /share of current rows with values never seen in the reference = 0\.\d+ \(threshold 0\.01/,
    );
    expect(text).toMatch(/e\.g\. \{"date":"2014-\d\d-\d\d".*"weather":"(rainy|sunny)"/);
    expect(text).toMatch(/Proposal: fix_upstream/);
    expect(text).toMatch(/Post it for approval with --apply/);
  });

  it('--apply posts it and waits; --json tells the action run; triages lists it', async () => {
    const posted = JSON.parse(await cli('--json', 'triage', reportJson, '--apply')) as {
      status: string;
      posted: { created: boolean; runId: string; record: { status: string } };
    };
    expect(posted.status).toBe('waiting');
    expect(posted.posted).toMatchObject({ created: true, record: { status: 'proposed' } });
    const again = JSON.parse(await cli('--json', 'triage', reportJson, '--apply')) as {
      posted: { created: boolean };
    };
    expect(again.posted.created).toBe(false);
    const list = JSON.parse(await cli('--json', 'triages')) as {
      runId: string;
      action: string;
      createdBy: string;
    }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ runId: posted.posted.runId, action: 'fix_upstream', createdBy: 'erin' });
  });

  it('refuses --auto-approve without --apply and a run without a drift step', async () => {
    await expect(cli('triage', reportJson, '--auto-approve')).rejects.toThrow(/--auto-approve needs --apply/);
    await expect(cli('triage', 'run-nope')).rejects.toThrow(/No run "run-nope"/);
  });
});

describe('pipewright scheduler add | list | remove', () => {
  it('registers the plan’s own schedule and a drift trigger, lists and removes them', async () => {
    mkdirSync(path.join(workspace, 'plans'), { recursive: true });
    const plan = path.join(workspace, 'plans', 'weather-drift.yaml');
    copyFileSync(path.resolve('examples/weather-drift.yaml'), plan);
    const added = JSON.parse(await cli('--json', 'scheduler', 'add', plan)) as {
      name: string;
      kind: string;
      spec: unknown;
    }[];
    expect(added).toEqual([
      expect.objectContaining({
        name: 'weather-drift',
        kind: 'cron',
        spec: { schedule: '0 * * * *', timezone: 'America/Los_Angeles' },
      }),
    ]);
    await cli('scheduler', 'add', plan, '--on-drift', '--model', 'weather');
    const listed = await cli('scheduler', 'list');
    expect(listed).toMatch(/weather-drift\s+cron/);
    expect(listed).toMatch(/weather-drift-drift\s+drift/);
    expect(await cli('scheduler', 'remove', 'weather-drift-drift')).toMatch(
      /removed trigger weather-drift-drift/,
    );
    const after = JSON.parse(await cli('--json', 'scheduler', 'list')) as { name: string }[];
    expect(after.map((t) => t.name)).toEqual(['weather-drift']);
    await expect(cli('scheduler', 'add', path.resolve('examples/weather.yaml'))).rejects.toThrow(
      /declares no trigger/,
    );
  });
});
