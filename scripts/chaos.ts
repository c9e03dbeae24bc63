/**
 * `npm run chaos`: fault injection across every step boundary and side-effect window of a plan with an
 * approval, a registration, a deployment, a webhook and a file append, for the coordinator process, for
 * `pipewright serve`, and for `pipewright worker` processes running steps (test/chaos/harness.ts). Prints
 * faults injected / survived / duplicates / lost records / orphaned runs; exits 1 unless every fault was
 * survived with nothing duplicated, lost or orphaned.
 *
 *   npm run chaos                      # every executor, every fault point
 *   npm run chaos -- coordinator       # one executor (coordinator, server, worker)
 */
import {
  ALL_POINTS,
  type ChaosReport,
  chaosCoordinator,
  chaosServer,
  chaosWorker,
  formatReports,
} from '../test/chaos/harness.ts';

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const reports: ChaosReport[] = [];
if (!wanted.length || wanted.includes('coordinator')) reports.push(await chaosCoordinator(ALL_POINTS, log));
if (!wanted.length || wanted.includes('server')) reports.push(await chaosServer(ALL_POINTS, log));
if (!wanted.length || wanted.includes('worker')) reports.push(await chaosWorker(log));
process.stdout.write(`${formatReports(reports)}\n`);
const ok = reports.every(
  (r) =>
    r.injected > 0 &&
    r.survived === r.injected &&
    !r.duplicates &&
    !r.lost &&
    !r.orphaned &&
    !r.problems.length,
);
process.exitCode = ok ? 0 : 1;
