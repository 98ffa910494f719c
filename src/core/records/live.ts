import { hostname } from 'node:os';
import { join } from 'node:path';
import { readLockHolder } from '../lock';
import type { BuildJob, JobStatus } from './types';

/** How often a running build's log reaches the store between phase changes (the builds page shows it). */
export const LOG_SYNC_MS = 1000;

/**
 * Saves a running build's record as it changes, one save at a time: a change made while a
 * save is under way is written by the next save (changes in between share it), so the newest
 * state is always written last and `idle` says when it is.
 */
export class ProgressWriter {
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(private readonly save: () => Promise<void>) {}

  update(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.chain
      .then(() => {
        this.queued = undefined;
        return this.save();
      })
      .catch(() => undefined);
    this.queued = next;
    this.chain = next;
    return next;
  }

  /** Resolves once every save asked for so far has been written (or has failed). */
  idle(): Promise<void> {
    return this.chain;
  }
}

/** A record's status as shown: `interrupted` is a `building` record whose process is gone. Never written. */
export type DisplayStatus = JobStatus | 'interrupted';

/** Whether a record says its build is still running (records before `building` said `running`). */
export function inProgress(job: Pick<BuildJob, 'status'>): boolean {
  return (job.status as string) === 'building' || (job.status as string) === 'running' || (job.status as string) === 'pending';
}

/**
 * The status to show for a record: a record left `building` by a killed process reads as
 * `interrupted` once the process is gone, decided when read, on this host.
 */
export function displayStatus(job: BuildJob, workspaceRoot: string): DisplayStatus {
  if (!inProgress(job)) return job.status;
  return buildGone(job, join(workspaceRoot, job.packagePath)) ? 'interrupted' : 'building';
}

/**
 * Gone when the record's process is dead on this host, or when the record says the build holds
 * the lock but the lock's owner is another process (or nobody): a finishing build saves its
 * record before it releases the lock. A record without its process (an older one) goes by the
 * lock's owner alone; one from another host cannot be told, and stays `building`.
 */
function buildGone(job: BuildJob, packageRoot: string): boolean {
  const here = hostname();
  const owner = readLockHolder(packageRoot);
  const own = job.process;
  if (own && own.host === here) {
    if (!processAlive(own.pid)) return true;
    const holdsLock = job.phases.some((p) => p.name === 'lock' && p.status === 'success');
    return holdsLock && (!owner || owner.pid !== own.pid || owner.host !== own.host);
  }
  if (own) return false;
  return owner ? owner.host === here && !processAlive(owner.pid) : true;
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
