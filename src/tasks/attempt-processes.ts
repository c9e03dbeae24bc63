/**
 * The processes of a step attempt, remembered on disk while they run: one small JSON file per process under
 * <stateDir>/processes/<run>/, written when the process starts and removed when it ends. A coordinator
 * killed with kill -9 leaves its files behind; before a resume executes anything, reapStaleAttempts kills
 * what they name (the sandbox, or the whole process group in the fallback) and waits until it is gone, so
 * an old attempt never runs beside its retry.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export interface AttemptProcess {
  runId: string;
  stepId: string;
  attempt: number;
  pid: number;
  /** The process leads its own process group (the whole group is killed). */
  group: boolean;
  /** Runs in a bubblewrap sandbox: killing it ends every process in its PID namespace. */
  sandboxed: boolean;
}

interface Recorded extends AttemptProcess {
  host: string;
  owner: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat), to tell a reused pid. */
  started: string | null;
}

const dirOf = (stateDir: string, runId: string) => path.join(stateDir, 'processes', runId);

/** Start time of a live process, or null (gone, or not Linux). Zombies count as gone. */
function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Records a started process; returns the function that forgets it (call it when the process ended). */
export function recordAttemptProcess(stateDir: string, p: AttemptProcess): () => void {
  const dir = dirOf(stateDir, p.runId);
  const file = path.join(dir, `${p.stepId}-${p.attempt}-${p.pid}.json`);
  const record: Recorded = { ...p, host: hostname(), owner: process.pid, started: startTicks(p.pid) };
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(record));
  } catch {
    // Without a record a resume cannot reap this process; the sandbox still ties it to its parent.
  }
  return () => rmSync(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killTree(r: Recorded): void {
  for (const target of r.group ? [-r.pid, r.pid] : [r.pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Kills every process an earlier, dead owner of this run left behind (on this machine) and waits up to
 * `waitMs` for them to be gone. Returns the records it reaped. Processes of a live owner are left alone.
 */
export async function reapStaleAttempts(
  stateDir: string,
  runId: string,
  opts: { waitMs?: number } = {},
): Promise<AttemptProcess[]> {
  const dir = dirOf(stateDir, runId);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const reaped: Recorded[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let r: Recorded;
    try {
      r = JSON.parse(readFileSync(file, 'utf8')) as Recorded;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (r.host !== hostname()) continue;
    if (r.owner !== process.pid && alive(r.owner)) continue;
    if (r.owner === process.pid) continue;
    const now = startTicks(r.pid);
    if (now !== null && r.started !== null && now !== r.started) {
      // The pid belongs to another process now; the old group cannot exist (Linux does not reuse a pid
      // that is still a process group id), so there is nothing left to kill.
    } else {
      // Alive, or a leader gone with its group possibly still running: kill both.
      killTree(r);
      reaped.push(r);
    }
    rmSync(file, { force: true });
  }
  const deadline = Date.now() + (opts.waitMs ?? 5000);
  const running = (r: Recorded) =>
    (startTicks(r.pid) !== null && startTicks(r.pid) === r.started) || (r.group && groupMembers(r.pid) > 0);
  while (reaped.some(running) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return reaped.map(({ host: _h, owner: _o, started: _s, ...p }) => p);
}

/** How many live (not zombie) processes are in a process group, from /proc. */
function groupMembers(pgid: number): number {
  let n = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && fields[0] !== 'X' && Number(fields[2]) === pgid) n++;
    } catch {
      // exited while we looked
    }
  }
  return n;
}
