/**
 * Fault injection (`npm run chaos`, and a short form in `npm test`): a plan with every kind of side effect
 * (an approval, a model registration that moves an alias, a deployment, a webhook notification, a shell
 * step that appends to a file under its idempotency key), executed by a process that is killed (SIGKILL at
 * a PIPEWRIGHT_FAULTS point) at each step boundary and inside each side-effecting task, then resumed, again
 * and again, until the run finishes. Then records and the outside world are counted:
 *
 *   injected    kills that happened (the process died of SIGKILL at the named point)
 *   survived    of those, kills after which the run went on and ended with every record and effect once
 *   duplicates  effects found more than once (versions, deployments, audit entries, posts, appended lines)
 *   lost        records or effects missing (a step not succeeded, no version, no audit entry, no post)
 *   orphaned    runs left `running` without a live lease, or `interrupted` and never resumed
 *
 * Executors: `coordinator` (the engine in its own process, as `pipewright run`/`resume` runs it),
 * `server` (`pipewright serve`: killed, restarted, and its auto-resume picks the run up) and `worker` (a
 * `pipewright worker` running a step for the coordinator, killed before and after the step's effect; BullMQ
 * hands the job to another worker).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { startRedis } from '../../scripts/lib/redis-server.ts';
import { loadConfig } from '../../src/config.ts';
import { AuthStore, openModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { toyModel } from '../deploy/helpers.ts';
import { childEnv, runChild } from '../helpers/engine-child-runner.ts';
import { ALLOW_LOOPBACK, writePolicy } from '../helpers/policy.ts';

export const STEPS = ['register', 'deploy', 'notify', 'append'] as const;
/** Every fault point of the plan: each step's boundaries and the window after its side effect. */
export const ALL_POINTS = [
  'run.claimed',
  ...STEPS.flatMap((s) => [`step.start:${s}`, `step.effect:${s}`, `step.done:${s}`]),
];

export interface ChaosReport {
  executor: 'coordinator' | 'server' | 'worker';
  injected: number;
  survived: number;
  duplicates: number;
  lost: number;
  orphaned: number;
  /** One line per problem found, for the log. */
  problems: string[];
}

const BIN = path.resolve(import.meta.dirname, '../../bin/pipewright.mjs');

/** Appends one line per run to appended.txt, once per step however often it is attempted. */
const GUARDED_APPEND =
  'f=".done-$(printf %s "$PIPEWRIGHT_IDEMPOTENCY_KEY" | tr / _)"; [ -f "$f" ] || { echo "$PIPEWRIGHT_RUN_ID $PIPEWRIGHT_ATTEMPT" >> appended.txt; touch "$f"; }';

interface World {
  workspace: string;
  webhook: Server;
  posts: { key: string | undefined }[];
  plan: Record<string, unknown>;
  close(): Promise<void>;
}

async function world(): Promise<World> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-chaos-'));
  const config = loadConfig({ workspace }, {});
  const model = await toyModel(config.stateDir);
  // The webhook stand-in listens on 127.0.0.1, which the egress guard refuses unless the policy allows it.
  writePolicy(config, ALLOW_LOOPBACK);
  const posts: World['posts'] = [];
  const webhook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts.push({ key: req.headers['idempotency-key'] as string | undefined });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks/chaos`;
  const plan = {
    name: 'chaos',
    steps: [
      { id: 'ok', kind: 'approval', message: 'Ship it?', timeout: '1h' },
      {
        id: 'register',
        task: 'model.register',
        dependsOn: ['ok'],
        with: { name: 'churn', model, alias: 'staging' },
      },
      {
        id: 'deploy',
        task: 'deploy.http',
        dependsOn: ['register'],
        with: { model: 'churn', version: '${{ steps.register.outputs.version }}' },
      },
      {
        id: 'notify',
        task: 'notify.send',
        dependsOn: ['deploy'],
        with: { channel: 'webhook', url, text: 'shipped' },
      },
      {
        id: 'append',
        task: 'shell.exec',
        dependsOn: ['notify'],
        with: { command: ['sh', '-c', GUARDED_APPEND] },
      },
    ],
  };
  writeFileSync(path.join(workspace, 'plan.json'), JSON.stringify(plan));
  return {
    workspace,
    webhook,
    posts,
    plan,
    close: async () => {
      await new Promise<void>((resolve) => webhook.close(() => resolve()));
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** Counts one finished run's records and effects: each must be there exactly once. */
function check(w: World, runId: string, submitter: string, report: ChaosReport): boolean {
  const config = loadConfig({ workspace: w.workspace }, {});
  const store = new RunStore(stateTarget(config));
  const registry = openModelRegistry(config);
  const before = report.problems.length;
  const count = (what: string, n: number) => {
    if (n > 1) {
      report.duplicates += n - 1;
      report.problems.push(`${runId}: ${what} ${n} times`);
    } else if (n === 0) {
      report.lost++;
      report.problems.push(`${runId}: ${what} missing`);
    }
  };
  try {
    const run = store.requireRun(runId);
    if (run.status !== 'succeeded') {
      report.lost++;
      report.problems.push(`${runId}: ended ${run.status}`);
    }
    for (const s of store.getSteps(runId)) {
      if (s.status !== 'succeeded') {
        report.lost++;
        report.problems.push(`${runId}: step ${s.stepId} ${s.status}`);
      }
      // One success (or one decision) per step: a resumed step never records its end twice.
      const ends =
        s.kind === 'approval'
          ? store.events(runId, { stepId: s.stepId, types: ['approval.decided'] })
          : store.events(runId, { stepId: s.stepId, types: ['step.succeeded'] });
      count(`${s.kind === 'approval' ? 'decision' : 'step.succeeded event'} of ${s.stepId}`, ends.length);
    }
    const versions = registry.listVersions('churn').filter((v) => v.runId === runId);
    count('model version', versions.length);
    if (versions[0] && versions[0].createdBy !== submitter) {
      report.lost++;
      report.problems.push(`${runId}: version recorded as by ${versions[0].createdBy}, not ${submitter}`);
    }
    const deployments = registry.listDeployments('churn', 10_000).filter((d) => d.runId === runId);
    count('deployment', deployments.length);
    const audit = store.listAudit({ limit: 100_000 });
    const of = (action: string, match: (d: Record<string, unknown>) => boolean) =>
      audit.filter((a) => a.action === action && match(a.details)).length;
    count(
      'model.register audit entry',
      of('model.register', (d) => d.runId === runId),
    );
    count(
      'model.deploy audit entry',
      of('model.deploy', (d) => d.runId === runId),
    );
    count(
      'staging alias move',
      of('model.alias.set', (d) => d.reason === `registered by ${runId}`),
    );
    count('webhook post', w.posts.filter((p) => p.key === `${runId}/notify`).length);
    const appended = readLines(path.join(w.workspace, 'appended.txt')).filter((l) =>
      l.startsWith(`${runId} `),
    );
    count('appended line', appended.length);
  } finally {
    registry.close();
    store.close();
  }
  return report.problems.length === before;
}

/**
 * Runs left behind: `running` with a lapsed lease (listRuns marks them interrupted), interrupted and never
 * resumed, or waiting on approvals that are all decided.
 */
function orphans(w: World, report: ChaosReport): void {
  const store = new RunStore(stateTarget(loadConfig({ workspace: w.workspace }, {})));
  try {
    for (const r of store.listRuns({ limit: 10_000 })) {
      const decided =
        r.status === 'waiting' && store.listApprovals({ runId: r.id, status: 'pending' }).length === 0;
      if (r.status === 'interrupted' || r.status === 'running' || r.status === 'queued' || decided) {
        report.orphaned++;
        report.problems.push(`${r.id}: left ${r.status}`);
      }
    }
  } finally {
    store.close();
  }
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function approve(w: World, runId: string, by: string): void {
  const store = new RunStore(stateTarget(loadConfig({ workspace: w.workspace }, {})));
  try {
    store.decideApproval({ runId, stepId: 'ok', approved: true, by, via: 'chaos' });
  } finally {
    store.close();
  }
}

/**
 * The coordinator: `run` until the approval, then one resume per fault point, each killed there (the same
 * run, attempt after attempt), then a clean resume. Points are taken in plan order.
 */
export async function chaosCoordinator(
  points: string[] = ALL_POINTS,
  log = (_: string) => {},
): Promise<ChaosReport> {
  const report: ChaosReport = {
    executor: 'coordinator',
    injected: 0,
    survived: 0,
    duplicates: 0,
    lost: 0,
    orphaned: 0,
    problems: [],
  };
  const w = await world();
  try {
    const first = await runChild(w.workspace, ['run', 'plan.json', 'alice']);
    const runId = first.runId;
    if (first.result?.status !== 'waiting' || !runId) {
      report.problems.push(`the run did not reach its approval: ${first.result?.message ?? first.stderr}`);
      report.lost++;
      return report;
    }
    approve(w, runId, 'bob');
    let killed = 0;
    for (const point of points) {
      const r = await runChild(w.workspace, ['resume', runId], { PIPEWRIGHT_FAULTS: point });
      if (r.signal === 'SIGKILL') {
        killed++;
        report.injected++;
        log(`coordinator killed at ${point}`);
      } else if (r.result?.status !== 'succeeded') {
        report.problems.push(
          `resume with fault ${point}: ${r.result?.error ?? r.signal ?? r.exitCode} ${r.result?.message ?? ''}`,
        );
      }
    }
    const last = await runChild(w.workspace, ['resume', runId]);
    if (last.result?.status !== 'succeeded' && last.result?.error !== 'RUN_FINISHED')
      report.problems.push(
        `final resume: ${last.result?.error ?? last.exitCode} ${last.result?.message ?? ''}`,
      );
    if (check(w, runId, 'alice', report)) report.survived += killed;
    orphans(w, report);
  } finally {
    await w.close();
  }
  return report;
}

/** `pipewright serve` on a free port in the workspace, with these faults; resolves with its URL. */
async function serve(w: World, faults: string): Promise<{ server: ResultPromise; url: string }> {
  const server = execa(process.execPath, [BIN, 'serve', '--port', '0', '--json'], {
    cwd: w.workspace,
    env: childEnv(w.workspace, { PIPEWRIGHT_FAULTS: faults, PIPEWRIGHT_LEASE_MS: '3000' }),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout?.on('data', (d: Buffer) => {
      const m = /"url":"([^"]+)"/.exec(d.toString());
      if (m?.[1]) resolve(m[1]);
    });
    void server.then((r) =>
      reject(new Error(`server exited before it listened: ${String(r.stderr).slice(-500)}`)),
    );
  });
  return { server, url };
}

/**
 * The server: the run is started and approved over the API by a token, and the server is killed at each
 * fault point in turn. Each restarted server resumes the run by itself (auto-resume of interrupted runs,
 * and of waiting runs whose approval was decided), until a server without faults finishes it.
 */
export async function chaosServer(points: string[], log = (_: string) => {}): Promise<ChaosReport> {
  const report: ChaosReport = {
    executor: 'server',
    injected: 0,
    survived: 0,
    duplicates: 0,
    lost: 0,
    orphaned: 0,
    problems: [],
  };
  const w = await world();
  const config = loadConfig({ workspace: w.workspace }, {});
  const store = new RunStore(stateTarget(config));
  const { token } = new AuthStore(store).createToken({ name: 'ci-bot', role: 'admin', createdBy: 'chaos' });
  const status = (id: string) => store.requireRun(id).status;
  let runId = '';
  let approved = false;
  let killed = 0;
  try {
    for (const point of [...points, '']) {
      const { server, url } = await serve(w, point);
      const call = (p: string, body: unknown) =>
        fetch(`${url}${p}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<Record<string, unknown>>);
      let exited: { signal?: string | undefined } | undefined;
      void server.then((r) => {
        exited = r;
      });
      try {
        if (!runId) runId = String((await call('/api/runs', { plan: w.plan })).runId);
        const finished = () => ['succeeded', 'failed', 'cancelled'].includes(status(runId));
        const end = Date.now() + 120_000;
        while (!exited && !(finished() && !point) && Date.now() < end) {
          if (
            !approved &&
            status(runId) === 'waiting' &&
            store.getApproval(runId, 'ok')?.status === 'pending'
          ) {
            await call(`/api/runs/${runId}/approvals/ok`, { approved: true });
            approved = true;
          }
          if (point && finished()) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        if (point) {
          if (exited?.signal === 'SIGKILL') {
            killed++;
            report.injected++;
            log(`server killed at ${point}`);
          } else
            report.problems.push(`the server with fault ${point} did not die there (run ${status(runId)})`);
        } else if (!finished())
          report.problems.push(`the last server did not finish the run (${status(runId)})`);
      } finally {
        server.kill('SIGTERM');
        await server;
      }
    }
    if (check(w, runId, 'ci-bot', report)) report.survived += killed;
    orphans(w, report);
  } catch (e) {
    report.problems.push(`server scenario broke: ${(e as Error).message}`);
  } finally {
    store.close();
    await w.close();
  }
  return report;
}

/**
 * Workers: two steps run on `pipewright worker` processes; the worker running the first is killed while
 * the step sleeps before its effect, the worker running the second right after its effect. BullMQ gives
 * each job to another worker, the step runs again there under the same idempotency key, and its program's
 * guard keeps the effect single.
 */
export async function chaosWorker(log = (_: string) => {}): Promise<ChaosReport> {
  const report: ChaosReport = {
    executor: 'worker',
    injected: 0,
    survived: 0,
    duplicates: 0,
    lost: 0,
    orphaned: 0,
    problems: [],
  };
  const redis = await startRedis();
  const w = await world();
  const workers = new Map<string, ResultPromise>();
  const env = { PIPEWRIGHT_REDIS_URL: redis.url, PIPEWRIGHT_QUEUE: 'chaos' };
  mkdirSync(path.join(w.workspace, 'pids'));
  // One file per execution of the program (in a sandbox its pid can repeat across attempts).
  const pid = 'echo $$ > "pids/$PIPEWRIGHT_STEP_ID-$$-$(date +%s%N)"';
  const plan = {
    name: 'chaos-workers',
    allowUnapproved: true,
    steps: [
      {
        id: 'before',
        task: 'shell.exec',
        with: { command: ['sh', '-c', `${pid}; sleep 3; ${GUARDED_APPEND}`] },
      },
      {
        id: 'after',
        task: 'shell.exec',
        dependsOn: ['before'],
        with: { command: ['sh', '-c', `${GUARDED_APPEND}; ${pid}; sleep 3`] },
      },
    ],
  };
  writeFileSync(path.join(w.workspace, 'workers.json'), JSON.stringify(plan));
  const startWorker = async (id: string) => {
    const child = execa(
      process.execPath,
      [
        BIN,
        '--json',
        'worker',
        '--id',
        id,
        '--heartbeat',
        '300',
        '--lock-duration',
        '2000',
        '--gpus',
        'none',
      ],
      { cwd: w.workspace, env: childEnv(w.workspace, env), extendEnv: false, reject: false, stdin: 'ignore' },
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"ready"')) resolve();
      });
      void child.then((r) =>
        reject(new Error(`worker exited before it was ready: ${String(r.stderr).slice(-300)}`)),
      );
    });
    workers.set(id, child);
  };
  const watch = new RunStore(stateTarget(loadConfig({ workspace: w.workspace }, {})));
  try {
    await Promise.all([startWorker('chaos-w1'), startWorker('chaos-w2'), startWorker('chaos-w3')]);
    const running = runChild(w.workspace, ['run', 'workers.json', 'alice'], env);
    for (const step of ['before', 'after']) {
      const end = Date.now() + 60_000;
      let victim: string | undefined;
      while (!victim && Date.now() < end) {
        // Its program is running (it wrote its pid file, sandboxed or not), and the worker that claimed it
        // said so in the step's log.
        const started = readdirSync(path.join(w.workspace, 'pids')).some((f) => f.startsWith(`${step}-`));
        const runId = watch.listRuns({ plan: 'chaos-workers', limit: 1 })[0]?.id;
        if (started && runId) {
          victim = watch
            .events(runId, { stepId: step, types: ['step.log'] })
            .map((e) => (e.data.data as { worker?: unknown } | undefined)?.worker)
            .filter((id): id is string => typeof id === 'string' && workers.has(id))
            .at(-1);
        }
        if (!victim) await new Promise((r) => setTimeout(r, 50));
      }
      if (!victim) {
        report.problems.push(`no worker was seen running step ${step}`);
        continue;
      }
      workers.get(victim)?.kill('SIGKILL');
      workers.delete(victim);
      report.injected++;
      log(`worker killed ${step === 'before' ? 'before' : 'after'} the effect of its step`);
    }
    const r = await running;
    const store = new RunStore(stateTarget(loadConfig({ workspace: w.workspace }, {})));
    try {
      const runId = r.runId ?? '';
      if (r.result?.status !== 'succeeded') {
        report.lost++;
        report.problems.push(
          `the run ended ${r.result?.status ?? r.result?.error}: ${r.result?.message ?? ''}`,
        );
      }
      const lines = readLines(path.join(w.workspace, 'appended.txt'));
      let ok = true;
      for (const step of ['before', 'after']) {
        const n = lines.filter((l) => l.startsWith(`${runId} `)).length;
        const ran = readdirSync(path.join(w.workspace, 'pids')).filter((f) =>
          f.startsWith(`${step}-`),
        ).length;
        if (ran < 2) {
          ok = false;
          report.problems.push(
            `step ${step} ran ${ran} time(s): its worker's death did not make it run again`,
          );
        }
        if (store.getStep(runId, step)?.status !== 'succeeded') {
          ok = false;
          report.lost++;
          report.problems.push(`step ${step} ${store.getStep(runId, step)?.status}`);
        }
        if (step === 'after' && n !== 2) {
          ok = false;
          if (n > 2) report.duplicates += n - 2;
          else report.lost += 2 - n;
          report.problems.push(`${n} lines appended for 2 steps`);
        }
      }
      if (ok && !report.lost && !report.duplicates) report.survived = report.injected;
    } finally {
      store.close();
    }
    orphans(w, report);
  } catch (e) {
    report.problems.push(`worker scenario broke: ${(e as Error).message}`);
  } finally {
    for (const child of workers.values()) child.kill('SIGTERM');
    await Promise.all([...workers.values()]);
    watch.close();
    await redis.stop();
    await w.close();
  }
  return report;
}

export function formatReports(reports: ChaosReport[]): string {
  const rows = reports.map((r) =>
    [r.executor, r.injected, r.survived, r.duplicates, r.lost, r.orphaned].map(String),
  );
  const total = ['total', ...[1, 2, 3, 4, 5].map((i) => String(rows.reduce((s, r) => s + Number(r[i]), 0)))];
  const head = ['executor', 'faults injected', 'survived', 'duplicates', 'lost records', 'orphaned runs'];
  const all = [head, ...rows, total];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  const problems = reports.flatMap((r) => r.problems.map((p) => `  ${r.executor}: ${p}`));
  return [
    line(head),
    ...rows.map(line),
    line(total),
    ...(problems.length ? ['problems:', ...problems] : []),
  ].join('\n');
}
