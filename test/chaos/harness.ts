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
 * Executors: `coordinator` (the engine in its own process, as `pipewright run`/`resume` runs it) and
 * `server` (`pipewright serve`: killed, restarted, and its auto-resume picks the run up).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { loadConfig } from '../../src/config.ts';
import { AuthStore, openModelRegistry, RunStore, stateTarget } from '../../src/store/index.ts';
import { toyModel } from '../deploy/helpers.ts';
import { childEnv, runChild } from '../helpers/engine-child-runner.ts';

export const STEPS = ['register', 'deploy', 'notify', 'append'] as const;
/** Every fault point of the plan: each step's boundaries and the window after its side effect. */
export const ALL_POINTS = [
  'run.claimed',
  ...STEPS.flatMap((s) => [`step.start:${s}`, `step.effect:${s}`, `step.done:${s}`]),
];

export interface ChaosReport {
  executor: 'coordinator' | 'server';
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

/** Runs left behind: `running` with a lapsed lease (listRuns marks them), or interrupted and never resumed. */
function orphans(w: World, report: ChaosReport): void {
  const store = new RunStore(stateTarget(loadConfig({ workspace: w.workspace }, {})));
  try {
    for (const r of store.listRuns({ limit: 10_000 })) {
      if (r.status === 'interrupted' || r.status === 'running' || r.status === 'queued') {
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

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * The server: the run is started and approved over the API by a token, then the server is killed at each
 * fault point in turn; each restart resumes the interrupted run by itself (auto-resume), until a server
 * without faults finishes it.
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
  let killed = 0;
  try {
    for (const [i, point] of [...points, ''].entries()) {
      const { server, url } = await serve(w, point);
      try {
        if (i === 0) {
          const call = (p: string, body: unknown) =>
            fetch(`${url}${p}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            }).then((r) => r.json() as Promise<Record<string, unknown>>);
          runId = String((await call('/api/runs', { plan: w.plan })).runId);
          if (!(await until(() => status(runId) === 'waiting', 60_000))) throw new Error('never waited');
          await call(`/api/runs/${runId}/approvals/ok`, { approved: true });
        }
        if (point) {
          const r = await Promise.race([
            server,
            new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 120_000)),
          ]);
          if (r?.signal === 'SIGKILL') {
            killed++;
            report.injected++;
            log(`server killed at ${point}`);
          } else report.problems.push(`server with fault ${point} did not die there`);
        } else if (!(await until(() => status(runId) === 'succeeded' || status(runId) === 'failed', 120_000)))
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
