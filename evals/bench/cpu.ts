/**
 * CPU time, for benchmarks on a shared machine: wall time grows with other people's load, CPU time much
 * less. Linux only (reads /proc/self/stat); elsewhere NaN.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc's times on every Linux platform Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds used by the children this process has waited for (utime + stime), so far. */
export function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after "pid (comm) ": state is 0, so cutime and cstime are 13 and 14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU milliseconds of this process (all its threads) plus its waited-for children, so far. */
export function totalCpuMs(): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000 + childrenCpuMs();
}
