/**
 * The body of scripts/gpu-check.sh (run it through that script): a throwaway redis-server, one
 * `pipewright worker --gpus auto` process, and a coordinator in this process that runs a small penguins
 * plan whose GPU steps ask for `resources: { gpu: 1 }`: a probe (CUDA_VISIBLE_DEVICES and torch's view
 * of the device inside the step process) and `train.tabular` with `framework: torch`. Checks that both
 * ran on the worker with a GPU granted and CUDA_VISIBLE_DEVICES set, and that torch trained on cuda;
 * prints the metrics that came back and the timings, and writes a markdown summary.
 *
 * Environment (set by gpu-check.sh): GPU_CHECK_SIMULATE=<spec> runs the worker with --simulate-gpus
 * (a DRY RUN of the plumbing: no CUDA, the device check is reported, not enforced);
 * GPU_CHECK_FRAMEWORK overrides the training framework (default torch).
 * Usage: node --import tsx scripts/gpu-check.ts <summary.md>
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.ts';
import { Engine } from '../src/engine/index.ts';
import { RunStore } from '../src/store/index.ts';
import { BullmqDispatcher, describeGpus, liveWorkers } from '../src/workers/index.ts';
import { builtinRegistry } from '../tools/index.ts';
import { startRedis, type ThrowawayRedis } from './lib/redis-server.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const QUEUE = 'gpu-check';
const WORKER_ID = 'gpu-check-worker';
const simulate = process.env.GPU_CHECK_SIMULATE || undefined;
const dryRun = simulate !== undefined;
const framework = process.env.GPU_CHECK_FRAMEWORK || 'torch';
const summaryPath = path.resolve(process.argv[2] || path.join(ROOT, 'docs/gpu-check.md'));

const PROBE = `
import json, os
info = {"cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES", ""), "pid": os.getpid()}
try:
    import torch
    info["torch"] = torch.__version__
    info["cuda_available"] = torch.cuda.is_available()
    info["device_count"] = torch.cuda.device_count()
    info["device_name"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""
except ImportError:
    info["torch"] = ""
    info["cuda_available"] = False
print("probe: " + json.dumps(info), flush=True)
print("::output " + json.dumps(info), flush=True)
`;

const log = (msg: string) => process.stdout.write(`[gpu-check] ${msg}\n`);
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

let worker: ChildProcess | undefined;
let redis: ThrowawayRedis | undefined;
let workspace: string | undefined;
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    const w = worker;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => w.kill('SIGKILL'), 5000);
      w.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      w.kill('SIGTERM');
    });
  }
  await redis?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void cleanup().finally(() => process.exit(130));
  });
}
process.once('exit', () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
});

/** Starts `pipewright worker` and returns once it printed its start line (which shows the GPU detection). */
function startWorker(redisUrl: string, ws: string): Promise<{ line: string; ms: number }> {
  const gpuArgs = simulate ? ['--simulate-gpus', simulate] : ['--gpus', 'auto'];
  const args = [path.join(ROOT, 'bin/pipewright.mjs'), 'worker', '--id', WORKER_ID, '--heartbeat', '500'];
  log(`starting: node ${[...args, ...gpuArgs].map((a) => path.relative(ROOT, a) || a).join(' ')}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, [...args, ...gpuArgs], {
    cwd: ws,
    env: {
      ...process.env,
      PIPEWRIGHT_WORKSPACE: ws,
      PIPEWRIGHT_REDIS_URL: redisUrl,
      PIPEWRIGHT_QUEUE: QUEUE,
      PIPEWRIGHT_USER: 'gpu-check',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = child;
  return new Promise((resolve, reject) => {
    let out = '';
    let ready = false;
    const t = setTimeout(() => reject(new Error(`the worker did not start in 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      const text = d.toString();
      out += text;
      for (const l of text.split('\n').filter(Boolean)) process.stdout.write(`[worker] ${l}\n`);
      const line = out.split('\n').find((l) => l.startsWith('pipewright worker '));
      if (line && !ready) {
        ready = true;
        clearTimeout(t);
        resolve({ line, ms: performance.now() - t0 });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(t);
      if (!ready) reject(new Error(`the worker exited (${code}) before it was ready:\n${out}`));
    });
  });
}

function plan() {
  const gpu = { resources: { gpu: 1 } };
  const off = { cache: { enabled: false } };
  return {
    name: 'gpu-check',
    allowUnapproved: true,
    steps: [
      { id: 'load', task: 'ingest.file', with: { path: 'data/penguins.json' }, ...off },
      {
        id: 'clean',
        task: 'prep.transform',
        dependsOn: ['load'],
        with: {
          dataset: '${{ steps.load.outputs.dataset }}',
          ops: [{ op: 'filter', where: '"Species" IS NOT NULL AND "Beak Length (mm)" IS NOT NULL' }],
        },
        ...off,
      },
      {
        id: 'split',
        task: 'dataset.split',
        dependsOn: ['clean'],
        with: {
          dataset: '${{ steps.clean.outputs.dataset }}',
          by: { method: 'stratified', column: 'Species' },
          testShare: 0.25,
          seed: 7,
        },
        ...off,
      },
      {
        id: 'probe',
        task: 'python.script',
        dependsOn: ['split'],
        with: { script: 'probe.py', args: [] },
        ...gpu,
        ...off,
      },
      {
        id: 'train',
        task: 'train.tabular',
        // After the probe, so that its dispatch time is not the probe's turn on the one GPU.
        dependsOn: ['probe'],
        with: {
          dataset: '${{ steps.split.outputs.train }}',
          target: 'Species',
          framework,
          ...(framework === 'torch'
            ? { algorithm: 'mlp', params: { hidden: 32, epochs: 60 } }
            : { algorithm: 'logistic_regression' }),
          folds: 3,
          seed: 3,
        },
        ...gpu,
        ...off,
      },
    ],
  };
}

interface StepRow {
  step: string;
  worker: string;
  gpus: string;
  dispatchMs: number | undefined;
  durationMs: number | undefined;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  log(
    dryRun
      ? `DRY RUN: the worker advertises simulated GPUs (${simulate}); no CUDA device is used or required`
      : 'GPU run: the worker detects GPUs with nvidia-smi (--gpus auto)',
  );
  workspace = mkdtempSync(path.join(tmpdir(), 'pw-gpu-check-'));
  mkdirSync(path.join(workspace, 'data'));
  copyFileSync(
    path.join(ROOT, 'node_modules/vega-datasets/data/penguins.json'),
    path.join(workspace, 'data/penguins.json'),
  );
  writeFileSync(path.join(workspace, 'probe.py'), PROBE);
  redis = await startRedis();
  log(`redis-server on ${redis.url} (pid ${redis.pid})`);

  const started = await startWorker(redis.url, workspace);
  const conn = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const adverts = await liveWorkers(conn, QUEUE, 10_000).finally(() => conn.disconnect());
  const advert = adverts.find((a) => a.id === WORKER_ID);
  const realGpus = (advert?.gpus ?? []).filter((g) => !g.simulated);
  log(`worker advertises: ${advert ? describeGpus(advert.gpus) : 'nothing (not registered)'}`);
  if (!dryRun && realGpus.length === 0) {
    failures.push('the worker detected no GPU');
    throw new Error(
      `the worker detected no GPU (${started.line.trim()}). This check needs an NVIDIA GPU with a working driver (nvidia-smi).`,
    );
  }
  check(
    (advert?.gpus.length ?? 0) > 0,
    `worker registered with ${advert?.gpus.length ?? 0} GPU(s)${dryRun ? ' (simulated)' : ''}`,
  );

  const config = loadConfig({ workspace, user: 'gpu-check', redisUrl: redis.url, queue: QUEUE }, {});
  const store = new RunStore(path.join(config.stateDir, 'state.db'));
  const dispatcher = new BullmqDispatcher({ redisUrl: redis.url, queue: QUEUE, recheckMs: 2000 });
  const engine = new Engine({
    store,
    registry: builtinRegistry(),
    config,
    executor: dispatcher,
    pollMs: 100,
  });
  // Live trace: step transitions, worker claims, waits, the probe's line and progress messages.
  const unsubscribe = store.subscribe((e) => {
    const msg = String(e.data.message ?? e.data.task ?? '');
    if (e.type === 'step.log' && !/running on worker|waiting for|worker is available|probe:/.test(msg))
      return;
    if (e.type === 'step.progress' && !msg) return;
    if (e.stepId) log(`  ${e.stepId} ${e.type} ${msg}`.trimEnd());
  });
  let runMs = 0;
  let outcome: Awaited<ReturnType<Engine['run']>>;
  try {
    const t1 = performance.now();
    outcome = await engine.run(plan(), { createdBy: 'gpu-check' });
    runMs = performance.now() - t1;
  } finally {
    unsubscribe();
    await engine.close();
  }
  const events = store.events(outcome.runId);
  store.close();

  check(outcome.status === 'succeeded', `run ${outcome.runId} ${outcome.status}`);
  const rows: StepRow[] = plan().steps.map((s) => {
    const own = events.filter((e) => e.stepId === s.id);
    const claim = own.find(
      (e) => e.type === 'step.log' && typeof (e.data.data as { worker?: string })?.worker === 'string',
    )?.data.data as { worker: string; gpus: string[]; dispatchMs: number } | undefined;
    const done = own.find((e) => e.type === 'step.succeeded' || e.type === 'step.failed');
    return {
      step: s.id,
      worker: claim?.worker ?? '(coordinator)',
      gpus: claim?.gpus.join(',') || '-',
      dispatchMs: claim?.dispatchMs,
      durationMs: (done?.data as { durationMs?: number } | undefined)?.durationMs,
    };
  });
  for (const id of ['probe', 'train']) {
    const r = rows.find((x) => x.step === id);
    check(r?.worker === WORKER_ID, `${id} ran on the worker (${r?.worker})`);
    check(!!r && r.gpus !== '-', `${id} was granted GPU ${r?.gpus}`);
  }
  const probe = ((outcome.results.probe?.output as { outputs?: Record<string, unknown> })?.outputs ?? {}) as {
    cuda_visible_devices?: string;
    torch?: string;
    cuda_available?: boolean;
    device_count?: number;
    device_name?: string;
  };
  check(
    !!probe.cuda_visible_devices,
    `CUDA_VISIBLE_DEVICES inside the step process = "${probe.cuda_visible_devices ?? ''}"`,
  );
  const deviceEvent = events.find(
    (e) =>
      e.stepId === 'train' &&
      e.type === 'step.progress' &&
      (e.data.message === 'cuda' || e.data.message === 'cpu'),
  );
  const device =
    framework === 'torch' ? String(deviceEvent?.data.message ?? 'unknown') : `n/a (${framework})`;
  if (dryRun)
    log(
      `DRY RUN: training device = ${device}; torch ${probe.torch || 'not installed'}, cuda available: ${probe.cuda_available ?? false} (not enforced in a dry run)`,
    );
  else {
    check(framework === 'torch', `framework is torch (${framework})`);
    check(probe.cuda_available === true, `torch sees CUDA in the step (${probe.device_name || 'no device'})`);
    check(device === 'cuda', `torch_runner trained on ${device}`);
  }
  const train = outcome.results.train?.output as
    | { metrics?: Record<string, number>; cvMetrics?: Record<string, number>; bestParams?: unknown }
    | undefined;
  const metrics = train?.metrics ?? {};
  check(Object.keys(metrics).length > 0, `metrics came back from the worker: ${JSON.stringify(metrics)}`);
  log(`cross-validation: ${JSON.stringify(train?.cvMetrics ?? {})}`);
  const totalMs = performance.now() - t0;
  log(
    `timings: worker start ${(started.ms / 1000).toFixed(1)} s, run ${(runMs / 1000).toFixed(1)} s, total ${(totalMs / 1000).toFixed(1)} s`,
  );
  for (const r of rows)
    log(
      `  ${r.step.padEnd(6)} on ${r.worker} gpus=${r.gpus} dispatch ${r.dispatchMs ?? '-'} ms, took ${r.durationMs ?? '-'} ms`,
    );

  const verdict = failures.length
    ? `FAILED: ${failures.join('; ')}`
    : dryRun
      ? 'DRY RUN passed: the plumbing works; CUDA was not checked'
      : 'PASSED: the torch step trained on CUDA on the worker';
  const md = [
    `# GPU check${dryRun ? ' (DRY RUN, simulated GPUs)' : ''}`,
    '',
    `Produced by \`scripts/gpu-check.sh\` on ${new Date().toISOString()}, host ${process.env.HOSTNAME ?? ''}.`,
    '',
    `**${verdict}**`,
    '',
    dryRun
      ? `Dry run: the worker advertised simulated GPUs (\`--simulate-gpus ${simulate}\`), so routing, the GPU grant and CUDA_VISIBLE_DEVICES are exercised but no CUDA device is; the training device is reported, not checked.`
      : 'The worker detected its GPUs with nvidia-smi (`--gpus auto`).',
    '',
    '## Worker',
    '',
    '```',
    (process.env.GPU_CHECK_NVIDIA_SMI ?? '').trim() || '(nvidia-smi not run: dry run)',
    started.line.trim(),
    '```',
    '',
    '## Checks',
    '',
    `- training framework: ${framework}; device reported by torch_runner: **${device}**`,
    `- in the GPU step process: CUDA_VISIBLE_DEVICES=\`${probe.cuda_visible_devices ?? ''}\`, torch ${probe.torch || 'not installed'}, cuda available ${probe.cuda_available ?? false}, ${probe.device_count ?? 0} device(s) ${probe.device_name ?? ''}`,
    ...(failures.length ? failures.map((f) => `- FAILED: ${f}`) : ['- all checks passed']),
    '',
    '## Steps',
    '',
    '| step | worker | GPUs granted | dispatch (ms) | duration (ms) |',
    '|---|---|---|---:|---:|',
    ...rows.map(
      (r) => `| ${r.step} | ${r.worker} | ${r.gpus} | ${r.dispatchMs ?? ''} | ${r.durationMs ?? ''} |`,
    ),
    '',
    '## Metrics (holdout) that came back from the worker',
    '',
    '| metric | value |',
    '|---|---:|',
    ...Object.entries(metrics).map(([k, v]) => `| ${k} | ${v.toFixed(4)} |`),
    '',
    `Cross-validation: \`${JSON.stringify(train?.cvMetrics ?? {})}\``,
    '',
    `Timings: redis + worker start ${(started.ms / 1000).toFixed(1)} s, run ${(runMs / 1000).toFixed(1)} s, total ${(totalMs / 1000).toFixed(1)} s.`,
    '',
  ].join('\n');
  mkdirSync(path.dirname(summaryPath), { recursive: true });
  writeFileSync(summaryPath, md);
  log(`summary written to ${summaryPath}`);
  log(verdict);
}

try {
  await main();
} catch (e) {
  log(`FAIL ${(e as Error).message}`);
  if (!failures.length) failures.push((e as Error).message);
} finally {
  await cleanup();
}
process.exit(failures.length ? 1 : 0);
