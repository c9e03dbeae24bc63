/**
 * The real-data triage demo, on embedded defaults (no LLM): Seattle weather (vega-datasets).
 *
 *   train on the cool months (October–April) of 2012–2013 → deploy → serve → replay summer 2014–2015 through
 *   the endpoint → drift check fires → the triage agent explains it (a season the training data never saw:
 *   its month, temperatures and rain are new to the model) and proposes a retrain on a window with the new data
 *   → approval (auto with --auto-approve; otherwise the demo approves as "reviewer") → retrain on 2012–2015
 *   → promotion of v2 → the lineage of the alert, the decision and the new model.
 *
 * Everything goes through the real `pipewright` command and server, in a fresh workspace under .demo/weather/.
 * `tsx scripts/weather-demo.ts [--auto-approve]`
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { startServe } from './lib/serve.ts';

const root = path.resolve(import.meta.dirname, '..');

// Until `triage` and `scheduler` are registered in src/cli/main.ts, this script is their entry point too.
if (process.argv[2] === '--cli') {
  const { Command } = await import('commander');
  const { registerTriageCommands } = await import('../src/cli/commands/triage.ts');
  const { registerSchedulerCommand } = await import('../src/cli/commands/scheduler.ts');
  const { formatError } = await import('../src/errors.ts');
  const program = new Command('pipewright')
    .option('--json')
    .option('-w, --workspace <dir>')
    .option('--state-dir <dir>')
    .option('--as <user>');
  registerTriageCommands(program);
  registerSchedulerCommand(program);
  try {
    await program.parseAsync([process.argv[0] as string, 'pipewright', ...process.argv.slice(3)]);
  } catch (e) {
    process.stderr.write(`${formatError(e)}\n`);
    process.exitCode = 2;
  }
} else {
  await demo();
}

async function demo(): Promise<void> {
  const ws = path.join(root, '.demo', 'weather');
  const bin = path.join(root, 'bin', 'pipewright.mjs');
  const env = { ...process.env, PIPEWRIGHT_WORKSPACE: ws, PIPEWRIGHT_USER: 'demo' };
  const auto = process.argv.includes('--auto-approve');
  const t0 = Date.now();
  const csv = path.join(root, 'node_modules/vega-datasets/data/seattle-weather.csv');

  const stage = (n: number, text: string) => process.stdout.write(`\n\x1b[1m[${n}] ${text}\x1b[0m\n`);
  const pw = (args: string[], opts: { quiet?: boolean } = {}) =>
    execa('node', [bin, ...args], { cwd: ws, env, stdio: opts.quiet ? 'pipe' : 'inherit', reject: false });
  const wired = readFileSync(path.join(root, 'src/cli/main.ts'), 'utf8').includes('registerTriageCommands');
  const pwTriage = (args: string[], opts: { quiet?: boolean } = {}) =>
    wired
      ? pw(args, opts)
      : execa(
          'node',
          [
            '--import',
            import.meta.resolve('tsx'),
            path.join(root, 'scripts/weather-demo.ts'),
            '--cli',
            ...args,
          ],
          {
            cwd: ws,
            env,
            stdio: opts.quiet ? 'pipe' : 'inherit',
            reject: false,
          },
        );
  const fail = (what: string): never => {
    process.stderr.write(`\ndemo failed: ${what}\n`);
    process.exit(1);
  };

  rmSync(ws, { recursive: true, force: true });
  mkdirSync(path.join(ws, 'data'), { recursive: true });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const src = `(SELECT CAST(month(date) AS INTEGER) AS month, precipitation, temp_max, temp_min, wind, weather, date FROM read_csv('${csv}'))`;
  const out = (f: string) => `'${path.join(ws, f)}'`;
  await db.run(
    `COPY (SELECT * EXCLUDE (date) FROM ${src} WHERE year(date) IN (2012, 2013) AND month NOT BETWEEN 5 AND 9) TO ${out('data/weather.csv')} (HEADER)`,
  );
  await db.run(`COPY (SELECT * EXCLUDE (date) FROM ${src}) TO ${out('data/weather-fresh.csv')} (HEADER)`);
  const summer = (
    await db.runAndReadAll(
      `SELECT month, precipitation, temp_max, temp_min, wind FROM ${src} WHERE year(date) >= 2014 AND month(date) IN (6, 7, 8) ORDER BY date`,
    )
  ).getRowObjectsJson();
  db.closeSync();

  stage(
    1,
    'Train the weather classifier on the cool months (Oct–Apr) of 2012–2013 and deploy it (examples/weather.yaml)',
  );
  if ((await pw(['run', path.join(root, 'examples/weather.yaml'), '--auto-approve'])).exitCode !== 0)
    fail('the training run failed');

  stage(
    2,
    `Serve it and replay ${summer.length} days of summer 2014–2015 through POST /models/weather/predict`,
  );
  const { server, url } = await startServe(bin, ws, env);
  try {
    const res = await fetch(`${url}/models/weather/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: summer }),
    });
    const body = (await res.json()) as { predictions?: unknown[]; version?: number };
    if (!res.ok) fail(`prediction request answered ${res.status}`);
    const counts: Record<string, number> = {};
    for (const p of body.predictions ?? []) counts[String(p)] = (counts[String(p)] ?? 0) + 1;
    process.stdout.write(`  v${body.version} predicted: ${JSON.stringify(counts)}\n`);
  } finally {
    server.kill('SIGTERM');
    await server;
  }

  stage(3, 'Drift check on the served traffic (examples/weather-drift.yaml)');
  if ((await pw(['run', path.join(root, 'examples/weather-drift.yaml')])).exitCode !== 0)
    fail('the drift run failed');
  // Read-only look-ups go straight to the state file: each `pipewright` start costs seconds.
  const latest = (sql: string) => {
    const db = new Database(path.join(ws, '.pipewright', 'state.db'), { readonly: true });
    try {
      return (db.prepare(sql).get() as { id?: string } | undefined)?.id;
    } finally {
      db.close();
    }
  };
  const driftRun =
    latest("SELECT id FROM runs WHERE plan_name = 'weather-drift' ORDER BY created_at DESC LIMIT 1") ??
    fail('no drift run');

  stage(4, `The triage agent: pipewright triage ${driftRun} --apply${auto ? ' --auto-approve' : ''}`);
  const triage = await pwTriage([
    'triage',
    driftRun,
    '--apply',
    '--data',
    'data/weather-fresh.csv',
    ...(auto ? ['--auto-approve'] : []),
  ]);
  if (triage.exitCode !== 0) fail(`triage ended with exit code ${triage.exitCode}`);

  if (!auto) {
    const actionRun =
      latest('SELECT run_id AS id FROM triages ORDER BY created_at DESC LIMIT 1') ??
      fail('no triage action run');
    stage(
      5,
      `A person approves: pipewright approve ${actionRun} approve   (Slack and the web page show the same)`,
    );
    const decide = [
      '--as',
      'reviewer',
      'approve',
      actionRun,
      'approve',
      '--comment',
      'summer is here, retrain',
    ];
    // Before triage.apply is in the built-in catalog, the decision is recorded here and the run continued by
    // `triage --apply` (which knows the task).
    if ((await pw(wired ? decide : [...decide, '--no-resume'])).exitCode !== 0) fail('approval failed');
    if (!wired && (await pwTriage(['triage', driftRun, '--apply'])).exitCode !== 0)
      fail('the action run failed');
  }

  stage(6, 'After: the model in production, and the lineage of the alert, the decision and the new model');
  await pw(['ask', 'which data trained the model in production and who approved it?']);
  await pw(['lineage', `alert:${driftRun}/drift`, '--down']);

  process.stdout.write(`\nworkspace: ${ws}\ndemo finished in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
