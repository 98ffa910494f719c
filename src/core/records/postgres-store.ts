import { hostname } from 'node:os';
import { posix } from 'node:path';
import { BUILD_CACHE_DIR } from '../../config/define';
import { toBuildRows, type BuildRows, type RunMeta } from './build-rows';
import type { Database } from './database';
import {
  DEFAULT_SHARED_LIMIT,
  type FailureEntry,
  type FailureFilter,
  type HistoryEntry,
  type HistoryFilter,
  type SharedHistory,
} from './history';
import { isBuildJob, normalizeJob, type RecordStore } from './store';
import type { BuildJob } from './types';

/** A record to save with where it ran and, for a finished build, its log. */
export interface JobToSave {
  job: BuildJob;
  meta?: RunMeta;
  log?: string;
}

/** The database keeps a log up to this size (its end, where the errors are). */
export const MAX_DATABASE_LOG = 1024 * 1024;

/**
 * Records in PostgreSQL (tables: src/core/records/migrations/), for a history shared by every
 * machine of a team. Saving is an upsert by job id: a job saved again (as it goes, replayed
 * from a spool, imported twice) stays one row, and an older version never replaces a newer one.
 */
export class PostgresRecordStore implements RecordStore, SharedHistory {
  constructor(
    readonly db: Database,
    private readonly meta: RunMeta = { host: hostname(), commitSha: null },
  ) {}

  logPath(packagePath: string, id: string): string {
    return posix.join(packagePath, BUILD_CACHE_DIR, 'logs', `${id}.log`);
  }

  async saveJob(job: BuildJob): Promise<void> {
    await this.saveJobs([{ job }]);
  }

  /**
   * Saves records in one transaction (one statement); returns how many were new. Sorted by
   * project, the order in which every writer locks project rows, so concurrent batches never
   * deadlock.
   */
  async saveJobs(jobs: JobToSave[]): Promise<number> {
    if (jobs.length === 0) return 0;
    const rows: BuildRows[] = jobs
      .map((j) => toBuildRows(j.job, j.meta ?? this.meta, j.log === undefined ? undefined : tail(j.log, MAX_DATABASE_LOG)))
      .sort((a, b) => compare(a.project_name, b.project_name) || compare(a.build.build_number, b.build.build_number));
    const [row] = await this.db.query<{ created: number }>('SELECT build_system_save_builds($1::jsonb) AS created', [toJsonb(rows)]);
    return row?.created ?? 0;
  }

  async appendLog(job: Pick<BuildJob, 'id' | 'packagePath'>, text: string): Promise<void> {
    await this.db.query(
      `INSERT INTO build_logs (build_number, package_path, text) VALUES ($1, $2, $3)
       ON CONFLICT (build_number) DO UPDATE SET text = build_logs.text || excluded.text, updated_at = now()`,
      [job.id, job.packagePath, stripNul(text)],
    );
  }

  /** The build of the package that finished last (a build still running counts by its start). */
  async latest(packagePath: string): Promise<BuildJob | undefined> {
    const rows = await this.db.query<{ record: unknown }>(
      `SELECT b.record FROM builds b JOIN projects p ON p.id = b.project_id WHERE p.path = $1
       ORDER BY coalesce(b.end_time, b.start_time) DESC, b.build_number DESC LIMIT 1`,
      [packagePath],
    );
    const job = rows.map((r) => r.record).find(isBuildJob);
    return job && normalizeJob(job);
  }

  async history(packagePath: string, limit = Infinity): Promise<BuildJob[]> {
    const rows = await this.db.query<{ record: unknown }>(
      `SELECT b.record FROM builds b JOIN projects p ON p.id = b.project_id WHERE p.path = $1
       ORDER BY b.start_time DESC, b.build_number DESC LIMIT $2`,
      [packagePath, Number.isFinite(limit) ? limit : null],
    );
    return rows
      .map((r) => r.record)
      .filter(isBuildJob)
      .map(normalizeJob);
  }

  async job(packagePath: string, id: string): Promise<BuildJob | undefined> {
    const rows = await this.db.query<{ record: unknown }>(
      'SELECT b.record FROM builds b JOIN projects p ON p.id = b.project_id WHERE p.path = $1 AND b.build_number = $2',
      [packagePath, id],
    );
    const job = rows[0]?.record;
    return isBuildJob(job) && job.id === id ? normalizeJob(job) : undefined;
  }

  async readLog(packagePath: string, id: string): Promise<string | undefined> {
    const rows = await this.db.query<{ text: string }>('SELECT text FROM build_logs WHERE build_number = $1 AND package_path = $2', [
      id,
      packagePath,
    ]);
    return rows[0]?.text;
  }

  /** Keeps a package's newest `keep` builds. Builds never prune the database (only JSON files): see open-store. */
  async prune(packagePath: string, keep: number): Promise<void> {
    await this.db.query(
      `WITH stale AS (
         DELETE FROM builds WHERE id IN (
           SELECT b.id FROM builds b JOIN projects p ON p.id = b.project_id WHERE p.path = $1
           ORDER BY b.start_time DESC, b.build_number DESC OFFSET $2)
         RETURNING build_number)
       DELETE FROM build_logs WHERE build_number IN (SELECT build_number FROM stale)`,
      [packagePath, keep],
    );
  }

  async builds(filter: HistoryFilter): Promise<HistoryEntry[]> {
    const rows = await this.db.query<{ record: unknown; host: string | null; commit_sha: string | null; created_by: string | null }>(
      `SELECT b.record, b.host, b.commit_sha, b.created_by FROM builds b
       WHERE ($1::timestamptz IS NULL OR b.start_time >= $1) AND ($2::text IS NULL OR b.status = $2)
       ORDER BY b.start_time DESC, b.build_number DESC LIMIT $3`,
      [filter.since ?? null, filter.status ?? null, filter.limit ?? DEFAULT_SHARED_LIMIT],
    );
    return rows.flatMap((r) =>
      isBuildJob(r.record) ? [{ ...normalizeJob(r.record), host: r.host, commitSha: r.commit_sha, createdBy: r.created_by }] : [],
    );
  }

  async failures(filter: FailureFilter): Promise<FailureEntry[]> {
    const rows = await this.db.query<FailureRow>(
      `SELECT p.name, p.path, b.build_number, b.host, b.commit_sha, b.start_time, f.failure_type, f.error_message,
              f.error_details, f.resolved, f.resolved_at, f.resolution_notes
       FROM build_failures f JOIN builds b ON b.id = f.build_id JOIN projects p ON p.id = b.project_id
       WHERE ($1::boolean IS NOT TRUE OR NOT f.resolved) AND ($2::timestamptz IS NULL OR b.start_time >= $2)
       ORDER BY b.start_time DESC, b.build_number DESC, f.ordinal LIMIT $3`,
      [filter.unresolved ?? false, filter.since ?? null, filter.limit ?? DEFAULT_SHARED_LIMIT],
    );
    return rows.map((r) => ({
      ...(r.error_details as Partial<FailureEntry>),
      packageName: r.name,
      packagePath: r.path,
      jobId: r.build_number,
      host: r.host,
      commitSha: r.commit_sha,
      startTime: iso(r.start_time)!,
      code: r.failure_type,
      message: r.error_message,
      resolved: r.resolved,
      resolvedAt: iso(r.resolved_at),
      resolutionNotes: r.resolution_notes,
    }));
  }
}

interface FailureRow {
  name: string;
  path: string;
  build_number: string;
  host: string | null;
  commit_sha: string | null;
  start_time: Date | string;
  failure_type: string;
  error_message: string;
  error_details: Record<string, unknown>;
  resolved: boolean;
  resolved_at: Date | string | null;
  resolution_notes: string | null;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const iso = (t: Date | string | null) => (t === null ? null : t instanceof Date ? t.toISOString() : new Date(t).toISOString());
const stripNul = (s: string) => (s.includes('\0') ? s.replace(/\0/g, '') : s);

/** PostgreSQL text and jsonb cannot hold NUL characters: they are dropped from every string. */
function toJsonb(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'string' ? stripNul(v) : v));
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `[… ${text.length - max} characters cut]\n${text.slice(-max)}`;
}
