import { hostname } from 'node:os';
import type { BuildError } from '../../errors';
import { createdBy } from './build-rows';
import { isBuildJob, type RecordStore } from './store';
import type { BuildJob } from './types';

export interface HistoryFilter {
  /** Builds started at or after this time. */
  since?: Date;
  status?: string;
  limit?: number;
}

/** A record with where it ran (columns of the database, this machine for JSON records). */
export type HistoryEntry = BuildJob & { host: string | null; commitSha: string | null; createdBy: string | null };

export interface FailureFilter {
  unresolved?: boolean;
  since?: Date;
  limit?: number;
}

/** One error of one build, open until a later build of its package succeeded. */
export interface FailureEntry extends Omit<BuildError, 'code' | 'message'> {
  packageName: string;
  packagePath: string;
  jobId: string;
  host: string | null;
  commitSha: string | null;
  startTime: string;
  code: string;
  message: string;
  resolved: boolean;
  resolvedAt: string | null;
  resolutionNotes: string | null;
}

/** Records across packages (and, in a database, hosts): `history --all` and `failures`. */
export interface SharedHistory {
  builds(filter: HistoryFilter): Promise<HistoryEntry[]>;
  failures(filter: FailureFilter): Promise<FailureEntry[]>;
}

export const DEFAULT_SHARED_LIMIT = 100;

export function hasSharedHistory(store: unknown): store is SharedHistory {
  const s = store as Partial<SharedHistory> | undefined;
  return typeof s?.builds === 'function' && typeof s.failures === 'function';
}

/** The same queries over one machine's records: the packages' JSON records, merged. */
export function localSharedHistory(store: RecordStore, packagePaths: string[]): SharedHistory {
  const host = hostname();
  const all = async () => (await Promise.all(packagePaths.map((p) => store.history(p)))).map((jobs) => jobs.filter(isBuildJob));
  return {
    async builds(filter) {
      const entries = (await all())
        .flat()
        .filter(
          (j) => (!filter.since || Date.parse(j.startTime) >= filter.since.getTime()) && (!filter.status || j.status === filter.status),
        )
        .sort(newestFirst)
        .map((j): HistoryEntry => ({ ...j, host, commitSha: null, createdBy: createdBy(j) }));
      return entries.slice(0, filter.limit ?? DEFAULT_SHARED_LIMIT);
    },
    async failures(filter) {
      const failures = (await all()).flatMap((jobs) => failuresOf(jobs, host));
      return failures
        .sort((a, b) => (a.startTime === b.startTime ? 0 : a.startTime < b.startTime ? 1 : -1))
        .filter((f) => (!filter.unresolved || !f.resolved) && (!filter.since || Date.parse(f.startTime) >= filter.since.getTime()))
        .slice(0, filter.limit ?? DEFAULT_SHARED_LIMIT);
    },
  };
}

/** A package's failures, newest build first: each error, resolved by the first later success. */
function failuresOf(jobs: BuildJob[], host: string): FailureEntry[] {
  const ordered = [...jobs].sort(newestFirst);
  const out: FailureEntry[] = [];
  let laterSuccess: BuildJob | undefined;
  for (const j of ordered) {
    for (const e of j.errors) {
      const { code, message, ...where } = e;
      out.push({
        ...where,
        packageName: j.packageName,
        packagePath: j.packagePath,
        jobId: j.id,
        host,
        commitSha: null,
        startTime: j.startTime,
        code,
        message,
        resolved: laterSuccess !== undefined,
        resolvedAt: laterSuccess ? (laterSuccess.endTime ?? laterSuccess.startTime) : null,
        resolutionNotes: laterSuccess ? `resolved by build ${laterSuccess.id}` : null,
      });
    }
    // Walking back in time: the earliest success after a failure is the one that resolved it.
    if (j.status === 'success') laterSuccess = j;
  }
  return out;
}

const newestFirst = (a: BuildJob, b: BuildJob) =>
  a.startTime === b.startTime ? (a.id < b.id ? 1 : -1) : a.startTime < b.startTime ? 1 : -1;

/** `7d`, `12h`, `30m`, `2w` before now, or a date; undefined when it is neither. */
export function parseSince(text: string, now = Date.now()): Date | undefined {
  const m = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  if (m) return new Date(now - Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w']);
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}
