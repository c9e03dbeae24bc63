/**
 * Fault injection for the chaos suite (`npm run chaos`, test/chaos): PIPEWRIGHT_FAULTS names points where
 * this process kills itself with SIGKILL, exactly as `kill -9` from outside would at that instant. It makes
 * the narrow windows reachable on purpose, e.g. between a registry write and the step record.
 *
 * Points (the step id after the colon):
 *   step.start:<id>   the attempt is recorded as running, the task has not started
 *   step.effect:<id>  the task returned (its side effects are done), its success is not recorded yet
 *   step.done:<id>    the success is recorded, the graph has not checkpointed it yet
 *   run.claimed       the run's lease is taken, nothing has run yet
 */
import type { Config } from '../config.ts';

export function faultPoint(config: Pick<Config, 'faults'>, point: string): void {
  if (config.faults.length > 0 && config.faults.includes(point)) process.kill(process.pid, 'SIGKILL');
}
