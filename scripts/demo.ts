/**
 * The main demo, on embedded defaults: a goal sentence → the offline planner's plan → penguins → clean →
 * version → split → train → evaluate → gate → approval (auto-approved here; a real prompt when you run the
 * plan yourself) → register → deploy → a real prediction over HTTP → a drifted batch of traffic → drift
 * report → alert.
 * Everything goes through the real `pipewright` command and server, in a fresh workspace under .demo/.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { startServe } from './lib/serve.ts';

const root = path.resolve(import.meta.dirname, '..');
const ws = path.join(root, '.demo');
const bin = path.join(root, 'bin', 'pipewright.mjs');
const env = { ...process.env, PIPEWRIGHT_WORKSPACE: ws };
const t0 = Date.now();

const stage = (n: number, text: string) => process.stdout.write(`\n\x1b[1m[${n}] ${text}\x1b[0m\n`);
const pw = (args: string[]) =>
  execa('node', [bin, ...args], { cwd: ws, env, stdio: 'inherit', reject: false });

function fail(what: string): never {
  process.stderr.write(`\ndemo failed: ${what}\n`);
  process.exit(1);
}

rmSync(ws, { recursive: true, force: true });
mkdirSync(path.join(ws, 'data'), { recursive: true });
copyFileSync(
  path.join(root, 'node_modules/vega-datasets/data/penguins.json'),
  path.join(ws, 'data/penguins.json'),
);
const penguins = JSON.parse(readFileSync(path.join(ws, 'data/penguins.json'), 'utf8')) as Record<
  string,
  unknown
>[];

const GOAL =
  'predict species from data/penguins.json with a random forest, deploy if accuracy >= 0.9, ask me first';
const planFile = path.join(ws, 'penguins-plan.yaml');

stage(1, `A goal, planned offline (no model needed): "${GOAL}"`);
if ((await pw(['plan', GOAL, '--out', planFile])).exitCode !== 0) fail('the planner could not plan the goal');

stage(
  2,
  'Run the plan: ingest → clean → version → split → train → evaluate → gate → approval → register → deploy',
);
const run = await pw(['run', planFile, '--auto-approve']);
if (run.exitCode !== 0) fail(`the training run ended with exit code ${run.exitCode}`);

stage(3, 'Serve the deployed model: pipewright serve');
const { server, url } = await startServe(bin, ws, env);
process.stdout.write(`server at ${url}\n`);

try {
  stage(4, 'A real prediction over HTTP: POST /models/penguins-species/predict');
  const features = (row: Record<string, unknown>) => {
    const { Species: _species, ...rest } = row;
    return rest;
  };
  const sample = [penguins[0], penguins[160], penguins[300]].filter((r): r is Record<string, unknown> => !!r);
  const res = await fetch(`${url}/models/penguins-species/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: sample.map(features) }),
  });
  const body = (await res.json()) as { version?: number; predictions?: unknown[]; error?: unknown };
  if (!res.ok) fail(`prediction request answered ${res.status}: ${JSON.stringify(body.error)}`);
  sample.forEach((row, i) => {
    process.stdout.write(
      `  ${String(row.Island).padEnd(10)} → predicted ${String(body.predictions?.[i]).padEnd(10)} (actual ${String(row.Species)})\n`,
    );
  });
  process.stdout.write(`  served by model version ${body.version}\n`);

  stage(
    5,
    'A drifted batch of traffic: heavier penguins with longer flippers (a new colony, or grams logged as kg·1000?)',
  );
  const drifted = penguins
    .filter((r) => r['Body Mass (g)'] !== null && r['Beak Length (mm)'] !== null)
    .filter((_, i) => i % 2 === 0)
    .map((r) => ({
      ...features(r),
      'Body Mass (g)': Number(r['Body Mass (g)']) + 1800,
      'Flipper Length (mm)': Number(r['Flipper Length (mm)']) + 25,
    }));
  const batch = await fetch(`${url}/models/penguins-species/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: drifted }),
  });
  if (!batch.ok) fail(`batch prediction answered ${batch.status}`);
  process.stdout.write(`  ${drifted.length} drifted rows scored and logged for monitoring\n`);
} finally {
  server.kill('SIGTERM');
  await server;
}

stage(6, 'Drift check on the served traffic: examples/penguins-drift.yaml');
const drift = await pw(['run', path.join(root, 'examples/penguins-drift.yaml')]);
if (drift.exitCode !== 0) fail(`the drift run ended with exit code ${drift.exitCode}`);

stage(7, 'What happened');
await pw(['runs']);
const reports = (
  await execa('node', [bin, 'runs', '--json', '--plan', 'penguins-drift', '--limit', '1'], { cwd: ws, env })
).stdout;
const driftRun = (JSON.parse(reports) as { id: string }[])[0]?.id;
if (driftRun) {
  const shown = JSON.parse(
    (await execa('node', [bin, 'show', driftRun, '--json'], { cwd: ws, env })).stdout,
  ) as {
    steps: {
      stepId: string;
      output?: { reportHtml?: string; reportJson?: string; drifted?: boolean; driftedFeatures?: string[] };
    }[];
  };
  const d = shown.steps.find((s) => s.stepId === 'drift')?.output;
  process.stdout.write(`\ndrift detected: ${d?.drifted} (${d?.driftedFeatures?.join(', ') ?? ''})\n`);
  if (d?.reportHtml) {
    // Artifacts are content-addressed without extensions; keep a copy a browser opens directly.
    mkdirSync(path.join(ws, 'reports'), { recursive: true });
    copyFileSync(d.reportHtml, path.join(ws, 'reports', 'drift.html'));
  }
  process.stdout.write(
    `HTML report:    ${path.join(ws, 'reports', 'drift.html')}\nJSON report:    ${d?.reportJson}\n`,
  );
}

stage(8, 'Ask the lineage: "which data trained the model in production, and who approved it?"');
await pw(['ask', 'which data trained the model in production and who approved it?']);

process.stdout.write(`\nworkspace:      ${ws}   (try: npx pipewright --workspace .demo runs)\n`);
process.stdout.write(`\ndemo finished in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
