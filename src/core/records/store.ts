import type { BuildJob } from './types';

/**
 * Where records live. Nothing outside a store knows: the JSON files are the default, a
 * database store can stand behind the same interface.
 */
export interface RecordStore {
  saveJob(job: BuildJob): Promise<void>;
  appendLog(job: Pick<BuildJob, 'id' | 'packagePath'>, text: string): Promise<void>;
  latest(packagePath: string): Promise<BuildJob | undefined>;
  /** Newest first. */
  history(packagePath: string, limit?: number): Promise<BuildJob[]>;
  job(packagePath: string, id: string): Promise<BuildJob | undefined>;
  readLog(packagePath: string, id: string): Promise<string | undefined>;
  /** Keeps the newest `keep` jobs (and their logs) of a package. */
  prune(packagePath: string, keep: number): Promise<void>;
  /** Path of a job's log as recorded in `BuildJob.logs`. */
  logPath(packagePath: string, id: string): string;
  /** Waits for writes a store finishes in the background (a database's); never throws. */
  flush?(): Promise<void>;
}

export const RETAINED_JOBS = 50;

/** `pending` and `running` are what records written before `building` say. */
const JOB_STATUSES: ReadonlySet<unknown> = new Set(['building', 'success', 'failed', 'cancelled', 'skipped', 'pending', 'running']);
const LEGACY_IN_PROGRESS: ReadonlySet<unknown> = new Set(['pending', 'running']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nullOr = (v: unknown, type: 'string' | 'number') => v === null || typeof v === type;

/**
 * Whether a value read back from a store is a BuildJob its readers can use: records are files
 * anyone can edit or truncate, and one bad file must not crash `status` or `history`. Checks
 * the fields readers rely on, not every field of the schema.
 */
export function isBuildJob(value: unknown): value is BuildJob {
  if (!isObject(value)) return false;
  const j = value;
  return (
    typeof j.id === 'string' &&
    j.id !== '' &&
    JOB_STATUSES.has(j.status) &&
    typeof j.packagePath === 'string' &&
    ['packageName', 'builder', 'environment', 'cache', 'startTime'].every((k) => typeof j[k] === 'string') &&
    nullOr(j.endTime, 'string') &&
    nullOr(j.durationMs, 'number') &&
    nullOr(j.exitCode, 'number') &&
    Array.isArray(j.phases) &&
    Array.isArray(j.artifacts) &&
    j.artifacts.every((a) => isObject(a) && typeof a.path === 'string' && typeof a.checksum === 'string') &&
    Array.isArray(j.errors) &&
    j.errors.every((e) => isObject(e) && typeof e.code === 'string' && typeof e.message === 'string')
  );
}

/** A record as readers see it: an older record's `running` (or `pending`) reads as `building`. */
export function normalizeJob(job: BuildJob): BuildJob {
  return LEGACY_IN_PROGRESS.has(job.status) ? { ...job, status: 'building' } : job;
}
