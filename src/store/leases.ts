/**
 * Run leases: the process executing a run holds a lease (an owner id and an expiry) that it renews while
 * it works. A run whose lease expired, or whose owner on this machine is a dead process, is `interrupted`:
 * nobody executes it, and anyone may claim it. Claims are compare-and-set on the owner seen, so two
 * resumers never both win, on SQLite or Postgres.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** How long a lease lasts without renewal (PIPEWRIGHT_LEASE_MS overrides it). */
export const DEFAULT_LEASE_MS = 15_000;

/** A fresh owner id for one execution of a run: host/pid/random (two executions in one process differ). */
export function newLeaseOwner(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

export function parseLeaseOwner(owner: string): { host: string; pid: number } | undefined {
  const m = /^(.*)\/(\d+)\/[0-9a-f]+$/.exec(owner);
  return m ? { host: m[1] as string, pid: Number(m[2]) } : undefined;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The run row fields that decide whether someone executes it. */
export interface LeaseView {
  status: string;
  leaseOwner?: string | undefined;
  leaseExpiresAt?: string | undefined;
  /** Runs recorded before leases existed name only the owning pid. */
  ownerPid?: number | undefined;
}

/**
 * Why nobody executes this run any more, or undefined while its owner holds it. Expired leases count
 * everywhere; an owner on this machine that is a dead process counts at once (no need to wait out the lease
 * after `kill -9`).
 */
export function leaseLapse(run: LeaseView, nowMs: number): string | undefined {
  if (run.status !== 'running') return undefined;
  if (run.leaseOwner) {
    const owner = parseLeaseOwner(run.leaseOwner);
    if (owner && owner.host === hostname() && !isProcessAlive(owner.pid))
      return `process ${owner.pid} that executed it is gone`;
    if (run.leaseExpiresAt && Date.parse(run.leaseExpiresAt) < nowMs)
      return `its executor (${run.leaseOwner}) stopped renewing its lease at ${run.leaseExpiresAt}`;
    return undefined;
  }
  if (run.ownerPid && !isProcessAlive(run.ownerPid))
    return `process ${run.ownerPid} that executed it is gone`;
  return run.ownerPid ? undefined : 'it has no executor';
}
