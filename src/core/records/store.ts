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
}

export const RETAINED_JOBS = 50;
